"""Per-image random streams, so output depends on (seed, stage, image id) and never on the
order in which images are processed or on Python's per-process string hashing."""

from __future__ import annotations

import hashlib
import random


def image_rng(seed: int, stage: str, image_id: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}\x1f{stage}\x1f{image_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))
