"""Scratch tables on disk for what a filter must remember about every kept duo (duplicate
checks over the whole set): memory stays flat however many duos there are (DESIGN §3/§6).

Each table lives in its own SQLite file in the temp folder, deleted as soon as it is open (its
open handle keeps it alive, and nothing is left behind by a killed run). It is a cache of one
run, so durability is off: no journal, no fsync. Its page cache is capped (32 MiB): what does
not fit stays in the operating system's file cache, not in this process.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile


def scratch_db(schema: str) -> sqlite3.Connection:
    """A new, private SQLite database on disk with ``schema`` executed."""
    fd, path = tempfile.mkstemp(prefix="llavar2-filter-", suffix=".sqlite3")
    os.close(fd)
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    finally:
        os.unlink(path)  # SQLite keeps using the open file; no journal is ever created
    db.executescript(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
        "PRAGMA temp_store=FILE; PRAGMA cache_size=-32768;" + schema
    )
    db.execute("BEGIN")  # one transaction for the table's life: no commit per insert
    return db
