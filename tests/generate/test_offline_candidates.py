import pytest

from llavar2.backends.offline.candidates import LAYOUT_TYPES, QUESTION_TYPES, find_candidates
from llavar2.backends.offline.layout import most_prominent, place_lines
from llavar2.ocr.gate import gate_lines
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


def gated(lines, make_item, size=(800, 800), scores=None):
    """The lines laid out as the build does: through the quality gate first. ``scores``: the
    engine's confidence of some lines, by index (others 0.95)."""
    _, ocr = make_item("x", "caption", lines, size)
    read = [
        line.model_copy(update={"score": (scores or {}).get(i, line.score)})
        for i, line in enumerate(ocr.lines)
    ]
    ocr = ocr.model_copy(update={"lines": gate_lines(read)})
    return find_candidates(place_lines(ocr), ocr.text, place_lines(ocr, flagged=True))


def test_a_stamped_file_number_makes_no_top_line(make_item):
    # A receipt with a file number written large in its corner (SROIE 112): the number is the
    # top line but not print, so "the topmost line" is not asked (nor answered with the next).
    lines = [
        ("31801011", 11, 31, 298, 102),
        ("SUN VICTORY SDN BHD", 249, 200, 530, 237),
        ("Level G2, Block D1, Solaris", 262, 240, 525, 277),
        ("Tax Invoice", 224, 300, 552, 337),
        ("Paid RM4.00", 142, 400, 638, 437),
        ("Thank You", 345, 500, 488, 537),
    ]
    candidates = gated(lines, make_item)
    assert not by_type(candidates, "top_line")
    assert [c.answer for c in by_type(candidates, "bottom_line")] == ["Thank You"]
    assert all(0 not in c.evidence for c in candidates if c.qtype in LAYOUT_TYPES)


def test_numbers_are_quoted_at_the_size_of_the_text_only(make_item):
    printed = [("Subtotal 12.00", 100, 100, 500, 130), ("Cash 20.00", 100, 140, 500, 170)]
    small = gated([*printed, ("16:58 19/05/18", 100, 600, 400, 630)], make_item)
    assert [c.answer for c in by_type(small, "bottom_line")] == ["16:58 19/05/18"]
    # A handwritten total three times the height of the print (SROIE 260).
    large = gated([*printed, ("22-60", 450, 600, 620, 700)], make_item)
    assert not by_type(large, "bottom_line")


def test_scraps_and_text_at_the_border_are_not_quoted_whole(make_item):
    printed = [("Thank You. Please come again", 100, 100, 600, 130)]
    scrap = gated([*printed, ("ed Ea.", 30, 600, 150, 630)], make_item)  # torn mirrored edge
    assert not by_type(scrap, "bottom_line")
    cut = gated([*printed, ("GOODS SOLD ARE NOT", 100, 770, 500, 800)], make_item)  # at the frame
    assert not by_type(cut, "bottom_line")
    assert [c.answer for c in by_type(gated(printed, make_item), "top_line")] == [printed[0][0]]


def test_misread_or_glued_heading_is_no_title(make_item):
    body = [("No. 31G, Jalan Setia Indah", 41, 180, 506, 213), ("Total 8.70", 41, 230, 300, 263)]
    glued = gated([("SANYUSTATIONERYSHOP", 41, 100, 516, 150), *body], make_item)
    assert not by_type(glued, "title") and not by_type(glued, "top_line")
    clean = gated([("SANYU STATIONERY SHOP", 41, 100, 516, 150), *body], make_item)
    assert [c.answer for c in by_type(clean, "title")] == ["SANYU STATIONERY SHOP"]


def test_a_number_with_a_letter_for_a_digit_is_no_answer(candidates_of):
    candidates = candidates_of([("Tel: 03-9201 628i/6920", 10, 10, 400, 30)])
    assert not by_type(candidates, "key_value")
    (pair,) = by_type(candidates_of([("Tel: 03-9201 6281/6920", 10, 10, 400, 30)]), "key_value")
    assert pair.answer == "03-9201 6281/6920"


def test_key_value_stops_at_the_next_label(candidates_of):
    lines = [("TEL: 012 - 6651703 FAX: 03-33623608", 10, 10, 500, 30)]
    pairs = {c.fields["label"]: c.answer for c in by_type(candidates_of(lines), "key_value")}
    assert pairs["TEL"] == "012 - 6651703"


def test_a_number_in_a_hyphenated_code_is_not_asked(candidates_of):
    candidates = candidates_of([("SR 100100000009- Seafood (M)", 10, 10, 500, 30)])
    assert not by_type(candidates, "number")


def test_large_words_read_with_doubt_are_not_quoted(make_item):
    # A scrawled "Tissue & Hand Wash" above a receipt's print (SROIE 312), read in part and
    # with less confidence than print: not "the top line"; print that large and sure still is.
    lines = [
        ("& Hand Wash.", 231, 162, 522, 237),
        ("Guardian Health And Beauty", 27, 279, 448, 314),
        ("Jalan Loke Yew Bentong", 27, 320, 303, 355),
        ("90 Ground Floor", 28, 365, 214, 400),
    ]
    for score, top in ((0.88, []), (0.97, ["& Hand Wash."])):
        found = gated(lines, make_item, (544, 800), scores={0: score})
        assert [c.answer for c in by_type(found, "top_line")] == top


def test_decoration_around_a_line_is_not_quoted(make_item):
    lines = [("Total 8.70", 100, 100, 500, 130), ("** Thank you **", 100, 200, 500, 230)]
    candidates = gated(lines, make_item)
    assert [c.answer for c in by_type(candidates, "bottom_line")] == ["Thank you"]
