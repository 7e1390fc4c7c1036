"""``llavar2 validate evaluate``: every trained arm's merged model, and the base model, answer
the held-out items and any other benchmark files, through ``llavar2 evaluate``'s runner.

Results go to ``VAL/eval/<arm>/seed-<s>/<benchmark>.json`` (the base model, untrained, to
``VAL/eval/base/<benchmark>.json``) with their predictions and per-item scores beside them, so
a killed run resumes item by item. Held-out items use the ``extractive`` task (the question as
the arms were trained on it); other benchmarks their own task and prompt.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..evaluate import Benchmark, load_benchmark
from ..evaluate.answerers import AnswererOptions
from ..imaging import file_sha256
from .prepare import HELDOUT, PLAN
from .train import TRAIN

HELDOUT_NAME = "heldout"
STAMP = "trained.sha256"  # in a run's results folder: the run_stamp they were made with


@dataclass(frozen=True)
class EvalSet:
    name: str  # the result file's stem
    benchmark: Benchmark
    images_dir: Path
    task: str | None  # None: the benchmark format's own task


def eval_sets(val: Path, plan: dict[str, Any], extra: Sequence[str]) -> list[EvalSet]:
    """The held-out items, then each ``FILE[=IMAGES_DIR]`` given (images default to the file's
    folder)."""
    sets = [
        EvalSet(HELDOUT_NAME, load_benchmark(val / HELDOUT), Path(plan["images_dir"]), "extractive")
    ]
    for spec in extra:
        file, _, images = spec.partition("=")
        path = Path(file)
        if not path.exists():
            raise UsageError(f"--benchmark {file}: not found")
        name = path.stem if path.is_file() else path.name
        if any(s.name == name for s in sets):
            raise UsageError(f"two benchmarks are named {name!r}; rename one file")
        bench = load_benchmark(path)
        folder = Path(images) if images else bench.images_dir or path.parent
        if not folder.is_dir():
            raise UsageError(
                f"--benchmark {spec}: the images folder {folder} does not exist "
                "(give FILE=IMAGES_DIR)"
            )
        sets.append(EvalSet(name, bench, folder, None))
    return sets


def trained_runs(val: Path) -> list[tuple[str, int, Path]]:
    """(arm, seed, merged model folder) of every finished training run."""
    runs = []
    for done in sorted((val / "runs").glob(f"*/seed-*/{TRAIN}")):
        record = json.loads(done.read_text(encoding="utf-8"))
        runs.append((record["arm"], int(record["seed"]), done.parent / record["merged"]))
    return runs


def run_stamp(merged: Path) -> str:
    """Which training a run's results come from: its ``train.json`` (a run trained again
    writes another; the merged model's path stays the same)."""
    return file_sha256(merged.parent / TRAIN)


def clear_if_stale(folder: Path, stamp: str) -> None:
    """Delete results in ``folder`` that another training of the same arm and seed wrote:
    the runner resumes by model path and would keep their answers."""
    marker = folder / STAMP
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == stamp:
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    marker.write_text(stamp + "\n", encoding="utf-8")


def trained_dtype(runs: list[tuple[str, int, Path]]) -> str | None:
    """The dtype every run's merged model was saved in, or None when they differ."""
    dtypes = {
        json.loads((merged.parent / TRAIN).read_text(encoding="utf-8")).get("dtype")
        for _, _, merged in runs
    }
    return dtypes.pop() if len(dtypes) == 1 else None


def base_model(val: Path, runs: list[tuple[str, int, Path]], given: Path | None) -> Path:
    """The untrained model: ``--model``, else the one every run was trained from."""
    if given is not None:
        return given
    models = {
        json.loads((merged.parent / TRAIN).read_text(encoding="utf-8"))["model"]
        for _, _, merged in runs
    }
    if len(models) != 1:
        raise UsageError(
            "give --model (the base model): the runs were trained from "
            f"{len(models)} different models"
        )
    return Path(models.pop())


def evaluate_arms(
    val: Path,
    extra: Sequence[str] = (),
    model: Path | None = None,
    options: AnswererOptions = AnswererOptions(max_new_tokens=32),
    progress: bool = True,
) -> list[Path]:
    """Evaluate the base model and every trained run on every set; returns the result files."""
    from ..evaluate import stage
    from ..evaluate.answerers.hf import HFAnswerer

    if not (val / PLAN).is_file():
        raise UsageError(f"{val / PLAN} not found: run llavar2 validate prepare first")
    plan = json.loads((val / PLAN).read_text(encoding="utf-8"))
    runs = trained_runs(val)
    if not runs:
        raise UsageError(
            f"{val / 'runs'} holds no finished training run: run llavar2 validate train first"
        )
    sets = eval_sets(val, plan, extra)
    # The base model answers in the precision the runs were trained and saved in (float32 on
    # a CPU, bfloat16 on most GPUs), so that only the training differs.
    dtype = trained_dtype(runs)
    base_options = replace(options, dtype=dtype) if dtype in ("float32", "bfloat16") else options
    who = [(val / "eval" / "base", base_model(val, runs, model), base_options)]
    who += [(val / "eval" / arm / f"seed-{seed}", merged, options) for arm, seed, merged in runs]
    written = []
    for folder, model_dir, opts in who:
        if folder.name != "base":
            clear_if_stale(folder, run_stamp(model_dir))
        answerer = HFAnswerer(str(model_dir), opts)
        for s in sets:
            out = folder / f"{s.name}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            stage.run(
                s.benchmark,
                s.images_dir,
                answerer,
                out,
                task=s.task,
                progress=progress,
                max_pixels=options.max_pixels,
            )
            written.append(out)
        answerer.close()
    return written
