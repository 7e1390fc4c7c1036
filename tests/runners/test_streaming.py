"""The local runner's memory does not grow with the number of records: the traced peak of a
whole job (build with pre-made OCR records, the rule filters with duplicate detection over all
duos, export of the kept duos) is about the same for N and 4N images.

The jobs run in a fresh interpreter (this file run as a script): inside the test session,
whatever earlier tests left in module-level caches was traced too, and the result depended on
which tests ran before."""

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from llavar2.config import BuildConfig
from llavar2.export import stage as export_stage
from llavar2.filter import stage as filter_stage
from llavar2.filter.config import FilterConfig
from llavar2.jsonl import read_jsonl
from llavar2.runners import local
from llavar2.testing.synthetic import head, make_data

N = 100


def _job(data, out, n):
    out.mkdir()
    head(data / "captions.jsonl", out.parent / f"{out.name}.jsonl", n)
    head(data / "ocr.jsonl", out / "ocr.jsonl", n)
    cfg = BuildConfig(
        images_dir=data / "images",
        captions=out.parent / f"{out.name}.jsonl",
        out=out,
        cache_dir=None,
        progress=False,
    )
    local.build(cfg)
    report = filter_stage.run(out, FilterConfig())
    export_stage.run(out, "llava", out / "kept.json", kept=True)
    return report


def _peak(data, out, n):
    tracemalloc.start()
    try:
        report = _job(data, out, n)
        return tracemalloc.get_traced_memory()[1], report
    finally:
        tracemalloc.stop()


def _measure(tmp_path: Path) -> None:
    """Both jobs in this process; prints their peaks and filter reports as JSON."""
    data = tmp_path / "data"
    make_data(data, 4 * N)
    _job(data, tmp_path / "warm", 20)  # imports, templates, caches: not part of the peaks
    small, small_report = _peak(data, tmp_path / "small", N)
    large, large_report = _peak(data, tmp_path / "large", 4 * N)
    print(json.dumps([small, small_report, large, large_report]))


@pytest.mark.slow  # a job of 400 images, traced
def test_peak_memory_does_not_grow_with_the_number_of_records(tmp_path):
    run = subprocess.run(
        [sys.executable, __file__, str(tmp_path)], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr
    small, small_report, large, large_report = json.loads(run.stdout.splitlines()[-1])
    # The job really grew fourfold, and the duplicate rules saw every duo.
    assert large_report["input"]["duos"] >= 3.5 * small_report["input"]["duos"] > 0
    assert sum(1 for _ in read_jsonl(tmp_path / "large" / "conversations.jsonl")) == 4 * N
    # Holding a few hundred bytes per duo (a near-duplicate signature alone is 512) would
    # add more than this over the extra duos.
    extra_duos = large_report["input"]["duos"] - small_report["input"]["duos"]
    assert large - small < 100 * extra_duos, (small, large)
    assert large < 1.25 * small, (small, large)


if __name__ == "__main__":
    _measure(Path(sys.argv[1]))
