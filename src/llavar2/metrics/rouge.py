"""ROUGE-L exactly as pycocoevalcap 1.2 computes it, with a bit-parallel LCS.

pycocoevalcap's ``Rouge().compute_score(gts, res)`` (``calc_score`` per item), reproduced:

* tokens are ``str.split(" ")`` — so ``""`` is one empty token, and irregular spacing yields
  empty tokens — and the LCS is over token equality;
* for each reference: precision = LCS / len(candidate), recall = LCS / len(reference);
* per item, the **maximum precision and the maximum recall are taken separately** over the
  references (they may come from different references, so the item's F can exceed the best
  single reference's F), then F = (1 + β²)·P·R / (R + β²·P) with β = 1.2, or 0 when P or R is 0;
* corpus score = the mean of the per-item scores.

A consequence worth knowing: an empty candidate scores 1.0 against an empty reference (both are
the one token ``""``) and 0 otherwise. An empty input raises ``ValueError`` (pycocoevalcap
returns nan).

The LCS lengths come from ``ngrams.lcs_lengths`` (bit-parallel, exact); the arithmetic after it
is pycocoevalcap's, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from .base import METRICS, MetricResult
from .ngrams import CaptionCorpus, corpus_for, lcs_lengths

__all__ = ["RougeL", "compute_rouge_l", "rouge_l_scores"]

BETA = 1.2


def rouge_l_scores(corpus: CaptionCorpus) -> tuple[float, np.ndarray]:
    """(corpus ROUGE-L, per-item ROUGE-L array), memoised on the corpus."""
    return corpus.result("rouge_l", _compute)


def compute_rouge_l(
    predictions: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[float, list[float]]:
    """pycocoevalcap's ``Rouge().compute_score`` output: (mean, per-item scores)."""
    score, per_item = rouge_l_scores(corpus_for(predictions, references))
    return score, per_item.tolist()


def _compute(corpus: CaptionCorpus) -> tuple[float, np.ndarray]:
    tok = corpus.space_tokens
    cand_sent = corpus.cand_sent[corpus.ref_item]  # each reference's candidate
    lcs = lcs_lengths(tok, cand_sent, tok, corpus.ref_sent).astype(np.float64)
    prec = lcs / tok.lens[cand_sent]
    rec = lcs / tok.lens[corpus.ref_sent]
    prec_max = np.maximum.reduceat(prec, corpus.ref_starts)
    rec_max = np.maximum.reduceat(rec, corpus.ref_starts)
    scores = np.zeros(corpus.n_items)
    ok = (prec_max != 0) & (rec_max != 0)
    p, r = prec_max[ok], rec_max[ok]
    scores[ok] = ((1 + BETA**2) * p * r) / (r + BETA**2 * p)
    return float(np.mean(scores)), scores


@METRICS.register("rouge_l", help="caption ROUGE-L F, as pycocoevalcap 1.2 computes it")
class RougeL:
    name: ClassVar[str] = "rouge_l"
    reference: ClassVar[str] = (
        "pycocoevalcap 1.2 pycocoevalcap.rouge.rouge.Rouge().compute_score: ROUGE-L F with "
        "beta = 1.2 from the max precision and max recall over references (LCS of "
        "str.split(' ') tokens), corpus = mean over items"
    )
    tokenized: ClassVar[bool] = True

    def __call__(
        self, predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> MetricResult:
        score, per_item = rouge_l_scores(corpus_for(predictions, references))
        return MetricResult(
            name=self.name,
            score=score,
            per_item=per_item.tolist(),
            reference=self.reference,
            details={"beta": BETA},
        )
