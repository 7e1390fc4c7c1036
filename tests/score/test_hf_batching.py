"""Batching, padding, X's token set and length limits of the hf scorer."""

import pytest
from PIL import Image

from llavar2.score import LossRequest, Message, Part, make_scorer

QUESTIONS = [
    "Price?",
    "What is the price of the coffee on the menu board by the door?",
    "Read the title of the book.",
    "Why would a store stay open all night long?",
    "What is written on the sign?",
]
ANSWERS = [
    "$3.50",
    "The coffee costs $3.50 per cup, as the board says.",
    "The Old Man and the Sea.",
    "Night-shift workers need somewhere to shop.",
    "OPEN 24 HOURS",
]


def _qa(question, answer, image=None, score_question=False):
    first = (Part(image=True),) if image else ()
    return LossRequest(
        (
            Message("user", (*first, Part(question, scored=score_question))),
            Message("assistant", (Part(answer, scored=True),)),
        ),
        image,
    )


def _encode(scorer, request):
    image = Image.open(request.image).convert("RGB") if request.has_image else None
    return scorer.encoder.encode(request, image)


def _mixed(image=None):
    """Requests of many lengths: with and without the image, answers alone, long contexts."""
    out = [_qa(q, a) for q, a in zip(QUESTIONS, ANSWERS)]
    out += [LossRequest((Message("assistant", (Part(a, scored=True),)),)) for a in ANSWERS[:3]]
    out += [_qa(" ".join(QUESTIONS), a) for a in ANSWERS[1:3]]
    if image:
        out += [_qa(q, a, image, score_question=True) for q, a in zip(QUESTIONS, ANSWERS)]
    return out


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("kind", ["lm", "gpt2", "vlm"])
def test_scores_alone_equal_scores_in_padded_batches(kind, side, model_dir, image_path):
    folder, image = model_dir, image_path if kind == "vlm" else None
    requests = _mixed(image)
    one_by_one = make_scorer(f"hf:{folder}", batch_size=1)
    alone = one_by_one.losses(requests)
    batched = make_scorer(f"hf:{folder}", batch_size=4, padding_side=side).losses(requests)
    lengths = sorted(len(_encode(one_by_one, r).input_ids) for r in requests)
    assert len(set(lengths[:4])) > 1  # even the first batch mixes lengths (and so pads)
    for one, many in zip(alone, batched):
        assert many.n_tokens == one.n_tokens > 0
        assert many.loss == pytest.approx(one.loss, abs=1e-5)


@pytest.mark.parametrize("kind", ["lm", "vlm"])
def test_only_x_tokens_count_whatever_the_context(kind, model_dir, image_path):
    folder, image = model_dir, image_path if kind == "vlm" else None
    scorer = make_scorer(f"hf:{folder}")
    answer = ANSWERS[1]
    x_ids = scorer.encoder.tokenizer(answer, add_special_tokens=False)["input_ids"]
    contexts = ["", "Price?", "$", QUESTIONS[1] + " " + QUESTIONS[3], "9" * 40 + "coffee"]
    requests = [_qa(c, answer, image) for c in contexts]
    requests.append(LossRequest((Message("assistant", (Part(answer, scored=True),)),)))
    for request in requests:
        encoded = _encode(scorer, request)
        assert [encoded.input_ids[p] for p in encoded.scored] == x_ids
        assert encoded.scored == list(range(encoded.scored[0], encoded.scored[0] + len(x_ids)))
    for loss in scorer.losses(requests):
        assert loss.n_tokens == len(x_ids)


def test_a_request_longer_than_the_limit_is_unscorable_not_cut(lm_dir):
    short, long = _qa(QUESTIONS[0], ANSWERS[0]), _qa(" ".join(QUESTIONS * 3), ANSWERS[0])
    scorer = make_scorer(f"hf:{lm_dir}", max_length=60)
    n_long = len(scorer.encoder.encode(long).input_ids)
    assert n_long > 60 >= len(scorer.encoder.encode(short).input_ids)
    fits, cut = scorer.losses([short, long])
    assert fits.loss is not None and fits.unscorable is None
    assert cut.loss is None and cut.unscorable == "too_long"
    assert f"{n_long} tokens" in cut.detail


def test_an_x_beyond_the_models_context_is_unscorable(lm_dir):
    scorer = make_scorer(f"hf:{lm_dir}")  # the tiny model's context: 256 positions
    answer = " ".join(ANSWERS * 12)
    (loss,) = scorer.losses([_qa(QUESTIONS[0], answer)])
    assert scorer.max_length == 256
    assert loss.loss is None and loss.unscorable == "too_long"
    assert (
        loss.n_tokens
        == len(scorer.encoder.tokenizer(answer, add_special_tokens=False)["input_ids"])
        > 256
    )
