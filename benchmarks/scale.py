"""Scale benchmark (issue 7): a synthetic job through ingest → offline generation → filter →
export, with the local runner at several sizes (records/s, peak RSS) and with the Ray runner in
local mode (records/s, same output as sets), then a projection of a 424k-pair build.

A record is one image. Each image is a distinct tiny PGM file with a manifest row naming its id,
and its OCR record is made up (``llavar2.testing.synthetic``: varied receipt/sign-like text with
prices, dates, phones, URLs) and put into the build folder before the build, so the OCR stage finds it done and OCR time
does not dominate; everything after it runs for real: ingest (reads, decodes and hashes every
image), enrich and qa with the offline backend, ``llavar2 filter``'s rules (with exact and near
duplicate detection) and the LLaVA export of the kept duos.

Each run is a child process; its peak RSS is the child's own ``ru_maxrss`` (``os.wait4``).

    python benchmarks/scale.py                      # 25k, 50k, 100k local; 25k on Ray
    python benchmarks/scale.py --records 2000,4000 --ray-records 2000   # quick

Last line: ``RESULT local_rps=... ray_rps=... peak_rss_mb_100k=... identical=true|false``
(peak_rss_mb_100k is the peak RSS of the largest local run; identical compares the Ray run's
files with the local run's of the same size).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from llavar2.testing.synthetic import head, make_data

def child(args: argparse.Namespace) -> None:
    """One measured run: build (local or Ray), filter, export the kept duos."""
    from llavar2.config import BuildConfig
    from llavar2.export import export
    from llavar2.filter.config import FilterConfig
    from llavar2.filter.stage import run_filter

    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True)
    manifest = out.parent / f"{out.name}.captions.jsonl"
    head(data / "captions.jsonl", manifest, args.n)
    head(data / "ocr.jsonl", out / "ocr.jsonl", args.n)  # the pre-made OCR records
    cfg = BuildConfig(images_dir=data / "images", captions=manifest, out=out, cache_dir=None,
                      progress=False)
    start = time.perf_counter()
    if args.child == "ray":
        from llavar2.runners.ray_build import build
        from llavar2.runners.ray_session import RayConfig

        summary = build(cfg, RayConfig(num_cpus=os.cpu_count(), batch_size=256))
    else:
        from llavar2.runners.local import build

        summary = build(cfg)
    report = run_filter(out, FilterConfig())
    export(out, "llava", out / "llava.json", kept=True)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "stages": summary["seconds"],
                      "duos": summary["counts"]["duo_conversations"],
                      "kept_duos": report["kept"]["duos"],
                      "rejects": summary["counts"]["rejects"]}))


def _run_child(kind: str, n: int, data: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--n", str(n), "--data", str(data),
           "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    stdout = proc.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{kind} run of {n} records failed")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    result["rps"] = n / result["seconds"]
    return result


def _set_digest(path: Path) -> tuple[int, int]:
    """(lines, order-free digest) of a JSON Lines file, each record without its creation time:
    two files with the same multiset of records agree, whatever their order."""
    total = count = 0
    with open(path) as f:
        for line in f:
            obj = json.loads(line)
            obj.get("provenance", {}).pop("created_at", None)
            digest = hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).digest()
            total = (total + int.from_bytes(digest, "big")) % (1 << 256)
            count += 1
    return count, total


def _llava_digest(path: Path) -> tuple[int, int]:
    total = count = 0
    for obj in json.loads(path.read_text()):
        digest = hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).digest()
        total = (total + int.from_bytes(digest, "big")) % (1 << 256)
        count += 1
    return count, total


COMPARED = ["images.jsonl", "ocr.jsonl", "captions.jsonl", "conversations.jsonl",
            "rejects.jsonl", "kept.jsonl", "dropped.jsonl"]


def same_output(a: Path, b: Path) -> bool:
    same = all(_set_digest(a / name) == _set_digest(b / name) for name in COMPARED)
    return same and _llava_digest(a / "llava.json") == _llava_digest(b / "llava.json")


def projection(args: argparse.Namespace, local_rps: float) -> dict:
    """Hours for a build of ``pairs`` QA pairs on one machine, stage by stage.

    images = pairs / (2 pairs per duo × duos per image); the local runner runs the stages one
    after another, so the times add up:
      OCR      images / ocr_rate                       (images/s of the OCR workers)
      LLM      images × requests_per_image / request_rate   (enrich + qa, API-bound)
      score    duos / scorer_rate                      (duos/s of the scoring model)
      rest     images / local_rps                      (ingest, bookkeeping, filter, export:
                                                        this benchmark's measured rate)
    """
    images = args.pairs / (2 * args.duos_per_image)
    duos = args.pairs / 2
    parts = {
        "ocr_h": images / args.ocr_rate / 3600,
        "llm_h": images * args.requests_per_image / args.request_rate / 3600,
        "score_h": duos / args.scorer_rate / 3600,
        "pipeline_h": images / local_rps / 3600,
    }
    return {"pairs": args.pairs, "images": round(images), "duos": round(duos),
            **{k: round(v, 2) for k, v in parts.items()},
            "total_h": round(sum(parts.values()), 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", default="25000,50000,100000",
                   help="Local runs' sizes, comma-separated (the last is the largest).")
    p.add_argument("--ray-records", type=int, default=25000,
                   help="Size of the Ray run (a local run of that size is its reference).")
    p.add_argument("--work", type=Path, default=None, help="Scratch folder (default: a temp).")
    g = p.add_argument_group("projection of a full build")
    g.add_argument("--pairs", type=int, default=424_000, help="QA pairs to build.")
    g.add_argument("--duos-per-image", type=float, default=5.0,
                   help="LLaVAR-2: 424k pairs over 42k images, ~5 duos (10 pairs) each.")
    g.add_argument("--request-rate", type=float, default=10.0,
                   help="LLM requests per second the endpoint sustains.")
    g.add_argument("--requests-per-image", type=float, default=2.0, help="enrich + qa.")
    g.add_argument("--scorer-rate", type=float, default=50.0,
                   help="Duos per second the scoring model scores (6 terms each).")
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
    print(f"synthetic data: {max(sizes + [args.ray_records])} images and OCR records in "
          f"{time.perf_counter() - start:.1f} s", flush=True)

    local = {}
    for n in sorted(set(sizes + [args.ray_records])):
        local[n] = r = _run_child("local", n, data, work / f"local-{n}")
        print(f"local {n:>7} records: {r['seconds']:7.1f} s  {r['rps']:7.1f} records/s  "
              f"peak RSS {r['peak_rss_mb']:6.1f} MB  ({r['duos']} duos, {r['kept_duos']} kept; "
              f"stages {r['stages']})", flush=True)
    ray = _run_child("ray", args.ray_records, data, work / f"ray-{args.ray_records}")
    identical = same_output(work / f"local-{args.ray_records}", work / f"ray-{args.ray_records}")
    print(f"ray   {args.ray_records:>7} records: {ray['seconds']:7.1f} s  {ray['rps']:7.1f} "
          f"records/s  (stages {ray['stages']}); same records as local: {identical}", flush=True)

    largest = local[sizes[-1]]
    print("projection:", json.dumps(projection(args, largest["rps"])))
    print("peak RSS by size: " + ", ".join(f"{n}: {local[n]['peak_rss_mb']:.1f} MB"
                                            for n in sizes))
    if args.work is None:
        shutil.rmtree(work)
    print(f"RESULT local_rps={largest['rps']:.1f} ray_rps={ray['rps']:.1f} "
          f"peak_rss_mb_100k={largest['peak_rss_mb']:.1f} identical={str(identical).lower()}")


if __name__ == "__main__":
    main()
