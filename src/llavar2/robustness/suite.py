"""Perturbed copies of a benchmark's images, one evaluation per perturbation × severity plus the
clean baseline, all under one output folder::

    OUT/images/<perturbation>/<severity>/<image path>.png   perturbed images (lossless PNG)
    OUT/runs/clean.json, OUT/runs/<perturbation>-<severity>.json   evaluations (+ predictions)
    OUT/robustness.json, OUT/robustness.md, OUT/robustness.png      the report

Every piece is resumable: images already written are kept, and each evaluation continues its
own predictions file. Perturbations are seeded per (seed, perturbation, severity, image), so a
rerun makes the same images whatever order or subset it runs in.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from tqdm import tqdm

from ..evaluate import stage as evaluate_stage
from ..evaluate.answerers import Answerer
from ..evaluate.benchmarks import Benchmark
from ..imaging import DEFAULT_MAX_PIXELS
from ..ingest.validate import RowRejected, resolve_image
from ..jsonl import atomic_open
from ..ocr import decode_image
from .perturbations import PERTURBATIONS
from .report import write_report


def perturb_image(image: Image.Image, name: str, severity: int, seed: int, key: str) -> Image.Image:
    """``image`` (RGB) under perturbation ``name`` at ``severity``, the randomness drawn from
    (seed, name, severity, key)."""
    digest = hashlib.sha256(f"{seed}\0{name}\0{severity}\0{key}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    return PERTURBATIONS.get(name)(image, severity, rng)


def _perturbed_images(
    benchmark: Benchmark,
    images_dir: Path,
    name: str,
    severity: int,
    seed: int,
    folder: Path,
    max_pixels: int,
) -> Benchmark:
    """The benchmark with its images replaced by perturbed copies in ``folder``. An image that
    cannot be read is not copied: its items fail in the run as they do in the clean one."""
    items = []
    for item in benchmark.items:
        try:  # only files inside images_dir are read, and copies stay inside folder
            rel, source = resolve_image(images_dir, item.image)
        except RowRejected:  # the evaluation fails the item as the clean run does
            items.append(item)
            continue
        target = folder / f"{rel}.png"
        if not target.exists():
            try:
                image = decode_image(source.read_bytes(), max_pixels)
            except Exception:  # reported by the evaluation (the clean run says why)
                image = None
            if image is not None:
                changed = perturb_image(image, name, severity, seed, item.image)
                with atomic_open(target, "wb") as f:
                    changed.save(f, "PNG")
        items.append(dataclasses.replace(item, image=target.relative_to(folder).as_posix()))
    return dataclasses.replace(benchmark, items=items)


def run_suite(
    benchmark: Benchmark,
    images_dir: Path,
    answerer: Answerer,
    out: Path,
    *,
    perturbations: list[str],
    severities: list[int],
    seed: int = 0,
    progress: bool = False,
    **evaluation: Any,
) -> dict[str, Any]:
    """Evaluate clean and perturbed; ``evaluation`` goes to the evaluate stage's ``run`` (task,
    metrics, with_ocr, ocr_engine, ocr_cache, max_pixels: images over it are not perturbed
    either)."""
    for name in perturbations:
        PERTURBATIONS.get(name)  # unknown names fail before any work
    runs: dict[str, dict[str, Any]] = {}
    plan = [("clean", 0)] + [(n, s) for n in perturbations for s in severities]
    for name, severity in tqdm(plan, desc="robustness", unit="run", disable=not progress):
        if name == "clean":
            bench, folder, label = benchmark, Path(images_dir), "clean"
        else:
            folder = out / "images" / name / str(severity)
            bench = _perturbed_images(
                benchmark,
                Path(images_dir),
                name,
                severity,
                seed,
                folder,
                evaluation.get("max_pixels", DEFAULT_MAX_PIXELS),
            )
            label = f"{name}-{severity}"
        runs[label] = evaluate_stage.run(
            bench, folder, answerer, out / "runs" / f"{label}.json", **evaluation
        )
    return write_report(out, runs, perturbations, severities, seed)
