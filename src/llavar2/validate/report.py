"""``llavar2 validate report``: each metric per arm (mean ± std over seeds), the difference of
every arm to the control with a paired bootstrap interval, McNemar's exact test on exact match,
and a chart; ``VAL/report/{report.json,report.md,<benchmark>.png}``.

Differences are paired by item and seed (the base model, untrained, is the same for every
seed). Only metrics whose score is the mean of per-item scores (exact match, ANLS, VQA
accuracy, ...) get intervals; corpus metrics (BLEU, CIDEr) get mean ± std over seeds only.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..formatting import num
from ..imaging import file_sha256
from ..jsonl import read_jsonl, write_json_atomic
from ..metrics import METRICS
from .evaluate import STAMP
from .prepare import ARMS
from .stats import mcnemar_exact, paired_bootstrap
from .train import TRAIN

BASE_SEED = "-"  # the base model's results stand for every seed
EXACT = "exact_match"


def _current(val: Path, arm: str, seed: str) -> bool:
    """Whether a run's results come from its present training (not one deleted or redone)."""
    done = val / "runs" / arm / f"seed-{seed}" / TRAIN
    stamp = val / "eval" / arm / f"seed-{seed}" / STAMP
    return (
        done.is_file()
        and stamp.is_file()
        and stamp.read_text(encoding="utf-8").strip() == file_sha256(done)
    )


def _read(val: Path, warnings: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """benchmark → arm → seed → {"summary", "items"} (the base model under BASE_SEED)."""
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    stale = set()
    for result in sorted((val / "eval").glob("**/*.json")):
        rel = result.relative_to(val / "eval").parts
        if len(rel) == 2 and rel[0] == "base":
            arm, seed = "base", BASE_SEED
        elif len(rel) == 3 and rel[1].startswith("seed-"):
            arm, seed = rel[0], rel[1].removeprefix("seed-")
            if not _current(val, arm, seed):
                stale.add(f"{arm} seed {seed}")
                continue
        else:
            continue
        summary = json.loads(result.read_text(encoding="utf-8"))
        if summary["counts"]["failed"]:
            warnings.append(
                f"{arm} {'' if seed == BASE_SEED else f'seed {seed} '}failed "
                f"{summary['counts']['failed']} of {summary['counts']['items']} "
                f"{result.stem} items ({summary['counts']['failed_by_reason']}), "
                "scored as empty answers"
            )
        items = list(read_jsonl(result.with_name(summary["items_file"])))
        found[result.stem][arm][seed] = {"summary": summary, "items": items}
    if stale:
        warnings.append(
            "left out the results of " + ", ".join(sorted(stale)) + ": trained "
            "again or deleted since they were evaluated (run validate evaluate)"
        )
    return found


def _itemwise(summary: dict[str, Any], items: list[dict[str, Any]], metric: str) -> bool:
    """An answer metric whose score is the mean of its per-item scores (not a corpus metric
    such as BLEU or CIDEr, nor a total such as OCRBench's)."""
    if getattr(METRICS.get(metric), "tokenized", True):
        return False
    values = [row[metric] for row in items if isinstance(row.get(metric), (int, float))]
    return (
        len(values) == len(items) > 0
        and abs(statistics.fmean(values) - summary["metrics"][metric]["score"]) < 1e-9
    )


def _columns(runs: dict[str, Any], metric: str, seeds: list[str]) -> list[list[float]]:
    """Per seed, the per-item scores (the base model's repeated for every seed)."""
    return [
        [row[metric] for row in runs[BASE_SEED if BASE_SEED in runs else s]["items"]] for s in seeds
    ]


def _arm_entry(
    runs: dict[str, Any], control: dict[str, Any] | None, metrics: list[str]
) -> dict[str, Any]:
    seeds = sorted(runs, key=lambda s: (s == BASE_SEED, s))
    entry: dict[str, Any] = {"seeds": seeds, "metrics": {}, "vs_control": {}, "mcnemar": {}}
    for metric in metrics:
        scores = {s: runs[s]["summary"]["metrics"][metric]["score"] for s in seeds}
        values = list(scores.values())
        entry["metrics"][metric] = {
            "per_seed": scores,
            "mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) > 1 else None,
        }
    if control is None:
        return entry
    paired = sorted(set(control) & set(runs)) if BASE_SEED not in runs else sorted(control)
    entry["paired_seeds"] = paired
    if not paired:
        return entry
    for metric in metrics:
        first = runs[paired[0] if BASE_SEED not in runs else BASE_SEED]
        if not _itemwise(first["summary"], first["items"], metric):
            continue
        entry["vs_control"][metric] = paired_bootstrap(
            _columns(runs, metric, paired), _columns(control, metric, paired)
        )
    if EXACT in metrics:
        arm_cols, ctrl_cols = _columns(runs, EXACT, paired), _columns(control, EXACT, paired)
        entry["mcnemar"] = {s: mcnemar_exact(a, c) for s, a, c in zip(paired, arm_cols, ctrl_cols)}
    return entry


def _check_items(bench: str, arms: dict[str, dict[str, Any]]) -> list[str]:
    ids = None
    for arm, runs in arms.items():
        for seed, run in runs.items():
            these = [row["id"] for row in run["items"]]
            if ids is None:
                ids = these
            elif these != ids:
                raise UsageError(
                    f"{bench}: {arm} seed {seed} scored other items than the "
                    "rest; evaluate every arm on the same file"
                )
    return ids or []


def _training(val: Path) -> dict[str, dict[str, Any]]:
    runs: dict[str, dict[str, Any]] = defaultdict(dict)
    for done in sorted((val / "runs").glob("*/seed-*/train.json")):
        t = json.loads(done.read_text(encoding="utf-8"))
        runs[t["arm"]][str(t["seed"])] = {
            "trained": t["samples"]["trained"],
            "dropped": t["samples"]["dropped_by_reason"],
            "steps": t["steps"],
            "loss_before": t["loss_probe"]["before"],
            "loss_after": t["loss_probe"]["after"],
            "runtime_s": t["train_runtime_s"],
            "device": t["device"],
        }
    return {
        arm: runs[arm]
        for arm in sorted(runs, key=lambda a: (a not in ARMS, ARMS.index(a) if a in ARMS else 0, a))
    }


def _unequal(training: dict[str, dict[str, Any]], tolerance: float = 0.05) -> list[str]:
    """Seeds whose arms trained on sizes that differ by more than ``tolerance`` (samples
    dropped before training differ by arm): the comparison is no longer of equal arms."""
    warnings = []
    for seed in sorted({s for runs in training.values() for s in runs}):
        sizes = {arm: runs[seed]["trained"] for arm, runs in training.items() if seed in runs}
        if len(sizes) > 1 and min(sizes.values()) < (1 - tolerance) * max(sizes.values()):
            warnings.append(
                f"seed {seed}: the arms trained on unequal numbers of samples ("
                + ", ".join(f"{a} {n}" for a, n in sizes.items())
                + ") after over-long or unreadable samples were dropped; raise "
                "--max-length or read the differences with care"
            )
    return warnings


def _unpaired(bench: str, arms: dict[str, Any]) -> list[str]:
    return [
        f"{bench}: {arm}'s Δ vs control is over seeds {', '.join(e['paired_seeds'])} only "
        f"(its mean over {', '.join(s for s in e['seeds'])})"
        for arm, e in arms.items()
        if arm != "base" and "paired_seeds" in e and e["paired_seeds"] != e["seeds"]
    ]


def build_report(val: Path) -> dict[str, Any]:
    warnings: list[str] = []
    found = _read(val, warnings)
    if not found:
        raise UsageError(f"{val / 'eval'} holds no results: run llavar2 validate evaluate first")
    benchmarks = {}
    for bench, arms in sorted(found.items()):
        ids = _check_items(bench, arms)
        any_run = next(iter(next(iter(arms.values())).values()))
        metrics = list(any_run["summary"]["metrics"])
        control = arms.get("control")
        order = [a for a in ARMS if a in arms] + sorted(set(arms) - set(ARMS))
        benchmarks[bench] = {
            "items": len(ids),
            "primary": any_run["summary"]["primary_metric"],
            "task": any_run["summary"]["task"],
            "arms": {
                arm: _arm_entry(arms[arm], None if arm == "control" else control, metrics)
                for arm in order
            },
        }
        warnings += _unpaired(bench, benchmarks[bench]["arms"])
    plan = json.loads((val / "plan.json").read_text(encoding="utf-8"))
    training = _training(val)
    return {
        "plan": {
            "arm_size": plan["arm_size"],
            "seeds": plan["seeds"],
            "heldout_items": plan["holdout"]["items"],
        },
        "training": training,
        "warnings": _unequal(training) + warnings,
        "benchmarks": benchmarks,
        "method": "mean ± std over seeds; Δ vs control: paired bootstrap over items "
        "(2000 resamples, 95% percentile interval) of the seed-averaged difference; "
        "McNemar: exact two-sided binomial test on exact match, per seed",
    }


def write_markdown(report: dict[str, Any]) -> str:
    plan = report["plan"]
    lines = [
        "# Validation by fine-tuning",
        "",
        f"Arms of {plan['arm_size']} duo conversations, seeds "
        f"{', '.join(map(str, plan['seeds']))}; {plan['heldout_items']} held-out items "
        "from images no arm trained on.",
        "",
        report["method"] + ".",
        "",
    ]
    lines += [f"- **Warning**: {w}." for w in report["warnings"]] + (
        [""] if report["warnings"] else []
    )
    if report["training"]:
        lines += [
            "## Training",
            "",
            "| arm | seed | trained | dropped | steps | answer loss before → after |",
            "|---|---|---|---|---|---|",
        ]
        for arm, seeds in report["training"].items():
            for seed, t in seeds.items():
                dropped = ", ".join(f"{k} {v}" for k, v in t["dropped"].items()) or "0"
                lines.append(
                    f"| {arm} | {seed} | {t['trained']} | {dropped} | {t['steps']} | "
                    f"{num(t['loss_before'])} → {num(t['loss_after'])} |"
                )
        lines.append("")
    for bench, b in report["benchmarks"].items():
        lines += [
            f"## {bench} ({b['items']} items, task {b['task']})",
            "",
            f"![{b['primary']} per arm]({bench}.png)",
            "",
            "| arm | metric | mean ± std | Δ vs control [95% CI] | McNemar p per seed |",
            "|---|---|---|---|---|",
        ]
        for arm, entry in b["arms"].items():
            for metric, m in entry["metrics"].items():
                vs = entry["vs_control"].get(metric)
                delta = (
                    f"{vs['diff']:+.3f} [{vs['ci95'][0]:+.3f}, {vs['ci95'][1]:+.3f}]" if vs else "–"
                )
                mc = (
                    "; ".join(
                        f"{s}: {r['p']:.3g} ({r['b']}/{r['c']})"
                        for s, r in entry["mcnemar"].items()
                    )
                    if metric == EXACT and entry["mcnemar"]
                    else "–"
                )
                lines.append(
                    f"| {arm} | {metric} | {num(m['mean'])} ± {num(m['std'])} | {delta} | {mc} |"
                )
        lines.append("")
    lines.append("McNemar (b/c): items only the arm / only the control gets exactly right.")
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # files only, never a display
    import matplotlib.pyplot as plt

    written = []
    for bench, b in report["benchmarks"].items():
        metric = b["primary"]
        arms = list(b["arms"])
        fig, ax = plt.subplots(figsize=(1.4 * len(arms) + 2, 3.2))
        for x, arm in enumerate(arms):
            m = b["arms"][arm]["metrics"][metric]
            ax.bar(x, m["mean"], yerr=m["std"] or 0, capsize=4, color="#9ecae1")
            ax.scatter(
                [x] * len(m["per_seed"]),
                list(m["per_seed"].values()),
                color="#08519c",
                zorder=3,
                s=14,
            )
        ax.set_xticks(range(len(arms)), arms)
        ax.set_ylabel(metric)
        ax.set_title(
            f"{bench}: {metric} per arm (bars: mean ± std over seeds; dots: seeds)", fontsize=9
        )
        fig.tight_layout()
        path = folder / f"{bench}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def write_report(val: Path) -> dict[str, Any]:
    report = build_report(val)
    folder = val / "report"
    folder.mkdir(parents=True, exist_ok=True)
    plot(report, folder)
    write_json_atomic(folder / "report.json", report)
    (folder / "report.md").write_text(write_markdown(report), encoding="utf-8")
    return report
