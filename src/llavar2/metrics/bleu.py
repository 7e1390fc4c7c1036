"""BLEU-1..4 exactly as pycocoevalcap 1.2 computes them, vectorised.

pycocoevalcap's ``Bleu(4).compute_score(gts, res)`` feeds each (hypothesis, references) pair to
``BleuScorer`` and calls ``compute_score(option='closest', verbose=1)``. Reproduced here:

* n-grams, n = 1..4, of ``str.split()`` tokens; per item and order, the candidate's count of each
  n-gram clipped to its largest count in any one reference ("correct"), and ``max(0, len - n + 1)``
  candidate n-grams ("guess");
* the effective reference length of an item is the reference length closest to the candidate's
  length, the shorter one on a tie;
* corpus BLEU-n: the geometric mean of the corpus-summed precisions of orders 1..n, each
  ``(correct + 1e-15) / (guess + 1e-9)``, times the brevity penalty ``exp(1 - 1/ratio)`` when
  ``ratio = (hyp_len + 1e-15) / (ref_len + 1e-9) < 1`` (corpus-summed lengths);
* per item ("scores" in pycocoevalcap): the same formula on the item's own counts and lengths,
  an unsmoothed sentence BLEU. An order without a match contributes a factor ≈ 1e-15 / guess
  (BLEU-4 of a 10-word candidate with no matching 4-gram is of the order of 1e-4, not 0); an
  order the candidate is too short to have contributes 1e-15 / 1e-9 = 1e-6. pycocoevalcap's
  corpus score is *not* the mean of these per-item scores.

An empty candidate gets per-item BLEU 0 (its ratio is ~0, so the brevity penalty underflows).
pycocoevalcap asserts one hypothesis per item; here each item has exactly one prediction string by
construction, and ``ValueError`` is raised for mismatched lengths, items without references and
an empty input (where pycocoevalcap returns 0.0 for BLEU, nan for ROUGE-L and crashes in CIDEr).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import METRICS, MetricResult
from .ngrams import CaptionCorpus, OrderStats, corpus_for, ngram_metric

__all__ = ["BleuResult", "bleu_scores", "compute_bleu"]

MAX_N = 4
TINY = 1e-15  # pycocoevalcap bleu_scorer: "so that if guess is 0 still return 0"
SMALL = 1e-9

HELP = "caption BLEU-{n}, as pycocoevalcap 1.2 computes it"
REFERENCE = (
    "pycocoevalcap 1.2 pycocoevalcap.bleu.bleu.Bleu(n=4).compute_score, i.e. "
    "BleuScorer.compute_score(option='closest'): corpus BLEU-{n} = score[{k}], per item = "
    "scores[{k}] (its per-sentence BLEU), on PTB-tokenised text split with str.split()"
)


@dataclass
class BleuResult:
    corpus: list[float]  # BLEU-1..4 of the corpus, pycocoevalcap's `score`
    per_item: np.ndarray  # shape (4, n_items), pycocoevalcap's `scores`
    correct: list[int]  # corpus clipped matches per order
    guess: list[int]  # corpus candidate n-grams per order
    hyp_len: int
    ref_len: int  # sum of the closest reference lengths
    ratio: float  # (hyp_len + 1e-15) / (ref_len + 1e-9)
    brevity_penalty: float


def bleu_scores(corpus: CaptionCorpus) -> BleuResult:
    """BLEU-1..4 of the corpus and per item, memoised on the corpus."""
    return corpus.ngram_result("bleu")


def compute_bleu(
    predictions: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[list[float], list[list[float]]]:
    """pycocoevalcap's ``Bleu(4).compute_score`` output: ([BLEU-1..4], [per-item lists])."""
    res = bleu_scores(corpus_for(predictions, references))
    return list(res.corpus), res.per_item.tolist()


@ngram_metric("bleu")
def _compute(corpus: CaptionCorpus, stats: list[OrderStats]) -> BleuResult:
    n_items = corpus.n_items
    lens = corpus.words.lens
    hyp_len = lens[corpus.cand_sent]
    ref_lens = lens[corpus.ref_sent]

    # Clipped matches per (item, order): the candidate's count of an n-gram, at most its largest
    # count in one reference of that item.
    correct = np.zeros((n_items, MAX_N))
    for o in stats:
        clipped = np.minimum(o.run_cand_count, o.run_ref_max)
        correct[:, o.n - 1] = np.bincount(o.run_item, weights=clipped, minlength=n_items)
    guess = np.maximum(0, hyp_len[:, None] - np.arange(MAX_N)[None, :])

    # Closest reference length, the shorter on a tie: min over (|ref - hyp|, ref).
    width = int(ref_lens.max()) + 1
    key = np.abs(ref_lens - hyp_len[corpus.ref_item]) * width + ref_lens
    closest = np.minimum.reduceat(key, corpus.ref_starts) % width

    # Per item, in pycocoevalcap's order of operations.
    per_item = np.empty((MAX_N, n_items))
    bleu = np.ones(n_items)
    for k in range(MAX_N):
        bleu = bleu * ((correct[:, k] + TINY) / (guess[:, k] + SMALL))
        per_item[k] = bleu ** (1.0 / (k + 1))
    ratio = (hyp_len + TINY) / (closest + SMALL)
    short = np.flatnonzero(ratio < 1)
    penalty = np.array([math.exp(1 - 1 / r) for r in ratio[short].tolist()])
    per_item[:, short] *= penalty

    # Corpus, with Python floats as pycocoevalcap does.
    total_correct = [round(x) for x in correct.sum(axis=0).tolist()]
    total_guess = [int(x) for x in guess.sum(axis=0).tolist()]
    total_hyp = int(hyp_len.sum())
    total_ref = int(closest.sum())
    scores = []
    b = 1.0
    for k in range(MAX_N):
        b *= float(total_correct[k] + TINY) / (total_guess[k] + SMALL)
        scores.append(b ** (1.0 / (k + 1)))
    corpus_ratio = (total_hyp + TINY) / (total_ref + SMALL)
    bp = 1.0
    if corpus_ratio < 1:
        bp = math.exp(1 - 1 / corpus_ratio)
        scores = [s * bp for s in scores]
    return BleuResult(
        corpus=scores,
        per_item=per_item,
        correct=total_correct,
        guess=total_guess,
        hyp_len=total_hyp,
        ref_len=total_ref,
        ratio=corpus_ratio,
        brevity_penalty=bp,
    )


class _Bleu:
    n: ClassVar[int]
    name: ClassVar[str]
    reference: ClassVar[str]
    tokenized: ClassVar[bool] = True

    def __call__(
        self, predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> MetricResult:
        res = bleu_scores(corpus_for(predictions, references))
        k = self.n - 1
        return MetricResult(
            name=self.name,
            score=res.corpus[k],
            per_item=res.per_item[k].tolist(),
            reference=self.reference,
            details={
                "brevity_penalty": res.brevity_penalty,
                "ratio": res.ratio,
                "hyp_len": res.hyp_len,
                "ref_len": res.ref_len,
                "correct": res.correct[: self.n],
                "guess": res.guess[: self.n],
            },
        )


@METRICS.register("bleu_1", help=HELP.format(n=1))
class Bleu1(_Bleu):
    n = 1
    name = "bleu_1"
    reference = REFERENCE.format(n=1, k=0)


@METRICS.register("bleu_2", help=HELP.format(n=2))
class Bleu2(_Bleu):
    n = 2
    name = "bleu_2"
    reference = REFERENCE.format(n=2, k=1)


@METRICS.register("bleu_3", help=HELP.format(n=3))
class Bleu3(_Bleu):
    n = 3
    name = "bleu_3"
    reference = REFERENCE.format(n=3, k=2)


@METRICS.register("bleu_4", help=HELP.format(n=4))
class Bleu4(_Bleu):
    n = 4
    name = "bleu_4"
    reference = REFERENCE.format(n=4, k=3)
