"""``llavar2 human-eval sample``: a stratified, seeded sample of a build's duo conversations
(and of its images, for the caption comparison), split among raters with a shared overlap.

Strata are combinations of ``qtype``, ``source`` (the first of the manifest columns the report
groups by: source, domain, dataset, kind, category) and ``status`` (``kept`` or ``dropped`` by
``llavar2 filter``, ``unfiltered`` before it). Each stratum gets ``min_per_stratum`` tasks (or
all it has), the rest of ``n`` goes to strata in proportion to their size (largest remainders),
so small strata are seen and the analysis weighs every task by ``N_h / n_h`` back to the
build's mix. Two passes over the build's files (count, then pick): memory holds the sample,
not the build.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..layout import BUILD, recorded_images_dir
from ..report.build_files import Build, ImageEntry
from ..report.stats import SOURCE_COLUMNS

STRATA = ("qtype", "source", "status")
TASKS = "tasks.jsonl"
ASSIGNMENTS = "assignments.json"
IMAGES = "images"


@dataclass(frozen=True)
class SampleConfig:
    n: int = 400  # duo tasks
    images: int | None = None  # image (caption comparison) tasks; None: n // 4
    strata: tuple[str, ...] = STRATA
    raters: tuple[str, ...] = ("r1", "r2", "r3")
    overlap: float = 0.3  # share of tasks every rater rates
    seed: int = 0
    min_per_stratum: int = 5
    embed_images: bool = False
    pages: bool = True  # rating pages and image copies (a judge's task set needs neither)


def rater_names(spec: str) -> tuple[str, ...]:
    """``"3"`` → r1, r2, r3; ``"ana,ben"`` → ana, ben (letters, digits, ``-`` and ``_``)."""
    spec = spec.strip()
    if spec.isdigit():
        names = tuple(f"r{i}" for i in range(1, int(spec) + 1))
    else:
        names = tuple(n.strip() for n in spec.split(",") if n.strip())
    if not names:
        raise UsageError("--raters needs a number or a list of names")
    bad = [n for n in names if not all(c.isalnum() or c in "-_" for c in n)]
    if bad:
        raise UsageError(f"rater names may hold letters, digits, '-' and '_' only: {bad}")
    if len(set(names)) != len(names):
        raise UsageError(f"rater names repeat: {list(names)}")
    return names


def _source(entry: ImageEntry) -> str:
    meta = entry.image.meta
    return next((str(meta[c]) for c in SOURCE_COLUMNS if meta.get(c) not in (None, "")), "unknown")


Unit = tuple[str, ImageEntry, int, dict[str, str]]  # kind, entry, duo index (-1), stratum fields


def _units(build: Build) -> Iterator[Unit]:
    """Every duo (kind "duo") and every captioned image (kind "image") of the build with its
    stratum fields, in file order: one pass over the build's files."""
    for entry in build.entries():
        source = _source(entry)
        if entry.conversations is not None:
            for k, duo in enumerate(entry.conversations.duos):
                status = (
                    ("dropped" if k in entry.dropped else "kept")
                    if build.filtered
                    else "unfiltered"
                )
                yield "duo", entry, k, {"qtype": duo.qtype, "source": source, "status": status}
        if entry.caption is not None:
            yield "image", entry, -1, {"source": source}


def stratum_key(fields: dict[str, str], strata: Sequence[str]) -> str:
    return "|".join(f"{name}={fields[name]}" for name in strata) or "all"


def allocate(sizes: dict[str, int], n: int, minimum: int, seed: int = 0) -> dict[str, int]:
    """Sample size per stratum: ``minimum`` each (or its size), the rest in proportion to the
    sizes, by largest remainder; never more than a stratum holds. When ``n`` cannot give every
    stratum its minimum, each gets one first (the largest strata, if there are more strata than
    ``n``). Ties are broken by a draw seeded with ``seed``, not by the strata's names."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    draw = {h: random.Random(f"{seed}:tie:{h}").random() for h in sizes}
    ranked = sorted((h for h in sizes if sizes[h]), key=lambda h: (-sizes[h], draw[h]))
    take = dict.fromkeys(sizes, 0)
    if len(ranked) >= n:
        for h in ranked[:n]:
            take[h] = 1
        return take
    floor = {h: min(sizes[h], minimum) for h in sizes}
    take = floor if sum(floor.values()) <= n else {h: min(sizes[h], 1) for h in sizes}
    while (left := n - sum(take.values())) > 0:
        room = {h: sizes[h] - take[h] for h in sizes if sizes[h] > take[h]}
        weight = sum(room.values())
        quota = {h: left * r / weight for h, r in room.items()}
        whole = {h: min(room[h], math.floor(q)) for h, q in quota.items()}
        if sum(whole.values()) == 0:  # hand out the remainders one by one
            for h in sorted(room, key=lambda h: (math.floor(quota[h]) - quota[h], draw[h]))[:left]:
                whole[h] = 1
        for h, extra in whole.items():
            take[h] += extra
    return take


def _plan(
    build: Build, strata: dict[str, list[str]], n: dict[str, int], minimum: int, seed: int
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]], dict[str, dict[str, set[int]]]]:
    """Per kind: (population per stratum, sample size per stratum, the positions drawn in
    each)."""
    sizes: dict[str, Counter[str]] = {kind: Counter() for kind in strata}
    for kind, _, _, fields in _units(build):
        sizes[kind][stratum_key(fields, strata[kind])] += 1
    quota = {
        kind: {h: k for h, k in allocate(dict(sizes[kind]), n[kind], minimum, seed).items() if k}
        for kind in strata
    }
    chosen = {
        kind: {
            h: set(random.Random(f"{seed}:{kind}:{h}").sample(range(sizes[kind][h]), k))
            for h, k in quota[kind].items()
        }
        for kind in strata
    }
    return {kind: dict(c) for kind, c in sizes.items()}, quota, chosen


def _select(
    build: Build, strata: dict[str, list[str]], chosen: dict[str, dict[str, set[int]]]
) -> dict[str, list[tuple[ImageEntry, int, dict[str, str], str]]]:
    """Per kind, the drawn units with their stratum key, in file order (a second pass)."""
    seen: Counter[tuple[str, str]] = Counter()
    picked: dict[str, list[tuple[ImageEntry, int, dict[str, str], str]]] = {k: [] for k in strata}
    for kind, entry, k, fields in _units(build):
        h = stratum_key(fields, strata[kind])
        if seen[kind, h] in chosen[kind].get(h, ()):
            picked[kind].append((entry, k, fields, h))
        seen[kind, h] += 1
    return picked


def _covered(sizes: dict[str, int], quota: dict[str, int]) -> float:
    """Share of the population in the strata that got tasks."""
    return round(sum(sizes[h] for h in quota) / max(1, sum(sizes.values())), 6)


def _images_dir(out: Path) -> Path:
    images_dir = recorded_images_dir(out)
    if images_dir is None:
        raise UsageError(f"{out} has no {BUILD}: the images folder is unknown")
    return images_dir


def _data_url(path: Path) -> str:
    import base64
    import mimetypes

    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _duo_task(
    entry: ImageEntry, k: int, fields: dict[str, str], h: str, weight: float
) -> dict[str, Any]:
    assert entry.conversations is not None
    duo = entry.conversations.duos[k]
    return {
        "task_id": f"duo:{entry.image.id}:{k}",
        "kind": "duo",
        "id": entry.image.id,
        "duo": k,
        "image": f"{IMAGES}/{entry.image.image}",
        "question": duo.extractive.question,
        "answer": duo.extractive.answer,
        "explain_question": duo.self_explain.question,
        "explain_answer": duo.self_explain.answer,
        **fields,
        "stratum": h,
        "weight": weight,
    }


def _image_task(
    entry: ImageEntry, fields: dict[str, str], h: str, weight: float, seed: int
) -> dict[str, Any]:
    assert entry.caption is not None
    side = random.Random(f"{seed}:side:{entry.image.id}").choice("AB")
    enriched, human = entry.caption.caption, entry.caption.human_caption
    a, b = (enriched, human) if side == "A" else (human, enriched)
    return {
        "task_id": f"image:{entry.image.id}",
        "kind": "image",
        "id": entry.image.id,
        "duo": None,
        "image": f"{IMAGES}/{entry.image.image}",
        "caption_a": a,
        "caption_b": b,
        "enriched_side": side,
        **fields,
        "stratum": h,
        "weight": weight,
    }


def _assign(task_ids: list[str], cfg: SampleConfig) -> tuple[list[str], dict[str, list[str]]]:
    """(overlap ids, each rater's ids in the order shown). Overlap tasks go to every rater; the
    others to one rater each, in turn after a seeded shuffle."""
    overlap = (
        set(
            random.Random(f"{cfg.seed}:overlap").sample(
                task_ids, round(cfg.overlap * len(task_ids))
            )
        )
        if len(cfg.raters) > 1
        else set()
    )
    rest = [t for t in task_ids if t not in overlap]
    random.Random(f"{cfg.seed}:split").shuffle(rest)
    own: dict[str, list[str]] = {r: [] for r in cfg.raters}
    for i, t in enumerate(rest):
        own[cfg.raters[i % len(cfg.raters)]].append(t)
    shown = {}
    for r in cfg.raters:
        ids = [t for t in task_ids if t in overlap] + own[r]
        random.Random(f"{cfg.seed}:order:{r}").shuffle(ids)
        shown[r] = ids
    return [t for t in task_ids if t in overlap], shown


def sample_build(out: Path, to: Path, cfg: SampleConfig) -> dict[str, Any]:
    """Write ``to/tasks.jsonl``, ``to/assignments.json``, ``to/images/`` and one rating page per
    rater; returns the assignments (with ``missing_images``: sampled images not found)."""
    from ..prompts import load_template
    from .page import RUBRIC, write_page

    unknown = [s for s in cfg.strata if s not in STRATA]
    if unknown:
        raise UsageError(f"unknown strata {unknown}; use some of {', '.join(STRATA)}")
    if not 0 <= cfg.overlap <= 1:
        raise UsageError("--overlap is a share between 0 and 1")
    if (to / TASKS).exists():
        raise UsageError(
            f"{to / TASKS} exists: sample into a new folder (its ratings would no "
            "longer match the task set)"
        )
    build = Build(out)
    images_dir = _images_dir(out)
    strata = {"duo": list(cfg.strata), "image": [s for s in cfg.strata if s == "source"]}
    n_images = cfg.n // 4 if cfg.images is None else cfg.images
    sizes, quota, chosen = _plan(
        build, strata, {"duo": cfg.n, "image": n_images}, cfg.min_per_stratum, cfg.seed
    )
    picked = _select(build, strata, chosen)
    tasks = [
        _duo_task(e, k, f, h, sizes["duo"][h] / quota["duo"][h]) for e, k, f, h in picked["duo"]
    ]
    tasks += [
        _image_task(e, f, h, sizes["image"][h] / quota["image"][h], cfg.seed)
        for e, _, f, h in picked["image"]
    ]
    if not tasks:
        raise UsageError(f"{out} has no duo conversations or captions to rate")

    overlap, shown = _assign([t["task_id"] for t in tasks], cfg)
    in_overlap = set(overlap)
    for t in tasks:
        t["overlap"] = t["task_id"] in in_overlap
    to.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks).encode("utf-8")
    (to / TASKS).write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()

    missing, urls = [], {}
    for rel in dict.fromkeys(t["image"] for t in tasks) if cfg.pages else ():
        source = images_dir / rel.removeprefix(f"{IMAGES}/")
        if not source.is_file():
            missing.append(rel)
        elif cfg.embed_images:
            urls[rel] = _data_url(source)
        else:
            target = to / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    rubric = load_template(RUBRIC)
    by_id = {t["task_id"]: t for t in tasks}
    for rater, ids in shown.items() if cfg.pages else ():
        write_page(to / f"annotate-{rater}.html", rater, sha, rubric, [by_id[i] for i in ids], urls)
    assignments = {
        "task_set_sha256": sha,
        "build": str(out.resolve()),
        "rubric": rubric.ref,
        "settings": {
            "n": cfg.n,
            "images": n_images,
            "strata": strata["duo"],
            "raters": list(cfg.raters),
            "overlap": cfg.overlap,
            "seed": cfg.seed,
            "min_per_stratum": cfg.min_per_stratum,
            "embed_images": cfg.embed_images,
        },
        **{
            f"{kind}_strata": {
                h: {"population": n, "sample": quota[kind].get(h, 0)}
                for h, n in sizes[kind].items()
            }
            for kind in strata
        },
        # Strata left unsampled (more strata than tasks) are outside every weighted estimate.
        **{f"{kind}_population_covered": _covered(sizes[kind], quota[kind]) for kind in strata},
        "overlap": overlap,
        "raters": shown,
        "missing_images": missing,
    }
    (to / ASSIGNMENTS).write_text(
        json.dumps(assignments, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return assignments
