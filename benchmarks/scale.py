"""Scale benchmark (issue 7): a synthetic job through ingest → offline generation → filter →
export, with the local runner at several sizes (records/s, peak RSS) and with the Ray runner in
local mode (records/s, and whether its files hold the same records in the same order as the
local run's), then a projection of a 424k-pair build that names which of its rates were measured
here and which are assumed.

A record is one image. Each image is a distinct tiny PGM file with a manifest row naming its id,
and its OCR record is made up (``llavar2.testing.synthetic``: varied receipt/sign-like text with
prices, dates, phones, URLs) and put into the build folder before the build, so the OCR stage
finds it done and OCR time does not dominate; everything after it runs for real: ingest (reads,
decodes and hashes every image), enrich and qa with the offline backend, ``llavar2 filter``'s
rules (with exact and near duplicate detection) and the LLaVA export of the kept duos.

Each run is a child process; its peak RSS is the child's own ``ru_maxrss`` (``os.wait4``).

    python benchmarks/scale.py                      # 25k, 50k, 100k local; 25k on Ray
    python benchmarks/scale.py --records 2000,4000 --ray-records 2000   # quick

Last line: ``RESULT local_rps=... ray_rps=... peak_rss_mb_100k=... identical=true|false``
(peak_rss_mb_100k is the peak RSS of the largest local run; identical compares the Ray run's
files with the local run's of the same size line by line, in order, ignoring only the records'
creation times).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any

from llavar2.testing.synthetic import head, make_data


def child(args: argparse.Namespace) -> None:
    """One measured run: build (local or Ray), filter, export the kept duos."""
    from llavar2.config import BuildConfig
    from llavar2.export import stage as export_stage
    from llavar2.filter import stage as filter_stage
    from llavar2.filter.config import FilterConfig

    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True)
    manifest = out.parent / f"{out.name}.captions.jsonl"
    head(data / "captions.jsonl", manifest, args.n)
    head(data / "ocr.jsonl", out / "ocr.jsonl", args.n)  # the pre-made OCR records
    cfg = BuildConfig(
        images_dir=data / "images", captions=manifest, out=out, cache_dir=None, progress=False
    )
    start = time.perf_counter()
    if args.child == "ray":
        from llavar2.runners.ray_build import build
        from llavar2.runners.ray_session import RayConfig

        summary = build(cfg, RayConfig(num_cpus=os.cpu_count(), batch_size=256))
    else:
        from llavar2.runners.local import build

        summary = build(cfg)
    report = filter_stage.run(out, FilterConfig())
    export_stage.run(out, "llava", out / "llava.json", kept=True)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "stages": summary["seconds"],
                "duos": summary["counts"]["duo_conversations"],
                "kept_duos": report["kept"]["duos"],
                "rejects": summary["counts"]["rejects"],
            }
        )
    )


def _run_child(kind: str, n: int, data: Path, out: Path) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--n",
        str(n),
        "--data",
        str(data),
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    stdout = proc.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{kind} run of {n} records failed")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    result["rps"] = n / result["seconds"]
    return result


def _without_times(obj: Any) -> Any:
    """``obj`` without its ``created_at`` fields (when a record was made differs between runs
    that make the same records)."""
    if isinstance(obj, dict):
        return {k: _without_times(v) for k, v in obj.items() if k != "created_at"}
    if isinstance(obj, list):
        return [_without_times(v) for v in obj]
    return obj


_MISSING = object()


def _first_difference(name: str, a: Iterable[Any], b: Iterable[Any]) -> str | None:
    """Where two sequences of records first differ (position by position, in order), or None
    when they hold the same records in the same order."""
    for n, (x, y) in enumerate(zip_longest(a, b, fillvalue=_MISSING), 1):
        if x is _MISSING or y is _MISSING:
            return f"{name}: record {n} is only in the {'second' if x is _MISSING else 'first'} run"
        if _without_times(x) != _without_times(y):
            return f"{name}: record {n} differs"
    return None


def _lines(path: Path) -> Iterator[Any]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


COMPARED = [
    "images.jsonl",
    "ocr.jsonl",
    "captions.jsonl",
    "conversations.jsonl",
    "rejects.jsonl",
    "kept.jsonl",
    "dropped.jsonl",
]


def output_difference(a: Path, b: Path) -> str | None:
    """The first difference between two builds' files, compared line by line in order (the Ray
    runner must write the same records in the same order as the local one); None: identical,
    up to the records' creation times."""
    for name in COMPARED:
        if found := _first_difference(name, _lines(a / name), _lines(b / name)):
            return found
    llava_a = json.loads((a / "llava.json").read_text(encoding="utf-8"))
    llava_b = json.loads((b / "llava.json").read_text(encoding="utf-8"))
    return _first_difference("llava.json", llava_a, llava_b)


def same_output(a: Path, b: Path) -> bool:
    return output_difference(a, b) is None


def projection(args: argparse.Namespace, local_rps: float, measured_on: int) -> dict:
    """Hours for a build of ``pairs`` QA pairs on one machine, stage by stage.

    images = pairs / (2 pairs per duo × duos per image); the local runner runs the stages one
    after another, so the times add up:
      OCR      images / ocr_rate                       (images/s of the OCR workers)
      LLM      images × requests_per_image / request_rate   (enrich + qa, API-bound)
      score    duos / scorer_rate                      (duos/s of the scoring model)
      rest     images / local_rps                      (ingest, bookkeeping, filter, export:
                                                        this benchmark's measured rate)
    Only ``local_rps`` is measured here; every other rate is an assumption given on the command
    line (OCR, the LLM endpoint and the scorer do not run in this benchmark). The result names
    which is which.
    """
    images = args.pairs / (2 * args.duos_per_image)
    duos = args.pairs / 2
    parts = {
        "ocr_h": images / args.ocr_rate / 3600,
        "llm_h": images * args.requests_per_image / args.request_rate / 3600,
        "score_h": duos / args.scorer_rate / 3600,
        "pipeline_h": images / local_rps / 3600,
    }
    return {
        "pairs": args.pairs,
        "images": round(images),
        "duos": round(duos),
        **{k: round(v, 2) for k, v in parts.items()},
        "total_h": round(sum(parts.values()), 2),
        "measured": {
            "pipeline_records_per_s": round(local_rps, 1),
            "on": f"this run's local build of {measured_on} records (offline "
            "generation, pre-made OCR)",
        },
        "assumed": {
            "ocr_images_per_s": args.ocr_rate,
            "llm_requests_per_s": args.request_rate,
            "llm_requests_per_image": args.requests_per_image,
            "scorer_duos_per_s": args.scorer_rate,
            "duos_per_image": args.duos_per_image,
        },
        "basis": {
            "ocr_h": "assumed",
            "llm_h": "assumed",
            "score_h": "assumed",
            "pipeline_h": "measured",
        },
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--records",
        default="25000,50000,100000",
        help="Local runs' sizes, comma-separated (the last is the largest).",
    )
    p.add_argument(
        "--ray-records",
        type=int,
        default=25000,
        help="Size of the Ray run (a local run of that size is its reference).",
    )
    p.add_argument("--work", type=Path, default=None, help="Scratch folder (default: a temp).")
    g = p.add_argument_group("projection of a full build")
    g.add_argument("--pairs", type=int, default=424_000, help="QA pairs to build.")
    g.add_argument(
        "--duos-per-image",
        type=float,
        default=5.0,
        help="LLaVAR-2: 424k pairs over 42k images, ~5 duos (10 pairs) each.",
    )
    g.add_argument(
        "--request-rate",
        type=float,
        default=10.0,
        help="LLM requests per second the endpoint sustains.",
    )
    g.add_argument("--requests-per-image", type=float, default=2.0, help="enrich + qa.")
    g.add_argument(
        "--scorer-rate",
        type=float,
        default=50.0,
        help="Duos per second the scoring model scores (6 terms each).",
    )
    g.add_argument("--ocr-rate", type=float, default=4.0, help="Images per second of OCR.")
    p.add_argument("--child", choices=["local", "ray"], help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args)

    sizes = sorted(int(s) for s in args.records.split(","))
    work = args.work or Path(tempfile.mkdtemp(prefix="llavar2-scale-"))
    data = work / "data"
    start = time.perf_counter()
    make_data(data, max(sizes + [args.ray_records]))
    print(
        f"synthetic data: {max(sizes + [args.ray_records])} images and OCR records in "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )

    local = {}
    for n in sorted(set(sizes + [args.ray_records])):
        local[n] = r = _run_child("local", n, data, work / f"local-{n}")
        print(
            f"local {n:>7} records: {r['seconds']:7.1f} s  {r['rps']:7.1f} records/s  "
            f"peak RSS {r['peak_rss_mb']:6.1f} MB  ({r['duos']} duos, {r['kept_duos']} kept; "
            f"stages {r['stages']})",
            flush=True,
        )
    ray = _run_child("ray", args.ray_records, data, work / f"ray-{args.ray_records}")
    difference = output_difference(
        work / f"local-{args.ray_records}", work / f"ray-{args.ray_records}"
    )
    identical = difference is None
    print(
        f"ray   {args.ray_records:>7} records: {ray['seconds']:7.1f} s  {ray['rps']:7.1f} "
        f"records/s  (stages {ray['stages']}); same records in the same order as local: "
        f"{identical}" + (f" (first difference: {difference})" if difference else ""),
        flush=True,
    )

    largest = local[sizes[-1]]
    print("projection:", json.dumps(projection(args, largest["rps"], sizes[-1])))
    print("peak RSS by size: " + ", ".join(f"{n}: {local[n]['peak_rss_mb']:.1f} MB" for n in sizes))
    if args.work is None:
        shutil.rmtree(work)
    print(
        f"RESULT local_rps={largest['rps']:.1f} ray_rps={ray['rps']:.1f} "
        f"peak_rss_mb_100k={largest['peak_rss_mb']:.1f} identical={str(identical).lower()}"
    )


if __name__ == "__main__":
    main()
