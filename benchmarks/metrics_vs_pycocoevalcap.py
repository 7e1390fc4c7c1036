"""Caption metrics: llavar2 (pure Python) against pycocoevalcap 1.2 (Java tokenizer + METEOR jar).

Same input, same process run: a seeded corpus of 5,000 images × 5 references + 1 candidate
(or your own files with --predictions/--references). Prints each side's seconds per metric and
in total, the speed ratio, and the largest absolute difference per metric (corpus score and
per item). Needs Java and pycocoevalcap (installed by `make test`'s extra).

The headline is the whole suite as ``llavar2.metrics.compute`` runs it: one tokenisation, then
METEOR in one process per usable CPU on a corpus this size (the jar runs one scoring thread)
while this process computes BLEU, ROUGE-L and CIDEr-D and then helps finish METEOR. A second,
stage-by-stage run (one metric at a time) gives the per-metric table, and METEOR is also timed
in one process (``speedup_one_process``: the suite with METEOR in one process).

    .venv/bin/python benchmarks/metrics_vs_pycocoevalcap.py [--images 5000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpora"))

from caption_corpus import make_corpus  # noqa: E402

from llavar2.metrics import METRICS, compute  # noqa: E402
from llavar2.metrics.meteor import meteor  # noqa: E402
from llavar2.metrics.meteor.scorer import _workers  # noqa: E402
from llavar2.metrics.ngrams import clear_cache  # noqa: E402
from llavar2.metrics.ptb import tokenize_each  # noqa: E402

CAPTION_METRICS = ["bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider"]


def load_files(predictions: Path, references: Path) -> tuple[list[str], list[list[str]]]:
    preds = {str(o["id"]): o["prediction"] for o in map(json.loads, predictions.open())}
    refs = {str(o["id"]): o["answers"] for o in map(json.loads, references.open())}
    ids = [i for i in refs if i in preds]
    return [preds[i] for i in ids], [refs[i] for i in ids]


def run_pycocoevalcap(preds: list[str], refs: list[list[str]]) -> tuple[dict, dict]:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    seconds, scores = {}, {}
    start = time.perf_counter()
    tok = PTBTokenizer()
    gts = tok.tokenize({i: [{"caption": r} for r in rs] for i, rs in enumerate(refs)})
    res = tok.tokenize({i: [{"caption": p}] for i, p in enumerate(preds)})
    seconds["tokenize"] = time.perf_counter() - start
    for name, scorer in (("bleu", Bleu(4)), ("meteor", Meteor()), ("rouge_l", Rouge()),
                         ("cider", Cider())):
        start = time.perf_counter()
        score, per_item = scorer.compute_score(gts, res)
        seconds[name] = time.perf_counter() - start
        if name == "bleu":
            for n in range(4):
                scores[f"bleu_{n + 1}"] = (score[n], list(per_item[n]))
        else:
            scores[name] = (float(score), [float(x) for x in per_item])
    return seconds, scores


def ptb(preds: list[str], refs: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    # two calls, as pycocoevalcap makes them (split across two processes together)
    flat, tok_preds = tokenize_each([[r for rs in refs for r in rs], preds])
    rest = iter(flat)
    return tok_preds, [[next(rest) for _ in rs] for rs in refs]


def run_suite(preds: list[str], refs: list[list[str]]) -> tuple[float, dict]:
    start = time.perf_counter()
    results = compute(CAPTION_METRICS, preds, refs)
    seconds = time.perf_counter() - start
    return seconds, {name: (r.score, r.per_item) for name, r in results.items()}


def run_stages(preds: list[str], refs: list[list[str]]) -> dict:
    """One metric at a time, for the per-metric table (same results as the suite)."""
    clear_cache()  # the n-gram counts the suite made would make BLEU/CIDEr/ROUGE-L look free
    seconds = {}
    start = time.perf_counter()
    tok_preds, tok_refs = ptb(preds, refs)
    seconds["tokenize"] = time.perf_counter() - start
    groups = {"bleu": ["bleu_1", "bleu_2", "bleu_3", "bleu_4"], "meteor": ["meteor"],
              "rouge_l": ["rouge_l"], "cider": ["cider"]}
    for group, names in groups.items():
        start = time.perf_counter()
        for name in names:
            METRICS.get(name)()(tok_preds, tok_refs)
        seconds[group] = time.perf_counter() - start
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--refs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--predictions", type=Path, help='JSONL {"id", "prediction"} (own corpus)')
    ap.add_argument("--references", type=Path, help='JSONL {"id", "answers": [...]}')
    args = ap.parse_args()
    if args.predictions and args.references:
        preds, refs = load_files(args.predictions, args.references)
        source = f"{args.predictions} + {args.references}"
    else:
        preds, refs = make_corpus(random.Random(args.seed), args.images, args.refs)
        source = f"generated, seed {args.seed}"
    print(f"corpus: {len(preds)} images × {sum(map(len, refs)) / len(refs):.1f} references "
          f"+ 1 candidate ({source})")

    # Ours first with a cold process state is the honest order for the METEOR table cache:
    # a first ever run builds it (reported separately by the metric), later runs load it.
    suite_s, ours = run_suite(preds, refs)
    ref_s, theirs = run_pycocoevalcap(preds, refs)
    ours_s = run_stages(preds, refs)

    print(f"\n{'stage':<10}{'pycocoevalcap s':>16}{'llavar2 s':>12}{'ratio':>9}")
    for stage in ("tokenize", "bleu", "meteor", "rouge_l", "cider"):
        print(f"{stage:<10}{ref_s[stage]:>16.3f}{ours_s[stage]:>12.3f}"
              f"{ref_s[stage] / max(ours_s[stage], 1e-9):>9.1f}")
    total_ref, total_ours = sum(ref_s.values()), sum(ours_s.values())
    print(f"{'sum':<10}{total_ref:>16.3f}{total_ours:>12.3f}{total_ref / total_ours:>9.1f}"
          "   (llavar2 one metric at a time, resources already loaded)")
    speedup = total_ref / suite_s
    print(f"{'suite':<10}{total_ref:>16.3f}{suite_s:>12.3f}{speedup:>9.1f}"
          "   (llavar2 compute(): first run, METEOR overlapping the others)")

    print(f"\n{'metric':<10}{'pycocoevalcap':>15}{'llavar2':>12}{'corpus diff':>13}{'max item diff':>15}")
    diffs = {}
    for name in CAPTION_METRICS:
        (a, a_items), (b, b_items) = theirs[name], ours[name]
        item_diff = max(abs(x - y) for x, y in zip(a_items, b_items))
        diffs[name] = max(abs(a - b), item_diff)
        print(f"{name:<10}{a:>15.6f}{b:>12.6f}{abs(a - b):>13.2e}{item_diff:>15.2e}")
    max_diff = max(v for k, v in diffs.items() if k != "meteor")

    n_proc = _workers(None, len(preds))
    tok_preds, tok_refs = ptb(preds, refs)
    start = time.perf_counter()
    one = meteor(tok_preds, tok_refs, workers=1)
    one_s = time.perf_counter() - start
    assert one == (ours["meteor"][0], ours["meteor"][1]), "METEOR depends on the process count"
    total_one = total_ours - ours_s["meteor"] + one_s
    print(f"\nllavar2 METEOR ran in {n_proc} process(es); in one process it takes {one_s:.3f} s, "
          f"the stages {total_one:.3f} s: {total_ref / total_one:.1f}x")
    print(f"RESULT speedup={speedup:.2f} max_abs_diff={max_diff:.3g} "
          f"meteor_max_abs_diff={diffs['meteor']:.3g} meteor_processes={n_proc} "
          f"speedup_one_process={total_ref / total_one:.2f}")


if __name__ == "__main__":
    main()
