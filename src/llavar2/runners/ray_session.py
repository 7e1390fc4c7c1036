"""Ray set-up for ``--runner ray`` (DESIGN §6): join a cluster or start a private local one, and
map a stage's per-item function over a stream of items with Ray Data, results in input order.

The driver streams a stage's pending items (joined from its input files) into JSON Lines files
that Ray Data reads in parallel, and writes each result to the stage's files in input order, as
the local runner does, so its memory does not grow with the input and resuming works the same
way.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, Field

from ..errors import UsageError

Row = dict[str, Any]
# A stage's per-item function: one input row → what to write, as [file tag, record] pairs.
ItemFn = Callable[[Row], list[tuple[str, Any]]]
BatchFn = Callable[[Any, list[Row]], list[list[tuple[str, Any]]]]


class RayConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str | None = None  # None: start a local Ray on 127.0.0.1 for this run
    num_cpus: int | None = Field(default=None, ge=1)  # of the local Ray (None: all cores)
    object_store_mb: int | None = Field(default=None, ge=64)  # of the local Ray (None: Ray's)
    num_gpus: float = Field(default=0, ge=0)  # per actor of the GPU stages (scoring)
    actors: int = Field(default=1, ge=1)  # actors in the scoring pool
    batch_size: int = Field(default=64, ge=1)  # items per file, task and actor call


def _import_path() -> str:
    """The folder this llavar2 is imported from, first on the workers' path: they run the same
    code as the driver (a source checkout, not another installed copy)."""
    here = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join([here, *filter(None, [os.environ.get("PYTHONPATH")])])


LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


@contextmanager
def ray_session(cfg: RayConfig) -> Iterator[None]:
    """Ray for the duration of a run: the cluster at ``cfg.address``, else a local one bound to
    127.0.0.1 with no dashboard, shut down afterwards. An already initialised Ray is used as is."""
    if not cfg.address:
        # Ray puts a single-node cluster on the machine's routable address unless this says it
        # is no cluster (read when ray is first imported): then every service binds 127.0.0.1.
        os.environ.setdefault(LOOPBACK_ONLY, "0")
    # Ray Data logs each dataset's plan at INFO: the runner's own bars say what runs.
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "WARNING")
    try:
        import ray
    except ImportError:
        raise UsageError("--runner ray needs Ray: pip install 'llavar2[ray]'") from None
    started = not ray.is_initialized()
    if started:
        common: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
        if cfg.address:
            ray.init(address=cfg.address, **common)
        else:
            ray.init(
                address="local",
                include_dashboard=False,
                num_cpus=cfg.num_cpus,
                object_store_memory=cfg.object_store_mb and cfg.object_store_mb << 20,
                runtime_env={"env_vars": {"PYTHONPATH": _import_path()}},
                **common,
            )
    context = ray.data.DataContext.get_current()
    # Results are written in input order, so that each file stays an ordered subsequence of
    # its input (what resuming and the streaming joins rely on).
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False  # the driver's tqdm bar counts the written results
    try:
        yield
    finally:
        if started:
            ray.shutdown()


def _spill(items: Iterable[Row], folder: Path, chunk: int) -> list[str]:
    """Write the items as JSON Lines files of ``chunk`` items each: Ray Data reads them in
    parallel, file by file, while the driver holds one item at a time."""
    paths: list[str] = []
    f: TextIO | None = None
    try:
        for i, item in enumerate(items):
            if f is None or i % chunk == 0:
                if f is not None:
                    f.close()
                paths.append(str(folder / f"{len(paths):08d}.jsonl"))
                f = open(paths[-1], "w", encoding="ascii")
            f.write(json.dumps(item) + "\n")  # ASCII: captions may hold escaped surrogates
    finally:
        if f is not None:
            f.close()
    return paths


def _apply(batch: dict[str, Any], fn: ItemFn) -> dict[str, list[str]]:
    """A Ray Data batch of item lines → one ``out`` JSON string per item."""
    out = []
    for line in batch["text"]:
        made = fn(json.loads(line))
        out.append(json.dumps([[tag, _plain(record)] for tag, record in made]))
    return {"out": out}


def _plain(record: Any) -> Any:
    return record.model_dump(mode="json") if isinstance(record, BaseModel) else record


class _ActorApply:
    """An actor of a pool: ``make()`` once (e.g. load a model), then ``fn(state, rows)`` per
    batch, which returns each row's [tag, record] pairs (a model batches across rows)."""

    def __init__(self, make: Callable[[], Any], fn: BatchFn):
        self.state = make()
        self.fn = fn

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        made = self.fn(self.state, [json.loads(line) for line in batch["text"]])
        return {"out": [json.dumps([[tag, _plain(r)] for tag, r in pairs]) for pairs in made]}


SPILL_PREFIX = ".ray-items-"


def remove_stale_spills(folder: Path) -> None:
    """Delete the item files a killed Ray run left in ``folder``."""
    for stale in Path(folder).glob(f"{SPILL_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)


def ordered_map(
    items: Iterable[Row],
    fn: ItemFn | None,
    cfg: RayConfig,
    work_dir: Path,
    *,
    actor: tuple[Callable[[], Any], BatchFn] | None = None,
) -> Iterator[list[tuple[str, Any]]]:
    """Per input row, in input order, the [tag, record] pairs ``fn`` made of it.

    Without ``actor``, ``fn`` runs as Ray Data tasks (CPU stages); with ``actor=(make,
    batch_fn)`` (and no ``fn``) on one pool of ``cfg.actors`` actors with ``cfg.num_gpus`` GPUs
    each (model stages), for the whole stage. The items are first spilled to ``work_dir`` (a
    folder every worker can read: on a cluster, a shared file system, as the images are)."""
    import ray

    with tempfile.TemporaryDirectory(prefix=SPILL_PREFIX, dir=work_dir) as tmp:
        paths = _spill(items, Path(tmp), cfg.batch_size)
        if not paths:
            return
        ds = ray.data.read_text(paths)
        if actor is not None:
            ds = ds.map_batches(
                _ActorApply,
                fn_constructor_args=actor,
                batch_size=cfg.batch_size,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=cfg.actors),
                num_gpus=cfg.num_gpus,
            )
        elif fn is not None:
            ds = ds.map_batches(
                partial(_apply, fn=fn), batch_size=cfg.batch_size, batch_format="numpy"
            )
        else:
            raise TypeError("ordered_map needs fn or actor")
        for row in ds.iter_rows():
            yield [(tag, record) for tag, record in json.loads(row["out"])]
