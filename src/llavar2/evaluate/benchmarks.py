"""Benchmark files in the formats users have on disk, read into one item list.

===========  =============================================================================
format       one item (what the file holds)
===========  =============================================================================
jsonl        a line ``{"id": "q1", "image": "a.jpg", "question": "What ...?", "answers": ["x"]}``
             (``task`` optional per file via ``--task``; default task ``vqa``)
textvqa      ``{"data": [{"question_id": 3, "image_id": "abc", "question": "...",
             "answers": ["x", ...10]}]}``; image ``<image_id>.jpg`` (as TextVQA ships)
docvqa       ``{"data": [{"questionId": 7, "image": "documents/x.png", "question": "...",
             "answers": ["x"]}]}``
chartqa      ``[{"imgname": "41699.png", "query": "...", "label": "12.5"}]``
ocrbench     ``[{"image_path": "a.jpg", "question": "...", "answers": "x" or ["x"],
             "type": "Scene Text-centric VQA", "dataset_name": "IIIT5K"}]``
caption      TextCaps: ``{"data": [{"image_id": "abc", "caption_str": "...",
             "reference_strs": ["...", ...]}]}`` grouped per image; image ``<image_id>.jpg``
===========  =============================================================================

A build folder (``llavar2 build --out OUT``) is read as format ``build``: the extractive question
and answer of every duo conversation in ``OUT/conversations.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..registry import Registry


@dataclass(frozen=True)
class BenchmarkItem:
    id: str
    image: str  # path relative to the images folder
    question: str  # "" for captioning
    answers: list[str]  # references


@dataclass
class Benchmark:
    path: Path
    format: str
    task: str  # the default task of the format
    items: list[BenchmarkItem]
    sha256: str  # of the file (of conversations.jsonl for a build)
    images_dir: Path | None = None  # where the format says the images are (a build)


class BadBenchmark(UsageError):
    pass


Loader = Callable[[Any, Path], list[BenchmarkItem]]
FORMATS: Registry[tuple[str, Loader]] = Registry("benchmark format")  # name → (task, loader)


def _fail(path: Path, where: str, what: str) -> BadBenchmark:
    return BadBenchmark(f"{path}: {where}: {what}")


def _field(path: Path, row: Any, where: str, *names: str) -> Any:
    if not isinstance(row, dict):
        raise _fail(path, where, f"expected an object, got {type(row).__name__}")
    for name in names:
        if name in row and row[name] is not None:
            return row[name]
    raise _fail(path, where, f"missing field {' or '.join(repr(n) for n in names)}")


def _answers(path: Path, value: Any, where: str) -> list[str]:
    """A reference list (OCRBench and ChartQA give a single answer as a string or number)."""
    values = value if isinstance(value, list) else [value]
    answers = [str(v) for v in values if isinstance(v, (str, int, float)) and str(v).strip()]
    if not answers or len(answers) != len(values):
        raise _fail(path, where, f"answers must be non-empty strings, got {value!r}")
    return answers


def _data(path: Path, obj: Any) -> list[Any]:
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), list):
        raise BadBenchmark(f"{path}: expected an object with a 'data' list")
    return obj["data"]


def _rows(path: Path, obj: Any) -> list[Any]:
    if not isinstance(obj, list):
        raise BadBenchmark(f"{path}: expected a JSON list of items")
    return obj


def _register(name: str, task: str) -> Callable[[Loader], Loader]:
    def add(loader: Loader) -> Loader:
        FORMATS.register(name)((task, loader))
        return loader

    return add


@_register("jsonl", "vqa")
def load_jsonl(rows: Any, path: Path) -> list[BenchmarkItem]:
    return [
        BenchmarkItem(
            id=str(_field(path, r, f"line {n}", "id")),
            image=str(_field(path, r, f"line {n}", "image")),
            question=str(_field(path, r, f"line {n}", "question")),
            answers=_answers(path, _field(path, r, f"line {n}", "answers"), f"line {n}"),
        )
        for n, r in enumerate(rows, 1)
    ]


@_register("textvqa", "textvqa")
def load_textvqa(obj: Any, path: Path) -> list[BenchmarkItem]:
    items = []
    for n, r in enumerate(_data(path, obj)):
        where = f"data[{n}]"
        image_id = str(_field(path, r, where, "image_id"))
        items.append(
            BenchmarkItem(
                id=str(_field(path, r, where, "question_id")),
                image=str(r.get("image") or f"{image_id}.jpg"),
                question=str(_field(path, r, where, "question")),
                answers=_answers(path, _field(path, r, where, "answers"), where),
            )
        )
    return items


@_register("docvqa", "docvqa")
def load_docvqa(obj: Any, path: Path) -> list[BenchmarkItem]:
    return [
        BenchmarkItem(
            id=str(_field(path, r, f"data[{n}]", "questionId")),
            image=str(_field(path, r, f"data[{n}]", "image")),
            question=str(_field(path, r, f"data[{n}]", "question")),
            answers=_answers(path, _field(path, r, f"data[{n}]", "answers"), f"data[{n}]"),
        )
        for n, r in enumerate(_data(path, obj))
    ]


@_register("chartqa", "chartqa")
def load_chartqa(obj: Any, path: Path) -> list[BenchmarkItem]:
    # ChartQA has no question ids: the position in the file is the id.
    return [
        BenchmarkItem(
            id=str(n),
            image=str(_field(path, r, f"item {n}", "imgname")),
            question=str(_field(path, r, f"item {n}", "query")),
            answers=_answers(path, _field(path, r, f"item {n}", "label"), f"item {n}"),
        )
        for n, r in enumerate(_rows(path, obj))
    ]


@_register("ocrbench", "ocrbench")
def load_ocrbench(obj: Any, path: Path) -> list[BenchmarkItem]:
    return [
        BenchmarkItem(
            id=str(r.get("id", n) if isinstance(r, dict) else n),
            image=str(_field(path, r, f"item {n}", "image_path")),
            question=str(_field(path, r, f"item {n}", "question")),
            answers=_answers(path, _field(path, r, f"item {n}", "answers"), f"item {n}"),
        )
        for n, r in enumerate(_rows(path, obj))
    ]


@_register("caption", "caption")
def load_captions(obj: Any, path: Path) -> list[BenchmarkItem]:
    """One item per image: TextCaps repeats each image once per caption, each row carrying all
    of the image's captions in ``reference_strs``."""
    refs: dict[str, list[str]] = {}
    for n, r in enumerate(_data(path, obj)):
        where = f"data[{n}]"
        image_id = str(_field(path, r, where, "image_id"))
        given = r.get("reference_strs") or [_field(path, r, where, "caption_str")]
        seen = refs.setdefault(image_id, [])
        seen.extend(a for a in _answers(path, given, where) if a not in seen)
    return [BenchmarkItem(id=i, image=f"{i}.jpg", question="", answers=a) for i, a in refs.items()]


@_register("build", "vqa")
def load_build(rows: Any, path: Path) -> list[BenchmarkItem]:
    return [
        BenchmarkItem(
            id=f"{_field(path, s, f'line {n}', 'id')}:{k}",
            image=str(s["image"]),
            question=duo["extractive"]["question"],
            answers=[duo["extractive"]["answer"]],
        )
        for n, s in enumerate(rows, 1)
        for k, duo in enumerate(_field(path, s, f"line {n}", "duos"))
    ]


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
    """The format whose distinguishing fields the first item has, or None."""
    first: Any = None
    if isinstance(obj, dict) and isinstance(obj.get("data"), list) and obj["data"]:
        first = obj["data"][0]
        keys = set(first) if isinstance(first, dict) else set()
        if "caption_str" in keys or "reference_strs" in keys:
            return "caption"
        if "questionId" in keys:
            return "docvqa"
        if "question_id" in keys and "image_id" in keys:
            return "textvqa"
        return None
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        keys = set(obj[0])
        if "duos" in keys:
            return "build"
        if {"imgname", "query"} <= keys:
            return "chartqa"
        if "image_path" in keys:
            return "ocrbench"
        if {"id", "image", "question", "answers"} <= keys:
            return "jsonl"
    return None


def load_benchmark(path: Path, format: str | None = None) -> Benchmark:
    """Read a benchmark file (or a build folder), detecting its format unless given."""
    path = Path(path)
    images_dir = None
    if path.is_dir():
        conversations = path / "conversations.jsonl"
        if not conversations.is_file():
            raise BadBenchmark(f"{path} is a folder but not a build (no conversations.jsonl)")
        build = path / "build.json"
        if build.is_file():
            images_dir = Path(json.loads(build.read_text())["images_dir"])
        path, format = conversations, format or "build"
    if not path.is_file():
        raise BadBenchmark(f"{path} is not a file")
    obj, digest = _read(path)
    name = format or detect_format(obj)
    if name is None:
        raise BadBenchmark(
            f"{path}: cannot tell the benchmark format from its first item (known: "
            f"{', '.join(FORMATS.names())}); name it with --format"
        )
    try:
        task, loader = FORMATS.get(name)
    except KeyError as e:
        raise BadBenchmark(str(e).strip('"')) from None
    items = loader(obj, path)
    if not items:
        raise BadBenchmark(f"{path}: no items")
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise BadBenchmark(f"{path}: id {item.id!r} appears twice")
        seen.add(item.id)
    return Benchmark(
        path=path, format=name, task=task, items=items, sha256=digest, images_dir=images_dir
    )
