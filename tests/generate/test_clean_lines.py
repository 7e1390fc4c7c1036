"""Generation quotes only the lines the OCR quality gate left clean, rejects an image whose every
line was flagged, and asks the title only of a heading that clearly stands out."""

from __future__ import annotations

import json

import pytest

from llavar2.backends import get_backend
from llavar2.backends.llm.messages import enrich_messages, qa_messages
from llavar2.backends.offline.candidates import find_candidates
from llavar2.backends.offline.layout import most_prominent, place_lines
from llavar2.generate.stage import converse, enrich, no_clean_text
from llavar2.ocr.gate import GARBLED, OTHER_SCRIPT, TOO_SHORT, gate_lines
from llavar2.prompts import load_template
from llavar2.records import ConversationSet, EnrichedCaption, OcrLine, Reject

from .conftest import POSTER, RECEIPT, build_item

IMAGE_PART = {"type": "image_url", "image_url": {"url": "ref", "detail": "auto"}}
# Junk as real OCR reads it: a reflection, a glyph in a logo, a stray letter, a seen-through page.
JUNK = [
    ("Dare: 1dy Amre .18", 520, 300, 780, 330),
    ('****乙"90*', 40, 520, 200, 560),
    ("C", 740, 40, 760, 70),
    ("Sccoe pororcEo cen be exosngeo cr reurneo er tre", 40, 610, 760, 640),
]
JUNK_TEXTS = [text for text, *_ in JUNK]


def quotes(text: str, junk: str) -> bool:
    """Whether ``text`` quotes the junk line (a lone letter only counts in quotation marks)."""
    return f'"{junk}"' in text or f"\n{junk}\n" in f"\n{text}\n" if len(junk) < 3 else junk in text


def gated_item(image_id, caption, lines, size=(800, 800)):
    image, ocr = build_item(image_id, caption, lines, size)
    gated = gate_lines(ocr.lines)
    return image, ocr.model_copy(update={"lines": gated})


def quoted_texts(caption: EnrichedCaption, sets: list[ConversationSet]) -> list[str]:
    texts = [caption.caption]
    for conv in sets:
        for duo in conv.duos:
            texts += [
                duo.extractive.question,
                duo.extractive.answer,
                duo.self_explain.question,
                duo.self_explain.answer,
            ]
    return texts


@pytest.mark.parametrize("lines", [POSTER, RECEIPT], ids=["poster", "receipt"])
def test_flagged_lines_are_never_quoted(lines):
    image, ocr = gated_item("junky", "A flyer", [*lines, *JUNK])
    assert [line.text for line in ocr.lines if line.flags] == JUNK_TEXTS
    backend = get_backend("offline", n_duos=8)
    for seed in range(5):
        backend.seed = seed
        (caption,) = enrich([(image, ocr)], backend)
        (conv,) = converse([(image, ocr, caption)], backend)
        assert isinstance(caption, EnrichedCaption) and isinstance(conv, ConversationSet)
        assert conv.duos
        for text in quoted_texts(caption, [conv]):
            assert not any(quotes(text, junk) for junk in JUNK_TEXTS)
            assert "Amre" not in text and "乙" not in text and "pororcEo" not in text
        assert "C" not in {duo.extractive.answer for duo in conv.duos}
        for duo in conv.duos:  # evidence still indexes OcrResult.lines, and only clean ones
            assert all(ocr.lines[i].clean for i in duo.evidence)
    # The caption counts the clean lines, not the junk.
    assert f" {len(lines)} lines" in caption.caption
    assert f" {len(lines) + len(JUNK)} lines" not in caption.caption


def test_candidates_skip_flagged_lines_but_keep_their_indices():
    image, ocr = gated_item("x", "A poster", [JUNK[0], *POSTER])
    placed = place_lines(ocr)
    assert 0 not in {line.index for line in placed}
    assert [line.index for line in placed] == list(range(1, len(POSTER) + 1))
    for candidate in find_candidates(placed, ocr.text):
        assert 0 not in candidate.evidence
        assert "Dare" not in candidate.answer


def test_llm_prompts_hold_clean_lines_only():
    image, ocr = gated_item("x", "A poster", [*POSTER, *JUNK])
    _, user = enrich_messages(load_template("llm-enrich@1"), IMAGE_PART, image, ocr)
    text = user["content"][1]["text"]
    assert "SUMMER JAZZ NIGHT" in text
    assert not any(quotes(text, junk) for junk in JUNK_TEXTS)
    caption = EnrichedCaption(
        id="x",
        image="x.png",
        human_caption="A poster",
        caption="A poster.",
        instruction="?",
        provenance=_provenance(),
    )
    _, user = qa_messages(load_template("llm-qa@1"), IMAGE_PART, image, ocr, caption, 3)
    text = user["content"][1]["text"]
    assert "Doors open 7:30 PM" in text
    assert not any(quotes(text, junk) for junk in JUNK_TEXTS)


def test_only_junk_prompts_say_there_is_no_text():
    template = load_template("llm-enrich@1")
    image, ocr = gated_item("x", "A wall", JUNK)
    _, user = enrich_messages(template, IMAGE_PART, image, ocr)
    assert template.data["no_text"] in user["content"][1]["text"]


def test_an_image_with_only_junk_is_rejected_no_clean_text():
    image, ocr = gated_item("junk", "A reflection in a window", JUNK)
    backend = get_backend("offline")
    (rejected,) = enrich([(image, ocr)], backend)
    assert isinstance(rejected, Reject)
    assert (rejected.stage, rejected.reason, rejected.id) == ("enrich", "no_clean_text", "junk")
    assert "all 4 OCR lines" in rejected.detail
    assert f"2 × {GARBLED}" in rejected.detail
    assert f"1 × {OTHER_SCRIPT}" in rejected.detail and f"1 × {TOO_SHORT}" in rejected.detail
    # qa checks it too (a caption made before the gate, or by another route).
    _, clean = build_item("junk", "A reflection in a window", [("OPEN", 0, 0, 100, 30)])
    caption = next(enrich([(image, clean)], backend))
    (rejected,) = converse([(image, ocr, caption)], backend)
    assert (rejected.stage, rejected.reason) == ("qa", "no_clean_text")


def test_no_clean_text_is_not_said_of_images_without_text_or_with_a_clean_line(empty_item):
    _, empty = empty_item
    assert no_clean_text(empty) == ""
    _, ocr = gated_item("x", "c", [*JUNK, ("OPEN", 300, 300, 500, 340)])
    assert no_clean_text(ocr) == ""
    (caption,) = enrich([empty_item], get_backend("offline"))
    assert isinstance(caption, EnrichedCaption)  # "no visible text", as before the gate


def test_reject_detail_is_json_safe():
    image, ocr = gated_item("junk", "c", JUNK)
    (rejected,) = enrich([(image, ocr)], get_backend("offline"))
    assert json.loads(rejected.model_dump_json())["reason"] == "no_clean_text"


def _provenance():
    from llavar2.records import Provenance

    return Provenance(stage="enrich", backend="b", model="m", template="t@1")


# --- prominence ----------------------------------------------------------------------------


def slanted(
    text: str, x: float, y: float, length: float, height: float, degrees: float, score: float = 0.99
) -> OcrLine:
    """A box of ``length`` × ``height`` whose baseline runs ``degrees`` below horizontal."""
    import math

    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    corners = [(0, 0), (length, 0), (length, height), (0, height)]
    return OcrLine(
        text=text, box=[[x + u * c - v * s, y + u * s + v * c] for u, v in corners], score=score
    )


def with_lines(lines, extra):
    image, ocr = build_item("x", "c", lines)
    all_lines = gate_lines([*ocr.lines, *extra])
    return ocr.model_copy(
        update={"lines": all_lines, "text": "\n".join(line.text for line in all_lines)}
    )


BODY = [
    ("Doors open at seven", 100, 300, 500, 330),
    ("Tickets at the door", 100, 340, 500, 370),
    ("All ages welcome", 100, 380, 500, 410),
]


def test_title_is_the_heading_that_stands_out():
    ocr = with_lines([("SUMMER JAZZ NIGHT", 100, 40, 700, 120), *BODY], [])
    assert most_prominent(place_lines(ocr)).text == "SUMMER JAZZ NIGHT"
    kinds = {c.qtype for c in find_candidates(place_lines(ocr), ocr.text)}
    assert "title" in kinds


def test_no_title_when_nothing_stands_out():
    ocr = with_lines([("Summer Jazz Night", 100, 40, 500, 72), *BODY], [])  # 32 px vs 30 px
    placed = place_lines(ocr)
    assert most_prominent(placed) is None
    assert "title" not in {c.qtype for c in find_candidates(placed, ocr.text)}


def test_a_tall_slanted_line_is_not_the_title():
    # A stamp at 25°, in letters twice the heading's: there is no title, and the heading is not
    # promoted to "the largest lettering" either.
    stamp = slanted("PAID IN FULL", 420, 120, 360, 90, 25)
    ocr = with_lines([("Invoice", 100, 40, 260, 80), *BODY], [stamp])
    assert ocr.lines[-1].clean
    assert most_prominent(place_lines(ocr)) is None


def test_a_slightly_skewed_photo_still_has_a_title():
    # Every line turned by 4°: the page is skewed, the heading runs with it.
    lines = [slanted("SUMMER JAZZ NIGHT", 100, 40, 600, 80, 4)]
    lines += [slanted(text, x0, y0, x1 - x0, y1 - y0, 4) for text, x0, y0, x1, y1 in BODY]
    image, ocr = build_item("x", "c", [])
    ocr = ocr.model_copy(
        update={"lines": gate_lines(lines), "text": "\n".join(line.text for line in lines)}
    )
    assert most_prominent(place_lines(ocr)).text == "SUMMER JAZZ NIGHT"


def test_a_flagged_line_is_not_the_title():
    # The largest "text" is a logo read as junk: it is not quoted, the real heading is the title.
    logo = OcrLine(
        text="Dare: 1dy Amre .18", box=[[100, 20], [700, 20], [700, 200], [100, 200]], score=0.99
    )
    ocr = with_lines([("Summer Jazz Night", 100, 220, 600, 280), *BODY], [logo])
    assert ocr.lines[-1].flags
    prominent = most_prominent(place_lines(ocr))
    assert prominent is not None and prominent.text == "Summer Jazz Night"


def test_large_print_low_on_the_page_or_read_with_doubt_is_not_the_title():
    total = [*BODY, ("TOTAL DUE", 100, 600, 600, 680)]
    assert most_prominent(place_lines(with_lines(total, []))) is None
    doubtful = OcrLine(
        text="Tissue & Hand Wash", box=[[100, 20], [600, 20], [600, 100], [100, 100]], score=0.86
    )
    ocr = with_lines(BODY, [doubtful])
    assert ocr.lines[-1].clean  # fine to quote: only not a heading
    assert most_prominent(place_lines(ocr)) is None


def test_two_rows_in_one_box_are_not_large_lettering():
    # One 120 px box holding two rows of about 10 characters at 30 px: its glyphs are capped by
    # its width (to ~53 px), so it does not outrank a real 80 px heading.
    merged = OcrLine(
        text="TAX INVOICE 23/2/17", box=[[100, 150], [400, 150], [400, 270], [100, 270]], score=0.99
    )
    ocr = with_lines([("Corner Hardware", 100, 30, 600, 110), *BODY], [merged])
    placed = {line.text: line for line in place_lines(ocr)}
    assert placed["TAX INVOICE 23/2/17"].glyph < placed["TAX INVOICE 23/2/17"].height
    assert most_prominent(list(placed.values())).text == "Corner Hardware"


def test_layout_questions_do_not_pretend_junk_is_not_there():
    lines = [
        ("Welcome", 100, 100, 500, 140),
        ("Open daily", 100, 200, 500, 240),
        ("Free parking", 100, 300, 500, 340),
    ]

    def layout(extra):
        _, ocr = gated_item("x", "c", [*lines, *extra])
        found = find_candidates(place_lines(ocr), ocr.text, place_lines(ocr, flagged=True))
        return {(c.qtype, c.anchor, c.answer) for c in found}

    plain = layout([])
    assert ("next_line", "welcome", "Open daily") in plain
    assert ("top_line", "", "Welcome") in plain
    # A reflection between the two lines, and a stray letter above everything.
    junky = layout([("Dare: 1dy Amre .18", 100, 150, 500, 185), ("C", 700, 20, 720, 50)])
    assert ("next_line", "welcome", "Open daily") not in junky
    assert not any(qtype == "top_line" for qtype, _, _ in junky)
    assert ("next_line", "open daily", "Free parking") in junky  # nothing in between there
    assert ("bottom_line", "", "Free parking") in junky
