"""Read a benchmark file (or a build folder) in any of the formats in ``formats/``, detecting
the format unless it is named."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .benchmarks import BadBenchmark, Benchmark
from .formats import FORMATS
from .formats.build import open_build


def _read(path: Path) -> tuple[Any, str]:
    """(the parsed file: a list of rows for JSON Lines, else the JSON document; the SHA-256 of
    its bytes), from one read of the file."""
    digest = hashlib.sha256()
    try:
        if path.suffix == ".jsonl":
            rows = []
            with open(path, "rb") as f:
                for n, line in enumerate(f, 1):
                    digest.update(line)
                    if not line.strip():
                        continue
                    try:
                        rows.append(json.loads(line.decode("utf-8")))
                    except json.JSONDecodeError as e:
                        raise ValueError(f"{path}:{n}: invalid JSON: {e}") from None
            return rows, digest.hexdigest()
        data = path.read_bytes()
        digest.update(data)
        return json.loads(data.decode("utf-8")), digest.hexdigest()
    except (ValueError, UnicodeDecodeError) as e:
        raise BadBenchmark(f"{path}: not valid JSON / JSON Lines: {e}") from None


def detect_format(obj: Any) -> str | None:
    """The first format, in ascending priority, whose detector takes the parsed file (the
    distinguishing fields of its first item), or None."""
    for entry in sorted(FORMATS.entries(), key=lambda e: e.meta["priority"]):
        if entry.meta["detect"](obj):
            return entry.name
    return None


def load_benchmark(path: Path, format: str | None = None) -> Benchmark:
    """Read a benchmark file (or a build folder), detecting its format unless given."""
    path = Path(path)
    images_dir = None
    if path.is_dir():
        path, images_dir = open_build(path)
        format = format or "build"
    if not path.is_file():
        raise BadBenchmark(f"{path} is not a file")
    obj, digest = _read(path)
    name = format or detect_format(obj)
    if name is None:
        raise BadBenchmark(
            f"{path}: cannot tell the benchmark format from its first item (known: "
            f"{', '.join(FORMATS.names())}); name it with --format"
        )
    entry = FORMATS.entry(name)
    items = entry.obj(obj, path)
    if not items:
        raise BadBenchmark(f"{path}: no items")
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise BadBenchmark(f"{path}: id {item.id!r} appears twice")
        seen.add(item.id)
    return Benchmark(
        path=path,
        format=name,
        task=entry.meta["task"],
        items=items,
        sha256=digest,
        images_dir=images_dir,
    )
