"""Ingest stage: a caption manifest and an images folder become validated ``ImageRecord``s.

* ``manifest``: the manifest's rows (JSONL, CSV, Parquet or LLaVA JSON), unvalidated;
* ``validate``: the checks that make a row an ``ImageRecord`` or a ``Reject``;
* ``stage``: the rows of a manifest in, their records out (``run``).
"""
