"""Validation smoke run: prepare → train every arm → evaluate → report, timed.

Default (any machine, minutes on a CPU): a tiny random LLaVA (``llavar2.testing.tiny_hf``) on
the toy colour task (``llavar2.testing.toy_validation``), where the answer is in the pixels;
the settings are the test suite's (LoRA rank 8, the LM head trained in full, 10 epochs).

On a GPU with real weights: ``--model PATH --build OUT`` trains a local model (the README's
recipe settings unless changed) on ``llavar2 validate prepare OUT`` arms of ``--n`` duos.

    .venv/bin/python benchmarks/validate_smoke.py [--seeds 0,1] [--work DIR]
    .venv/bin/python benchmarks/validate_smoke.py --model ~/models/SmolVLM-256M-Instruct \
        --build out/ --n 1000 --seeds 0

The reference is the untrained base model on the same held-out items. The last line is
``RESULT gain_vs_base=<treatment − base exact match> gain_vs_control=<treatment − control>
negative_minus_control=<...> train_samples_per_s=<...> s_per_1k_samples=<...>
total_s=<...> device=<cpu or the GPU's name>``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from llavar2.evaluate.answerers import AnswererOptions
from llavar2.testing import tiny_hf
from llavar2.testing.toy_validation import write_toy_val
from llavar2.validate.evaluate import evaluate_arms
from llavar2.validate.prepare import prepare
from llavar2.validate.report import write_report
from llavar2.validate.settings import TrainSettings
from llavar2.validate.train import train

TOY = TrainSettings(
    modules_to_save=("lm_head",),
    lora_rank=8,
    lora_alpha=16,
    lora_dropout=0.0,
    learning_rate=5e-3,
    epochs=10,
    batch_size=8,
    grad_accum=1,
)
RECIPE = TrainSettings()  # the README's GPU recipe: the defaults of llavar2 validate train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, help="a local vision-language model (default: tiny)")
    ap.add_argument("--build", type=Path, help="a filtered build (with --model)")
    ap.add_argument("--n", type=int, default=1000, help="duos per arm (with --build)")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--epochs", type=float, help="override the settings' epochs")
    ap.add_argument("--work", type=Path, help="folder for the run (default: a temporary one)")
    args = ap.parse_args()
    seeds = tuple(int(s) for s in args.seeds.split(","))
    if (args.model is None) != (args.build is None):
        ap.error("--model and --build go together")
    work = args.work or Path(tempfile.mkdtemp(prefix="validate-smoke-"))
    val = work / "val"
    start = time.perf_counter()
    if args.model is None:
        model, settings = tiny_hf.save_llava(work / "tiny-llava"), TOY
        write_toy_val(val, seeds=seeds)
        corpus = "toy colour task (96 duos per arm, 30 held-out items), tiny random LLaVA"
    else:
        model, settings = args.model, RECIPE
        plan = prepare(args.build, val, args.n, seeds)
        corpus = (
            f"{args.build} ({plan['arm_size']} duos per arm, "
            f"{plan['holdout']['items']} held-out items), {args.model.name}"
        )
    if args.epochs is not None:
        settings = TrainSettings(**{**settings.__dict__, "epochs": args.epochs})
    trained, train_s = 0, 0.0
    for arm in ("control", "treatment", "negative"):
        for seed in seeds:
            t = time.perf_counter()
            summary = train(val, model, arm, seed, settings, progress=False)
            train_s += time.perf_counter() - t
            trained += summary["samples"]["trained"] * settings.epochs
    t = time.perf_counter()
    evaluate_arms(val, options=AnswererOptions(max_new_tokens=32), progress=False)
    eval_s = time.perf_counter() - t
    report = write_report(val)
    total = time.perf_counter() - start
    arms = report["benchmarks"]["heldout"]["arms"]
    em = {
        arm: statistics.fmean(e["metrics"]["exact_match"]["per_seed"].values())
        for arm, e in arms.items()
    }
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    print(f"corpus: {corpus}; seeds {list(seeds)}; device {device}")
    print("held-out exact match: " + ", ".join(f"{a} {v:.3f}" for a, v in em.items()))
    print(
        f"train {train_s:.1f} s ({trained / train_s:.1f} samples/s incl. loading and "
        f"merging), evaluate {eval_s:.1f} s, total {total:.1f} s; report: "
        f"{val / 'report' / 'report.md'}"
    )
    for arm, runs in report["training"].items():
        print(
            f"{arm}: answer loss "
            + ", ".join(
                f"seed {s} {t['loss_before']:.3f} → {t['loss_after']:.3f} ({t['trained']} samples, "
                f"{t['runtime_s']:.1f} s)"
                for s, t in runs.items()
            )
        )
    print(
        f"RESULT gain_vs_base={em['treatment'] - em['base']:.3f} "
        f"gain_vs_control={em['treatment'] - em['control']:.3f} "
        f"negative_minus_control={em['negative'] - em['control']:.3f} "
        f"train_samples_per_s={trained / train_s:.2f} "
        f"s_per_1k_samples={1000 * train_s / trained:.1f} total_s={total:.1f} "
        f"device={device.replace(' ', '_')}"
    )


if __name__ == "__main__":
    main()
