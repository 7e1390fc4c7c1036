"""Streaming JSON Lines I/O, atomic file writes, and the append-only writer that makes stages
resumable.

A stage appends one line per finished input and flushes it before moving on. If the
process is killed, at most the last line is partial; ``ResumableJsonl`` drops that fragment on
reopen and reports which keys are already done, so a rerun neither loses nor repeats a record.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Generic, Literal, TypeVar, cast, overload

from pydantic import BaseModel

from .keyset import KeySet

M = TypeVar("M", bound=BaseModel)

# mkstemp creates files readable by their owner only; outputs get the usual umask'd mode.
_UMASK = os.umask(0)
os.umask(_UMASK)


def dumps(obj: BaseModel | dict[str, Any]) -> str:
    if isinstance(obj, BaseModel):
        obj = obj.model_dump(mode="json")
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def read_jsonl(path: str | Path, model: type[M] | None = None) -> Iterator[Any]:
    """Yield each line's object (validated into ``model`` when given), streaming."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: invalid JSON: {e}") from None
            yield model.model_validate(obj) if model is not None else obj


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


TMP_SUFFIX = ".tmp"


def remove_stale_temporaries(folder: Path) -> None:
    """Delete what atomic writes killed mid-way left behind in ``folder``."""
    for tmp in Path(folder).glob(f".*{TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync it and rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)
    encoding = None if "b" in mode else "utf-8"
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: str | Path, obj: Any) -> None:
    with atomic_open(path) as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def write_json_array_atomic(path: str | Path, items: Iterable[Any]) -> int:
    """One JSON array, streamed element by element into an atomically replaced file (a LLaVA
    or ShareGPT export can be larger than memory); returns the number of elements."""
    n = 0
    with atomic_open(path) as f:
        f.write("[")
        for item in items:
            f.write(",\n" if n else "\n")
            f.write(json.dumps(item, ensure_ascii=False))
            n += 1
        f.write("\n]\n" if n else "]\n")
    return n


def write_jsonl_atomic(path: str | Path, items: Iterable[BaseModel | dict[str, Any]]) -> int:
    n = 0
    with atomic_open(path) as f:
        for item in items:
            f.write(dumps(item) + "\n")
            n += 1
    return n


def _drop_partial_tail(path: Path) -> None:
    """Truncate a trailing line that has no newline: what a kill mid-write leaves behind."""
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb+") as f:
        f.seek(-1, os.SEEK_END)
        if f.read(1) == b"\n":
            return
        # Walk back to the last newline; everything after it is a fragment.
        pos, chunk = size, 1 << 16
        while pos > 0:
            start = max(0, pos - chunk)
            f.seek(start)
            nl = f.read(pos - start).rfind(b"\n")
            if nl >= 0:
                f.truncate(start + nl + 1)
                break
            pos = start
        else:
            f.truncate(0)
        f.flush()
        os.fsync(f.fileno())


Done = TypeVar("Done", KeySet, set[Any])


class ResumableJsonl(Generic[Done]):
    """Append-only JSONL output keyed by ``key(obj)``; knows which keys are already written.

    With ``compact``, ``done`` is a ``KeySet`` (membership and size only, a few bytes per key)
    instead of a set of the keys: what runners use, so memory stays flat on large runs."""

    @overload
    def __init__(
        self: ResumableJsonl[KeySet],
        path: str | Path,
        key: Callable[[dict[str, Any]], Any],
        compact: Literal[True],
    ): ...

    @overload
    def __init__(
        self: ResumableJsonl[set[Any]],
        path: str | Path,
        key: Callable[[dict[str, Any]], Any],
        compact: Literal[False] = False,
    ): ...

    def __init__(
        self, path: str | Path, key: Callable[[dict[str, Any]], Any], compact: bool = False
    ):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._key = key
        self.done: Done = cast(Done, KeySet() if compact else set())
        if self.path.exists():
            _drop_partial_tail(self.path)
            for obj in read_jsonl(self.path):
                self.done.add(key(obj))
        self._f: IO[str] = open(self.path, "a", encoding="utf-8")

    def write(self, record: BaseModel | dict[str, Any]) -> None:
        obj = record.model_dump(mode="json") if isinstance(record, BaseModel) else record
        key = self._key(obj)
        if key in self.done:  # a stage bug, not bad input: never write a key twice
            raise RuntimeError(f"{self.path}: key {key!r} written twice")
        # A flushed line survives SIGKILL (it is in the OS); fsync on close covers power loss.
        self._f.write(dumps(obj) + "\n")
        self._f.flush()
        self.done.add(key)

    def close(self) -> None:
        if not self._f.closed:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()

    def __enter__(self) -> ResumableJsonl[Done]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
