"""run_ocr: caching, rejects, worker pool, streaming."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from PIL import Image

from llavar2.ocr import ENGINES, OcrEngine, ocr_image, run_ocr, scan_images
from llavar2.records import ImageRecord, OcrLine, OcrResult, Reject


@ENGINES.register("counting-test")
class CountingEngine(OcrEngine):
    """Reads an image's size as its text, counts calls, fails on 13-pixel-wide images."""

    name = "counting-test"
    version = "1"
    calls = 0

    def read(self, image: Image.Image) -> list[OcrLine]:
        CountingEngine.calls += 1
        if image.width == 13:
            raise RuntimeError("engine crashed")
        w, h = image.size
        return [
            OcrLine(text="size", box=[[0, 0], [w, 0], [w, h], [0, h]], score=1.0),
            OcrLine(text=f"{w}x{h}", box=[[0, h], [w, h], [w, 2 * h], [0, 2 * h]], score=1.0),
        ]


def record(folder: Path, name: str, row: int = 0) -> ImageRecord:
    path = folder / name
    data = path.read_bytes() if path.exists() else b""
    sha = hashlib.sha256(data).hexdigest()
    return ImageRecord(
        id=f"id-{name}",
        image=name,
        caption="",
        row=row,
        sha256=sha,
        width=1,
        height=1,
        format="PNG",
    )


def save(folder: Path, name: str, size: tuple[int, int]) -> None:
    Image.new("RGB", size, "white").save(folder / name)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    images = tmp_path / "images"
    images.mkdir()
    for i, size in enumerate([(40, 30), (50, 20), (60, 10)]):
        save(images, f"{i}.png", size)
    return images


def test_result_fields(folder):
    (result,) = run_ocr([record(folder, "0.png")], folder, engine="counting-test")
    assert result == OcrResult(
        id="id-0.png",
        image="0.png",
        engine="counting-test",
        width=40,
        height=30,
        lines=[
            OcrLine(text="size", box=[[0, 0], [40, 0], [40, 30], [0, 30]], score=1.0, quality=1.0),
            OcrLine(
                text="40x30", box=[[0, 30], [40, 30], [40, 60], [0, 60]], score=1.0, quality=1.0
            ),
        ],
        text="size\n40x30",
    )


def test_cache_hit_does_not_run_the_engine(folder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    records = [record(folder, f"{i}.png", i) for i in range(3)]
    CountingEngine.calls = 0
    first = list(run_ocr(records, folder, engine="counting-test", cache_dir=cache))
    assert CountingEngine.calls == 3
    assert len(list(cache.glob("??/*.json"))) == 3

    again = list(run_ocr(records, folder, engine="counting-test", cache_dir=cache))
    assert CountingEngine.calls == 3 and again == first

    # The key is the content, not the name: a copy under another name is a hit too.
    shutil.copy(folder / "0.png", folder / "copy.png")
    (copy,) = run_ocr([record(folder, "copy.png")], folder, engine="counting-test", cache_dir=cache)
    assert CountingEngine.calls == 3 and copy.text == first[0].text and copy.image == "copy.png"

    # A new engine version is a miss.
    monkeypatch.setattr(CountingEngine, "version", "2")
    list(run_ocr(records[:1], folder, engine="counting-test", cache_dir=cache))
    assert CountingEngine.calls == 4


def test_broken_cache_entries_and_unwritable_cache_do_not_stop_the_run(folder, tmp_path, caplog):
    records = [record(folder, "0.png")]
    cache = tmp_path / "cache"
    (expected,) = run_ocr(records, folder, engine="counting-test", cache_dir=cache)
    for entry in cache.glob("??/*.json"):
        entry.write_text("{not json")
    CountingEngine.calls = 0
    assert list(run_ocr(records, folder, engine="counting-test", cache_dir=cache)) == [expected]
    assert CountingEngine.calls == 1  # a broken entry is a miss, and is rewritten

    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert list(run_ocr(records, folder, engine="counting-test", cache_dir=blocked)) == [expected]
    assert "not writable" in caplog.text


def test_bad_images_become_rejects_and_the_run_goes_on(folder):
    png = (folder / "0.png").read_bytes()
    (folder / "truncated.png").write_bytes(png[: len(png) // 2])
    (folder / "garbage.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    save(folder, "crash.png", (13, 13))  # the engine raises on it
    names = ["0.png", "truncated.png", "garbage.jpg", "missing.png", "crash.png", "1.png"]
    results = list(
        run_ocr([record(folder, n, i) for i, n in enumerate(names)], folder, engine="counting-test")
    )
    assert [type(r).__name__ for r in results] == [
        "OcrResult",
        "Reject",
        "Reject",
        "Reject",
        "Reject",
        "OcrResult",
    ]
    rejects = results[1:5]
    assert [r.reason for r in rejects] == ["unreadable_image"] * 3 + ["ocr_failed"]
    assert [(r.stage, r.image, r.id, r.row) for r in rejects] == [
        ("ocr", n, f"id-{n}", i) for i, n in enumerate(names) if 1 <= i <= 4
    ]
    assert "engine crashed" in rejects[3].detail


def test_unknown_engine_fails_before_iteration(folder):
    with pytest.raises(KeyError, match="unknown OCR engine 'nope'"):
        run_ocr([], folder, engine="nope")
    with pytest.raises(ValueError, match="workers"):
        run_ocr([], folder, workers=0)


def test_progress_bar_and_streaming(folder, capsys):
    pulled = []

    def records():
        for i in range(3):
            pulled.append(i)
            yield record(folder, f"{i}.png", i)

    results = run_ocr(records(), folder, engine="counting-test", progress=True, total=3)
    assert pulled == []  # nothing read before the caller asks
    next(results)
    assert pulled == [0]
    assert len(list(results)) == 2
    assert "3/3" in capsys.readouterr().err


def test_ocr_image(folder):
    lines, width, height = ocr_image(ENGINES.get("counting-test")(), folder / "1.png")
    assert [ocr_line.text for ocr_line in lines] == ["size", "50x20"] and (width, height) == (
        50,
        20,
    )


@pytest.mark.slow
def test_two_workers_give_the_same_results_as_one(tmp_path, text_image):
    """The real engine in spawned worker processes; outputs in input order, bounded in flight."""
    for seed in range(6):
        image, _ = text_image(seed, size=20 + 4 * seed)
        image.save(tmp_path / f"{seed}.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    records = [r for r in scan_images(tmp_path) if isinstance(r, ImageRecord)]
    records.append(record(tmp_path, "broken.png", len(records)))  # readable header not needed
    serial = list(run_ocr(records, tmp_path, workers=1))

    pulled = []

    def tracked():
        for r in records:
            pulled.append(r)
            yield r

    results = run_ocr(tracked(), tmp_path, workers=2)
    first = next(results)
    assert len(pulled) <= 2 * 4  # IN_FLIGHT_PER_WORKER tasks per worker, not the whole input
    parallel = [first, *results]

    assert [r.image for r in parallel] == [r.image for r in records]
    assert isinstance(parallel[-1], Reject) and parallel[-1].reason == "unreadable_image"
    for a, b in zip(serial[:-1], parallel[:-1]):
        assert a.text == b.text and a.text
        for la, lb in zip(a.lines, b.lines):  # one thread vs many: float noise at most
            assert sum(la.box, []) == pytest.approx(sum(lb.box, []), abs=0.5)
            assert la.score == pytest.approx(lb.score, abs=1e-3)
