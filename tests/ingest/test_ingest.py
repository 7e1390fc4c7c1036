import json
import os
from pathlib import Path

import pytest
from PIL import Image

from llavar2.errors import UsageError
from llavar2.ingest.manifest import read_manifest
from llavar2.ingest.stage import run
from llavar2.ingest.validate import Seen
from llavar2.records import ImageRecord, Reject


def _png(path: Path, size=(64, 32), color=(200, 10, 10)) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path.read_bytes()


@pytest.fixture
def images(tmp_path: Path) -> Path:
    d = tmp_path / "images"
    _png(d / "good.png")
    _png(d / "sub" / "other.png", color=(0, 0, 255))
    _png(d / "copy_of_good.png")  # same bytes as good.png
    (d / "empty.png").write_bytes(b"")
    (d / "text.png").write_text("this is not an image")
    full = _png(tmp_path / "full.png", size=(300, 300), color=(1, 2, 3))
    (d / "truncated.png").write_bytes(full[: len(full) // 2])
    _png(d / "big.png", size=(400, 400))
    _png(tmp_path / "outside.png", color=(9, 9, 9))
    os.symlink(tmp_path / "outside.png", d / "link_out.png")
    os.symlink(d / "sub" / "other.png", d / "link_in.png")
    (d / "folder.png").mkdir()
    return d


def _run(manifest: Path, images: Path, **kw):
    return list(run(read_manifest(manifest), images, **kw))


def _jsonl(path: Path, rows: list) -> Path:
    with open(path, "wb") as f:
        for row in rows:
            f.write(row if isinstance(row, bytes) else json.dumps(row).encode() + b"\n")
    return path


def test_every_bad_input_is_rejected_with_its_reason_and_the_rest_is_kept(tmp_path, images):
    rows = [
        {"image": "good.png", "caption": "A red banner."},
        {"image": "sub/other.png", "caption": "  A blue banner.  ", "source": "web"},
        {"image": "missing.png", "caption": "x"},
        {"image": "empty.png", "caption": "x"},
        {"image": "text.png", "caption": "x"},
        {"image": "truncated.png", "caption": "x"},
        {"image": "big.png", "caption": "x"},
        {"image": "../outside.png", "caption": "x"},
        {"image": str(tmp_path / "outside.png"), "caption": "x"},
        {"image": "link_out.png", "caption": "x"},
        {"image": "good.png", "caption": "   "},
        {"image": "good.png"},
        b'{"image": "good.png", "caption": "caf\xe9 latin-1"}\n',
        {"image": "copy_of_good.png", "caption": "same bytes"},
        {"image": "folder.png", "caption": "x"},
        b"{not json\n",
        {"caption": "no image field"},
        {"image": "link_in.png", "caption": "a link that stays inside, same bytes as other.png"},
    ]
    out = _run(_jsonl(tmp_path / "m.jsonl", rows), images, max_pixels=100_000)
    assert len(out) == len(rows)  # one outcome per row, in order
    assert [o.row for o in out] == list(range(len(rows)))
    kept = [o for o in out if isinstance(o, ImageRecord)]
    assert [k.image for k in kept] == ["good.png", "sub/other.png"]
    assert kept[1].caption == "A blue banner." and kept[1].meta == {"source": "web"}
    assert kept[0].id == kept[0].sha256 and len(kept[0].sha256) == 64
    assert (kept[0].width, kept[0].height, kept[0].format) == (64, 32, "PNG")
    reasons = [o.reason for o in out if isinstance(o, Reject)]
    assert reasons == [
        "missing_file",
        "empty_file",
        "not_an_image",
        "truncated_image",
        "too_many_pixels",
        "path_escapes_dir",
        "path_escapes_dir",
        "path_escapes_dir",
        "empty_caption",
        "empty_caption",
        "caption_not_utf8",
        "duplicate_image",
        "not_a_file",
        "bad_row",
        "bad_row",
        "duplicate_image",
    ]
    for o in out:
        if isinstance(o, Reject):
            assert o.stage == "ingest" and o.detail


def test_pixel_limit_is_an_option(tmp_path, images):
    m = _jsonl(tmp_path / "m.jsonl", [{"image": "big.png", "caption": "x"}])
    assert isinstance(_run(m, images, max_pixels=100_000)[0], Reject)
    assert isinstance(_run(m, images, max_pixels=160_000)[0], ImageRecord)


def test_decompression_bomb_is_rejected_without_decoding(tmp_path):
    d = tmp_path / "images"
    d.mkdir()
    # A 20000x20000 PNG is a few hundred KB on disk but 400 Mpx in memory.
    Image.new("1", (20000, 20000)).save(d / "bomb.png")
    m = _jsonl(tmp_path / "m.jsonl", [{"image": "bomb.png", "caption": "x"}])
    (out,) = _run(m, d)
    assert isinstance(out, Reject) and out.reason == "too_many_pixels"
    assert "20000x20000" in out.detail


def test_csv_manifest_with_ids_and_bad_utf8(tmp_path, images):
    m = tmp_path / "m.csv"
    m.write_bytes(
        b"image,caption,id\n"
        b'good.png,"A red banner, with a comma",img-1\n'
        b"sub/other.png,bad \xff\xfe bytes,img-2\n"
        b"link_in.png,same id,img-1\n"
    )
    out = _run(m, images)
    assert isinstance(out[0], ImageRecord) and out[0].id == "img-1"
    assert out[0].caption == "A red banner, with a comma"
    assert (out[1].reason, out[2].reason) == ("caption_not_utf8", "duplicate_id")


def test_llava_json_manifest_takes_the_first_model_turn_as_caption(tmp_path, images):
    m = tmp_path / "m.json"
    m.write_text(
        json.dumps(
            [
                {
                    "id": "a",
                    "image": "good.png",
                    "conversations": [
                        {"from": "human", "value": "<image>\nDescribe."},
                        {"from": "gpt", "value": "A red banner."},
                    ],
                },
                {
                    "id": "b",
                    "image": "sub/other.png",
                    "conversations": [{"from": "human", "value": "hi"}],
                },
            ]
        )
    )
    out = _run(m, images)
    assert (
        isinstance(out[0], ImageRecord) and out[0].caption == "A red banner." and out[0].id == "a"
    )
    assert isinstance(out[1], Reject) and out[1].reason == "empty_caption"


def test_seen_state_rejects_duplicates_of_earlier_runs(tmp_path, images):
    m = _jsonl(tmp_path / "m.jsonl", [{"image": "good.png", "caption": "x"}])
    (first,) = _run(m, images)
    seen = Seen()
    seen.add(first)
    (again,) = _run(m, images, seen=seen)
    assert isinstance(again, Reject) and again.reason == "duplicate_image"


def test_unknown_manifest_format_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="unknown manifest format"):
        read_manifest(tmp_path / "m.txt")


def test_paths_the_filesystem_refuses_are_rejected_not_fatal(tmp_path, images):
    os.symlink("loop.png", images / "loop.png")  # a symlink to itself
    rows = [
        {"image": "loop.png", "caption": "x"},
        {"image": "a\u0000.png", "caption": "x"},
        {"image": "a" * 300 + ".png", "caption": "x"},
        {"image": "C:\\Users\\x.png", "caption": "x"},
        {"image": "\\\\server\\share\\x.png", "caption": "x"},
        {"image": "good.png", "caption": "still built"},
    ]
    out = _run(_jsonl(tmp_path / "m.jsonl", rows), images)
    assert [getattr(o, "reason", "kept") for o in out] == [
        "bad_path",
        "bad_path",
        "bad_path",
        "path_escapes_dir",
        "path_escapes_dir",
        "kept",
    ]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".json"])
def test_manifests_with_a_byte_order_mark_are_read(tmp_path, images, suffix):
    text = {
        ".jsonl": '{"image": "good.png", "caption": "A red banner."}\n',
        ".csv": "image,caption\ngood.png,A red banner.\n",
        ".json": '[{"image": "good.png", "caption": "A red banner."}]',
    }[suffix]
    m = tmp_path / f"m{suffix}"
    m.write_bytes(b"\xef\xbb\xbf" + text.encode())
    (out,) = _run(m, images)
    assert isinstance(out, ImageRecord) and out.caption == "A red banner."


def test_extra_columns_are_kept_with_text_that_is_not_utf8_replaced(tmp_path, images):
    m = _jsonl(
        tmp_path / "m.jsonl",
        [
            b'{"image": "good.png", "caption": "ok", "tags": ["caf\xe9", 3], "note": "\\ud800",'
            b' "nested": {"k": "v"}}\n'
        ],
    )
    (out,) = _run(m, images)
    assert isinstance(out, ImageRecord)
    assert out.meta["tags"][1] == 3 and out.meta["nested"] == {"k": "v"}
    assert "\ufffd" in out.meta["tags"][0] and out.meta["note"] == "\ufffd"
    json.dumps(out.model_dump(), ensure_ascii=False).encode("utf-8")  # writable as UTF-8


# -- CSV manifests: a csv.Error or a stray quote is one row's reject, the rows after it are read


def _csv(tmp_path: Path, body: bytes) -> Path:
    m = tmp_path / "m.csv"
    m.write_bytes(b"image,caption\n" + body)
    return m


def _outcomes(out: list) -> list:
    return [o.reason if isinstance(o, Reject) else o.image for o in out]


def test_csv_field_over_the_size_limit_is_a_reject_naming_its_line(tmp_path, images):
    import csv

    limit = csv.field_size_limit()
    m = _csv(
        tmp_path,
        b'good.png,ok\nsub/other.png,"' + b"x" * (limit + 10) + b'"\n'
        b"copy_of_good.png,after the long one\nlink_in.png," + b"y" * (limit + 1) + b"\n"
        b"sub/other.png,last\n",
    )
    out = _run(m, images)
    assert _outcomes(out) == ["good.png", "bad_row", "duplicate_image", "bad_row", "sub/other.png"]
    assert "line 3" in out[1].detail and "field limit" in out[1].detail
    assert "line 5" in out[3].detail and "field limit" in out[3].detail
    assert [o.row for o in out] == [0, 1, 2, 3, 4]
    assert csv.field_size_limit() == limit  # the process-wide limit is left alone


def test_csv_oversized_quoted_field_over_many_lines_is_one_reject(tmp_path, images):
    m = _csv(tmp_path, b'good.png,"' + b"many lines\n" * 20_000 + b'"\nsub/other.png,after\n')
    out = _run(m, images)
    assert _outcomes(out) == ["bad_row", "sub/other.png"]
    assert "lines 2-20002" in out[0].detail


def test_csv_stray_quote_does_not_swallow_the_rows_after_it(tmp_path, images):
    m = _csv(
        tmp_path,
        b'good.png,"He said ""hi\nsub/other.png,A blue banner\n'
        b'link_out.png,x\nbig.png,"quoted, fine"\n',
    )
    out = _run(m, images)
    assert _outcomes(out) == ["bad_row", "sub/other.png", "path_escapes_dir", "big.png"]
    assert "stray quote" in out[0].detail and "line 2" in out[0].detail
    assert "line 3" in out[0].detail  # where reading resumed
    assert out[3].caption == "quoted, fine"


def test_csv_quote_never_closed_rejects_to_the_end_of_the_file(tmp_path, images):
    m = _csv(tmp_path, b'good.png,fine\nsub/other.png,"open\nand more text\nand more\n')
    out = _run(m, images)
    assert _outcomes(out) == ["good.png", "bad_row"]
    assert "never closed" in out[1].detail and "lines 3-5" in out[1].detail


def test_csv_quoted_multi_line_captions_are_kept(tmp_path, images):
    # Continuation lines with commas, even one with two fields, are not rows of their own
    # unless the image column names an image file.
    m = _csv(
        tmp_path,
        b'good.png,"Menu:\nsoup, salad\nTotal, 12.50\n"\nsub/other.png,"one\r\ntwo ""quoted"""\n',
    )
    out = _run(m, images)
    assert _outcomes(out) == ["good.png", "sub/other.png"]
    assert out[0].caption == "Menu:\nsoup, salad\nTotal, 12.50"
    assert out[1].caption == 'one\r\ntwo "quoted"'


def test_csv_header_that_cannot_be_read_is_a_usage_error(tmp_path):
    m = tmp_path / "m.csv"
    m.write_bytes(b'image,"caption\ngood.png,x\n')
    with pytest.raises(UsageError, match="CSV header"):
        list(read_manifest(m))


def test_an_image_pillow_refuses_while_decoding_is_too_many_pixels(tmp_path, monkeypatch):
    # TIFF checks Pillow's process-wide limit when it decodes: the user's own setting of it
    # stays in force, and the row says why it was dropped.
    d = tmp_path / "images"
    d.mkdir()
    Image.new("RGB", (100, 100)).save(d / "a.tif")
    _png(d / "b.png", size=(100, 100))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    m = _jsonl(
        tmp_path / "m.jsonl",
        [{"image": "a.tif", "caption": "x"}, {"image": "b.png", "caption": "y"}],
    )
    out = _run(m, d)
    assert isinstance(out[0], Reject) and out[0].reason == "too_many_pixels"
    assert isinstance(out[1], ImageRecord)
    assert Image.MAX_IMAGE_PIXELS == 1000


def test_duplicate_checks_keep_fixed_size_digests(tmp_path):
    """Seen keeps a few bytes per accepted image (digests), not its strings: at 10k records it
    holds well under 100 bytes each, and still finds every duplicate, old or recent."""
    import hashlib
    import tracemalloc

    from llavar2.ingest.validate import RowRejected, check_duplicate

    def record(i: int) -> ImageRecord:
        sha = hashlib.sha256(str(i).encode()).hexdigest()
        return ImageRecord(
            id=f"image-{i:08d}-" + "x" * 40,
            image=f"folder/{i:08d}.png",
            caption="c",
            row=i,
            sha256=sha,
            width=1,
            height=1,
            format="PNG",
        )

    n = 10_000
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        seen = Seen()
        for i in range(n):
            seen.add(record(i))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held / n < 100, f"{held / n:.0f} bytes per record"
    for i in (0, 7, n // 2, n - 1):  # merged into the arrays and still in the recent set
        again = record(i).model_copy(update={"id": f"other-{i}", "image": "again.png"})
        with pytest.raises(RowRejected) as err:
            check_duplicate(again, seen)
        assert err.value.reason == "duplicate_image" and f"row {i}" in err.value.detail
        with pytest.raises(RowRejected) as err:
            check_duplicate(record(i).model_copy(update={"sha256": "0" * 64}), seen)
        assert err.value.reason == "duplicate_id"
    check_duplicate(record(n), seen)  # a new image and id pass
