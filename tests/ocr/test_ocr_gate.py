"""The OCR quality gate: junk lines flagged, real print (receipts, names, codes) left clean."""

from __future__ import annotations

import pytest

from llavar2.ocr.gate import (
    DUPLICATE,
    FLAGS,
    GARBLED,
    GATE_VERSION,
    LOW_CONFIDENCE,
    OTHER_SCRIPT,
    TOO_SHORT,
    check_language,
    gate_line,
    gate_lines,
)
from llavar2.records import OcrLine, OcrResult


def line(
    text: str, score: float = 0.97, box: tuple[float, float, float, float] = (0, 0, 300, 30)
) -> OcrLine:
    x0, y0, x1, y1 = box
    return OcrLine(text=text, box=[[x0, y0], [x1, y0], [x1, y1], [x0, y1]], score=score)


def flags(text: str, score: float = 0.97, language: str = "en") -> list[str]:
    return gate_line(line(text, score), language).flags


# Read from real images: a stray letter, a mirrored reflection, a CJK glyph read in an English
# poster. Flagged even when the engine is sure of them.
@pytest.mark.parametrize("score", [0.99, 0.9])
@pytest.mark.parametrize(
    "text, flag",
    [
        ("C", TOO_SHORT),
        ("Dare: 1dy Amre .18", GARBLED),
        ('****乙"90*', OTHER_SCRIPT),
    ],
)
def test_real_junk_is_flagged(text, flag, score):
    assert flag in flags(text, score)


def test_spine_fragments_are_flagged_at_the_confidence_they_are_read_with():
    # "IOD" and "RAI" are attested abbreviations and "Fault" is a word: by their letters alone the
    # fragments look like "SDN BHD", so it takes the engine's doubt to flag them.
    assert GARBLED in flags("IOD RAI Fault", 0.7)


@pytest.mark.parametrize(
    "text",
    [
        "TAMPOI,81200 JOHOR BAHRU,JOHOR",
        "SR I00100000035- 1 MEAT + 3 VEGE",
        "SR 100100000035-1 Meat + 3 Vege",
        "GST ID : 001661886464",
        "(867388-U)",
        "JM0325955-V",
        "TOTAL AMOUNT: $7.60",
        "12/03/2018 10:25:49 PM",
        "22 Mar 2018 18:24",
        "Facebook.com/BarWangRice",
        "myNEWScareline@mynews.com.my",
        "www.howwasit4you-my.net",
        "TOTAL",
        "RM",
        "QTY",
        "THREE STOOGES",
        "PERNIAGAAN ZHENG HUI",
        "UNIHAKKA INTERNATIONAL SDN BHD",
        "The Great Gatsby",
        "F. Scott Fitzgerald",
        "Nando's",
        "McDonald's",
        "iPhone 15 Pro",
        "H&M",
        "Q3 2024 Results",
        "40x30 cm",
        "2pcs 10KG 1st Floor",
        "Tel: +60 3-7728 1234",
        "UNITAmt Exc. Amt Inc. GST",
        "Thank You & Come Again!",
        "*************************",
    ],
)
def test_real_print_is_clean(text):
    gated = gate_line(line(text, 0.95))
    assert gated.flags == []
    assert gated.clean
    assert gated.quality is not None and 0.5 <= gated.quality <= 1.0


def test_rare_names_are_not_junk_when_read_with_confidence():
    # Unknown to the dictionary, but pronounceable and read with confidence: a shop's name.
    assert flags("KEDAI PAPAN YEW CHUAN", 0.98) == []
    assert flags("Xylocopa Mbembe", 0.98) == []


@pytest.mark.parametrize(
    "text",
    [
        "Sccoe pororcEo cen be exosngeo cr reurneo er tre",  # print seen through thin paper
        "JALAN JALAN (MGjaiah)",
        "Thank me Aga1 K",
        "TIXE",  # "EXIT" in a mirror
    ],
)
def test_garbled_tokens_sink_a_line(text):
    assert GARBLED in flags(text, 0.95)


def test_low_confidence_is_flagged_and_lowers_quality():
    sure, unsure = gate_lines(
        [line("Fresh bread daily", 0.98), line("Fresh bread daily", 0.45, (0, 100, 300, 130))]
    )
    assert sure.flags == [] and sure.quality == 1.0
    assert LOW_CONFIDENCE in unsure.flags
    assert unsure.quality < 0.5


def test_doubtful_reading_of_unknown_words_is_flagged():
    # The same text is clean when the engine is sure of it, and garbled when it is not.
    assert flags("PERNIAGAAN ZHENG HUI", 0.98) == []
    assert GARBLED in flags("PERNIAGAAN ZHENG HUI", 0.6)


def test_quality_is_in_unit_range_and_ordered_by_confidence():
    qualities = [gate_line(line("Total Amount", s)).quality for s in (0.3, 0.6, 0.8, 0.99)]
    assert all(0.0 <= q <= 1.0 for q in qualities)
    assert qualities == sorted(qualities)
    assert qualities[0] == 0.0 and qualities[-1] == 1.0


def test_other_script_depends_on_the_declared_language():
    assert flags("北京烤鸭 欢迎光临") == [OTHER_SCRIPT]
    assert flags("北京烤鸭 欢迎光临", language="zh") == []
    assert flags("Пример текста") == [OTHER_SCRIPT]
    assert flags("Пример текста", language="ru") == []
    assert flags("Terima kasih, sila datang lagi", language="ms") == []
    # Latin print (brands, units, codes) is at home in every build.
    assert flags("Starbucks Coffee", language="zh") == []
    # A lone ideograph is a word in Chinese, too little in English.
    assert flags("一", language="zh") == []
    assert OTHER_SCRIPT in flags("一")


def test_bilingual_line_is_not_other_script():
    # Mostly Latin with a Chinese word: a bilingual receipt, not another language.
    assert flags("PURPOSE 米冲 TOTAL RM 12.00") == []


def test_a_lone_letter_is_too_short_but_short_words_and_numbers_are_not():
    assert flags("C") == [TOO_SHORT]
    assert flags("*S") == [TOO_SHORT]
    assert flags("RM") == []
    assert flags("7") == []


def test_a_line_read_twice_in_one_place_is_a_duplicate():
    first = line("GRAND OPENING SALE", 0.99, (100, 100, 500, 150))
    again = line("GRAND OPENING SALF", 0.90, (104, 110, 505, 160))  # same place, worse reading
    elsewhere = line("Grand Opening Sale", 0.99, (100, 600, 500, 650))  # printed twice
    gated = gate_lines([first, again, elsewhere])
    assert [g.flags for g in gated] == [[], [DUPLICATE], []]


def test_rows_that_differ_in_a_number_are_not_duplicates():
    rows = [
        line("1 WALK 1.60 1.60 1.60 ZRL", 0.99, (100, 1014, 860, 1059)),
        line("1 WALK 160 1.60 1.60 ZRL", 0.99, (100, 1125, 860, 1177)),
        line("GST 6% 19.47", 0.99, (100, 1200, 400, 1240)),
        line("GST 6% 19.41", 0.99, (100, 1250, 400, 1290)),
    ]
    assert all(g.flags == [] for g in gate_lines(rows))


def test_gate_keeps_order_text_and_boxes():
    lines = [line("Total Amount", 0.99), line("C", 0.99, (0, 50, 10, 80))]
    gated = gate_lines(lines)
    assert [g.text for g in gated] == ["Total Amount", "C"]
    assert [g.box for g in gated] == [g.box for g in lines]
    assert lines[1].flags == []  # the input is not changed


def test_clean_text_leaves_flagged_lines_out():
    gated = gate_lines(
        [
            line("Fresh bread daily"),
            line("C", box=(0, 40, 10, 70)),
            line("Dare: 1dy Amre .18", box=(0, 80, 300, 110)),
        ]
    )
    ocr = OcrResult(
        id="x",
        image="x.png",
        engine="t",
        width=400,
        height=200,
        lines=gated,
        text="\n".join(g.text for g in gated),
    )
    assert ocr.clean_text == "Fresh bread daily"
    assert "Dare" in ocr.text


def test_languages_and_constants():
    assert check_language(" EN ") == "en"
    with pytest.raises(ValueError, match="unknown language"):
        check_language("xx")
    assert set(FLAGS) == {LOW_CONFIDENCE, OTHER_SCRIPT, GARBLED, TOO_SHORT, DUPLICATE}
    assert GATE_VERSION.startswith("ocr-gate@")


@pytest.mark.parametrize(
    "text, language",
    [
        ("ラーメン 800円", "ja"),
        ("2024年3月15日", "ja"),
        ("营业时间 10:00-22:00", "zh"),
        ("서울 2층", "ko"),
        ("Цена: 250 руб.", "ru"),
        ("ｒａｍｅｎ ＳＨＯＰ", "en"),  # full-width Latin
        ("ﬁnal oﬀer", "en"),  # ligatures
        ("5µm filter", "en"),
        ("1ª edición", "es"),
    ],
)
def test_print_of_other_languages_and_forms_is_clean(text, language):
    assert flags(text, 0.95, language) == []


@pytest.mark.parametrize(
    "misread, word",
    [
        ("Total Arnt Payabie", "Total Amount Payable"),  # "rn" for "m", "i" for "l"
        ("Narne", "Name"),
        ("Itern Count", "Item Count"),
        ("CL0SED", "CLOSED"),  # a zero for an O
    ],
)
def test_a_word_one_look_alike_away_from_a_common_word_is_a_misreading(misread, word):
    misread_line, printed = gate_lines([line(misread), line(word, box=(0, 100, 300, 130))])
    assert misread_line.quality < printed.quality
    assert printed.quality >= 0.9


def test_rare_names_are_not_misreadings():
    # Names and words of other languages are no look-alike swap away from a common word.
    assert gate_line(line("KEDAI PAPAN PERMAS SELANGOR")).quality >= 0.5
    assert gate_line(line("Greenwood Trattoria Luna")).quality >= 0.9


@pytest.mark.parametrize(
    "misread",
    [
        "No: G3, BIk G, JIn PJU 1A/3,",  # "l" read as "I" after a capital (SROIE 040: "Blk", "Jln")
        "For anv enauirv. please contact us:",  # "any" and "enquiry" misread (SROIE 584)
    ],
)
def test_look_alike_misreadings_of_short_and_lower_case_words_are_flagged(misread):
    assert flags(misread, 0.99) == [GARBLED]


@pytest.mark.parametrize(
    "text",
    [
        "In stock: Ice cream, It is free",  # a capital I starting a word
        "McIntosh Apples 2kg",  # a name with a capital I after a lower-case letter
        "Any enquiry, please contact us",
        "qty 2 pcs, ltd offer",  # rare three-letter abbreviations, not a swap of a common word
        "a man in a red jacket climbs the rocks",
    ],
)
def test_capital_i_words_names_and_abbreviations_stay_clean(text):
    assert flags(text, 0.99) == []
