import pytest

from llavar2.generate.offline.candidates import QUESTION_TYPES, find_candidates
from llavar2.generate.offline.layout import most_prominent, place_lines
from llavar2.records import OcrLine


@pytest.fixture
def candidates_of(make_item):
    def find(lines):
        _, ocr = make_item("x", "caption", lines)
        return find_candidates(place_lines(ocr), ocr.text)

    return find


def by_type(candidates, qtype):
    return [c for c in candidates if c.qtype == qtype]


def test_regions_and_prominence(make_item):
    lines = [("Big", 10, 10, 200, 90), ("small", 600, 700, 790, 720), ("mid", 350, 390, 450, 410)]
    _, ocr = make_item("x", "c", lines)
    placed = place_lines(ocr)
    regions = [line.region for line in placed]
    assert regions == [("top", "left"), ("bottom", "right"), ("middle", "center")]
    assert most_prominent(placed).text == "Big"


def test_no_prominent_line_when_sizes_are_close(make_item):
    _, ocr = make_item("x", "c", [("One", 10, 10, 200, 30), ("Two", 10, 40, 200, 61)])
    assert most_prominent(place_lines(ocr)) is None


def test_rotated_box_is_not_mistaken_for_large_text(make_item):
    _, ocr = make_item("x", "c", [("Title", 10, 10, 400, 60)])
    # Text running down the page: corners clockwise from the text's own top-left; 20 px letters.
    side = OcrLine(text="side", box=[[720, 100], [720, 700], [700, 700], [700, 100]], score=0.9)
    ocr = ocr.model_copy(update={"lines": [*ocr.lines, side], "text": "Title\nside"})
    assert most_prominent(place_lines(ocr)).text == "Title"


def test_synthetic_set_covers_many_question_types(samples):
    types = set()
    for _, ocr in samples.values():
        types |= {c.qtype for c in find_candidates(place_lines(ocr), ocr.text)}
    assert types <= set(QUESTION_TYPES)
    assert len(types) >= 12


def test_answers_are_ocr_spans(samples, messy_item):
    for _, ocr in [*samples.values(), messy_item]:
        for candidate in find_candidates(place_lines(ocr), ocr.text):
            assert candidate.answer and candidate.answer in ocr.text
            assert candidate.answer in ocr.lines[candidate.evidence[-1]].text


def test_same_anchor_with_different_answers_is_dropped(candidates_of):
    lines = [
        ("Total: $5.00", 10, 10, 300, 30),
        ("Total: $7.00", 10, 300, 300, 320),
        ("12/01/2024", 500, 150, 700, 170),
        ("12/02/2024", 500, 500, 700, 520),
    ]
    candidates = candidates_of(lines)
    assert not by_type(candidates, "key_value")
    assert not by_type(candidates, "date")  # two bare dates: "what date is shown?" has two answers


def test_entity_alone_only_when_unique(candidates_of):
    lines = [("12/01/2024", 500, 10, 700, 30), ("Deadline 12/02/2024", 10, 300, 300, 320)]
    candidates = candidates_of(lines)
    dates = by_type(candidates, "date")
    assert [(c.form, c.answer) for c in dates] == [("anchored", "12/02/2024")]
    assert dates[0].fields["context"] == "Deadline"


def test_entity_between_words_becomes_a_cloze(candidates_of):
    (number,) = by_type(candidates_of([("Open 7 days a week", 10, 10, 300, 30)]), "number")
    assert number.form == "cloze" and number.fields["cloze"] == "Open ___ days a week"


def test_next_line_is_directly_below_and_unambiguous(candidates_of):
    lines = [
        ("Menu", 300, 10, 500, 40),
        ("Soup of the day", 300, 60, 500, 80),
        ("left", 10, 200, 200, 220),
        ("right", 210, 201, 400, 221),
        ("Drinks", 10, 150, 400, 170),
    ]
    pairs = {c.fields["above"]: c.answer for c in by_type(candidates_of(lines), "next_line")}
    assert pairs["Menu"] == "Soup of the day"
    assert "Drinks" not in pairs  # "left" and "right" sit side by side below it


def test_top_and_bottom_lines_need_a_clear_winner(candidates_of):
    side_by_side = [
        ("A one", 10, 10, 200, 30),
        ("B two", 300, 12, 500, 32),
        ("C three", 10, 400, 200, 420),
    ]
    candidates = candidates_of(side_by_side)
    assert not by_type(candidates, "top_line")
    assert [c.answer for c in by_type(candidates, "bottom_line")] == ["C three"]


def test_long_lines_are_not_quoted_but_still_count_for_layout(candidates_of):
    lines = [("word " * 60, 10, 10, 790, 30), ("Footer", 10, 700, 200, 720)]
    candidates = candidates_of(lines)
    assert all(0 not in c.evidence for c in candidates)
    assert not by_type(candidates, "top_line")  # the top line is the long one


def test_key_value_answer_stops_at_a_merged_field(candidates_of):
    lines = [("Price: $48.00 Ticket No. 0048213", 10, 10, 400, 30)]
    (pair,) = by_type(candidates_of(lines), "key_value")
    assert (pair.fields["label"], pair.answer) == ("Price", "$48.00")


def test_entity_context_drops_bullets_and_leaders(candidates_of):
    (number,) = by_type(candidates_of([("- Net promoter score: 62", 10, 10, 400, 30)]), "number")
    assert number.fields["context"] == "Net promoter score"


def test_bare_amount_is_anchored_to_the_name_on_its_row(candidates_of):
    lines = [
        ("Cappuccino", 10, 100, 200, 120),
        ("$4.50", 500, 102, 600, 122),
        ("Croissant", 10, 140, 200, 160),
        ("$3.20", 500, 141, 600, 161),
        ("Total:", 10, 220, 200, 240),
        ("$9.70", 500, 220, 600, 240),
        ("Milk $1", 10, 180, 200, 200),
        ("$2", 500, 180, 600, 200),
    ]
    prices = {c.answer: c for c in by_type(candidates_of(lines), "price")}
    assert (prices["$4.50"].form, prices["$4.50"].fields["context"], prices["$4.50"].evidence) == (
        "beside",
        "Cappuccino",
        (0, 1),
    )
    assert prices["$3.20"].fields["context"] == "Croissant"
    total = prices["$9.70"].fields
    assert (total["context"], total["partner"]) == ("Total", "Total:")
    assert "$2" not in prices  # its row partner names another amount
