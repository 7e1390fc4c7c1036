"""Caption metrics: llavar2 (Python) against pycocoevalcap 1.2 (Java tokenizer + METEOR jar).

Headline corpus: real human captions, Flickr8k (``$LLAVAR2_REALDATA/flickr8k-dev/captions.tsv``,
``$LLAVAR2_REALDATA`` defaulting to ``../shared/realdata`` beside the repository): per image,
caption #0 is the candidate and #1..#4 the references. A seeded synthetic corpus
(``benchmarks/corpora/caption_corpus.py``, 5,000 images × 5 references, 376 distinct words) is
a secondary line; ``--predictions/--references`` score your own files instead of Flickr8k.

Three timings, each as the median of ``--repeat`` rounds that alternate the two sides:

* whole process, warm: ``llavar2 evaluate --predictions P --references R --metrics ... --out O``
  run as a user runs it, against a Python process running pycocoevalcap's PTBTokenizer and
  its Bleu, Meteor, Rouge and Cider scorers on the same files (it has no cache: each run
  starts its JVMs afresh). llavar2's cache directory (``$LLAVAR2_CACHE_DIR``) already holds
  the METEOR table.
* whole process, cold: the same, each llavar2 run with an empty, new cache directory.
* in process: ``llavar2.metrics.compute`` against the same scorers called in this process
  (llavar2 loads its METEOR data and compiles its tokeniser once per process, in the first
  round; pycocoevalcap's scorers start their JVMs on every call, as its API does).

Values: every metric's corpus score and per-item scores, from the in-process run and from the
whole-process runs' output files, against pycocoevalcap's (``max_abs_diff`` over BLEU, ROUGE-L
and CIDEr-D; METEOR separately, where the goal is 0). Timings on a shared machine are noisy:
the load average is printed next to them; compare the ratios of one run.

    .venv/bin/python benchmarks/metrics_vs_pycocoevalcap.py [--repeat 3] [--no-synthetic]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent / "corpora"))

from caption_corpus import make_corpus  # noqa: E402

CAPTION_METRICS = ["bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider"]


# --------------------------------------------------------------------------- corpora


def realdata_dir() -> Path:
    return Path(os.environ.get("LLAVAR2_REALDATA", REPO.parent / "shared" / "realdata"))


def flickr8k(path: Path) -> tuple[list[str], list[str], list[list[str]]]:
    """(ids, candidates, references): caption #0 of each image against #1..#4. Images without
    a #0 or without another caption are left out (the file names one image twice, once as
    ``X.jpg.1`` with only #0)."""
    caps: dict[str, dict[int, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        key, caption = line.split("\t", 1)
        image, n = key.rsplit("#", 1)
        caps.setdefault(image, {})[int(n)] = caption
    ids = [i for i, c in caps.items() if 0 in c and len(c) > 1]
    return (ids, [caps[i][0] for i in ids],
            [[caps[i][n] for n in sorted(caps[i]) if n] for i in ids])  # fmt: skip


def load_files(predictions: Path, references: Path) -> tuple[list[str], list[str], list[list[str]]]:
    preds = {str(o["id"]): o["prediction"] for o in map(json.loads, predictions.open())}
    refs = {str(o["id"]): o["answers"] for o in map(json.loads, references.open())}
    ids = [i for i in refs if i in preds]
    return ids, [preds[i] for i in ids], [refs[i] for i in ids]


def write_jsonl(folder: Path, ids, preds, refs) -> tuple[Path, Path]:
    p, r = folder / "predictions.jsonl", folder / "references.jsonl"
    with p.open("w", encoding="utf-8") as f:
        for i, x in zip(ids, preds):
            f.write(json.dumps({"id": i, "prediction": x}) + "\n")
    with r.open("w", encoding="utf-8") as f:
        for i, x in zip(ids, refs):
            f.write(json.dumps({"id": i, "answers": x}) + "\n")
    return p, r


# --------------------------------------------------------------------------- pycocoevalcap


def pycocoevalcap_scores(ids, preds, refs) -> tuple[dict, dict]:
    """pycocoevalcap 1.2 as its users call it: (seconds per stage, {metric: (score, items)})."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    seconds, scores = {}, {}
    start = time.perf_counter()
    tok = PTBTokenizer()
    gts = tok.tokenize({i: [{"caption": r} for r in rs] for i, rs in zip(ids, refs)})
    res = tok.tokenize({i: [{"caption": p}] for i, p in zip(ids, preds)})
    seconds["tokenize"] = time.perf_counter() - start
    for name, scorer in (("bleu", Bleu(4)), ("meteor", Meteor()), ("rouge_l", Rouge()),
                         ("cider", Cider())):  # fmt: skip
        start = time.perf_counter()
        score, per_item = scorer.compute_score(gts, res)
        seconds[name] = time.perf_counter() - start
        if name == "bleu":
            for n in range(4):
                scores[f"bleu_{n + 1}"] = (float(score[n]), [float(x) for x in per_item[n]])
        else:
            scores[name] = (float(score), [float(x) for x in per_item])
    return seconds, scores


def _pycocoevalcap_process(predictions: Path, references: Path, out: Path) -> None:
    """The whole-process pycocoevalcap run (this script run with --pycocoevalcap-process)."""
    ids, preds, refs = load_files(predictions, references)
    with open(os.devnull, "w") as devnull:  # its scorers print progress
        stdout, sys.stdout = sys.stdout, devnull
        try:
            _, scores = pycocoevalcap_scores(ids, preds, refs)
        finally:
            sys.stdout = stdout
    out.write_text(json.dumps({k: v[0] for k, v in scores.items()}))


# --------------------------------------------------------------------------- runs


def llavar2_command() -> list[str]:
    exe = Path(sys.executable).with_name("llavar2")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "llavar2.cli"]


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"{cmd[:3]}... failed:\n{proc.stderr.decode()[-2000:]}")
    return seconds


def process_runs(folder: Path, predictions: Path, references: Path, repeat: int,
                 cold: bool) -> dict:  # fmt: skip
    """Median seconds of whole-process runs (llavar2 warm [and cold], pycocoevalcap), the
    rounds alternating; and the llavar2 outputs (for the value check)."""
    env = dict(os.environ)
    # the llavar2 under test (e.g. a checkout's src/ on PYTHONPATH) in the child processes too
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(Path(__import__("llavar2").__file__).parent.parent),
                    env.get("PYTHONPATH", "")] if p)  # fmt: skip
    warm_cache = folder / "cache-warm"
    ours = [*llavar2_command(), "evaluate", "--predictions", str(predictions),
            "--references", str(references), "--metrics", ",".join(CAPTION_METRICS)]  # fmt: skip
    theirs = [sys.executable, str(Path(__file__).resolve()), "--pycocoevalcap-process",
              str(predictions), str(references), str(folder / "pycocoevalcap.json")]  # fmt: skip
    timed(
        [*ours, "--out", str(folder / "warmup.json")], {**env, "LLAVAR2_CACHE_DIR": str(warm_cache)}
    )
    # the fixed cost of a whole llavar2 process: the imports `llavar2 evaluate` makes
    imports = [sys.executable, "-c", "import llavar2.cli, llavar2.evaluate, llavar2.metrics._ptb"]
    times: dict[str, list[float]] = {"pycocoevalcap": [], "warm": [], "cold": [], "imports": []}
    for k in range(repeat):
        times["pycocoevalcap"].append(timed(theirs, env))
        times["imports"].append(timed(imports, env))
        out = folder / f"warm{k}.json"
        times["warm"].append(timed([*ours, "--out", str(out)],
                                   {**env, "LLAVAR2_CACHE_DIR": str(warm_cache)}))  # fmt: skip
        if cold:
            cache = folder / f"cache-cold{k}"
            times["cold"].append(timed([*ours, "--out", str(folder / f"cold{k}.json")],
                                       {**env, "LLAVAR2_CACHE_DIR": str(cache)}))  # fmt: skip
            shutil.rmtree(cache, ignore_errors=True)
    outputs = [folder / f"warm{k}.json" for k in range(repeat)]
    if cold:
        outputs += [folder / f"cold{k}.json" for k in range(repeat)]
    return {
        "seconds": {k: statistics.median(v) for k, v in times.items() if v},
        "all": times,
        "outputs": outputs,
        "pycocoevalcap": json.loads((folder / "pycocoevalcap.json").read_text()),
    }


def inprocess_runs(ids, preds, refs, repeat: int) -> dict:
    from llavar2.metrics import compute
    from llavar2.metrics.ngrams import clear_cache

    ours, theirs, stages = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        sec, their_scores = pycocoevalcap_scores(ids, preds, refs)
        theirs.append(time.perf_counter() - start)
        stages.append(sec)
        clear_cache()  # n-gram counts of an earlier round would make BLEU/CIDEr/ROUGE-L free
        start = time.perf_counter()
        results = compute(CAPTION_METRICS, preds, refs)
        ours.append(time.perf_counter() - start)
    return {
        "seconds": {"pycocoevalcap": statistics.median(theirs), "llavar2": statistics.median(ours)},
        "stages": {k: statistics.median(s[k] for s in stages) for k in stages[0]},
        "theirs": their_scores,
        "ours": {n: (r.score, r.per_item) for n, r in results.items()},
    }


def value_diffs(theirs: dict, ours: dict) -> dict[str, tuple[float, float]]:
    """Per metric: (corpus score difference, largest per-item difference)."""
    out = {}
    for name in CAPTION_METRICS:
        (a, a_items), (b, b_items) = theirs[name], ours[name]
        assert len(a_items) == len(b_items)
        item = max((abs(x - y) for x, y in zip(a_items, b_items)), default=0.0)
        out[name] = (abs(a - b), item)
    return out


def check_outputs(outputs: list[Path], ids, ours: dict) -> float:
    """Largest difference between the whole-process runs' scores and the in-process ones."""
    worst = 0.0
    for out in outputs:
        result = json.loads(out.read_text())
        items = {o["id"]: o for o in map(json.loads, out.with_suffix(".items.jsonl").open())}
        for name in CAPTION_METRICS:
            score, per_item = ours[name]
            worst = max(worst, abs(result["metrics"][name]["score"] - score))
            worst = max(worst, max(abs(items[i][name] - x) for i, x in zip(ids, per_item)))
    return worst


def loadavg() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def bench(label: str, ids, preds, refs, repeat: int, cold: bool) -> dict:
    n_refs = sum(map(len, refs)) / len(refs)
    words = len({w for x in [*preds, *(r for rs in refs for r in rs)] for w in x.lower().split()})
    print(
        f"\n== {label}: {len(preds)} images × {n_refs:.1f} references + 1 candidate, "
        f"{words} distinct lower-cased words; {os.cpu_count()} CPUs, load {loadavg()}"
    )
    with tempfile.TemporaryDirectory(prefix="llavar2-bench-") as tmp:
        folder = Path(tmp)
        predictions, references = write_jsonl(folder, ids, preds, refs)
        proc = process_runs(folder, predictions, references, repeat, cold)
        inproc = inprocess_runs(ids, preds, refs, repeat)
        same_as_inprocess = check_outputs(proc["outputs"], ids, inproc["ours"])
    diffs = value_diffs(inproc["theirs"], inproc["ours"])
    proc_diff = max(abs(proc["pycocoevalcap"][n] - inproc["theirs"][n][0]) for n in CAPTION_METRICS)
    s, i = proc["seconds"], inproc["seconds"]
    print(f"{'':<24}{'pycocoevalcap s':>16}{'llavar2 s':>11}{'speedup':>9}   (medians of {repeat})")
    rows = [("whole process, warm", s["pycocoevalcap"], s["warm"])]
    if cold:
        rows.append(("whole process, cold", s["pycocoevalcap"], s["cold"]))
    rows.append(("in process", i["pycocoevalcap"], i["llavar2"]))
    for name, a, b in rows:
        print(f"{name:<24}{a:>16.2f}{b:>11.2f}{a / b:>9.1f}")
    print(
        f"  of a llavar2 process, the imports alone (cli, evaluate, metrics._ptb): "
        f"{s['imports']:.2f} s"
    )
    print("  all runs: " + "; ".join(f"{k} " + " ".join(f"{x:.2f}" for x in v)
                                     for k, v in proc["all"].items() if v))  # fmt: skip
    print("  pycocoevalcap in process, per stage: "
          + ", ".join(f"{k} {v:.2f}" for k, v in inproc["stages"].items()))  # fmt: skip
    print(f"\n{'metric':<10}{'pycocoevalcap':>15}{'llavar2':>12}{'corpus diff':>13}"
          f"{'max item diff':>15}")  # fmt: skip
    for name in CAPTION_METRICS:
        print(f"{name:<10}{inproc['theirs'][name][0]:>15.6f}{inproc['ours'][name][0]:>12.6f}"
              f"{diffs[name][0]:>13.2e}{diffs[name][1]:>15.2e}")  # fmt: skip
    print(
        f"whole-process outputs vs in-process: {same_as_inprocess:.2e} (llavar2), "
        f"{proc_diff:.2e} (pycocoevalcap corpus scores)"
    )
    return {
        "process_warm": s["pycocoevalcap"] / s["warm"],
        "process_cold": s["pycocoevalcap"] / s["cold"] if cold else None,
        "inprocess": i["pycocoevalcap"] / i["llavar2"],
        "max_abs_diff": max(max(v) for k, v in diffs.items() if k != "meteor"),
        "meteor_max_abs_diff": max(diffs["meteor"]),
        "outputs_diff": max(same_as_inprocess, proc_diff),
        "seconds": s,
        "inprocess_s": (i["pycocoevalcap"], i["llavar2"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="rounds per timing (median)")
    ap.add_argument("--flickr8k", type=Path, help="captions.tsv (default: the realdata one)")
    ap.add_argument("--predictions", type=Path, help='JSONL {"id", "prediction"} (own corpus)')
    ap.add_argument("--references", type=Path, help='JSONL {"id", "answers": [...]}')
    ap.add_argument("--no-synthetic", action="store_true", help="skip the synthetic corpus")
    ap.add_argument("--synthetic-images", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pycocoevalcap-process", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pycocoevalcap_process:
        _pycocoevalcap_process(*args.pycocoevalcap_process)
        return
    if args.predictions and args.references:
        label = f"{args.predictions.name} + {args.references.name}"
        head = bench(label, *load_files(args.predictions, args.references), args.repeat, True)
    else:
        path = args.flickr8k or realdata_dir() / "flickr8k-dev" / "captions.tsv"
        if not path.exists():
            sys.exit(f"{path} not found: set $LLAVAR2_REALDATA or --flickr8k, or give "
                     "--predictions/--references")  # fmt: skip
        head = bench("Flickr8k (real captions)", *flickr8k(path), args.repeat, True)
    extra = ""
    if not args.no_synthetic:
        preds, refs = make_corpus(random.Random(args.seed), args.synthetic_images, 5)
        ids = [str(k) for k in range(len(preds))]
        syn = bench(f"synthetic (seed {args.seed})", ids, preds, refs, args.repeat, False)
        extra = (f" synthetic_speedup_process_warm={syn['process_warm']:.2f}"
                 f" synthetic_speedup_inprocess={syn['inprocess']:.2f}"
                 f" synthetic_max_abs_diff={syn['max_abs_diff']:.3g}"
                 f" synthetic_meteor_max_abs_diff={syn['meteor_max_abs_diff']:.3g}")  # fmt: skip
    s = head["seconds"]
    print(
        f"\nRESULT speedup_process_warm={head['process_warm']:.2f} "
        f"speedup_process_cold={head['process_cold']:.2f} "
        f"speedup_inprocess={head['inprocess']:.2f} max_abs_diff={head['max_abs_diff']:.3g} "
        f"meteor_max_abs_diff={head['meteor_max_abs_diff']:.3g} "
        f"process_s_pycocoevalcap={s['pycocoevalcap']:.2f} process_s_warm={s['warm']:.2f} "
        f"process_s_cold={s['cold']:.2f} process_s_imports={s['imports']:.2f} "
        f"inprocess_s_pycocoevalcap={head['inprocess_s'][0]:.2f} "
        f"inprocess_s_llavar2={head['inprocess_s'][1]:.2f} outputs_diff={head['outputs_diff']:.3g} "
        f"cpus={os.cpu_count()} load={loadavg()}{extra}"
    )


if __name__ == "__main__":
    main()
