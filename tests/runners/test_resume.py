"""A build killed with SIGKILL at arbitrary points and rerun ends with exactly the records of an
uninterrupted build: none lost, none duplicated."""

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llavar2 import samples
from llavar2.testing.builds import RECORD_FILES as FILES
from llavar2.testing.builds import build_records


def _manifest(tmp_path: Path, n: int) -> Path:
    rows = [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()][:n]
    rows.insert(2, {"image": "no_such_file.png", "caption": "gone"})  # one reject too
    path = tmp_path / "captions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _cmd(manifest: Path, out: Path) -> list[str]:
    # No OCR cache: every run really OCRs, so kills land in the middle of the work.
    return [
        sys.executable,
        "-m",
        "llavar2.cli",
        "build",
        "--images",
        str(samples.IMAGES_DIR),
        "--captions",
        str(manifest),
        "--out",
        str(out),
        "--no-cache",
        "--no-progress",
    ]


def _written(out: Path) -> int:
    return sum((out / name).stat().st_size for name in FILES if (out / name).exists())


@pytest.mark.slow
def test_sigkilled_build_resumes_to_the_uninterrupted_result(tmp_path):
    manifest = _manifest(tmp_path, 8)
    reference = tmp_path / "reference"
    done = subprocess.run(_cmd(manifest, reference), capture_output=True, text=True)
    assert done.returncode == 3, done.stderr  # the missing file is rejected, the rest built

    out = tmp_path / "killed"
    rng = random.Random(7)
    kills = 0
    for _ in range(30):
        before = _written(out)
        proc = subprocess.Popen(
            _cmd(manifest, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # Kill once this run has made progress, after a random extra delay, so kills land at
        # varied points (mid-ingest, mid-OCR, between stages) and every run moves forward.
        while proc.poll() is None and _written(out) == before:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.8))
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    else:
        pytest.fail("the build never finished")
    print(f"build killed {kills} times before it finished")
    assert kills >= 3, "the build finished before it could be killed three times"
    assert proc.returncode == 3

    killed, ref = build_records(out), build_records(reference)
    for name in FILES:
        ids = [r.get("id", r.get("row")) for r in killed[name]]
        assert len(ids) == len(set(ids)), f"duplicates in {name}"
        assert killed[name] == ref[name], name
    assert (out / "llava.json").read_bytes() == (reference / "llava.json").read_bytes()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["resumed"] is True
    assert summary["counts"] == json.loads((reference / "summary.json").read_text())["counts"]
