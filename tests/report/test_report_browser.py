"""The HTML browser in headless Chromium, opened from disk: no console errors, one card per
image, every picture loaded with its OCR boxes, and search and filters narrow the cards to
those the test finds in the build's files."""

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.jsonl import read_jsonl
from llavar2.testing.chromium import HeadlessPage

pytestmark = pytest.mark.slow  # the scored build they share takes ~25 s here
ARTIFACT = Path(__file__).resolve().parents[2] / ".artifacts" / "report-browser.png"
READY = 'document.body.dataset.ready === "1"'
CARD_IDS = 'Array.from(document.querySelectorAll(".card")).map(c => c.dataset.id)'


@pytest.fixture(scope="module")
def browser(build):
    result = CliRunner().invoke(app, ["report", str(build), "--no-progress"])
    assert result.exit_code == 0, result.output
    with HeadlessPage() as browser:
        yield browser


@pytest.fixture
def page(browser, build):
    """The browser freshly loaded for each test: one test's search and filters never carry
    over into another's."""
    browser.open((build / "report" / "browser" / "index.html").as_uri())
    browser.wait_for(READY)
    return browser


def narrow(page, script):
    """Run ``script`` (which changes a control), wait for the new cards, return their ids."""
    page.evaluate(f'document.body.dataset.ready = "0"; {{ {script} }}')
    page.wait_for(READY)
    return set(page.evaluate(CARD_IDS))


def test_cards_pictures_and_boxes(page, build, tmp_path):
    images = list(read_jsonl(build / "images.jsonl"))
    ocr = {o["id"]: len(o["lines"]) for o in read_jsonl(build / "ocr.jsonl")}
    assert page.evaluate(CARD_IDS) == [i["id"] for i in images]
    widths = page.evaluate(
        'Array.from(document.querySelectorAll(".card img")).map(i => [i.complete, i.naturalWidth])'
    )
    assert len(widths) == len(images)
    assert all(done and width > 0 for done, width in widths)
    boxes = page.evaluate(
        'Object.fromEntries(Array.from(document.querySelectorAll(".card"))'
        '.map(c => [c.dataset.id, c.querySelectorAll("polygon").length]))'
    )
    assert boxes == {i["id"]: ocr[i["id"]] for i in images}
    # Each overlay covers its picture exactly, so the boxes scale with it.
    sizes = page.evaluate(
        'Array.from(document.querySelectorAll(".pic")).map(p => {'
        'const i = p.querySelector("img").getBoundingClientRect(),'
        ' s = p.querySelector("svg").getBoundingClientRect();'
        " return [i.width, i.height, s.width, s.height]; })"
    )
    assert all(abs(iw - sw) < 1 and abs(ih - sh) < 1 for iw, ih, sw, sh in sizes)
    shot = tmp_path / "report-browser.png"
    page.screenshot(shot)
    assert shot.read_bytes().startswith(b"\x89PNG")
    ARTIFACT.parent.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACT)
    assert page.errors == []


def test_search_and_filters(page, build):
    images = list(read_jsonl(build / "images.jsonl"))
    all_ids = {i["id"] for i in images}
    # A word of one human caption that no other image's texts have.
    convs = {c["id"]: c for c in read_jsonl(build / "conversations.jsonl")}
    captions = {c["id"]: c for c in read_jsonl(build / "captions.jsonl")}
    ocr = {o["id"]: o["text"] for o in read_jsonl(build / "ocr.jsonl")}

    def text(image_id):
        duos = convs[image_id]["duos"] if image_id in convs else []
        parts = [
            captions[image_id]["human_caption"],
            captions[image_id]["caption"],
            ocr[image_id],
        ] + [
            t
            for d in duos
            for qa in (d["extractive"], d["self_explain"])
            for t in (qa["question"], qa["answer"])
        ]
        return "\n".join(parts).casefold()

    texts = {i: text(i) for i in all_ids}
    term = next(
        w
        for w in captions[images[1]["id"]]["human_caption"].casefold().split()
        if len(w) > 4 and w.isalpha() and sum(w in t for t in texts.values()) == 1
    )
    assert narrow(
        page,
        f'const s = document.getElementById("search"); s.value = "{term}";'
        ' s.dispatchEvent(new Event("input"));',
    ) == {images[1]["id"]}
    assert (
        narrow(
            page,
            'const s = document.getElementById("search"); s.value = "";'
            ' s.dispatchEvent(new Event("input"));',
        )
        == all_ids
    )

    dropped = list(read_jsonl(build / "dropped.jsonl"))
    reason = dropped[0]["reason"]
    select = (
        'const e = document.getElementById("{id}"); e.value = "{value}";'
        ' e.dispatchEvent(new Event("change"));'
    )
    assert narrow(page, select.format(id="reason", value=reason)) == {
        d["id"] for d in dropped if d["reason"] == reason
    }
    narrow(page, select.format(id="reason", value=""))
    kept = {c["id"] for c in read_jsonl(build / "kept.jsonl")}
    assert narrow(page, select.format(id="status", value="kept")) == kept
    assert narrow(page, select.format(id="status", value="none")) == all_ids - kept
    narrow(page, select.format(id="status", value=""))
    qtype = next(iter(convs.values()))["duos"][0]["qtype"]
    assert narrow(page, select.format(id="qtype", value=qtype)) == {
        i for i, c in convs.items() if any(d["qtype"] == qtype for d in c["duos"])
    }
    assert page.errors == []
