"""Simulated raters for a human-eval folder: ratings files in the page's schema, for tests and
for trying ``llavar2 human-eval analyze`` before people have rated.

Every task gets a seeded latent rating per criterion (the "truth"); a rater copies it, except
with probability ``noise`` where it picks an option at random, and skips a criterion ("cannot
judge") with probability ``skip``. ``noise=0`` raters agree perfectly; ``noise=1`` raters are
chance. ``bad`` lists task-id substrings whose latent duo ratings are unacceptable (wrong,
ungrounded), so analyses have a known difference to find.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from ..human_eval.page import SCHEMA_VERSION
from ..human_eval.ratings import TaskSet
from ..prompts import load_template


def _truth(
    task: dict[str, Any], criteria: list[dict[str, Any]], seed: int, bad: tuple[str, ...]
) -> dict[str, Any]:
    """A plausible latent rating: most duos right, grounded and faithful (all of those matching
    ``bad`` wrong), questions fair to excellent; the enriched caption preferred more often than
    not, captions mostly faithful."""
    rng = random.Random(f"{seed}:truth:{task['task_id']}")
    values = {c["key"]: rng.choice(c["options"]) for c in criteria}  # criteria not known here
    if task["kind"] == "duo":
        poor = any(b in task["task_id"] or b == task.get("status") for b in bad)
        values.update(
            correctness=rng.choice([1, 2]) if poor else rng.choice([4, 5]),
            grounded="no" if poor else rng.choice(["partial", "yes", "yes"]),
            hallucination="yes" if poor else "no",
            question_quality=rng.choice([3, 4, 5]),
        )
    else:
        enriched = task["enriched_side"]
        human = "B" if enriched == "A" else "A"
        values.update(
            preference=rng.choices([enriched, human, "tie"], [0.6, 0.2, 0.2])[0],
            hallucination_a=rng.choices(["no", "yes"], [0.85, 0.15])[0],
            hallucination_b=rng.choices(["no", "yes"], [0.85, 0.15])[0],
        )
    return values


def simulate(
    folder: Path,
    noise: dict[str, float],
    seed: int = 0,
    skip: float = 0.0,
    bad: tuple[str, ...] = (),
) -> list[Path]:
    """Write ``folder/ratings/ratings-<rater>.json`` for every rater in ``noise`` (rater →
    noise); each rates the tasks assigned to it. Returns the files."""
    task_set = TaskSet.load(folder)
    rubric = load_template(task_set.assignments["rubric"])
    criteria = {"duo": rubric.data["duo"], "image": rubric.data["image"]}
    (folder / "ratings").mkdir(exist_ok=True)
    paths = []
    for rater, p in noise.items():
        rng = random.Random(f"{seed}:rater:{rater}")
        items = []
        for task_id in task_set.assignments["raters"][rater]:
            task = task_set.tasks[task_id]
            truth = _truth(task, criteria[task["kind"]], seed, bad)
            values: dict[str, Any] = {}
            unjudged = []
            for c in criteria[task["kind"]]:
                if rng.random() < skip:
                    values[c["key"]] = None
                    unjudged.append(c["key"])
                else:
                    values[c["key"]] = (
                        rng.choice(c["options"]) if rng.random() < p else truth[c["key"]]
                    )
            items.append(
                {
                    "task_id": task_id,
                    "values": values,
                    "cannot_judge": unjudged,
                    "comment": "",
                    "time_ms": rng.randint(3000, 30000),
                    "updated_at": "2026-12-03T00:00:00.000Z",
                }
            )
        path = folder / "ratings" / f"ratings-{rater}.json"
        path.write_text(
            json.dumps(
                {
                    "schema_version": SCHEMA_VERSION,
                    "task_set_sha256": task_set.sha256,
                    "rater": rater,
                    "rubric": rubric.ref,
                    "exported_at": "2026-12-03T00:00:00.000Z",
                    "items": items,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        paths.append(path)
    return paths
