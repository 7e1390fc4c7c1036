"""What every format module uses: the registry it registers in, and readers of the fields of a
parsed file that say where a malformed item is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...registry import Registry
from ..benchmarks import BadBenchmark, BenchmarkItem

Loader = Callable[[Any, Path], list[BenchmarkItem]]  # (the parsed file, its path) → items
Detector = Callable[[Any], bool]  # the parsed file looks like this format

# name → loader; meta: task (the default task), detect (a Detector), priority (detection asks
# the formats in ascending priority and takes the first that matches)
FORMATS: Registry[Loader] = Registry("benchmark format")


def register_format(
    name: str, *, task: str, detect: Detector, priority: int, help: str
) -> Callable[[Loader], Loader]:
    return FORMATS.register(name, help=help, task=task, detect=detect, priority=priority)


def data_keys(obj: Any) -> set[str]:
    """The fields of the first item of ``{"data": [...]}`` (none for anything else)."""
    if isinstance(obj, dict) and isinstance(obj.get("data"), list) and obj["data"]:
        first = obj["data"][0]
        return set(first) if isinstance(first, dict) else set()
    return set()


def list_keys(obj: Any) -> set[str]:
    """The fields of the first item of a list (a JSON list, or the lines of JSON Lines)."""
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        return set(obj[0])
    return set()


def bad(path: Path, where: str, what: str) -> BadBenchmark:
    return BadBenchmark(f"{path}: {where}: {what}")


def field(path: Path, row: Any, where: str, *names: str) -> Any:
    """The first of ``names`` the row has (not null)."""
    if not isinstance(row, dict):
        raise bad(path, where, f"expected an object, got {type(row).__name__}")
    for name in names:
        if name in row and row[name] is not None:
            return row[name]
    raise bad(path, where, f"missing field {' or '.join(repr(n) for n in names)}")


def answers(path: Path, value: Any, where: str) -> list[str]:
    """A reference list (OCRBench and ChartQA give a single answer as a string or number)."""
    values = value if isinstance(value, list) else [value]
    found = [str(v) for v in values if isinstance(v, (str, int, float)) and str(v).strip()]
    if not found or len(found) != len(values):
        raise bad(path, where, f"answers must be non-empty strings, got {value!r}")
    return found


def data_list(path: Path, obj: Any) -> list[Any]:
    """The items of ``{"data": [...]}``."""
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), list):
        raise BadBenchmark(f"{path}: expected an object with a 'data' list")
    return obj["data"]


def item_list(path: Path, obj: Any) -> list[Any]:
    """The items of a JSON list."""
    if not isinstance(obj, list):
        raise BadBenchmark(f"{path}: expected a JSON list of items")
    return obj
