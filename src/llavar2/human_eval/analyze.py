"""``llavar2 human-eval analyze``: what people said of a build, with its uncertainty, and how far
they agree (docs/human-eval.md).

Estimates are per task (a duo or an image), each task's value the mean over the raters who
rated it, and weighted back to the build's mix by post-stratification (a task of stratum h
weighs N_h / m_h, m_h the stratum's tasks with a value in that estimate); intervals
are percentile bootstraps over tasks (means) and Wilson intervals at the Kish effective sample
size (rates). Agreement uses the tasks two or more raters rated (the overlap).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..layout import HUMAN_EVAL_LINKS
from ..prompts import load_template
from . import agreement as ag
from .ratings import Ratings, TaskSet, load_ratings

JUDGE_PREFIX = "judge-"  # rater ids of llavar2 judge's ratings files
ALPHA_MIN = 0.667  # Krippendorff's lowest alpha for tentative conclusions
BY = ("qtype", "source", "status")


def _num(x: float) -> float | None:
    """JSON-safe: NaN becomes null."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, 6)


def acceptable(values: dict[str, Any], rule: dict[str, Any]) -> bool | None:
    """The rubric's acceptable rule on one duo rating; None when a criterion it needs is not
    rated."""
    correctness, grounded, hallucination = (
        values.get(k) for k in ("correctness", "grounded", "hallucination")
    )
    if correctness is None or grounded is None or hallucination is None:
        return None
    return (
        correctness >= rule["correctness_min"]
        and grounded in rule["grounded_in"]
        and hallucination == rule["hallucination"]
    )


def _poststratified(tasks: list[dict[str, Any]]) -> list[float]:
    """Each task's weight among ``tasks``: its stratum's population over the number of the
    stratum's tasks here (the rated ones, not the planned sample: a stratum whose tasks went
    partly unrated still stands for its whole population)."""
    here = Counter(t["stratum"] for t in tasks)
    return [t["population"] / here[t["stratum"]] for t in tasks]


def _rate(values: list[float], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of acceptable (task values in [0, 1]) with Wilson intervals, plain and weighted
    back to the population of the strata (``_poststratified``)."""
    weights = _poststratified(tasks)
    n = len(values)
    if not n:
        return {
            "tasks": 0,
            "rate": None,
            "ci": [None, None],
            "weighted_rate": None,
            "weighted_ci": [None, None],
            "n_eff": 0,
        }
    k = sum(values)
    total = sum(weights)
    weighted = sum(w * v for w, v in zip(weights, values)) / total
    n_eff = total**2 / sum(w * w for w in weights)
    lo, hi = ag.wilson_interval(k, n)
    wlo, whi = ag.wilson_interval(weighted * n_eff, n_eff)
    return {
        "tasks": n,
        "rate": _num(k / n),
        "ci": [_num(lo), _num(hi)],
        "weighted_rate": _num(weighted),
        "weighted_ci": [_num(wlo), _num(whi)],
        "n_eff": _num(n_eff),
    }


def _criterion(
    crit: dict[str, Any],
    tasks: list[dict[str, Any]],
    by_task: dict[str, list[dict[str, Any]]],
    seed: int,
) -> dict[str, Any]:
    key = crit["key"]
    counts = dict.fromkeys(map(str, crit["options"]), 0)
    unjudged = 0
    means, rated_tasks = [], []
    for task in tasks:
        rated = [r["values"].get(key) for r in by_task[task["task_id"]]]
        unjudged += sum(key in (r.get("cannot_judge") or []) for r in by_task[task["task_id"]])
        rated = [v for v in rated if v is not None]
        for v in rated:
            counts[str(v)] += 1
        if rated and all(isinstance(v, (int, float)) for v in rated):
            means.append(sum(rated) / len(rated))
            rated_tasks.append(task)
    total = sum(counts.values())
    out: dict[str, Any] = {
        "scale": crit["scale"],
        "ratings": total,
        "cannot_judge": unjudged,
        "distribution": {o: _num(c / total) if total else None for o, c in counts.items()},
    }
    if means:
        weights = _poststratified(rated_tasks)
        lo, hi = ag.bootstrap_mean_ci(means, seed=seed, weights=weights)
        out["mean"] = _num(sum(w * m for w, m in zip(weights, means)) / sum(weights))
        out["ci"] = [_num(lo), _num(hi)]
        out["tasks"] = len(means)
    return out


def _agreement(
    crit: dict[str, Any],
    tasks: list[dict[str, Any]],
    raters: Sequence[str],
    by_task: dict[str, list[dict[str, Any]]],
    seed: int,
) -> dict[str, Any]:
    """Agreement statistics over the tasks at least two raters rated on this criterion."""
    key, categories = crit["key"], crit["options"]
    ordinal = crit["scale"] == "ordinal"
    matrix = []
    for task in tasks:
        row: list[Any] = [None] * len(raters)
        for r in by_task[task["task_id"]]:
            row[raters.index(r["rater"])] = r["values"].get(key)
        if sum(v is not None for v in row) >= 2:
            matrix.append(row)
    if not matrix:
        return {"tasks": 0}
    # Raters with no rating here (who never saw these tasks) are no columns: Fleiss' kappa
    # counts only the tasks every column rated.
    present = [j for j in range(len(raters)) if any(row[j] is not None for row in matrix)]
    matrix = [[row[j] for j in present] for row in matrix]
    raters = [raters[j] for j in present]
    level: ag.Level = "ordinal" if ordinal else "nominal"
    alpha = ag.krippendorff_alpha(matrix, categories, level)
    lo, hi = ag.bootstrap_alpha(matrix, categories, level, seed=seed)
    weights: ag.Weights = "quadratic" if ordinal else None
    pairs = ag.pairwise_cohen(matrix, categories, weights)
    return {
        "tasks": len(matrix),
        "percent": _num(ag.percent_agreement(matrix, categories)),
        "cohen_kappa": {f"{raters[i]}~{raters[j]}": _num(k) for (i, j), k in pairs.items()},
        "cohen_weights": weights or "none",
        "fleiss_kappa": _num(ag.fleiss_kappa(matrix, categories)),
        "alpha": _num(alpha),
        "alpha_ci": [_num(lo), _num(hi)],
        "alpha_level": level,
        "gwet": _num(
            ag.gwet_ac2(matrix, categories, "quadratic")
            if ordinal
            else ag.gwet_ac1(matrix, categories)
        ),
        "gwet_kind": "AC2 (quadratic)" if ordinal else "AC1",
        "warning": bool(not math.isnan(alpha) and alpha < ALPHA_MIN),
    }


def _difference(a: list[float], b: list[float], seed: int, n_boot: int = 2000) -> dict[str, Any]:
    """Mean of ``a`` minus mean of ``b`` with a percentile bootstrap interval."""
    import numpy as np

    x, y = np.asarray(a, float), np.asarray(b, float)
    rng = np.random.default_rng(seed)
    draws = rng.choice(x, (n_boot, x.size)).mean(1) - rng.choice(y, (n_boot, y.size)).mean(1)
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return {"difference": _num(float(x.mean() - y.mean())), "ci": [_num(lo), _num(hi)]}


def analyze(folder: Path, ratings_paths: Sequence[Path], seed: int = 0) -> dict[str, Any]:
    """The report's numbers (``report.json``) from a human-eval folder and ratings files."""
    task_set = TaskSet.load(folder)
    for task in task_set.tasks.values():
        strata = task_set.assignments[f"{task['kind']}_strata"]
        task["population"] = strata[task["stratum"]]["population"]
    rubric = load_template(task_set.assignments["rubric"])
    criteria = {"duo": rubric.data["duo"], "image": rubric.data["image"]}
    files: list[Ratings] = [load_ratings(p, task_set, criteria) for p in ratings_paths]
    if not files:
        raise UsageError("no ratings files given")
    names = [f.rater for f in files]
    if len(set(names)) != len(names):
        raise UsageError(f"two ratings files of one rater: {names}")
    # A judge's ratings are set against the people's, not pooled with them (unless only judges
    # were given: then the report is the judges').
    judges = [f for f in files if f.rater.startswith(JUDGE_PREFIX)]
    people = [f for f in files if not f.rater.startswith(JUDGE_PREFIX)] or files
    raters = [f.rater for f in people]
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in people:
        for task_id, item in f.items.items():
            by_task[task_id].append({**item, "rater": f.rater})
    rated = [t for t in task_set.tasks.values() if by_task.get(t["task_id"])]
    duos = [t for t in rated if t["kind"] == "duo"]
    images = [t for t in rated if t["kind"] == "image"]

    rule = rubric.data["acceptable"]
    accept: dict[str, float] = {}
    for task in duos:
        verdicts = [
            v for r in by_task[task["task_id"]] if (v := acceptable(r["values"], rule)) is not None
        ]
        if verdicts:
            accept[task["task_id"]] = sum(verdicts) / len(verdicts)

    def rate(subset: list[dict[str, Any]]) -> dict[str, Any]:
        judged = [t for t in subset if t["task_id"] in accept]
        return _rate([accept[t["task_id"]] for t in judged], judged)

    by: dict[str, dict[str, Any]] = {}
    for column in BY:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for task in duos:
            groups[str(task.get(column))].append(task)
        by[column] = {value: rate(group) for value, group in sorted(groups.items())}
    kept = [
        accept[t["task_id"]] for t in duos if t.get("status") == "kept" and t["task_id"] in accept
    ]
    dropped = [
        accept[t["task_id"]]
        for t in duos
        if t.get("status") == "dropped" and t["task_id"] in accept
    ]

    report: dict[str, Any] = {
        "task_set_sha256": task_set.sha256,
        "rubric": rubric.ref,
        "raters": raters,
        "build": task_set.assignments.get("build"),
        "coverage": {
            f.rater: {
                "assigned": len(task_set.assignments["raters"].get(f.rater, [])),
                "rated": len(f.items),
            }
            for f in people
        },
        "problems": [p for f in files for p in f.problems],
        "duo": {
            "tasks": len(duos),
            "acceptable": rate(duos),
            "population_covered": task_set.assignments.get("duo_population_covered"),
            "criteria": {c["key"]: _criterion(c, duos, by_task, seed) for c in criteria["duo"]},
            "by": by,
            "kept_vs_dropped": (
                _difference(kept, dropped, seed) | {"kept": len(kept), "dropped": len(dropped)}
            )
            if kept and dropped
            else None,
        },
        "image": _images(images, by_task, criteria["image"], seed),
        "agreement": {
            c["key"]: _agreement(c, [t for t in rated if t["kind"] == kind], raters, by_task, seed)
            for kind in ("duo", "image")
            for c in criteria[kind]
        },
        "judges": {
            j.rater: _judge_vs_people(j, task_set, by_task, criteria, rule, seed)
            for j in judges
            if people is not files
        },
    }
    return report


def _judge_vs_people(
    judge: Ratings,
    task_set: TaskSet,
    by_task: dict[str, list[dict[str, Any]]],
    criteria: dict[str, list[dict[str, Any]]],
    rule: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    """Per criterion, the judge against the people's verdict on the tasks both rated (the lower
    median of their ratings on ordinal scales, the most frequent on nominal ones): agreement,
    Krippendorff's alpha and, on ordinal scales, Spearman's rank correlation."""
    from .judge import combine

    out: dict[str, Any] = {"settings": judge.judge or {}, "criteria": {}}
    for kind in ("duo", "image"):
        for c in criteria[kind]:
            pairs = []
            for task_id, item in judge.items.items():
                if task_set.tasks[task_id]["kind"] != kind or item["values"].get(c["key"]) is None:
                    continue
                verdict = combine([r["values"].get(c["key"]) for r in by_task.get(task_id, [])], c)
                if verdict is not None:
                    pairs.append([item["values"][c["key"]], verdict])
            if not pairs:
                continue
            level: ag.Level = "ordinal" if c["scale"] == "ordinal" else "nominal"
            entry = {
                "tasks": len(pairs),
                "percent": _num(ag.percent_agreement(pairs, c["options"])),
                "alpha": _num(ag.krippendorff_alpha(pairs, c["options"], level)),
            }
            if level == "ordinal":
                entry["spearman"] = _num(
                    ag.spearman([p[0] for p in pairs], [p[1] for p in pairs], c["options"])
                )
            out["criteria"][c["key"]] = entry
    return out


def _images(
    images: list[dict[str, Any]],
    by_task: dict[str, list[dict[str, Any]]],
    criteria: list[dict[str, Any]],
    seed: int,
) -> dict[str, Any]:
    """The caption comparison, with A/B mapped back to enriched/human caption."""
    prefer: dict[str, list[float]] = {"enriched": [], "human": [], "tie": []}
    invented: dict[str, list[float]] = {"enriched": [], "human": []}
    voted: list[dict[str, Any]] = []
    judged: dict[str, list[dict[str, Any]]] = {"enriched": [], "human": []}
    for task in images:
        side = task["enriched_side"]
        other = "B" if side == "A" else "A"
        votes = [r["values"].get("preference") for r in by_task[task["task_id"]]]
        votes = [v for v in votes if v is not None]
        if votes:
            voted.append(task)
            prefer["enriched"].append(sum(v == side for v in votes) / len(votes))
            prefer["human"].append(sum(v == other for v in votes) / len(votes))
            prefer["tie"].append(sum(v == "tie" for v in votes) / len(votes))
        for caption, letter in (("enriched", side), ("human", other)):
            said = [
                r["values"].get(f"hallucination_{letter.lower()}") for r in by_task[task["task_id"]]
            ]
            said = [v for v in said if v is not None]
            if said:
                invented[caption].append(sum(v == "yes" for v in said) / len(said))
                judged[caption].append(task)
    return {
        "tasks": len(images),
        "preference": {k: _rate(v, voted) for k, v in prefer.items()},
        "hallucination": {k: _rate(v, judged[k]) for k, v in invented.items()},
    }


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    """``report.json``, ``report.md`` and ``plots/*.png`` in ``out``; returns the files."""
    from .report_files import write_markdown, write_plots

    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    plots = write_plots(report, out / "plots")
    (out / "report.md").write_text(
        write_markdown(report, [p.relative_to(out) for p in plots]), encoding="utf-8"
    )
    return [out / "report.json", out / "report.md", *plots]


def link_from_build(report: dict[str, Any], report_md: Path) -> Path | None:
    """Record the report in ``<build>/human_eval.json`` (one entry per report file, the latest
    analysis replacing an earlier one), for ``llavar2 report``; None when the build folder the
    tasks were sampled from is gone."""
    build = Path(report["build"]) if report.get("build") else None
    if build is None or not build.is_dir():
        return None
    path = build / HUMAN_EVAL_LINKS
    links = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"reports": []}
    key = str(report_md.resolve())
    alpha = report["agreement"].get("correctness", {}).get("alpha")
    entry = {
        "report": key,
        "task_set_sha256": report["task_set_sha256"],
        "raters": report["raters"],
        "duo_tasks": report["duo"]["tasks"],
        "acceptable": report["duo"]["acceptable"]["rate"],
        "acceptable_weighted": report["duo"]["acceptable"]["weighted_rate"],
        "alpha_correctness": alpha,
    }
    links["reports"] = [e for e in links["reports"] if e.get("report") != key] + [entry]
    path.write_text(json.dumps(links, indent=2) + "\n", encoding="utf-8")
    return path
