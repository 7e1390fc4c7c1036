"""``llavar2 validate prepare``: the arms of a fine-tuning comparison, from a filtered build.

Arms (every trained arm the same size, so that only what is in them differs):

- ``base``: no training (the model as it is);
- ``control``: a random sample of the unfiltered pool (every duo, kept or dropped);
- ``treatment``: a sample of the duos ``llavar2 filter`` kept;
- ``negative``: a sample of the duos it dropped.

A seeded share of the images (``holdout``) is set aside first: no arm trains on them, and the
extractive questions of their kept duos become ``heldout.jsonl``, a benchmark file that
``llavar2 evaluate --benchmark`` reads. Each seed draws its own sample of every arm. Arms hold
duo conversations only (as LLaVA JSON, ``arms/<arm>/seed-<s>/llava.json``): the caption samples
would be the same in every arm.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..export.formats.llava import to_llava
from ..export.samples import duo_samples
from ..jsonl import write_json_array_atomic, write_json_atomic, write_jsonl_atomic
from ..layout import LLAVA, recorded_images_dir
from ..report.build_files import Build

ARMS = ("base", "control", "treatment", "negative")
PLAN = "plan.json"
HELDOUT = "heldout.jsonl"


def _duos(build: Build) -> dict[str, list[bool]]:
    """Per image with duo conversations: whether each of its duos was dropped (one pass)."""
    return {
        e.image.id: [k in e.dropped for k in range(len(e.conversations.duos))]
        for e in build.entries()
        if e.conversations is not None
    }


def _pools(duos: dict[str, list[bool]], held: set[str]) -> dict[str, list[tuple[str, int]]]:
    """(image id, duo index) of every duo of the training images, by pool."""
    pools: dict[str, list[tuple[str, int]]] = {"control": [], "treatment": [], "negative": []}
    for image_id, dropped in duos.items():
        if image_id in held:
            continue
        for k, was_dropped in enumerate(dropped):
            pools["control"].append((image_id, k))
            pools["negative" if was_dropped else "treatment"].append((image_id, k))
    return pools


def prepare(
    out: Path, to: Path, n: int = 5000, seeds: tuple[int, ...] = (0, 1, 2), holdout: float = 0.1
) -> dict[str, Any]:
    """Write ``to/plan.json``, ``to/heldout.jsonl`` and every arm's training file; returns the
    plan."""
    build = Build(out)
    if not build.filtered:
        raise UsageError(
            f"{out} has no kept.jsonl / dropped.jsonl: run llavar2 filter first "
            "(the arms are its kept and dropped duos)"
        )
    if not 0 < holdout < 1:
        raise UsageError("--holdout is a share of the images between 0 and 1")
    if (to / PLAN).exists():
        raise UsageError(f"{to / PLAN} exists: prepare into a new folder")
    duos = _duos(build)
    with_duos = sorted(duos)
    if len(with_duos) < 2:
        raise UsageError(f"{out} has fewer than two images with duo conversations")
    k = min(len(with_duos) - 1, max(1, round(holdout * len(with_duos))))
    held = set(random.Random(f"holdout:{seeds[0]}").sample(with_duos, k))
    pools = _pools(duos, held)
    size = min(n, len(pools["treatment"]), len(pools["negative"]))
    if size == 0:
        raise UsageError(
            f"{out}: the filter kept {len(pools['treatment'])} and dropped "
            f"{len(pools['negative'])} duos of the training images: every arm "
            "needs at least one"
        )
    chosen = {
        (arm, s): set(random.Random(f"{s}:{arm}").sample(pool, size))
        for arm, pool in pools.items()
        for s in seeds
    }

    samples: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    heldout = []
    for entry in build.entries():
        convs = entry.conversations
        if convs is None:
            continue
        if entry.image.id in held:
            heldout += [
                {
                    "id": f"{convs.id}-qa{k}",
                    "image": convs.image,
                    "question": duo.extractive.question,
                    "answers": [duo.extractive.answer],
                }
                for k, duo in enumerate(convs.duos)
                if k not in entry.dropped
            ]
            continue
        for k, sample in enumerate(duo_samples(convs)):
            for key, units in chosen.items():
                if (convs.id, k) in units:
                    samples[key].append(to_llava(sample))
    to.mkdir(parents=True, exist_ok=True)
    write_jsonl_atomic(to / HELDOUT, heldout)
    arms: dict[str, Any] = {"base": {"train": None}}
    for arm in ARMS[1:]:
        files = {}
        for s in seeds:
            path = to / "arms" / arm / f"seed-{s}" / LLAVA
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json_array_atomic(path, samples[(arm, s)])
            files[str(s)] = str(path.relative_to(to))
        arms[arm] = {"pool": len(pools[arm]), "train": files}
    images_dir = recorded_images_dir(out)
    plan = {
        "build": str(out.resolve()),
        "images_dir": images_dir and str(images_dir),
        "requested_n": n,
        "arm_size": size,
        "seeds": list(seeds),
        "arms": arms,
        "holdout": {
            "share": holdout,
            "images": sorted(held),
            "items": len(heldout),
            "file": HELDOUT,
        },
    }
    write_json_atomic(to / PLAN, plan)
    return plan
