"""Extractive answers are looked up as whole words after normalisation, exactly or up to
OCR-like edits (``text.grounding``), in the clean OCR text or the enriched caption."""

import json

import pytest
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.filter import stage
from llavar2.filter.config import FilterConfig
from llavar2.filter.rules import DuoItem, ImageContext, build_rules
from llavar2.generate.checks import filter_duos
from llavar2.jsonl import read_jsonl, write_jsonl_atomic
from llavar2.records import (
    QA,
    ConversationSet,
    DuoConversation,
    EnrichedCaption,
    OcrLine,
    OcrResult,
    Provenance,
)
from llavar2.text.grounding import (
    DEFAULT_MIN_SCORE,
    Text,
    evidence_lines,
    fold,
    ground,
    grounded_in,
    match,
)
from llavar2.text.words import contains, words

OCR = "CORNER CAFE\nCappuccino ........ $4.50\nTotal: $13.72\nＯＰＥＮ daily"
POSTER = "THE ORDER\nBound by bonor\nSince 1887"
CAPTION = "A receipt from a cafe with a red awning."


def test_words_normalise_case_width_and_punctuation():
    assert words("Ｔｏｔａｌ: $13.72!") == ["total", "13", "72"]
    assert words("...") == []


@pytest.mark.parametrize(
    "answer, where",
    [
        ("$4.50", "ocr"),
        ("4.50", "ocr"),
        ("corner cafe", "ocr"),
        ("open DAILY", "ocr"),
        ("cafe cappuccino", "ocr"),  # spans two lines
        ("red awning", "caption"),
        ("5", None),
        ("Cafe Corner", None),
        ("", None),
        ("?!", None),
    ],
)
@pytest.mark.parametrize("mode", ["exact", "fuzzy"])
def test_grounded_in(answer, where, mode):
    assert grounded_in(answer, OCR, CAPTION, mode) == where


def test_exact_match_scores_one_and_quotes_the_text():
    found = ground("$13.72", OCR, CAPTION)
    assert (found.source, found.score, found.match) == ("ocr", 1.0, "13.72")
    assert ground("cafe cappuccino", OCR, CAPTION).match == "CAFE Cappuccino"
    # an exact match in the caption beats a fuzzy one in the OCR text
    assert ground("red awning", "Red awnlng", CAPTION).source == "caption"


def test_an_ocr_misread_grounds_the_right_answer_with_a_score_below_one():
    found = ground("bound by honor", POSTER, "A poster.")
    assert found is not None and found.source == "ocr" and found.match == "Bound by bonor"
    assert DEFAULT_MIN_SCORE <= found.score < 1
    assert ground("bound by honor", POSTER, "A poster.", mode="exact") is None
    # the score falls with the edits
    assert match("bound by honour", POSTER)[0] < found.score


@pytest.mark.parametrize(
    "answer, ocr",
    [
        ("bound by honor", "Bound by bonor"),  # b/h
        ("Item", "ltem"),
        ("modern", "rnodern"),  # l/I, rn/m
        ("2018", "Est. 2O18"),
        ("$17.60", "TOTAL 17.6O"),  # O/0 in a number
        ("2,500", "2,5OO"),
        ("total 17", "TOTAI 17"),
        ("description", "Descriptlon"),
        ("description", "Descrint ion"),
        ("tax invoice", "TAXINVOICE"),
        ("7.60 S", "7.60S"),  # words run together or split
        ("cappuccino", "Capuccino"),  # one plain edit in a long word
    ],
)
def test_ocr_like_edits_ground(answer, ocr):
    found = ground(answer, ocr, "")
    assert found is not None and found.source == "ocr" and found.score < 1, answer


@pytest.mark.parametrize(
    "answer, ocr",
    [
        # digits are facts: one digit off is another answer
        ("$7.80", "Total $7.60"),
        ("7.80", "Total 7.60"),
        ("2019", "Established 2018"),
        ("12/03/2019", "Date: 12/03/2018"),
        ("March 12, 2019", "March 12, 2018"),
        ("012-345 6788", "Tel 012-345 6789"),
        ("+1 (555) 010-4477", "+1 (555) 010-4478"),
        ("Invoice 100451", "Invoice 100461"),
        ("Guest1", "Guest0"),
        ("Suite 4D", "Suite 4B"),
        ("RM5.00", "RM0.00"),
        ("10AMP PLUG", "15AMP PLUG"),
        ("1,500", "1,5000"),
        ("2018", "Est. 2O19"),
        ("Table 12", "Table 121"),
        # a different word is not an OCR error
        ("meeting on monday", "Meeting on Tuesday"),
        ("not refundable", "not returnable"),
        ("price", "Rice"),
        ("total", "Ttal"),
        ("horse", "house"),
    ],
)
def test_what_must_not_fuzzy_match(answer, ocr):
    assert ground(answer, ocr, "") is None, answer


@pytest.mark.parametrize(
    "answer, ocr",
    [
        ("ltd", "Acme Itd"),
        ("4B", "Suite 48"),
        ("A1", "Seat Al"),
        ("the", "tbe"),
        ("by", "bv"),
    ],
)
def test_short_answers_need_an_exact_match(answer, ocr):
    assert ground(answer, ocr, "") is None
    assert ground(answer, f"{ocr} {answer}", "").score == 1.0


@pytest.mark.parametrize("text", ["Ｔｏｔａｌ: $13.72!", "İstanbul straße", "ﬁne Ⅻ", "a_b c-d"])
def test_text_splits_words_as_words_does(text):
    assert Text(text).plain == words(text)


def test_fold():
    assert [fold(w) for w in ("honor", "modern", "2o18", "6o", "5oo", "guest1", "b0nd")] == [
        "bonor",
        "modem",
        "2018",
        "60",
        "500",
        "guest1",
        "b0nd",
    ]


def test_caption_source():
    found = ground("red awning", "CORNER CAFE", "A cafe with a red awnlng.")
    assert found.source == "caption" and found.score < 1 and found.match == "red awnlng"
    assert ground("red awning", "CORNER CAFE", "A cafe.") is None


def test_bad_parameters():
    with pytest.raises(ValueError, match="grounding mode"):
        ground("x", "x", "", mode="loose")
    with pytest.raises(ValueError, match="min_score"):
        ground("x", "x", "", min_score=0.3)


def test_evidence_lines():
    lines = OCR.splitlines()
    assert evidence_lines("$13.72", lines) == [2]
    assert evidence_lines("cafe cappuccino", lines) == [0, 1]
    assert evidence_lines("espresso", lines) == []
    assert evidence_lines("total", ["Total: 1", "Subtotal", "total 2"]) == [0, 2]


def test_evidence_lines_fuzzy():
    lines = POSTER.splitlines()
    assert evidence_lines("bound by honor", lines) == [1]
    assert evidence_lines("bound by honor", lines, mode="exact") == []
    assert evidence_lines("the order bound by honor", lines) == [0, 1]  # wraps, fuzzily
    assert evidence_lines("since 1888", lines) == []  # digits stay exact
    # an exact match on one line beats a fuzzy one on another
    assert evidence_lines("bound by honor", [*lines, "bound by honor"]) == [3]


def ocr_line(text, flags=()):
    return OcrLine(text=text, box=[[0, 0], [1, 0], [1, 1], [0, 1]], score=0.9, flags=list(flags))


def ocr_result(*lines):
    return OcrResult(
        id="img",
        image="img.png",
        engine="test",
        width=1,
        height=1,
        lines=list(lines),
        text="\n".join(line.text for line in lines),
    )


def test_evidence_lines_only_among_clean_lines():
    lines = [
        ocr_line("Bound by bonor"),
        ocr_line("GRAND SALE", ["garbled"]),
        ocr_line("Grand sa1e today"),
    ]
    assert evidence_lines("grand sale", lines) == []  # "sa1e" holds a digit: not fuzzy
    assert evidence_lines("bound by honor", lines) == [0]
    assert evidence_lines("GRAND SALE", lines[:2]) == []
    # lines on either side of a flagged one are consecutive
    assert evidence_lines("bonor grand", lines) == [0, 2]


def caption_record(text="A poster on a wall."):
    return EnrichedCaption(
        id="img",
        image="img.png",
        human_caption="A poster",
        caption=text,
        instruction="Describe the image.",
        provenance=Provenance(stage="enrich", backend="t", model="m", template="t@1"),
    )


def duo(answer, explanation=None, question=None):
    return DuoConversation(
        qtype="text",
        evidence=[],
        extractive=QA(
            question=question or f"What does the poster say about {answer}?", answer=answer
        ),
        self_explain=QA(
            question="Where is that written?",
            answer=explanation or f'The second line reads "{answer}".',
        ),
    )


def test_filter_duos_records_the_grounding():
    ocr = ocr_result(*map(ocr_line, POSTER.splitlines()))
    duos = [duo("bound by honor"), duo("Since 1887"), duo("Since 1888"), duo("poster on a wall")]
    kept, dropped = filter_duos(duos, ocr, caption_record())
    assert [d.extractive.answer for d in kept] == [
        "bound by honor",
        "Since 1887",
        "poster on a wall",
    ]
    fuzzy, exact, caption = (d.grounding for d in kept)
    assert fuzzy.source == "ocr" and fuzzy.match == "Bound by bonor" and fuzzy.score < 1
    assert (exact.source, exact.score, exact.match) == ("ocr", 1.0, "Since 1887")
    assert (caption.source, caption.score) == ("caption", 1.0)
    assert [(d.reason, d.duo.grounding) for d in dropped] == [("ungrounded_answer", None)]

    kept, dropped = filter_duos(duos, ocr, caption_record(), grounding="exact")
    assert [d.extractive.answer for d in kept] == ["Since 1887", "poster on a wall"]
    assert [d.duo.extractive.answer for d in dropped] == ["bound by honor", "Since 1888"]


def test_filter_duos_does_not_ground_in_a_flagged_line():
    ocr = ocr_result(ocr_line("THE ORDER"), ocr_line("Bound by honor", ["other_script"]))
    kept, dropped = filter_duos([duo("bound by honor"), duo("the order")], ocr, caption_record())
    assert [d.extractive.answer for d in kept] == ["the order"]
    assert [d.reason for d in dropped] == ["ungrounded_answer"]


def test_rule_modes():
    item = DuoItem(ImageContext("img", POSTER, "A poster.", "poster"), 0, duo("bound by honor"))
    ((_, fuzzy),) = build_rules(["grounding"], {})
    ((_, exact),) = build_rules(["grounding"], {"grounding": {"mode": "exact"}})
    assert fuzzy.check(item) is None
    assert exact.check(item).reason == "ungrounded_answer"
    ((_, strict),) = build_rules(["grounding"], {"grounding": {"min_score": 0.99}})
    assert strict.check(item).reason == "ungrounded_answer"
    with pytest.raises(ValueError, match="grounding mode"):
        build_rules(["grounding"], {"grounding": {"mode": "loose"}})


def write_build(out, ocr, convs):
    out.mkdir()
    write_jsonl_atomic(out / "ocr.jsonl", [ocr])
    write_jsonl_atomic(out / "captions.jsonl", [caption_record()])
    write_jsonl_atomic(
        out / "conversations.jsonl",
        [
            ConversationSet(
                id="img",
                image="img.png",
                duos=convs,
                provenance=Provenance(stage="qa", backend="t", model="m", template="t@1"),
            )
        ],
    )


def test_filter_stage_grounds_in_the_clean_text_fuzzy_by_default(tmp_path):
    ocr = ocr_result(
        ocr_line("THE ORDER"),
        ocr_line("Bound by bonor"),
        ocr_line("Members only since 1887", ["garbled"]),
    )
    duos = [duo("bound by honor"), duo("members only since 1887"), duo("the order")]
    write_build(tmp_path / "out", ocr, duos)

    report = stage.run(tmp_path / "out", FilterConfig(rules=["grounding"]))
    assert report["kept"]["duos"] == 2
    assert report["params"]["rules"]["grounding"] == {
        "mode": "fuzzy",
        "min_score": DEFAULT_MIN_SCORE,
    }
    dropped = list(read_jsonl(tmp_path / "out" / "dropped.jsonl"))
    assert [(d["conversation"]["extractive"]["answer"], d["reason"]) for d in dropped] == [
        ("members only since 1887", "ungrounded_answer")
    ]

    report = stage.run(
        tmp_path / "out",
        FilterConfig(rules=["grounding"], rule_params={"grounding": {"mode": "exact"}}),
    )
    assert report["kept"]["duos"] == 1


def test_cli_grounding_option(tmp_path):
    ocr = ocr_result(ocr_line("THE ORDER"), ocr_line("Bound by bonor"))
    write_build(tmp_path / "out", ocr, [duo("bound by honor"), duo("the order")])
    runner = CliRunner()
    for mode, kept in (("fuzzy", 2), ("exact", 1)):
        result = runner.invoke(
            app,
            [
                "filter",
                str(tmp_path / "out"),
                "--rules",
                "grounding",
                "--grounding",
                mode,
                "--no-progress",
            ],
        )
        assert result.exit_code == 0, result.output
        report = json.loads((tmp_path / "out" / "filter_report.json").read_text())
        assert report["kept"]["duos"] == kept
        assert report["params"]["rules"]["grounding"]["mode"] == mode
    result = runner.invoke(
        app, ["filter", str(tmp_path / "out"), "--grounding", "loose", "--no-progress"]
    )
    assert result.exit_code != 0 and "grounding mode" in result.output


def test_contains_is_whole_words():
    assert contains("Tickets $25", "25")
    assert not contains("Tickets $25", "5")
