"""CIDEr-D exactly as pycocoevalcap 1.2's ``Cider`` computes it, vectorised.

pycocoevalcap's ``Cider(n=4, sigma=6.0).compute_score(gts, res)`` (``CiderScorer``), reproduced:

* n-grams, n = 1..4, of ``str.split()`` tokens, as term-frequency vectors per sentence;
* document frequency df(g) = the number of *evaluated* items whose references contain g, so the
  IDF — and every score — depends on which items are in the evaluated set; with
  ``ref_len = log(number of items)`` each n-gram weighs ``tf · (ref_len − log(max(1, df)))``
  (n-grams absent from all references get ``tf · ref_len``; a set of one item scores 0);
* per reference and order n: Σ_g min(v_cand(g), v_ref(g)) · v_ref(g), divided by the two vector
  norms when both are non-zero ("clipping", the D in CIDEr-D), times the Gaussian length penalty
  ``e^(−δ²/(2σ²))``, σ = 6;
* per item: the mean over the 4 orders of the sum over references, divided by the number of
  references, × 10; corpus score = the mean over items.

Reproduced although it looks odd: pycocoevalcap's "length" in δ is a sentence's number of
*bigrams* (``max(0, words − 1)``; its ``counts2vec`` adds term frequencies where the 0-based
order is 1). It differs from the word-count difference only when a side is empty, where the
score is 0 anyway.
Where pycocoevalcap crashes — every reference in the set empty (``max()`` of an empty
document-frequency table) — this returns 0 for every item, the value its formula gives. An
empty input raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from .base import METRICS, MetricResult
from .ngrams import CaptionCorpus, OrderStats, corpus_for, ngram_metric

__all__ = ["Cider", "cider_scores", "compute_cider"]

N = 4
SIGMA = 6.0


def cider_scores(corpus: CaptionCorpus) -> tuple[float, np.ndarray]:
    """(corpus CIDEr-D, per-item CIDEr-D array), memoised on the corpus."""
    return corpus.ngram_result("cider")


def compute_cider(
    predictions: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[float, list[float]]:
    """pycocoevalcap's ``Cider().compute_score`` output: (mean, per-item scores)."""
    score, per_item = cider_scores(corpus_for(predictions, references))
    return score, per_item.tolist()


@ngram_metric("cider")
def _compute(corpus: CaptionCorpus, stats: list[OrderStats]) -> tuple[float, np.ndarray]:
    n_items = corpus.n_items
    lens = corpus.words.lens
    n_sent = len(lens)
    ref_len = np.log(float(n_items))
    norm = np.zeros((n_sent, N))  # norm of each sentence's tf-idf vector, per order
    val = np.zeros((n_sent, N))  # per reference: clipped dot product with the candidate
    for o in stats:
        # IDF from the evaluated references: df = how many items' references hold the n-gram.
        df = np.bincount(o.run_gram[o.run_ref_max > 0], minlength=o.n_grams).astype(float)
        weight = ref_len - np.log(np.maximum(1.0, df))
        e_weight = weight[o.e_gram]
        v = o.e_count * e_weight
        norm[:, o.n - 1] = np.sqrt(np.bincount(o.e_sent, weights=v**2, minlength=n_sent))
        v_hyp = o.run_cand_count[o.e_run] * e_weight  # the candidate's value, on every entry
        contrib = np.minimum(v_hyp, v) * v
        contrib[o.e_is_cand] = 0.0
        val[:, o.n - 1] = np.bincount(o.e_sent, weights=contrib, minlength=n_sent)
    val = val[corpus.ref_sent]
    norm_ref = norm[corpus.ref_sent]
    norm_cand = norm[corpus.cand_sent][corpus.ref_item]
    nonzero = (norm_cand != 0) & (norm_ref != 0)
    val[nonzero] /= (norm_cand * norm_ref)[nonzero]

    # Gaussian penalty on the difference in bigram counts (pycocoevalcap's "length").
    bigrams = np.maximum(0, lens - 1)
    delta = bigrams[corpus.cand_sent][corpus.ref_item] - bigrams[corpus.ref_sent]
    delta = delta.astype(np.float64)
    val *= np.power(np.e, -(delta**2) / (2 * SIGMA**2))[:, None]

    per_item = np.add.reduceat(val, corpus.ref_starts, axis=0)  # sum over references
    scores = np.mean(per_item, axis=1) / corpus.n_refs * 10.0
    return float(np.mean(scores)), scores


@METRICS.register("cider", help="caption CIDEr-D, as pycocoevalcap 1.2 computes it")
class Cider:
    name: ClassVar[str] = "cider"
    reference: ClassVar[str] = (
        "pycocoevalcap 1.2 pycocoevalcap.cider.cider.Cider(n=4, sigma=6.0).compute_score "
        "(CIDEr-D: clipped tf-idf cosine, Gaussian length penalty, x10), on PTB-tokenised text "
        "split with str.split(); its IDF comes from the references of the evaluated items, so "
        "scores depend on which items are evaluated together"
    )
    tokenized: ClassVar[bool] = True

    def __call__(
        self, predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> MetricResult:
        score, per_item = cider_scores(corpus_for(predictions, references))
        return MetricResult(
            name=self.name,
            score=score,
            per_item=per_item.tolist(),
            reference=self.reference,
            details={
                "n": N,
                "sigma": SIGMA,
                "n_items_for_idf": len(per_item),
                "note": "IDF computed from the evaluated set's references",
            },
        )
