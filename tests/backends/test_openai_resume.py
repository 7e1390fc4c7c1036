"""A build with many requests in flight, killed in the middle of record writes and resumed,
ends with exactly the records of an uninterrupted build: none lost, none duplicated, in order."""

import multiprocessing
import os

import pytest

from llavar2 import jsonl
from llavar2.testing.builds import RECORD_FILES as FILES
from llavar2.testing.builds import build_records


def die_at_write(n, run):
    """Run ``run()`` in a forked process that dies like SIGKILL (no cleanup, no flush, no
    cache commit) halfway through its ``n``-th record write."""

    def child():
        writes = 0
        original = jsonl.ResumableJsonl.write

        def write(self, record):
            nonlocal writes
            writes += 1
            if writes < n:
                return original(self, record)
            line = jsonl.dumps(record) + "\n"
            self._f.write(line[: len(line) // 2])
            self._f.flush()
            os._exit(137)

        jsonl.ResumableJsonl.write = write
        run()
        os._exit(0)

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join()
    return process.exitcode


@pytest.mark.slow
def test_killed_runs_resume_to_the_uninterrupted_result(
    tmp_path, chat_server, openai_build, manifest
):
    server = chat_server(latency=0.02)
    captions = manifest(4)
    options = {"concurrency": 3}
    openai_build(
        server, captions, tmp_path / "reference", cache=tmp_path / "reference.sqlite3", **options
    )
    reference = build_records(tmp_path / "reference")
    writes = sum(len(rows) for rows in reference.values())

    out = tmp_path / "killed"

    def resume():
        openai_build(server, captions, out, cache=tmp_path / "killed.sqlite3", **options)

    # Each run writes three records, then dies in the middle of its fourth: the kills walk
    # through ingest, OCR, enrich and qa while replies are in flight.
    kills = 0
    while die_at_write(4, resume) == 137:
        kills += 1
        assert kills <= writes, "the build never finished"
    assert kills >= writes // 4
    got = build_records(out)
    for name in FILES:
        ids = [r.get("id", r.get("row")) for r in got[name]]
        assert len(ids) == len(set(ids)), f"duplicates in {name}"
        assert got[name] == reference[name], name
    assert len(got["conversations.jsonl"]) == 4
