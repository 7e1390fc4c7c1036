"""Forked metric workers never run the destructors of objects they inherit as garbage: native
objects tied to the parent's threads (an ONNX Runtime session left behind by OCR) hang there."""

from __future__ import annotations

import contextlib
import gc
import os

import pytest

from llavar2.metrics import _processes
from llavar2.metrics import _ptb as ptb
from llavar2.metrics.meteor import scorer

pytestmark = pytest.mark.skipif(not _processes.can_fork(), reason="no fork on this platform")


def _fork_with_garbage(log, fork_block) -> tuple[int, int]:
    """Leave unreachable cycles with a logging destructor, fork inside ``fork_block``, collect
    in the child, then in the parent; returns (parent pid, child pid)."""

    class Native:
        def __del__(self):
            with open(log, "a") as f:
                f.write(f"{os.getpid()}\n")

    was_enabled = gc.isenabled()
    gc.disable()  # the cycles stay uncollected until someone collects
    try:
        for _ in range(5):
            cycle: list = [Native()]
            cycle.append(cycle)
        del cycle
        with fork_block():
            child = os.fork()
            if child == 0:  # a full collection, as a worker's allocations trigger one
                gc.collect()
                os._exit(0)
        os.waitpid(child, 0)
        gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    return os.getpid(), child


def test_garbage_is_collected_before_the_fork_in_the_parent(tmp_path):
    log = tmp_path / "destructors.log"
    parent, _ = _fork_with_garbage(log, _processes.forking)
    assert log.read_text().split() == [str(parent)] * 5


def test_without_it_the_child_runs_inherited_destructors(tmp_path):
    log = tmp_path / "destructors.log"
    parent, child = _fork_with_garbage(log, contextlib.nullcontext)
    assert sorted(log.read_text().split()) == sorted([str(parent)] * 5 + [str(child)] * 5)


def test_meteor_and_ptb_fork_their_workers_inside_it(monkeypatch):
    entered: list[str] = []

    def recording(name):
        @contextlib.contextmanager
        def block():
            entered.append(name)
            with _processes.forking():
                yield

        return block

    monkeypatch.setattr(scorer, "forking", recording("meteor"))
    monkeypatch.setattr(ptb, "forking", recording("ptb"))
    monkeypatch.setattr(ptb, "usable_cpus", lambda: 2)
    predictions = [f"a man rides a red bike number {i}" for i in range(1200)]
    references = [[f"a man riding a bike {i}", "someone on a bicycle"] for i in range(1200)]
    assert len(scorer.segment_stats(predictions, references, workers=2)) == 1200
    texts = [f"A man, riding a bike ({i})." for i in range(ptb._PARALLEL_MIN_TEXTS)]
    assert len(ptb.tokenize(texts)) == len(texts)
    assert entered == ["meteor", "ptb"]
