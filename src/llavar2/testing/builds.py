"""A build's record files read back for comparison (resume and kill tests): creation times,
which differ between any two runs, are left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..jsonl import read_jsonl

RECORD_FILES = [
    "images.jsonl",
    "ocr.jsonl",
    "captions.jsonl",
    "conversations.jsonl",
    "rejects.jsonl",
]


def build_records(out: Path) -> dict[str, list[dict[str, Any]]]:
    """Each record file of the build in ``out``, its rows without ``provenance.created_at``."""
    got = {}
    for name in RECORD_FILES:
        rows = list(read_jsonl(out / name))
        for row in rows:
            row.get("provenance", {}).pop("created_at", None)
        got[name] = rows
    return got


def filtered_sample_build(tmp: Path, n_images: int, max_answer_words: int = 3) -> Path:
    """An offline build of the first ``n_images`` bundled sample images in ``tmp/out``,
    filtered by rules only with answers over ``max_answer_words`` words dropped: a build with
    both kept and dropped duos, for tests of what reads them."""
    import json

    from typer.testing import CliRunner

    from .. import samples
    from ..cli import app

    runner = CliRunner()
    rows = [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()][:n_images]
    manifest = tmp / "captions.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp / "out"
    result = runner.invoke(
        app,
        [
            "build",
            "--images",
            str(samples.IMAGES_DIR),
            "--captions",
            str(manifest),
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    if result.exit_code != 0:
        raise RuntimeError(f"the sample build failed: {result.output}")
    result = runner.invoke(
        app,
        [
            "filter",
            str(out),
            "--mifd-max",
            "none",
            "--ffd-max",
            "none",
            "--max-answer-words",
            str(max_answer_words),
            "--no-progress",
        ],
    )
    if result.exit_code != 0:
        raise RuntimeError(f"the filter failed: {result.output}")
    return out
