"""METEOR 1.5 scoring (``MeteorScorer``/``MeteorStats``) and the pycocoevalcap 1.2 driver.

pycocoevalcap's ``Meteor.compute_score`` sends one ``SCORE`` line per item (the jar answers
with the item's sufficient statistics, using the reference that scores best), then one
``EVAL ||| stats1 ||| stats2 ...`` line. For EVAL the jar prints each item's score and then
the score of the *summed* statistics, which is pycocoevalcap's corpus score. Summing skips
the chunk count of a perfect item (all words matched, one chunk), as ``addStats`` does.

English parameters (task ``rank``, the default): alpha 0.85, beta 0.2, gamma 0.6, delta 0.75;
module weights exact 1.0, stem 0.6, synonym 0.8, paraphrase 0.6.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection

import numpy as np

from .._processes import can_fork, forking, usable_cpus
from .aligner import (
    W_EXACT,
    W_PARAPHRASE,
    W_STEM,
    W_SYNONYM,
    LineInfo,
    ParaContext,
    Stage,
    Vocab,
)
from .bounds import pair_bounds
from .data import Resources, load_resources
from .normalize import Normalizer, java_hash, score_line_parts
from .stem import stem

ALPHA, BETA, GAMMA, DELTA = 0.85, 0.2, 0.6, 0.75
MODULE_WEIGHTS = (W_EXACT, W_STEM, W_SYNONYM, W_PARAPHRASE)
N_MODULES = 4

# Stats layout (MeteorStats.toString order):
# 0 testLength, 1 referenceLength, 2 testFunctionWords, 3 referenceFunctionWords,
# 4 + 4k .. 7 + 4k: module k (testContent, referenceContent, testFunction, referenceFunction),
# 20 chunks, 21 testWordMatches, 22 referenceWordMatches
STATS_LENGTH = 23


def _div(a: float, b: float) -> float:
    """Java double division (IEEE: x/0 is +-inf, 0/0 is NaN)."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def score_stats(st: Sequence[float]) -> float:
    """``MeteorScorer.computeMetrics`` on stats parsed back from their string (EVAL)."""
    tl, rl, tf, rf = st[0], st[1], st[2], st[3]
    twl = (DELTA * (tl - tf)) + ((1.0 - DELTA) * tf)
    rwl = (DELTA * (rl - rf)) + ((1.0 - DELTA) * rf)
    twm = 0.0
    rwm = 0.0
    ttm = 0.0
    rtm = 0.0
    for k in range(N_MODULES):
        twm += st[4 + 4 * k] * MODULE_WEIGHTS[k] * DELTA
    for k in range(N_MODULES):
        rwm += st[5 + 4 * k] * MODULE_WEIGHTS[k] * DELTA
    for k in range(N_MODULES):
        twm += st[6 + 4 * k] * MODULE_WEIGHTS[k] * (1.0 - DELTA)
    for k in range(N_MODULES):
        rwm += st[7 + 4 * k] * MODULE_WEIGHTS[k] * (1.0 - DELTA)
    for k in range(N_MODULES):
        ttm += st[4 + 4 * k] + st[6 + 4 * k]
        rtm += st[5 + 4 * k] + st[7 + 4 * k]
    precision = _div(twm, twl)
    recall = _div(rwm, rwl)
    fmean = _div(1.0, _div(1.0 - ALPHA, precision) + _div(ALPHA, recall))
    chunks = st[20]
    if ttm == tl and rtm == rl and chunks == 1:
        frag = 0.0
    else:
        frag = _div(chunks, (st[21] + st[22]) / 2)
    frag_penalty = GAMMA * _pow(frag, BETA)
    score = fmean * (1.0 - frag_penalty)
    if math.isnan(score):
        return 0.0
    return max(score, 0.0)


def _pow(x: float, y: float) -> float:
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        return math.inf  # frag >= 0; Java's pow(+-inf, 0.2) is +inf
    return math.pow(x, y)


def add_stats(total: list[float], st: Sequence[float]) -> None:
    """``MeteorStats.addStats`` (the chunk count of a perfect segment is not added)."""
    ttm = sum(st[4 + 4 * k] + st[6 + 4 * k] for k in range(N_MODULES))
    rtm = sum(st[5 + 4 * k] + st[7 + 4 * k] for k in range(N_MODULES))
    for k in range(STATS_LENGTH):
        if k != 20:
            total[k] += st[k]
    if not (ttm == st[0] and rtm == st[1] and st[20] == 1.0):
        total[20] += st[20]


def alignment_stats(l1: LineInfo, l2: LineInfo, stage: Stage) -> tuple[float, ...]:
    """``getMeteorStats(alignment)``: the sufficient statistics of the best alignment."""
    matches, chunks = stage.resolve()
    st = [0.0] * STATS_LENGTH
    st[0] = float(l1.n)
    st[1] = float(l2.n)
    st[2] = float(l1.nfunc)
    st[3] = float(l2.nfunc)
    f1, f2 = l1.func, l2.func
    tw = 0
    rw = 0
    for s, ln, ms, ml, mod in matches:
        base = 4 + 4 * mod
        for k in range(ms, ms + ml):
            st[base + (2 if f1[k] else 0)] += 1.0
        for k in range(s, s + ln):
            st[base + (3 if f2[k] else 1)] += 1.0
        tw += ml
        rw += ln
    st[20] = float(chunks)
    st[21] = float(tw)
    st[22] = float(rw)
    return tuple(st)


def score_upper_bound(l1: LineInfo, l2: LineInfo, stage: Stage, runs: bool = True) -> float:
    """A score no alignment of this pair can exceed (used to skip hopeless references).

    * Matched words: each word at most once, with the best weight of any candidate covering
      it; when every candidate is one word to one word, at most ``min(c1, c2)`` words per
      side (the best ones), ``c1``/``c2`` being the coverable words of each line.
    * Chunks: a chunk is a run of matches contiguous in both lines, so with ``m`` matched
      words (mean of both sides) there are at least ``max(1, m / L)`` chunks, ``L`` being
      the longest such run the candidates allow: fragmentation >= max(1/m_max, 1/L).
      (``runs=False`` skips finding ``L``: a looser, cheaper bound.)
    """
    d1 = 1.0 - DELTA
    f1, f2 = l1.func, l2.func
    w1 = [b * (d1 if f else DELTA) for b, f in zip(stage.best1, f1) if b]
    w2 = [b * (d1 if f else DELTA) for b, f in zip(stage.best2, f2) if b]
    c1, c2 = len(w1), len(w2)
    twl = (DELTA * (l1.n - l1.nfunc)) + (d1 * l1.nfunc)
    rwl = (DELTA * (l2.n - l2.nfunc)) + (d1 * l2.nfunc)
    if not c1 or not c2 or twl <= 0 or rwl <= 0:
        return 0.0
    if stage.single_word and c1 != c2:
        cap = min(c1, c2)
        w1 = sorted(w1, reverse=True)[:cap] if c1 > cap else w1
        w2 = sorted(w2, reverse=True)[:cap] if c2 > cap else w2
        m_max = float(cap)
    else:
        m_max = (c1 + c2) / 2
    precision = sum(w1) / twl
    recall = sum(w2) / rwl
    fmean = 1.0 / (((1.0 - ALPHA) / precision) + (ALPHA / recall))
    if c1 == l1.n and c2 == l2.n and not (stage.single_word and c1 != c2):
        return fmean  # a perfect alignment (no fragmentation penalty) may exist
    frag = max(1.0 / m_max, 1.0 / stage.longest_run()) if runs else 1.0 / m_max
    return fmean * (1.0 - GAMMA * math.pow(frag, BETA))


class _Prepared:
    """Token and line caches for one corpus."""

    def __init__(self, res: Resources):
        self.res = res
        self.norm: dict[str, tuple[int, ...]] = {}
        self.tids: dict[str, int] = {}
        self.vocab = Vocab()
        self.normalize = Normalizer(res.nonbreaking)

    def line(self, text: str) -> tuple[int, ...]:
        got = self.norm.get(text)
        if got is None:
            norm = self.normalize(text).lower()
            # the normalised line is trimmed and single-space separated
            toks = norm.split(" ") if norm else []
            tids = self.tids
            got = tuple([tids[t] if t in tids else self.tid(t) for t in toks])
            self.norm[text] = got
        return got

    def tid(self, t: str) -> int:
        got = self.tids.get(t)
        if got is None:
            res = self.res
            got = self.vocab.add(
                java_hash(t),
                java_hash(stem(t)),
                t.lower() in res.function_words,
                res.synonyms.synsets(t),
            )
            self.tids[t] = got
        return got


_UB_MARGIN = 1e-9
_PARALLEL_MIN_ITEMS = 1000  # below this, starting processes costs more than it saves


def _workers(workers: int | None, n_items: int) -> int:
    """Processes to score with: ``workers``, else ``$LLAVAR2_METEOR_WORKERS``, else one per
    usable CPU. Corpora under 1,000 items, and platforms without ``fork``, use one."""
    if workers is None:
        env = os.environ.get("LLAVAR2_METEOR_WORKERS", "").strip()
        if env in ("", "auto"):
            workers = usable_cpus()
        elif env.isdigit():
            workers = int(env)
        else:
            raise ValueError(f"LLAVAR2_METEOR_WORKERS must be a number or 'auto', not {env!r}")
    if workers <= 1 or n_items < _PARALLEL_MIN_ITEMS:
        return 1
    if not can_fork():
        return 1
    return min(workers, n_items // (_PARALLEL_MIN_ITEMS // 2))


def segment_stats(
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    workers: int | None = None,
) -> list[tuple[float, ...]]:
    """Each item's sufficient statistics against its best-scoring reference (SCORE lines).

    As the jar: the first reference with the highest score wins. References whose score
    upper bound is below the best score found are not aligned (they cannot win).
    ``workers`` > 1 scores slices of the corpus in that many processes: an item's
    statistics depend on that item alone, so the results are the same.
    """
    return start_segment_stats(predictions, references, workers).result()


def start_segment_stats(
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    workers: int | None = None,
) -> StatsJob:
    """``segment_stats`` begun in forked processes; this process is free until ``result()``,
    which scores the slices nobody has taken yet and gathers the rest. Other metrics can run
    in between, so every CPU stays busy (``llavar2.metrics.compute`` does this)."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} reference lists")
    res = load_resources()  # before forking: the workers share the loaded tables
    return StatsJob(res, predictions, references, _workers(workers, len(predictions)))


def _score_slice(res: Resources, predictions, references) -> list[tuple[float, ...]]:
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small acyclic objects; collection passes only cost time here
    try:
        corpus = _prepare(res, predictions, references)
        return [corpus.best_stats(k) for k in range(len(corpus.items))]
    finally:
        if gc_was_enabled:
            gc.enable()


class _Corpus:
    """Prepared lines of one corpus and the alignment of its items."""

    def __init__(self, items, lines, paras, vocab, ctx, bounds):
        self.items = items  # per item: [test line id, reference line ids...]
        self.lines = lines  # token ids of each distinct line
        self.paras = paras
        self.vocab = vocab
        self.ctx = ctx
        self.bounds = bounds  # per item with several references: their score upper bounds
        self._infos: dict[int, LineInfo] = {}

    def info(self, line: int) -> LineInfo:
        """The line's ``LineInfo``, made on first use (many lines are only ever bounded)."""
        got = self._infos.get(line)
        if got is None:
            got = self._infos[line] = LineInfo(list(self.lines[line]), self.vocab, self.paras[line])
        return got

    def best_stats(self, k: int) -> tuple[float, ...]:
        """The statistics against the reference the jar would pick for item ``k``."""
        ids = self.items[k]
        info, vocab, ctx = self.info, self.vocab, self.ctx
        l1 = info(ids[0])
        if len(ids) == 2:
            l2 = info(ids[1])
            return alignment_stats(l1, l2, Stage(l1, l2, vocab, ctx))
        # From the highest bound down; a reference whose bound is below the best score
        # found cannot win, and neither can the ones after it.
        bounds = self.bounds[k]
        scores: list[float | None] = [None] * len(bounds)
        stats: list[tuple[float, ...] | None] = [None] * len(bounds)
        best = -1.0
        for r in sorted(range(len(bounds)), key=bounds.__getitem__, reverse=True):
            if bounds[r] + _UB_MARGIN < best:
                break
            l2 = info(ids[r + 1])
            stage = Stage(l1, l2, vocab, ctx)
            if (
                stage.open
                and best >= 0
                and (
                    score_upper_bound(l1, l2, stage, runs=False) + _UB_MARGIN < best
                    or score_upper_bound(l1, l2, stage) + _UB_MARGIN < best
                )
            ):
                continue
            stats[r] = found = alignment_stats(l1, l2, stage)
            scores[r] = score = score_stats(found)
            best = max(best, score)
        # the jar keeps the first reference with the highest score
        chosen = 0
        chosen_score = -1.0
        for r, sc in enumerate(scores):
            if sc is not None and sc > chosen_score:
                chosen, chosen_score = r, sc
        chosen_stats = stats[chosen]
        assert chosen_stats is not None, "the first reference tried is always scored"
        return chosen_stats


def _prepare(res: Resources, predictions, references) -> _Corpus:
    prep = _Prepared(res)
    items = []
    line_ids: dict[tuple[int, ...], int] = {}
    for pred, refs in zip(predictions, references):
        test, ref_texts = score_line_parts(pred, list(refs))
        ids = [prep.line(test)] + [prep.line(r) for r in ref_texts]
        items.append([line_ids.setdefault(x, len(line_ids)) for x in ids])
    lines = list(line_ids)
    paras, entries = res.paraphrases.lookup(list(prep.tids), [list(t) for t in lines])
    ctx = ParaContext(entries.par_lists, entries.parsets, entries.par_len)
    vocab = prep.vocab
    multi = [ids for ids in items if len(ids) > 2]
    tests = np.fromiter((ids[0] for ids in multi for _ in ids[1:]), np.int64)
    refs = np.fromiter((r for ids in multi for r in ids[1:]), np.int64)
    flat = pair_bounds(lines, paras, vocab, ctx, tests, refs).tolist()
    bounds: list[list[float] | None] = []
    at = 0
    for item in items:
        if len(item) > 2:
            bounds.append(flat[at : at + len(item) - 1])
            at += len(item) - 1
        else:
            bounds.append(None)
    return _Corpus(items, lines, paras, vocab, ctx, bounds)


# A process takes the next slice of the items not yet taken: a share of what is left
# (1 / (2 × processes)), so slices start large (per-slice set-up, token caches and paraphrase
# lookup, stays small) and shrink towards the end, where all processes then finish close
# together even when one of them started late (compute() runs the other metrics first).
_MIN_SLICE = 100


class StatsJob:
    """One corpus scored by ``n_proc - 1`` forked workers and, in ``result()``, by this
    process; the next slice to take is a counter the processes share."""

    def __init__(self, res: Resources, predictions, references, n_proc: int):
        self._res, self._predictions, self._references = res, predictions, references
        self._n, self._n_proc = len(predictions), n_proc
        self._workers: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
        self._next = None  # shared item counter; None: this process alone, ``_taken`` counts
        self._taken = 0
        if n_proc == 1:
            return
        fork = multiprocessing.get_context("fork")
        self._next = fork.Value("q", 0)
        with forking():
            for _ in range(n_proc - 1):
                receive, send = fork.Pipe(duplex=False)
                # forked: the worker inherits this object (resources, texts) without pickling
                proc = fork.Process(target=self._work, args=(send,), daemon=True)
                proc.start()
                send.close()
                self._workers.append((proc, receive))

    def _take(self) -> tuple[int, int]:
        """The next slice ``(a, b)``; empty when every item is taken."""
        if self._next is None:
            a, self._taken = self._taken, self._n
            return a, self._n
        with self._next.get_lock():
            a = self._next.value
            b = min(self._n, a + max(_MIN_SLICE, (self._n - a) // (2 * self._n_proc)))
            self._next.value = b
        return a, b

    def _slices(self):
        while True:
            a, b = self._take()
            if a >= b:
                return
            yield a, _score_slice(self._res, self._predictions[a:b], self._references[a:b])

    def _work(self, send) -> None:
        try:
            send.send(("ok", list(self._slices())))
        except BaseException:
            send.send(("error", traceback.format_exc()))
        finally:
            send.close()

    def result(self) -> list[tuple[float, ...]]:
        try:
            parts = dict(self._slices())
            for proc, receive in self._workers:
                try:
                    kind, payload = receive.recv()
                except EOFError:
                    proc.join()
                    kind, payload = "error", f"it exited with code {proc.exitcode}"
                if kind != "ok":
                    raise RuntimeError(f"a METEOR worker process failed: {payload}")
                parts.update(payload)
        finally:
            self.cancel()
        return [st for a in sorted(parts) for st in parts[a]]

    def cancel(self) -> None:
        """Stop the workers (after ``result()``, or when the caller gives up)."""
        for proc, receive in self._workers:
            receive.close()
            if proc.is_alive():
                proc.terminate()
            proc.join()
        self._workers = []


def meteor(
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    workers: int | None = None,
) -> tuple[float, list[float]]:
    """METEOR 1.5 as pycocoevalcap 1.2 computes it: (corpus score, per-item scores).

    ``workers``: processes to score with (default ``$LLAVAR2_METEOR_WORKERS``, else one per
    usable CPU for corpora of 1,000 items or more); results do not depend on it.
    """
    return scores(segment_stats(predictions, references, workers))


def scores(stats: Sequence[Sequence[float]]) -> tuple[float, list[float]]:
    """(corpus score of the summed statistics, per-item scores) from the items' statistics."""
    per_item = [score_stats(st) for st in stats]
    total = [0.0] * STATS_LENGTH
    for st in stats:
        add_stats(total, st)
    corpus = score_stats(total) if stats else 0.0
    return corpus, per_item
