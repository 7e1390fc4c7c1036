"""The robustness report: the headline score per perturbation and severity, and its drop from
the clean run, as JSON, a Markdown table and a line plot (matplotlib, Agg: no display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..jsonl import atomic_open, write_json_atomic

JSON, MARKDOWN, PLOT = "robustness.json", "robustness.md", "robustness.png"


def write_report(
    out: Path,
    runs: dict[str, dict[str, Any]],
    perturbations: list[str],
    severities: list[int],
    seed: int,
) -> dict[str, Any]:
    clean = runs["clean"]
    metric = clean["primary_metric"]
    base = clean["metrics"][metric]["score"]
    scores = {
        n: {s: runs[f"{n}-{s}"]["metrics"][metric]["score"] for s in severities}
        for n in perturbations
    }
    report = {
        "model": clean["model"],
        "benchmark": clean["benchmark"],
        "task": clean["task"],
        "with_ocr": clean["with_ocr"],
        "metric": metric,
        "metric_reference": clean["metrics"][metric]["reference"],
        "seed": seed,
        "items": clean["counts"]["items"],
        "clean": base,
        "scores": {n: {str(s): v for s, v in by.items()} for n, by in scores.items()},
        "drop": {n: {str(s): base - v for s, v in by.items()} for n, by in scores.items()},
        "failed": {label: r["counts"]["failed"] for label, r in runs.items()},
        "runs": {label: f"runs/{label}.json" for label in runs},
        "markdown": MARKDOWN,
        "plot": PLOT,
    }
    write_json_atomic(out / JSON, report)
    with atomic_open(out / MARKDOWN) as f:
        f.write(_markdown(report, severities))
    _plot(out / PLOT, report, severities)
    return report


def _markdown(report: dict[str, Any], severities: list[int]) -> str:
    metric, base = report["metric"], report["clean"]
    lines = [
        f"# Robustness: {report['model']} on {report['benchmark']['file']}",
        "",
        f"{metric} over {report['items']} items (seed {report['seed']}, OCR in prompt: "
        f"{'yes' if report['with_ocr'] else 'no'}); clean: **{base:.4f}**. "
        "Each cell: score (drop from clean).",
        "",
        "| perturbation | " + " | ".join(f"severity {s}" for s in severities) + " |",
        "| --- |" + " --- |" * len(severities),
    ]
    for name, by in report["scores"].items():
        cells = [f"{by[str(s)]:.4f} ({report['drop'][name][str(s)]:+.4f})" for s in severities]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    failed = {k: v for k, v in report["failed"].items() if v}
    if failed:
        lines += [
            "",
            "Failed items (scored as empty answers): "
            + ", ".join(f"{k}: {v}" for k, v in failed.items()),
        ]
    return "\n".join(lines) + "\n"


def _plot(path: Path, report: dict[str, Any], severities: list[int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=100)
    xs = [0, *severities]
    for name, by in report["scores"].items():
        ax.plot(xs, [report["clean"], *(by[str(s)] for s in severities)], marker="o", label=name)
    ax.set_xticks(xs, ["clean", *map(str, severities)])
    ax.set_xlabel("severity")
    ax.set_ylabel(report["metric"])
    ax.set_title(f"{report['model']}: {report['metric']} under perturbation")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic_open(path, "wb") as f:
        fig.savefig(f, format="png")
    plt.close(fig)
