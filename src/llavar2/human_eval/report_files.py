"""The human-eval report as Markdown and PNG charts (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..formatting import num, pct
from .analyze import ALPHA_MIN


def _ci(ci: list[float | None], as_pct: bool = True) -> str:
    lo, hi = ci
    if lo is None or hi is None:
        return "–"
    return f"[{pct(lo)}, {pct(hi)}]" if as_pct else f"[{lo:.2f}, {hi:.2f}]"


def _rate_row(name: str, r: dict[str, Any]) -> str:
    return (
        f"| {name} | {r['tasks']} | {pct(r['rate'])} {_ci(r['ci'])} | "
        f"{pct(r['weighted_rate'])} {_ci(r['weighted_ci'])} |"
    )


def write_markdown(report: dict[str, Any], plots: list[Path]) -> str:
    duo, image = report["duo"], report["image"]
    lines = [
        "# Human evaluation",
        "",
        f"Rubric `{report['rubric']}`, task set `{report['task_set_sha256'][:12]}`, build "
        f"`{report['build']}`. Raters: "
        + ", ".join(
            f"{r} ({c['rated']}/{c['assigned']} tasks)" for r, c in report["coverage"].items()
        )
        + ".",
        "",
        "Each task's value is the mean over its raters; *weighted* figures weigh each task by "
        "its stratum's population / sample size, back to the build's mix. Rates have Wilson "
        "95% intervals (weighted: at the Kish effective sample size), means percentile "
        "bootstrap 95% intervals over tasks.",
        "",
        "## Duo conversations",
        "",
        "Acceptable: correctness ≥ 4, grounded partly or fully, nothing hallucinated. "
        f"The sampled strata hold {pct(duo['population_covered'])} of the build's duos (the "
        "weighted figures stand for those).",
        "",
        "| | tasks | acceptable | weighted |",
        "| --- | ---: | --- | --- |",
        _rate_row("all", duo["acceptable"]),
        "",
        "| criterion | ratings | cannot judge | distribution | weighted mean [95% CI] |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for key, c in duo["criteria"].items():
        dist = ", ".join(f"{o}: {pct(s)}" for o, s in c["distribution"].items())
        mean = f"{num(c['mean'], 2)} {_ci(c['ci'], as_pct=False)}" if "mean" in c else "–"
        lines.append(f"| {key} | {c['ratings']} | {c['cannot_judge']} | {dist} | {mean} |")
    for column, groups in duo["by"].items():
        lines += [
            "",
            f"### Acceptable by {column}",
            "",
            f"| {column} | tasks | acceptable | weighted |",
            "| --- | ---: | --- | --- |",
        ]
        lines += [_rate_row(value, r) for value, r in groups.items()]
    kvd = duo["kept_vs_dropped"]
    if kvd:
        lines += [
            "",
            f"Kept minus dropped duos (acceptable rate): {pct(kvd['difference'])} "
            f"{_ci(kvd['ci'])} ({kvd['kept']} kept, {kvd['dropped']} dropped tasks; "
            "bootstrap 95% interval). Above zero: the filter keeps what people rate "
            "better.",
        ]
    lines += [
        "",
        "## Enriched caption against the human caption",
        "",
        f"{image['tasks']} images, the sides drawn per image.",
        "",
        "| | tasks | share | weighted |",
        "| --- | ---: | --- | --- |",
    ]
    lines += [
        _rate_row(f"prefers the {k} caption" if k != "tie" else "tie", r)
        for k, r in image["preference"].items()
    ]
    lines += [_rate_row(f"{k} caption hallucinates", r) for k, r in image["hallucination"].items()]
    lines += [
        "",
        "## Agreement",
        "",
        "Over the tasks two or more raters rated. Cohen's kappa per rater pair (quadratic "
        "weights on ordinal scales), Fleiss' kappa (tasks all raters rated), "
        "Krippendorff's alpha (bootstrap 95% interval), Gwet's AC1 (nominal) or AC2 "
        "(ordinal, quadratic).",
        "",
        "| criterion | tasks | % agree | Cohen's kappa | Fleiss' kappa | alpha [95% CI] | Gwet | |",
        "| --- | ---: | ---: | --- | ---: | --- | ---: | --- |",
    ]
    for key, a in report["agreement"].items():
        if not a.get("tasks"):
            lines.append(f"| {key} | 0 | – | – | – | – | – | |")
            continue
        kappas = ", ".join(f"{p} {num(k, 2)}" for p, k in a["cohen_kappa"].items())
        warn = f"alpha below {ALPHA_MIN}" if a["warning"] else ""
        lines.append(
            f"| {key} | {a['tasks']} | {pct(a['percent'])} | {kappas} | "
            f"{num(a['fleiss_kappa'])} | {num(a['alpha'])} {_ci(a['alpha_ci'], False)} | "
            f"{num(a['gwet'])} {a['gwet_kind']} | {warn} |"
        )
    warned = [k for k, a in report["agreement"].items() if a.get("warning")]
    if warned:
        lines += [
            "",
            f"**Warning**: Krippendorff's alpha is below {ALPHA_MIN} for "
            f"{', '.join(warned)}: conclusions on these criteria are not reliable.",
        ]
    for judge, j in report.get("judges", {}).items():
        settings = j["settings"]
        lines += [
            "",
            f"## Judge `{judge}` against the people",
            "",
            f"Model `{settings.get('model', '?')}`, template `{settings.get('template', '?')}`, "
            f"{settings.get('repeats', '?')} repeat(s); unparsable replies: "
            f"{settings.get('parse_failures', '?')}, position flips: "
            f"{settings.get('position_flips', '?')}. The people's verdict per task is the "
            "lower median (ordinal) or the most frequent rating (nominal).",
            "",
            "| criterion | tasks | % agree | alpha | Spearman |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {key} | {c['tasks']} | {pct(c['percent'])} | {num(c['alpha'])} | "
            f"{num(c.get('spearman'))} |"
            for key, c in j["criteria"].items()
        ]
    if report["problems"]:
        lines += ["", "## Ratings left out", ""] + [f"- {p}" for p in report["problems"]]
    lines += ["", "## Charts", ""] + [f"![{p.stem}]({p.as_posix()})" for p in plots]
    return "\n".join(lines) + "\n"


def write_plots(report: dict[str, Any], folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths = []

    criteria = report["duo"]["criteria"]
    fig, axes = plt.subplots(1, max(1, len(criteria)), figsize=(3.2 * max(1, len(criteria)), 3))
    for ax, (key, c) in zip(list(getattr(axes, "flat", [axes])), criteria.items()):
        options = list(c["distribution"])
        ax.bar(options, [c["distribution"][o] or 0 for o in options], color="#4c72b0")
        ax.set_title(key, fontsize=10)
        ax.set_ylim(0, 1)
    fig.tight_layout()
    paths.append(folder / "criteria.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    groups = report["duo"]["by"].get("qtype", {})
    shown = [(k, r) for k, r in groups.items() if r["rate"] is not None]
    if shown:
        fig, ax = plt.subplots(figsize=(6, 0.35 * len(shown) + 1.2))
        names = [k for k, _ in shown]
        rates = [r["rate"] for _, r in shown]
        err = [
            [r["rate"] - r["ci"][0] for _, r in shown],
            [r["ci"][1] - r["rate"] for _, r in shown],
        ]
        ax.barh(names, rates, xerr=err, color="#55a868", capsize=3)
        ax.set_xlim(0, 1)
        ax.set_xlabel("acceptable (Wilson 95%)")
        fig.tight_layout()
        paths.append(folder / "acceptable_by_qtype.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)

    alphas = [(k, a) for k, a in report["agreement"].items() if a.get("alpha") is not None]
    if alphas:
        fig, ax = plt.subplots(figsize=(6, 0.35 * len(alphas) + 1.2))
        names = [k for k, _ in alphas]
        values = [a["alpha"] for _, a in alphas]
        lo = [
            a["alpha"] - (a["alpha_ci"][0] if a["alpha_ci"][0] is not None else a["alpha"])
            for _, a in alphas
        ]
        hi = [
            (a["alpha_ci"][1] if a["alpha_ci"][1] is not None else a["alpha"]) - a["alpha"]
            for _, a in alphas
        ]
        ax.barh(names, values, xerr=[lo, hi], color="#c44e52", capsize=3)
        ax.axvline(ALPHA_MIN, color="black", linestyle="--", linewidth=1)
        ax.set_xlim(min(0.0, min(values) - 0.1), 1)
        ax.set_xlabel("Krippendorff's alpha (95% bootstrap)")
        fig.tight_layout()
        paths.append(folder / "agreement.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
    return paths
