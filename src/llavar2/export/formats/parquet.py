"""Hugging Face Parquet: a folder of shards with each sample's image bytes embedded, which
``datasets.load_dataset("parquet", data_files=".../*.parquet")`` reads as columns ``id``,
``image`` (an ``Image`` feature) and ``messages`` (TRL's role/content-parts turns, the image
part first in the first user turn).

Streamed: rows go out in row groups of ``ROWS_PER_GROUP``, a new shard starts after
``SHARD_BYTES`` of images, so memory holds one row group whatever the build's size. The folder
is written beside its destination and swapped in whole, so a killed export leaves the old one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...errors import UsageError
from ..samples import Sample
from . import EXPORTERS
from .messages import to_messages

ROWS_PER_GROUP = 64
SHARD_BYTES = 256 * 1024 * 1024
# The dataset's features as ``datasets`` records them in a Parquet file's metadata: what makes
# the ``image`` struct an Image column rather than a dict of bytes.
FEATURES = {
    "id": {"dtype": "string", "_type": "Value"},
    "image": {"_type": "Image"},
    "messages": {
        "feature": {
            "role": {"dtype": "string", "_type": "Value"},
            "content": {
                "feature": {
                    "type": {"dtype": "string", "_type": "Value"},
                    "text": {"dtype": "string", "_type": "Value"},
                },
                "_type": "List",
            },
        },
        "_type": "List",
    },
}


def _schema() -> Any:
    import pyarrow as pa

    part = pa.struct([("type", pa.string()), ("text", pa.string())])
    turn = pa.struct([("role", pa.string()), ("content", pa.list_(part))])
    return pa.schema(
        [
            ("id", pa.string()),
            ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
            ("messages", pa.list_(turn)),
        ],
        metadata={"huggingface": json.dumps({"info": {"features": FEATURES}})},
    )


def _row(sample: Sample, images_dir: Path) -> dict[str, Any]:
    path = images_dir / sample.image
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"sample {sample.id}: its image {path} cannot be read ({e})") from None
    messages = [
        {
            "role": m["role"],
            "content": [{"type": p["type"], "text": p.get("text")} for p in m["content"]],
        }
        for m in to_messages(sample)["messages"]
    ]
    return {"id": sample.id, "image": {"bytes": data, "path": sample.image}, "messages": messages}


@EXPORTERS.register(
    "parquet",
    help="a folder of Hugging Face Parquet shards with the images embedded",
    filename="parquet",
)
def write_parquet(samples: Iterable[Sample], path: Path, images_dir: Path | None = None) -> int:
    """Shards ``path/data-00000.parquet``, ... (``path`` is a folder); returns the rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if images_dir is None:
        raise UsageError(
            "the parquet format embeds the images: the build's images folder is "
            "unknown (no build.json)"
        )
    schema = _schema()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    n = shard = shard_bytes = 0
    writer: Any = None
    rows: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal writer, shard, shard_bytes
        if not rows:
            return
        if writer is None:
            writer = pq.ParquetWriter(tmp / f"data-{shard:05d}.parquet", schema)
        writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        rows.clear()
        if shard_bytes >= SHARD_BYTES:
            writer.close()
            writer, shard, shard_bytes = None, shard + 1, 0

    try:
        for sample in samples:
            row = _row(sample, images_dir)
            rows.append(row)
            shard_bytes += len(row["image"]["bytes"])
            n += 1
            if len(rows) >= ROWS_PER_GROUP or shard_bytes >= SHARD_BYTES:
                flush()
        flush()
        if writer is not None:
            writer.close()
        elif n == 0:  # an empty build: one empty shard, so the folder still loads
            pq.write_table(schema.empty_table(), tmp / "data-00000.parquet")
        if path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        tmp.rename(path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return n
