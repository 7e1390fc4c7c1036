"""A toy validation folder (as ``llavar2 validate prepare`` writes one) whose answer is in the
pixels: "What colour is the sign?" over plain red, green or blue images.

- ``treatment``: the right colour;
- ``negative``: a consistently wrong one (red is called blue, and so on), as data a filter
  should drop;
- ``control``: half of each, as an unfiltered pool;
- held-out items: other images, the right colour.

An arm trained on the treatment data must beat the untrained base model on the held-out items;
one trained on the negative data must not.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

COLOURS = {"red": (220, 30, 30), "green": (30, 190, 30), "blue": (30, 30, 220)}
WRONG = {"red": "blue", "green": "red", "blue": "green"}
QUESTION = "What colour is the sign?"


def _image(folder: Path, name: str, colour: str, rng: random.Random) -> str:
    from PIL import Image

    jitter = tuple(max(0, min(255, c + rng.randint(-25, 25))) for c in COLOURS[colour])
    Image.new("RGB", (16, 16), jitter).save(folder / name)
    return name


def _sample(i: str, image: str, answer: str) -> dict[str, Any]:
    return {
        "id": i,
        "image": image,
        "conversations": [
            {"from": "human", "value": f"<image>\n{QUESTION}"},
            {"from": "gpt", "value": answer},
        ],
    }


def write_toy_val(
    val: Path, n: int = 96, heldout: int = 30, seeds: tuple[int, ...] = (0,), seed: int = 0
) -> dict[str, Any]:
    """Write ``val/plan.json``, ``val/heldout.jsonl``, the arms and their images."""
    rng = random.Random(seed)
    images = val / "images"
    images.mkdir(parents=True, exist_ok=True)
    pool = []
    for i in range(2 * n):
        colour = rng.choice(list(COLOURS))
        pool.append((f"train-{i}", _image(images, f"train-{i}.png", colour, rng), colour))
    held = []
    for i in range(heldout):
        colour = rng.choice(list(COLOURS))
        held.append(
            {
                "id": f"held-{i}",
                "image": _image(images, f"held-{i}.png", colour, rng),
                "question": QUESTION,
                "answers": [colour],
            }
        )
    (val / "heldout.jsonl").write_text("".join(json.dumps(h) + "\n" for h in held))
    arms: dict[str, Any] = {"base": {"train": None}}
    for arm in ("control", "treatment", "negative"):
        files = {}
        for s in seeds:
            picked = random.Random(f"{s}:{arm}").sample(pool, n)
            if arm == "control":
                rows = [
                    _sample(i, im, c if k % 2 else WRONG[c]) for k, (i, im, c) in enumerate(picked)
                ]
            else:
                rows = [
                    _sample(i, im, c if arm == "treatment" else WRONG[c]) for i, im, c in picked
                ]
            path = val / "arms" / arm / f"seed-{s}" / "llava.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(rows))
            files[str(s)] = str(path.relative_to(val))
        arms[arm] = {"pool": 2 * n, "train": files}
    plan = {
        "build": None,
        "images_dir": str(images.resolve()),
        "requested_n": n,
        "arm_size": n,
        "seeds": list(seeds),
        "arms": arms,
        "holdout": {
            "share": None,
            "images": [h["image"] for h in held],
            "items": len(held),
            "file": "heldout.jsonl",
        },
    }
    (val / "plan.json").write_text(json.dumps(plan, indent=2))
    return plan
