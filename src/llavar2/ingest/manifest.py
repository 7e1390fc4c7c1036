"""Caption manifests: JSONL, CSV or Parquet rows with ``image`` and ``caption``, or a LLaVA JSON
file.

Rows come out as raw ``ManifestRow``s; validation happens in ``validate``. Files are decoded with
``surrogateescape`` so that a caption with invalid UTF-8 bytes becomes a rejected row, not a crash.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import UsageError

FORMATS = ("jsonl", "csv", "llava", "parquet")
ENCODING = "utf-8-sig"  # UTF-8, ignoring the byte-order mark that spreadsheet exports add


@dataclass
class ManifestRow:
    row: int
    image: Any  # whatever the manifest holds; validated later
    caption: Any
    id: Any = None
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the row itself is unreadable (bad JSON, missing column)


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix == ".json":
        return "llava"
    if suffix == ".parquet":
        return "parquet"
    raise UsageError(
        f"{path}: unknown manifest format {suffix!r} (expected .jsonl, .csv, .json or .parquet)"
    )


def _row_from_mapping(row: int, obj: Any) -> ManifestRow:
    if not isinstance(obj, dict):
        return ManifestRow(row, None, None, error="row is not an object")
    obj = dict(obj)
    image, caption, id_ = obj.pop("image", None), obj.pop("caption", None), obj.pop("id", None)
    if image is None:
        return ManifestRow(row, None, caption, id_, obj, error="row has no 'image' field")
    return ManifestRow(row, image, caption, id_ or None, obj)


def _read_jsonl(path: Path) -> Iterator[ManifestRow]:
    with open(path, encoding=ENCODING, errors="surrogateescape", newline="") as f:
        row = 0
        for line in f:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield ManifestRow(row, None, None, error=f"invalid JSON: {e.msg}")
            else:
                yield _row_from_mapping(row, obj)
            row += 1


# --- CSV -------------------------------------------------------------------------------------
#
# The csv module reads a file as one stream: an error (a field over ``csv.field_size_limit()``,
# say) ends the iteration, and a stray quote silently swallows every following line into
# one field. So the file is first cut into records here, following the csv module's quoting
# rules (a quote opens a quoted field only as a field's first character; inside one, ``""`` is a
# quote and ``"`` closes it), and each record is then parsed on its own: a csv.Error is that
# record's reject, and reading goes on with the next record.
#
# Stray quotes. A quoted field that runs over a line break is a legitimate multi-line value
# (captions may hold line breaks) unless one of the lines it would swallow reads, on its own,
# as a complete row: no quote left open, the header's number of fields, and in the ``image``
# column a path ending in an image suffix (IMAGE_SUFFIXES). Then the quote is taken as stray:
# the lines from its row up to that line become one ``bad_row``, and reading restarts at that
# line. A quote that is never closed rejects the lines from its row to the end of the file.

IMAGE_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".webp",
    ".pgm",
    ".ppm",
    ".pbm",
    ".pnm",
    ".jp2",
    ".heic",
    ".avif",
)
_PIECE = 1 << 16  # a physical line is read in pieces of this many characters
_ROW_START_MAX = 4096  # a longer line is never taken for the start of a row
_START, _UNQUOTED, _QUOTED, _QUOTE_IN_QUOTED = range(4)


def _scan(text: str, delimiter: str, state: int) -> int:
    """The csv module's quoting state after ``text`` (see above), from ``state``."""
    i, n = 0, len(text)
    while True:
        if state == _START:
            if i >= n:
                return state
            if text[i] == '"':
                state, i = _QUOTED, i + 1
            else:
                state = _UNQUOTED
        elif state == _UNQUOTED:  # quotes are plain characters up to the next delimiter
            k = text.find(delimiter, i)
            if k < 0:
                return state
            state, i = _START, k + 1
        elif state == _QUOTED:
            k = text.find('"', i)
            if k < 0:
                return state
            state, i = _QUOTE_IN_QUOTED, k + 1
        else:  # a quote inside a quoted field: doubled, or the end of the quoted part
            if i >= n:
                return state
            if text[i] == '"':
                state, i = _QUOTED, i + 1
            else:
                state = _UNQUOTED


@dataclass
class _Line:
    number: int  # 1-based, physical
    text: str  # at most ``keep`` characters of it
    size: int  # its whole length
    state: int  # the quoting state at its end


def _physical_lines(
    f: TextIO, delimiter: str, state_at: Callable[[], int], keep: int
) -> Iterator[_Line]:
    """The file's lines, each read in pieces so that a huge one never sits in memory whole
    (only its first ``keep`` characters are kept); ``state_at()`` gives the quoting state a
    line starts in (it depends on the records cut so far)."""
    number = 0
    while True:
        piece = f.readline(_PIECE)
        if not piece:
            return
        number += 1
        state = _scan(piece, delimiter, state_at())
        parts, kept, size = [piece], len(piece), len(piece)
        while not piece.endswith(("\n", "\r")) and len(piece) == _PIECE:
            piece = f.readline(_PIECE)
            if not piece:
                break
            state = _scan(piece, delimiter, state)
            size += len(piece)
            if kept < keep:
                parts.append(piece[: keep - kept])
                kept += len(parts[-1])
        yield _Line(number, "".join(parts), size, state)


class _CsvRecords:
    """A CSV file cut into records: ``(first line, last line, physical lines)`` where the lines
    hold the record's text, or ``(first, last, reason)`` for lines that cannot be a record."""

    def __init__(self, f: TextIO, delimiter: str):
        self.delimiter = delimiter
        self.limit = csv.field_size_limit()  # read, never set: it is process-wide
        self.fieldnames: list[str] | None = None
        self._open = False  # a quoted field runs on from the previous line
        self._back: list[_Line] = []
        # Characters kept of one record: past (limit + quotes and delimiter) per column, for
        # up to 64 columns, a record cannot parse anyway; the rest is scanned for its end only.
        self._keep = (self.limit + 3) * 64
        self._lines = _physical_lines(
            f, delimiter, lambda: _QUOTED if self._open else _START, self._keep
        )

    def _next_line(self) -> _Line | None:
        return self._back.pop() if self._back else next(self._lines, None)

    def _row_start(self, line: _Line) -> bool:
        """Whether ``line``, read alone, is a complete row of the header (see above)."""
        if self.fieldnames is None or line.size > _ROW_START_MAX:
            return False
        if _scan(line.text, self.delimiter, _START) == _QUOTED:
            return False
        try:
            fields = next(csv.reader([line.text], delimiter=self.delimiter), [])
        except csv.Error:
            return False
        if len(fields) != len(self.fieldnames):
            return False
        image = fields[self.fieldnames.index("image")].strip()
        return image.lower().endswith(IMAGE_SUFFIXES) and "\n" not in image

    def __iter__(self) -> Iterator[tuple[int, int, list[str] | str]]:
        while (line := self._next_line()) is not None:
            first, texts, kept, whole = line.number, [line.text], len(line.text), line.size
            while line.state == _QUOTED:  # the record goes on over the line break
                self._open = True
                nxt = self._next_line()
                self._open = False
                if nxt is None:
                    yield (
                        first,
                        line.number,
                        (
                            f"a quote opened in the row on line {first} is never closed (it would "
                            "take every line to the end of the file)"
                        ),
                    )
                    return
                if self._row_start(nxt):
                    self._back.append(
                        _Line(
                            nxt.number, nxt.text, nxt.size, _scan(nxt.text, self.delimiter, _START)
                        )
                    )
                    yield (
                        first,
                        line.number,
                        (
                            f"a stray quote: the quoted field opened on line {first} runs on to "
                            f"line {nxt.number}, which is a row of its own (read from there on)"
                        ),
                    )
                    break
                line = nxt
                whole += line.size
                if kept < self._keep:  # past it, the record is only scanned for its end
                    texts.append(line.text)
                    kept += len(line.text)
            else:
                yield (
                    first,
                    line.number,
                    (texts if kept == whole else f"field larger than field limit ({self.limit})"),
                )


def _read_csv(path: Path) -> Iterator[ManifestRow]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with open(path, encoding=ENCODING, errors="surrogateescape", newline="") as f:
        records = _CsvRecords(f, delimiter)
        row = 0
        for first, last, lines in records:
            where = f"line {first}" if first == last else f"lines {first}-{last}"
            fields: list[str] | None = None
            error = lines if isinstance(lines, str) else None
            if error is None:
                try:
                    parsed = [r for r in csv.reader(lines, delimiter=delimiter) if r]
                except csv.Error as e:
                    error = str(e)
                else:
                    if not parsed:
                        continue  # a blank line, as csv.DictReader skips it
                    fields = parsed[0] if len(parsed) == 1 else None
                    error = None if len(parsed) == 1 else f"read as {len(parsed)} rows"
            if records.fieldnames is None:  # the header
                if error is not None:
                    raise UsageError(f"{path}: CSV header ({where}) cannot be read: {error}")
                records.fieldnames = fields
                missing = {"image", "caption"} - set(fields or [])
                if missing:
                    raise UsageError(f"{path}: CSV header lacks column(s) {sorted(missing)}")
                continue
            if error is not None or fields is None:
                yield ManifestRow(row, None, None, error=f"CSV {where}: {error}")
            else:  # as csv.DictReader: missing fields are None, extra ones are dropped
                names = records.fieldnames
                yield _row_from_mapping(
                    row, {k: fields[i] if i < len(fields) else None for i, k in enumerate(names)}
                )
            row += 1
        if records.fieldnames is None:
            raise UsageError(f"{path}: CSV header lacks column(s) ['caption', 'image']")


def _llava_caption(conversations: Any) -> Any:
    """The first model turn: in a caption-style LLaVA file that is the caption."""
    if not isinstance(conversations, list):
        return None
    for turn in conversations:
        if isinstance(turn, dict) and turn.get("from") in ("gpt", "assistant"):
            return turn.get("value")
    return None


def _read_llava(path: Path) -> Iterator[ManifestRow]:
    # LLaVA files are one JSON array, read whole: json has no streaming parser in the stdlib.
    with open(path, encoding=ENCODING, errors="surrogateescape") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise UsageError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, list):
        raise UsageError(f"{path}: a LLaVA JSON manifest must be a list of samples")
    for row, obj in enumerate(data):
        if isinstance(obj, dict) and "caption" not in obj:
            obj = {**obj, "caption": _llava_caption(obj.get("conversations"))}
            obj.pop("conversations", None)
        yield _row_from_mapping(row, obj)


PARQUET_BATCH = 1024  # rows read at a time: a Parquet manifest streams


def _plain(value: Any) -> Any:
    """A Parquet value as JSON can hold it (extra columns are kept verbatim in the records)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return None  # binary data is no caption metadata
    return str(value)  # dates, decimals: their text


def _read_parquet(path: Path) -> Iterator[ManifestRow]:
    """Rows of a Parquet file, a batch at a time. The ``image`` column is a path (a string),
    or a Hugging Face Image struct whose ``path`` is used; images must be in the images folder
    (embedded bytes are not extracted)."""
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises its own types for files that are not Parquet
        raise UsageError(f"{path}: not a readable Parquet file ({e})") from None
    missing = {"image", "caption"} - set(file.schema_arrow.names)
    if missing:
        raise UsageError(f"{path}: Parquet manifest lacks column(s) {sorted(missing)}")
    row = 0
    for batch in file.iter_batches(batch_size=PARQUET_BATCH):
        for obj in batch.to_pylist():
            image = obj.get("image")
            if isinstance(image, dict):
                obj["image"] = image.get("path")
                if obj["image"] is None:
                    yield ManifestRow(
                        row,
                        None,
                        obj.get("caption"),
                        error="image has bytes but no path: write the images to "
                        "the images folder and give their paths",
                    )
                    row += 1
                    continue
            yield _row_from_mapping(
                row,
                {k: v if k in ("image", "caption", "id") else _plain(v) for k, v in obj.items()},
            )
            row += 1


def read_manifest(path: str | Path, fmt: str | None = None) -> Iterator[ManifestRow]:
    path = Path(path)
    fmt = fmt or detect_format(path)
    readers = {
        "jsonl": _read_jsonl,
        "csv": _read_csv,
        "llava": _read_llava,
        "parquet": _read_parquet,
    }
    if fmt not in readers:
        raise UsageError(f"unknown manifest format {fmt!r} (expected one of {FORMATS})")
    return readers[fmt](path)


def has_invalid_utf8(text: str) -> bool:
    """True when ``text`` came from bytes that are not valid UTF-8 (surrogateescape'd), or
    holds a lone surrogate from a JSON escape: either way it cannot be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def printable_name(name: str | Path) -> str:
    """A file name as UTF-8 text: bytes that are not UTF-8 (which Python keeps as surrogates)
    are written as ``\\xNN``, so that the name can go into JSON and be recognised by its owner."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")
