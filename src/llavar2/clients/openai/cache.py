"""Content-addressed cache of chat replies in one SQLite file, shared by all stages and runs.

The key is the hash of everything that decides a reply: the server address (``server_address``:
two servers may serve different models under one name), the model, the messages (the image
stands in as its content hash and encoding settings, not its bytes), the response format asked
for, and the other request parameters. A rerun or a resumed run finds every reply it already
paid for and sends nothing for it. The API key is not part of an entry.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from ...errors import UsageError
from ...records import utc_now

_UNSET: Any = object()


def cache_key(
    model: str,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    *,
    server: str = _UNSET,
    response_format: str = _UNSET,
) -> str:
    """The key of a reply. ``server`` (a ``server_address``) and ``response_format`` (the
    structured-output mode: json_schema, json_object or none) are keyed when given; a caller
    that leaves them out keys replies of every server alike (the keys it made before they
    existed stay valid)."""
    entry: dict[str, Any] = {"model": model, "messages": messages, "params": params}
    if server is not _UNSET:
        entry["server"] = server
    if response_format is not _UNSET:
        entry["response_format"] = response_format
    canonical = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    """Replies are committed in small batches (every ``commit_every`` seconds and on close): a
    commit per reply would cost more CPU than the request. A killed run loses at most the last
    batch of replies, which the rerun asks for again; the records on disk are not affected."""

    def __init__(self, path: Path, commit_every: float = 0.5):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._commit_every = commit_every
        self._last_commit = time.monotonic()
        try:
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")  # readers and one writer at once
            self._db.execute("PRAGMA synchronous=NORMAL")  # commits survive a killed process
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS replies ("
                "key TEXT PRIMARY KEY, reply TEXT NOT NULL, created_at TEXT)"
            )
            self._db.commit()
        except sqlite3.DatabaseError as e:
            raise UsageError(f"response cache {self.path} is not usable: {e}") from None

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, reply: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO replies VALUES (?, ?, ?)",
            (key, json.dumps(reply, ensure_ascii=False), utc_now()),
        )
        if time.monotonic() - self._last_commit >= self._commit_every:
            self.commit()

    def commit(self) -> None:
        self._db.commit()
        self._last_commit = time.monotonic()

    def close(self) -> None:
        self.commit()
        self._db.close()
