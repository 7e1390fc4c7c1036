"""A whole offline build over real scanned receipts (SROIE) with junk OCR lines: the quality gate
flags them, and no caption, question or answer quotes them."""

from __future__ import annotations

import json
import shutil

import pytest

from llavar2.config import BuildConfig
from llavar2.jsonl import read_jsonl
from llavar2.ocr import EngineUnavailable, get_engine
from llavar2.runners import local
from llavar2.testing import sroie

# Each has lines the engine misread into junk: a reflection, scrambled capitals, CJK glyphs
# read in Latin print, torn-off fragments.
RECEIPTS = ["238", "263", "397", "505"]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    if not sroie.sroie_dir().is_dir():
        pytest.skip(f"real receipts not found at {sroie.sroie_dir()} (set LLAVAR2_REALDATA)")
    try:
        get_engine("rapidocr")
    except EngineUnavailable as e:
        pytest.skip(f"rapidocr unavailable: {e}")
    root = tmp_path_factory.mktemp("real")
    images = root / "images"
    images.mkdir()
    rows = []
    for name in RECEIPTS:
        shutil.copyfile(sroie.image_path(name), images / f"{name}.jpg")
        rows.append({"id": name, "image": f"{name}.jpg", "caption": "A scanned shop receipt."})
    manifest = root / "captions.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = root / "out"
    local.build(
        BuildConfig(images_dir=images, captions=manifest, out=out, cache_dir=None, progress=False)
    )
    return out


@pytest.mark.slow  # the engine reads four receipt scans
def test_junk_lines_are_flagged_and_never_quoted(build):
    ocr = {r["id"]: r for r in read_jsonl(build / "ocr.jsonl")}
    assert sorted(ocr) == RECEIPTS
    generated = {name: [] for name in RECEIPTS}
    for caption in read_jsonl(build / "captions.jsonl"):
        generated[caption["id"]].append(caption["caption"])
    for conversation in read_jsonl(build / "conversations.jsonl"):
        for duo in conversation["duos"]:
            generated[conversation["id"]] += [
                duo["extractive"]["question"],
                duo["extractive"]["answer"],
                duo["self_explain"]["answer"],
            ]
    for name, result in ocr.items():
        clean = "\n".join(line["text"] for line in result["lines"] if not line["flags"])
        junk = [
            line["text"].strip()
            for line in result["lines"]
            if line["flags"] and len(line["text"].strip()) > 1
        ]
        assert junk, f"{name}: no line flagged"
        assert generated[name], f"{name}: nothing generated"
        for text in junk:
            if text in clean:  # the same words also printed cleanly elsewhere
                continue
            assert not [g for g in generated[name] if text in g], (name, text)
