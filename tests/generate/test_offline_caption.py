"""Enriched captions from the offline backend: the human caption whole, then only OCR text."""

import re

import pytest

from llavar2.backends import get_backend
from llavar2.prompts import load_template


def enrich(item, seed=0):
    image, ocr = item
    return get_backend("offline", seed=seed).enrich(image, ocr)


def quoted_after_human_caption(caption, human):
    assert caption.startswith(human)
    return re.findall(r'"([^"]*)"', caption[len(human) :])


@pytest.mark.parametrize("seed", range(5))
def test_caption_keeps_human_caption_and_quotes_only_ocr(samples, messy_item, seed):
    for item in [*samples.values(), messy_item]:
        image, ocr = item
        caption = enrich(item, seed).caption
        quotes = quoted_after_human_caption(caption, image.caption)
        assert quotes
        for quote in quotes:
            assert quote in ocr.text


def test_caption_mentions_prominent_text_regions_and_entities(samples):
    caption = enrich(samples["poster"]).caption
    assert '"SUMMER JAZZ NIGHT"' in caption
    assert "9 lines" in caption
    for text in ("Saturday, March 15, 2025", "www.jazznight.com", "Jane Doe"):
        assert f'"{text}"' in caption


def test_human_caption_with_closing_quote_gets_a_full_stop(samples):
    image, _ = samples["slide"]
    assert enrich(samples["slide"]).caption.startswith(image.caption + ". ")


def test_dense_ocr_is_summarised(messy_item):
    caption = enrich(messy_item).caption
    assert "78 lines" in caption  # lines with no letters or digits are not text
    assert len(re.findall(r'"([^"]*)"', caption)) <= 16
    assert "x" * 101 not in caption and "lazy dog the quick" not in caption
    assert "more lines" in caption


def test_single_line(make_item):
    image, ocr = make_item("one", "A shop sign", [("OPEN", 100, 100, 300, 160)])
    caption = enrich((image, ocr)).caption
    assert caption.startswith("A shop sign. ") and '"OPEN"' in caption


def test_no_text_says_so(empty_item):
    caption = enrich(empty_item).caption
    no_text = load_template("offline-enrich@1").data["no_text"]
    assert caption.startswith("A blank wall. ")
    assert caption.removeprefix("A blank wall. ") in no_text


def test_instruction_varies_across_images(samples):
    instructions = {enrich(item).instruction for item in samples.values()}
    known = load_template("caption-instructions@1").data["instructions"]
    assert instructions <= set(known) and len(instructions) > 1
