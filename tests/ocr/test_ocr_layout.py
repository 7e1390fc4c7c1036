"""Reading order and line merging on synthetic boxes."""

from __future__ import annotations

import math
import random

import pytest

from llavar2.ocr import order_lines
from llavar2.records import OcrLine


def line(text: str, x0: float, y0: float, x1: float, y1: float, score: float = 0.9) -> OcrLine:
    return OcrLine(text=text, box=[[x0, y0], [x1, y0], [x1, y1], [x0, y1]], score=score)


def rotated(lines: list[OcrLine], degrees: float) -> list[OcrLine]:
    """The same page rotated about its origin (a slightly skewed photo of it)."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return [
        ocr_line.model_copy(
            update={"box": [[x * c - y * s, x * s + y * c] for x, y in ocr_line.box]}
        )
        for ocr_line in lines
    ]


def texts(lines: list[OcrLine]) -> list[str]:
    return [ocr_line.text for ocr_line in order_lines(lines)]


def shuffled(lines: list[OcrLine], seed: int = 0) -> list[OcrLine]:
    lines = list(lines)
    random.Random(seed).shuffle(lines)
    return lines


def two_column_page(offset: float = 0.0) -> list[OcrLine]:
    """Title over two text columns (gutter 30 px, 20 px lines), footer under both."""
    page = [line("A Title Across Both Columns", 100, 10, 600, 40)]
    for i in range(5):
        y = 60 + 28 * i
        page.append(line(f"left {i} lorem ipsum dolor sit amet", 20, y, 320, y + 20))
        page.append(
            line(f"right {i} consectetur adipiscing elit", 350, y + offset, 650, y + offset + 20)
        )
    page.append(line("footer spanning the page", 20, 220, 650, 240))
    return page


EXPECTED_COLUMNS = (
    ["A Title Across Both Columns"]
    + [f"left {i} lorem ipsum dolor sit amet" for i in range(5)]
    + [f"right {i} consectetur adipiscing elit" for i in range(5)]
    + ["footer spanning the page"]
)


def test_empty_and_single_line_pass_through():
    only = line("hello", 0, 0, 50, 10)
    assert order_lines([]) == []
    assert order_lines([only]) == [only]


def test_paragraph_top_to_bottom():
    page = [line(f"line {i}", 10, 10 + 25 * i, 300, 30 + 25 * i) for i in range(8)]
    assert texts(shuffled(page)) == [f"line {i}" for i in range(8)]


def test_split_line_is_merged_with_a_space_and_union_box():
    parts = [line("Hello", 10, 10, 60, 30, score=1.0), line("world", 66, 11, 120, 31, score=0.5)]
    (merged,) = order_lines(shuffled(parts, 3))
    assert merged.text == "Hello world"
    assert merged.box == [[10, 10], [120, 10], [120, 31], [10, 31]]
    assert merged.score == pytest.approx(0.75)  # both parts have 5 characters


def test_single_line_keeps_engine_box():
    page = [line("first", 0, 0, 100, 20), line("second", 0, 40, 100, 60)]
    assert order_lines(page) == page


def test_tesseract_style_words_become_lines():
    words = []
    for row, sentence in enumerate(["the quick brown fox", "jumps over the lazy dog"]):
        x = 10
        for word in sentence.split():
            width = 12 * len(word)
            words.append(line(word, x, 10 + 30 * row, x + width, 30 + 30 * row))
            x += width + 6  # a space is about a third of the height
    assert texts(shuffled(words)) == ["the quick brown fox", "jumps over the lazy dog"]


@pytest.mark.parametrize("offset", [0.0, 11.0])  # rows aligned across columns, or not
def test_two_columns_left_before_right(offset):
    assert texts(shuffled(two_column_page(offset))) == EXPECTED_COLUMNS


def test_one_row_far_apart_is_one_line():
    page = [line("Coffee", 20, 80, 110, 110), line("$3.50", 600, 80, 680, 112)]
    assert texts(page) == ["Coffee $3.50"]


def test_menu_reads_row_by_row():
    items = [("Coffee", "$3.50"), ("Tea", "$2.00"), ("Cake", "$4.00"), ("Orange juice", "$3.00")]
    page = [line("MENU", 300, 10, 400, 50)]
    for i, (item, price) in enumerate(items):
        y = 80 + 40 * i
        page += [line(item, 20, y, 20 + 15 * len(item), y + 25), line(price, 600, y, 680, y + 25)]
    assert texts(shuffled(page)) == ["MENU"] + [f"{item} {price}" for item, price in items]


def test_table_with_three_columns_reads_row_by_row():
    page = []
    for i, row in enumerate(
        [("Item", "Qty", "Price"), ("Apples", "12", "3.00"), ("Pears", "4", "1.20")]
    ):
        y = 10 + 30 * i
        page += [
            line(row[0], 10, y, 10 + 14 * len(row[0]), y + 20),
            line(row[1], 200, y, 200 + 14 * len(row[1]), y + 20),
            line(row[2], 320, y, 320 + 14 * len(row[2]), y + 20),
        ]
    assert texts(shuffled(page)) == ["Item Qty Price", "Apples 12 3.00", "Pears 4 1.20"]


@pytest.mark.parametrize("degrees", [-4.0, -1.5, 2.0, 5.0])
def test_slight_skew(degrees):
    assert texts(shuffled(rotated(two_column_page(), degrees))) == EXPECTED_COLUMNS
    parts = rotated(
        [
            line("Hello", 10, 100, 60, 120),
            line("world", 66, 100, 120, 120),
            line("next line", 10, 130, 120, 150),
        ],
        degrees,
    )
    ordered = order_lines(parts)
    assert [ocr_line.text for ocr_line in ordered] == ["Hello world", "next line"]
    # The merged box is rotated with the page: its top edge keeps the skew angle.
    (x0, y0), (x1, y1) = ordered[0].box[:2]
    assert math.degrees(math.atan2(y1 - y0, x1 - x0)) == pytest.approx(degrees, abs=0.01)


def test_different_heights():
    """A tall word on the small text's baseline is another type size: its own line, first."""
    page = [
        line("SALE", 10, 10, 130, 70),
        line("50% off everything", 150, 45, 330, 70),
        line("Big Heading", 10, 100, 300, 140),
        line("small body text under the heading", 10, 150, 300, 165),
        line("second body line", 10, 170, 200, 185),
    ]
    assert texts(shuffled(page)) == [
        "SALE",
        "50% off everything",
        "Big Heading",
        "small body text under the heading",
        "second body line",
    ]


def test_side_by_side_text_boxes_are_columns():
    """Two slide bullets lists whose rows don't line up: one list, then the other."""
    left = [line(f"left point {i}", 20, 50 + 40 * i, 250, 75 + 40 * i) for i in range(3)]
    right = [line(f"right point {i}", 400, 65 + 30 * i, 640, 85 + 30 * i) for i in range(4)]
    assert texts(shuffled(left + right)) == [ocr_line.text for ocr_line in left + right]


def test_three_aligned_columns():
    page = [
        line(
            f"c{c} line {i} with enough words to fill",
            20 + 400 * c,
            10 + 18 * i,
            380 + 400 * c,
            25 + 18 * i,
        )
        for c in range(3)
        for i in range(6)
    ]
    assert texts(shuffled(page)) == [ocr_line.text for ocr_line in page]


def test_short_labels_beside_text_read_row_by_row():
    """An agenda: a narrow gap between short times and longer text still makes rows."""
    events = [
        "Welcome and coffee",
        "Project status - Carlos Mendez",
        "Break",
        "Design review - Aisha Khan",
        "Lunch at Lakeview Grill",
    ]
    page = [line("Team Offsite Agenda", 60, 30, 530, 110)]
    for i, event in enumerate(events):
        y = 200 + 70 * i
        page += [
            line(f"{9 + i}:00", 66, y, 151, y + 33),
            line(event, 216, y, 216 + 14 * len(event), y + 33),
        ]
    assert texts(shuffled(page)) == ["Team Offsite Agenda"] + [
        f"{9 + i}:00 {event}" for i, event in enumerate(events)
    ]


def test_fields_over_values_read_row_by_row():
    """A boarding pass: each label sits over its value; labels form one row, values the next."""
    fields = [
        ("FLIGHT", "SK 1423", 57),
        ("DATE", "12/05/2023", 226),
        ("GATE", "C12", 446),
        ("SEAT", "14A", 566),
    ]
    page = [line("BOARDING PASS", 57, 50, 400, 85)]
    for label, value, x in fields:
        page += [
            line(label, x, 343, x + 14 * len(label), 368),
            line(value, x, 380, x + 17 * len(value), 410),
        ]
    assert texts(shuffled(page)) == [
        "BOARDING PASS",
        "FLIGHT DATE GATE SEAT",
        "SK 1423 12/05/2023 C12 14A",
    ]


def box_height(ocr_line: OcrLine) -> float:
    ys = [y for _, y in ocr_line.box]
    return max(ys) - min(ys)


def parts_of(merged: OcrLine, page: list[OcrLine]) -> list[OcrLine]:
    """The input lines an output line was joined from (texts are unique on these pages)."""
    return [
        ocr_line
        for ocr_line in page
        if ocr_line.text in merged.text.split(" ")
        or ocr_line.text == merged.text
        or f" {ocr_line.text} " in f" {merged.text} "
    ]


@pytest.mark.parametrize("degrees", [0.0, 1.3])
def test_receipt_rows_read_row_by_row(degrees):
    """A tightly printed receipt (rows touch): item name, quantity and price far apart on one
    row are one line, in order; so are the name-only rows and the label/amount rows."""
    page = [
        line("UNIHAKKA INTERNATIONAL SDN BHD", 120, 20, 560, 50),
        line("Item", 20, 80, 80, 102),
        line("Qty", 240, 79, 290, 104),
        line("Total", 570, 80, 640, 102),
    ]
    expected = ["UNIHAKKA INTERNATIONAL SDN BHD", "Item Qty Total"]
    y = 102
    for name, price in [
        ("SR I00100000170- Imported Veggies", "RM1.50"),
        ("SR I00100000031- 3 Vege", "RM4.15"),
        ("SR I00100000171-Meat Dish", "RM2.83"),
    ]:
        page += [
            line(name, 20, y, 20 + 9 * len(name), y + 22),
            line(price, 20, y + 21, 80, y + 43),
            line("1", 250, y + 23, 260, y + 40),
            line(price, 575, y + 20, 635, y + 42),
        ]
        expected += [name, f"{price} 1 {price}"]
        y += 44
    for label, amount in [
        ("Total Amount: RM8.48", None),
        ("Nett Total: RM8.50", None),
        ("Payment Mode", "Amount"),
        ("CASH", "RM8.50"),
        ("Change", "RM0.00"),
    ]:
        if amount is None:  # the engine read label and amount as one box
            page.append(line(label, 420, y, 635, y + 22))
            expected.append(label)
        else:
            page += [
                line(label, 20, y, 20 + 11 * len(label), y + 22),
                line(amount, 575, y, 635, y + 22),
            ]
            expected.append(f"{label} {amount}")
        y += 21
    page.append(line("Thank You & Come Again!", 180, y + 20, 480, y + 42))
    assert texts(shuffled(rotated(page, degrees))) == expected + ["Thank You & Come Again!"]


def test_key_value_list_reads_row_by_row():
    """Labels and values, short or long, are read label then value: never as two columns."""
    fields = [
        ("Invoice number:", "INV-2023-004217 (copy)"),
        ("Delivery address:", "12 Harbour Road, Springfield"),
        ("Payment method:", "Credit card ending in 4242"),
        ("Customer reference:", "Order placed by telephone"),
        ("Name", "Elena Vasquez"),
    ]
    page = []
    for i, (label, value) in enumerate(fields):
        y = 40 + 30 * i
        page += [
            line(label, 30, y, 30 + 11 * len(label), y + 20),
            line(value, 290, y, 290 + 11 * len(value), y + 20),
        ]
    assert texts(shuffled(page)) == [f"{label} {value}" for label, value in fields]


def test_two_columns_with_uneven_columns_and_short_last_line():
    """A paragraph's short last line and the longer column's extra lines stay in their column."""
    page = [line("Two Column Article Heading", 100, 10, 600, 40)]
    left = [f"left {i} lorem ipsum dolor sit amet" for i in range(6)] + ["ends here."]
    right = [f"right {i} consectetur adipiscing elit" for i in range(4)]
    for i, text in enumerate(left):
        y = 60 + 28 * i
        page.append(line(text, 20, y, 120 if text == "ends here." else 320, y + 20))
    for i, text in enumerate(right):
        y = 60 + 28 * i
        page.append(line(text, 350, y, 650, y + 20))
    assert texts(shuffled(page)) == ["Two Column Article Heading"] + left + right


def slanted(
    text: str, cx: float, cy: float, length: float, height: float, degrees: float
) -> OcrLine:
    """A box of the given size centred at (cx, cy), its baseline turned by ``degrees``."""
    a = math.radians(degrees)
    ux, uy = math.cos(a), math.sin(a)  # along the baseline
    vx, vy = -uy, ux  # down the text
    hl, hh = length / 2, height / 2
    corners = [(-hl, -hh), (hl, -hh), (hl, hh), (-hl, hh)]
    return OcrLine(
        text=text, box=[[cx + u * ux + v * vx, cy + u * uy + v * vy] for u, v in corners], score=0.9
    )


def test_slanted_title_is_not_merged_with_credit_rows():
    """A title set at -15 degrees over horizontal credits: its words are one line of their own
    orientation and no credit row is joined to it or to another row."""
    title = [
        slanted("MIDNIGHT", 230, 150, 260, 44, -15),
        slanted("CARNIVAL", 500, 78, 260, 44, -15),
    ]
    credits = []
    for i, (role, name) in enumerate(
        [
            ("Directed by", "Ana Ruiz"),
            ("Music by", "Tom Okafor"),
            ("Produced by", "Lee Min-ji"),
            ("Edited by", "Sam Cole"),
            ("Written by", "Ida Berg"),
        ]
    ):
        y = 150 + 30 * i
        credits += [
            line(role, 60, y, 60 + 12 * len(role), y + 22),
            line(name, 420, y, 420 + 12 * len(name), y + 22),
        ]
    ordered = order_lines(shuffled(title + credits))
    assert [ocr_line.text for ocr_line in ordered] == ["MIDNIGHT CARNIVAL"] + [
        f"{credits[2 * i].text} {credits[2 * i + 1].text}" for i in range(5)
    ]
    for merged in ordered[1:]:
        assert box_height(merged) <= 2 * max(box_height(p) for p in parts_of(merged, credits))


def test_clearly_different_heights_are_not_merged():
    """A big price beside two small lines it overlaps is a line of its own, and so are they."""
    page = [
        line("Special offer this week only", 20, 100, 320, 120),
        line("while stocks last", 20, 124, 200, 144),
        line("$9.99", 420, 95, 560, 150),
    ]
    assert texts(shuffled(page)) == ["Special offer this week only", "$9.99", "while stocks last"]
    page = [line("Coffee", 20, 80, 110, 100), line("$3.50", 600, 70, 700, 110)]  # 2x taller
    assert texts(page) == ["Coffee", "$3.50"]


def test_merged_box_never_spans_unrelated_rows():
    """Boxes stepping down half a line each share a baseline pairwise, but a line's box stays
    within twice its tallest part: the staircase is cut, not merged into one tall box."""
    stairs = [
        line(f"step{i}", 20 + 120 * i, 100 + 10 * i, 120 + 120 * i, 120 + 10 * i) for i in range(6)
    ]
    ordered = order_lines(shuffled(stairs))
    assert sorted(" ".join(ocr_line.text for ocr_line in ordered).split()) == sorted(
        ocr_line.text for ocr_line in stairs
    )
    for merged in ordered:
        assert box_height(merged) <= 1.5 * 20


@pytest.mark.parametrize("seed", range(5))
def test_random_rows_keep_their_boxes(seed):
    """Rows of jittered pieces: each row is one line, left to right, and no line's box is more
    than twice as tall as its tallest part."""
    rng = random.Random(seed)
    page, expected = [], []
    for r in range(12):
        y, x, words = 40 + 34 * r + rng.uniform(-3, 3), 20.0, []
        for k in range(rng.randint(1, 4)):
            text = f"r{r}w{k}"
            h = rng.uniform(18, 22)
            page.append(line(text, x, y + rng.uniform(-3, 3), x + rng.uniform(40, 160), y + h))
            words.append(text)
            x = page[-1].box[1][0] + rng.uniform(30, 200)
        expected.append(" ".join(words))
    ordered = order_lines(shuffled(page, seed))
    assert [ocr_line.text for ocr_line in ordered] == expected
    for merged in ordered:
        assert box_height(merged) <= 2 * max(box_height(p) for p in parts_of(merged, page))


@pytest.mark.parametrize("degrees", [90.0, 180.0, -90.0])
def test_page_turned_sideways_or_upside_down(degrees):
    """With no text at the page's angle, the largest orientation group is the page."""
    assert texts(shuffled(rotated(two_column_page(), degrees))) == EXPECTED_COLUMNS


def test_small_glyph_joins_its_row():
    """A lone asterisk's box hugs its ink, far shorter than the words beside it: it is still
    part of the row, read where it stands."""
    page = [
        line("15*BAG", 82, 670, 169, 699),
        line("*", 178, 676, 193, 692),
        line("24.90", 264, 667, 355, 700),
        line("373.50", 443, 671, 520, 702),
        line("SUN SOS TIRAM", 24, 713, 243, 742),
    ]
    assert texts(shuffled(page)) == ["15*BAG * 24.90 373.50", "SUN SOS TIRAM"]


def test_lines_over_one_another_read_top_to_bottom():
    """A tall handwritten amount makes a row overlap the next by more than half a line; the
    rows still read top to bottom, not by which starts further left."""
    page = [
        line("Total", 143, 1051, 292, 1089),
        line("4.00", 335, 1054, 459, 1104),
        line("RM4.00", 499, 1047, 638, 1086),
        line("Paid", 142, 1086, 276, 1123),
        line("RM4.00", 500, 1080, 638, 1118),
    ]
    assert texts(shuffled(page)) == ["Total 4.00 RM4.00", "Paid RM4.00"]
