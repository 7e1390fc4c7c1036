"""What a local build passes on and records: --max-pixels to its OCR stage, the manifest's hash."""

import hashlib
import json

from llavar2 import ocr, samples
from llavar2.config import BuildConfig
from llavar2.imaging import file_sha256
from llavar2.runners import local


def test_the_ocr_stage_of_a_local_build_gets_max_pixels(tmp_path, monkeypatch):
    row = json.loads(samples.CAPTIONS.read_text().splitlines()[0])
    manifest = tmp_path / "captions.jsonl"
    manifest.write_text(json.dumps(row) + "\n")
    seen = []
    run_ocr = ocr.run_ocr

    def spy(*args, **kwargs):
        seen.append(kwargs.get("max_pixels"))
        return run_ocr(*args, **kwargs)

    monkeypatch.setattr(ocr, "run_ocr", spy)
    # Over Pillow's default limit: OCR with that default would refuse what ingest accepted.
    local.build(
        BuildConfig(
            images_dir=samples.IMAGES_DIR,
            captions=manifest,
            out=tmp_path / "out",
            max_pixels=10**9,
            progress=False,
        )
    )
    assert seen == [10**9]


def test_a_build_hashes_its_manifest_once_streaming(tmp_path, monkeypatch):
    row = json.loads(samples.CAPTIONS.read_text().splitlines()[0])
    manifest = tmp_path / "captions.jsonl"
    manifest.write_text(json.dumps(row) + "\n")
    hashed = []

    def spy(path):
        hashed.append(path)
        return file_sha256(path)

    monkeypatch.setattr(local, "file_sha256", spy, raising=False)
    summary = local.build(
        BuildConfig(
            images_dir=samples.IMAGES_DIR, captions=manifest, out=tmp_path / "out", progress=False
        )
    )
    assert hashed == [manifest]
    assert summary["captions_sha256"] == hashlib.sha256(manifest.read_bytes()).hexdigest()
