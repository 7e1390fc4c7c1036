"""The duo's six terms, the ratios built on them, the facts stand-in and unscorable terms."""

import pytest

from llavar2.errors import UsageError
from llavar2.records import (
    QA,
    ConversationSet,
    DuoConversation,
    EnrichedCaption,
    OcrResult,
    Provenance,
)
from llavar2.score import SCORERS, TERMS, duo_requests, facts_text, make_scorer
from llavar2.score.stage import score_duos

PROVENANCE = Provenance(stage="test", backend="test", model="test", template="test@1")
DUOS = [
    DuoConversation(
        qtype="read",
        extractive=QA(question="What is written on the sign?", answer="OPEN 24 HOURS"),
        self_explain=QA(
            question="Why would a store stay open all night?",
            answer="Night-shift workers need somewhere to shop.",
        ),
        evidence=[0],
    ),
    DuoConversation(
        qtype="price",
        extractive=QA(question="What is the price of the coffee?", answer="$3.50 per cup"),
        self_explain=QA(
            question="Is that cheap for coffee?",
            answer="The coffee costs $3.50, about the usual price.",
        ),
        evidence=[1],
    ),
]


def _records(duos):
    ocr = OcrResult(
        id="img1",
        image="sign.png",
        engine="test",
        width=48,
        height=40,
        lines=[],
        text="OPEN 24 HOURS\nCOFFEE $3.50",
    )
    caption = EnrichedCaption(
        id="img1",
        image="sign.png",
        human_caption="a shop sign",
        caption="A shop sign that reads OPEN 24 HOURS above a price list.",
        instruction="Describe the image.",
        provenance=PROVENANCE,
    )
    return [
        (
            (ocr, caption),
            ConversationSet(id="img1", image="sign.png", duos=duos, provenance=PROVENANCE),
        )
    ]


def test_requests_put_x_and_c_on_the_documented_turns(tmp_path):
    duo = DUOS[0]
    image = tmp_path / "sign.png"
    with_image = duo_requests(duo, "image", image)
    facts = duo_requests(duo, "facts", facts="the facts")
    for term in TERMS:
        scored = [p.text for m in with_image[term].messages for p in m.parts if p.scored]
        expected = {"A|Q": 1, "A": 1}.get(term, 2)
        assert len(scored) == expected
        assert with_image[term].image == (image if "I" in term else None)
        assert not facts[term].has_image and facts[term].image is None
    assert [p.text for m in with_image["S|I,E"].messages for p in m.parts if p.scored] == [
        duo.self_explain.question,
        duo.self_explain.answer,
    ]
    context = [p for m in facts["S|I,E"].messages for p in m.parts if not p.scored]
    assert [p.text for p in context] == [
        "the facts",
        duo.extractive.question,
        duo.extractive.answer,
    ]


def test_ratios_are_built_from_the_terms_with_the_facts_stand_in(lm_dir):
    scorer = make_scorer(f"hf:{lm_dir}")
    (ocr, caption), conversations = _records(DUOS)[0]
    scores = list(score_duos(_records(DUOS), scorer, "facts"))
    assert [(s.id, s.duo) for s in scores] == [("img1", 0), ("img1", 1)]
    for duo, got in zip(DUOS, scores):
        assert got.context == "facts" and got.scorer == f"hf:{lm_dir}"
        requests = duo_requests(duo, "facts", facts=facts_text(caption.caption, ocr.text))
        direct = scorer.losses([requests[t] for t in TERMS])
        for term, loss in zip(TERMS, direct):
            assert got.losses[term] == pytest.approx(loss.loss, abs=1e-6)
        losses = got.losses
        assert got.ifd == pytest.approx(losses["A|Q"] / losses["A"])
        assert got.vfd == pytest.approx(losses["QA|I"] / losses["QA"])
        assert got.mifd == pytest.approx(got.ifd * got.vfd)
        assert got.ffd == pytest.approx(losses["S|I,E"] / losses["S|I"])
        assert got.unscorable == {}


def test_an_unscorable_term_makes_its_ratios_none(lm_dir):
    scorer = make_scorer(f"hf:{lm_dir}", max_length=70)
    (got, _) = list(score_duos(_records(DUOS), scorer, "facts"))
    # The facts make every term with I too long; IFD's terms have no I and fit.
    assert got.unscorable == {"QA|I": "too_long", "S|I,E": "too_long", "S|I": "too_long"}
    assert got.losses["QA|I"] is None and got.losses["S|I"] is None
    assert got.vfd is None and got.mifd is None and got.ffd is None
    assert got.ifd == pytest.approx(got.losses["A|Q"] / got.losses["A"])


def test_identical_requests_are_scored_once(lm_dir):
    scorer = make_scorer(f"hf:{lm_dir}")
    sent = []

    class Counting:  # the real scorer, its requests recorded
        name, model, supports_images = scorer.name, scorer.model, scorer.supports_images

        def losses(self, requests):
            sent.extend(requests)
            return scorer.losses(requests)

    scores = list(score_duos(_records([DUOS[0], DUOS[0], DUOS[1]]), Counting(), "facts"))
    assert len(sent) == len(set(sent)) == 2 * len(TERMS)
    assert scores[0].losses == scores[1].losses


def test_scorers_describe_their_spec_and_server_need():
    assert all(entry.help for entry in SCORERS.entries())
    specs = {e.name: (e.meta["arg"], e.meta["needs_base_url"]) for e in SCORERS.entries()}
    assert specs["hf"] == ("PATH", False) and specs["openai"] == ("MODEL", True)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("hf", "scorer 'hf': expected NAME:ARG, e.g. hf:/path/to/model"),
        ("nope:x", f"unknown scorer 'nope' (known: {', '.join(SCORERS.names())})"),
    ],
)
def test_a_bad_scorer_spec_is_a_usage_error(spec, message):
    with pytest.raises(UsageError) as raised:
        make_scorer(spec)
    assert str(raised.value) == message
