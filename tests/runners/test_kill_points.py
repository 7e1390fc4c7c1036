"""Deterministic companion of test_resume: a chain of runs, each killed in the middle of a
record write (half a line on disk) after one more full record than the run before it had,
walks through every write point of every stage."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from llavar2 import samples
from llavar2.testing.builds import build_records

# Runs the CLI with ResumableJsonl.write replaced by one that, at the run's write number
# argv[1], writes half of its line and dies like SIGKILL would (no cleanup, no flush).
DIE_AT_WRITE = textwrap.dedent("""
    import os, sys
    from llavar2 import jsonl
    die_at, writes, original = int(sys.argv.pop(1)), [], jsonl.ResumableJsonl.write
    def write(self, record):
        writes.append(record)
        if len(writes) < die_at:
            return original(self, record)
        line = jsonl.dumps(record) + "\\n"
        self._f.write(line[: len(line) // 2])
        self._f.flush()
        os._exit(137)
    jsonl.ResumableJsonl.write = write
    from llavar2.cli import app
    app(sys.argv[1:])
""")


def _run(args: list[str], die_at: int | None = None) -> int:
    cmd = (
        [sys.executable, "-c", DIE_AT_WRITE, str(die_at), *args]
        if die_at
        else [sys.executable, "-m", "llavar2.cli", *args]
    )
    return subprocess.run(cmd, capture_output=True).returncode


@pytest.mark.slow
def test_a_kill_at_every_write_loses_and_repeats_nothing(tmp_path):
    rows = [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()][:3]
    rows.insert(1, {"image": "missing.png", "caption": "x"})
    manifest = tmp_path / "captions.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def args(out: Path) -> list[str]:
        return [
            "build",
            "--images",
            str(samples.IMAGES_DIR),
            "--captions",
            str(manifest),
            "--out",
            str(out),
            "--no-progress",
        ]

    reference = tmp_path / "reference"
    assert _run(args(reference)) == 3
    writes = sum(len(v) for v in build_records(reference).values())

    out = tmp_path / "killed"
    assert _run(args(out), die_at=1) == 137  # killed in its very first write
    kills = 1
    # Each later run finishes the record its predecessor died in, then dies in the next one.
    while _run(args(out), die_at=2) == 137:
        kills += 1
        assert kills <= writes, "a killed run made no progress"
    assert kills == writes  # every record write was a kill point exactly once
    assert _run(args(out)) == 3  # and the finished build stays as it is
    assert build_records(out) == build_records(reference)
    assert (out / "llava.json").read_bytes() == (reference / "llava.json").read_bytes()
