"""Shared, vectorised machinery for the caption metrics (BLEU, ROUGE-L, CIDEr-D).

The metrics receive text already PTB-tokenised (tokens joined by single spaces) and reproduce
pycocoevalcap 1.2's scorers, which split it again: BLEU and CIDEr with ``str.split()``, ROUGE-L
with ``str.split(" ")`` (the two differ only on empty strings and irregular spacing: ``""``
is one empty token for ROUGE-L and no token for BLEU/CIDEr).

Everything here works on integer ids with numpy instead of tuples in dicts:

* ``encode_both`` maps tokens to ids once (a dict lookup per token, done in C by ``map``), for
  both splits when the input is canonical (tokens joined by single spaces);
* ``ngram_stats`` counts, for n = 1..4, every distinct (n-gram, sentence) pair and joins the
  candidate's and the references' counts per (n-gram, item) — one stable radix sort per order;
* ``lcs_lengths`` computes longest-common-subsequence lengths for many sentence pairs at once
  with the bit-parallel algorithm (Allison & Dix 1986; Hyyrö 2004), one 64-bit word per pair,
  all pairs advancing together in numpy; pairs where both sides exceed 64 tokens use Python's
  big integers for the same recurrence.

``corpus_for`` validates the inputs and memoises the work on the input's content (one corpus):
``bleu_1``..``bleu_4``, ``rouge_l`` and ``cider`` computed on the same lists tokenise once, and
BLEU and CIDEr-D are computed together from one n-gram count, which is then dropped.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from itertools import chain
from operator import methodcaller
from typing import Any

import numpy as np

__all__ = [
    "CaptionCorpus",
    "Encoded",
    "OrderStats",
    "clear_cache",
    "corpus_for",
    "encode",
    "encode_both",
    "lcs_lengths",
    "ngram_metric",
    "ngram_stats",
    "validate",
]

_INT = np.int64
_WORD_BITS = 64


def validate(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> None:
    """Raise ``ValueError`` unless there is one string prediction and a non-empty list of string
    references per item, and at least one item."""
    if isinstance(predictions, str):
        raise ValueError("predictions must be a sequence of strings, not one string")
    if isinstance(references, str):
        raise ValueError("references must be a sequence of lists of strings, not one string")
    if len(predictions) != len(references):
        raise ValueError(
            f"{len(predictions)} predictions but {len(references)} reference lists: "
            "there must be one list of references per prediction"
        )
    if len(predictions) == 0:
        raise ValueError("no items to score: predictions and references are empty")
    for i, (pred, refs) in enumerate(zip(predictions, references)):
        if not isinstance(pred, str):
            raise ValueError(f"item {i}: the prediction must be one string, got {pred!r}")
        if isinstance(refs, str):
            raise ValueError(f"item {i}: references must be a list of strings, not one string")
        if len(refs) == 0:
            raise ValueError(f"item {i}: has no reference; every item needs at least one")
        for r in refs:
            if not isinstance(r, str):
                raise ValueError(f"item {i}: a reference is not a string: {r!r}")


class Encoded:
    """Sentences as one flat array of token ids: equal tokens have equal ids, 1 <= id < id_bound."""

    __slots__ = ("id_bound", "ids", "lens", "starts")

    def __init__(self, ids: np.ndarray, lens: np.ndarray, id_bound: int):
        self.ids = ids
        self.lens = lens
        self.starts = np.cumsum(lens) - lens
        self.id_bound = id_bound


def encode(sentences: Sequence[str], sep: str | None = None) -> Encoded:
    """Split every sentence with ``str.split(sep)``; map tokens to ids (equal tokens, equal ids)."""
    if sep is None:
        lists = list(map(str.split, sentences))
    else:
        lists = [s.split(sep) for s in sentences]
    lens = np.fromiter(map(len, lists), dtype=_INT, count=len(lists))
    return _to_ids(list(chain.from_iterable(lists)), lens)


def _to_ids(tokens: list[str], lens: np.ndarray, vocab: dict[str, int] | None = None) -> Encoded:
    """Ids from ``vocab`` (token -> id, from 1), which gets the new tokens (in place)."""
    if vocab is None:
        vocab = {}
    for t in dict.fromkeys(tokens):
        if t not in vocab:
            vocab[t] = len(vocab) + 1
    ids = np.fromiter(map(vocab.__getitem__, tokens), dtype=_INT, count=len(tokens))
    return Encoded(ids, lens, len(vocab) + 1)


# Whitespace that str.split() splits on, other than " " (all such code points are below U+3001).
_OTHER_WHITESPACE = tuple(c for c in map(chr, range(0x3001)) if c.isspace() and c != " ")
# Where s.split() and s.split(" ") differ (besides the empty string): other whitespace, two
# spaces in a row, or a space at either end.
_R_SPLITS_DIFFER = re.compile("[" + re.escape("".join(_OTHER_WHITESPACE)) + "]|  |^ | $")


def _is_canonical(sentences: Sequence[str], joined: str) -> bool:
    """True when every sentence is non-empty tokens joined by single spaces, so that
    ``s.split()`` and ``s.split(" ")`` agree for every sentence."""
    return (
        all(sentences)
        and "  " not in joined
        and not joined.startswith(" ")
        and not joined.endswith(" ")
        and not any(c in joined for c in _OTHER_WHITESPACE)
    )


def encode_both(sentences: Sequence[str]) -> tuple[Encoded, Encoded]:
    """(``str.split()`` encoding, ``str.split(" ")`` encoding); the same object when the input is
    canonical (the usual case: PTB tokens joined by single spaces), which is tokenised once.
    Otherwise the second one re-splits only the sentences where the two splits differ."""
    joined = " ".join(sentences)
    if _is_canonical(sentences, joined):
        enc = _to_ids(joined.split(" "), _space_lens(sentences))
        return enc, enc
    lists = list(map(str.split, sentences))
    lens = np.fromiter(map(len, lists), dtype=_INT, count=len(lists))
    vocab: dict[str, int] = {}
    words = _to_ids(list(chain.from_iterable(lists)), lens, vocab)
    odd = [k for k, s in enumerate(sentences) if not s or _R_SPLITS_DIFFER.search(s)]
    if len(odd) > len(sentences) // 4:
        all_toks = [t for s in sentences for t in s.split(" ")]
        return words, _to_ids(all_toks, _space_lens(sentences), vocab)
    # the other sentences keep their ids; the odd ones are spliced in
    space_lens = lens.copy()
    pieces, at = [], 0
    for k in odd:
        toks = sentences[k].split(" ")
        space_lens[k] = len(toks)
        start = int(words.starts[k])
        pieces.append(words.ids[at:start])
        pieces.append(_to_ids(toks, space_lens[k : k + 1], vocab).ids)
        at = start + int(lens[k])
    pieces.append(words.ids[at:])
    return words, Encoded(np.concatenate(pieces), space_lens, len(vocab) + 1)


def _space_lens(sentences: Sequence[str]) -> np.ndarray:
    n_spaces = map(methodcaller("count", " "), sentences)
    return np.fromiter(n_spaces, dtype=_INT, count=len(sentences)) + 1


def _ragged_index(starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of the concatenated ranges [start, start + len), and each one's offset in
    its range."""
    total = int(lens.sum())
    out_starts = np.cumsum(lens) - lens
    within = np.arange(total, dtype=_INT) - np.repeat(out_starts, lens)
    return np.repeat(starts, lens) + within, within


def _radix_argsort(key: np.ndarray, bound: int) -> np.ndarray:
    """A stable argsort of non-negative integers below ``bound``: least-significant-digit radix
    sort, numpy's stable sort of 16-bit digits (a counting sort) per pass."""
    perm = np.arange(len(key), dtype=_INT)
    current = key
    shift = 0
    while (1 << shift) < bound:
        digit = ((current >> shift) & 0xFFFF).astype(np.uint16)
        step = np.argsort(digit, kind="stable")
        perm = perm[step]
        shift += 16
        if (1 << shift) < bound:
            current = current[step]
    return perm


def _group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Indices where a new run of equal values begins in a sorted array."""
    return np.flatnonzero(_group_flags(sorted_keys))


def _group_flags(sorted_keys: np.ndarray) -> np.ndarray:
    flags = np.empty(len(sorted_keys), dtype=bool)
    if len(sorted_keys):
        flags[0] = True
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=flags[1:])
    return flags


class OrderStats:
    """The n-grams of one order n in a ``CaptionCorpus``, counted per sentence and joined per item.

    ``n_grams`` distinct n-grams, with ids 0..n_grams-1.
    *Entries*, one per distinct (n-gram, sentence), sorted by (n-gram, sentence): ``e_gram``,
    ``e_sent``, ``e_count``, ``e_is_cand`` (the sentence is a candidate) and ``e_run``.
    *Runs*, one per distinct (n-gram, item): the corpus numbers sentences item by item (each
    candidate, then its references), so an item's entries for one n-gram are adjacent, the
    candidate's first. Per run: ``run_gram``, ``run_item``, ``run_cand_count`` (the n-gram's
    count in the item's candidate, 0 if absent) and ``run_ref_max`` (its largest count in one of
    the item's references, 0 if absent); ``e_run`` is each entry's run.
    """

    __slots__ = (
        "e_count",
        "e_gram",
        "e_is_cand",
        "e_run",
        "e_sent",
        "n",
        "n_grams",
        "run_cand_count",
        "run_gram",
        "run_item",
        "run_ref_max",
    )

    def __init__(
        self,
        n: int,
        n_grams: int,
        gram_sorted: np.ndarray,
        sent_sorted: np.ndarray,
        is_new_gram: np.ndarray,
        item_of_sent: np.ndarray,
        is_cand_sent: np.ndarray,
    ):
        self.n = n
        self.n_grams = n_grams
        is_new_entry = is_new_gram.copy()
        is_new_entry[1:] |= sent_sorted[1:] != sent_sorted[:-1]
        entry_starts = np.flatnonzero(is_new_entry)
        self.e_gram = gram_sorted[entry_starts]
        self.e_sent = sent_sorted[entry_starts]
        self.e_count = np.diff(entry_starts, append=len(gram_sorted))
        self.e_is_cand = is_cand_sent[self.e_sent]

        e_item = item_of_sent[self.e_sent]
        is_new_run = is_new_gram[entry_starts]
        is_new_run[1:] |= e_item[1:] != e_item[:-1]
        run_starts = np.flatnonzero(is_new_run)
        self.e_run = np.cumsum(is_new_run) - 1
        self.run_gram = self.e_gram[run_starts]
        self.run_item = e_item[run_starts]
        self.run_cand_count = np.where(self.e_is_cand[run_starts], self.e_count[run_starts], 0)
        ref_count = np.where(self.e_is_cand, 0, self.e_count)
        self.run_ref_max = np.maximum.reduceat(ref_count, run_starts)


def ngram_stats(
    enc: Encoded, item_of_sent: np.ndarray, is_cand_sent: np.ndarray, max_n: int = 4
) -> list[OrderStats]:
    """``OrderStats`` for n = 1..max_n (fewer when no sentence is that long).

    N-grams are the ``len(words) - n + 1`` windows of consecutive tokens, as pycocoevalcap's
    ``precook`` makes them. Per order there is one stable radix sort of n-gram keys over token
    positions (which increase with the sentence index), so the result is ordered by
    (n-gram, sentence) and equal pairs are adjacent. An n-gram's key is
    (compact id of its first n - 1 tokens) * (number of distinct tokens) + (compact id of its
    last token).
    """
    n_sent = len(enc.lens)
    total = len(enc.ids)
    sent_of_tok = np.repeat(np.arange(n_sent, dtype=_INT), enc.lens)
    remaining = np.repeat(enc.lens + enc.starts, enc.lens) - np.arange(total, dtype=_INT)

    out: list[OrderStats] = []
    unigram = prefix = enc.ids  # replaced by compact ids after order 1
    n_unigrams = grams_before = 0
    pos = np.arange(total, dtype=_INT)  # start positions of the current order's n-grams
    key, key_bound = enc.ids, enc.id_bound  # key < key_bound
    for n in range(1, max_n + 1):
        if n > 1:
            pos = pos[remaining[pos] >= n]
            key = prefix[pos] * n_unigrams + unigram[pos + (n - 1)]
            key_bound = grams_before * n_unigrams
        if len(pos) == 0:
            break
        # Positions ascend, so a stable sort on the key orders by (n-gram, position), hence by
        # (n-gram, sentence).
        perm = _radix_argsort(key, key_bound)
        key_sorted = key[perm]
        pos_sorted = pos[perm]
        is_new_gram = _group_flags(key_sorted)
        local_id = np.cumsum(is_new_gram) - 1
        grams_before = int(local_id[-1]) + 1
        if n == 1:
            unigram = np.empty(total, dtype=_INT)
            unigram[pos_sorted] = local_id
            n_unigrams = grams_before
            prefix = unigram
        elif n < max_n:
            if prefix is unigram:
                prefix = np.empty(total, dtype=_INT)
            prefix[pos_sorted] = local_id
        out.append(
            OrderStats(
                n,
                grams_before,
                local_id,
                sent_of_tok[pos_sorted],
                is_new_gram,
                item_of_sent,
                is_cand_sent,
            )
        )
    return out


# Metrics computed from the n-gram statistics (BLEU, CIDEr-D): name -> fn(corpus, stats).
_NGRAM_METRICS: dict[str, Callable[[CaptionCorpus, list[OrderStats]], Any]] = {}


def ngram_metric(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(corpus, stats)`` as computed from the corpus' n-gram statistics: when one
    such metric is asked for, the statistics are built once, every registered one is computed
    from them, and they are dropped (they are large; the results are small)."""

    def add(fn: Callable[..., Any]) -> Callable[..., Any]:
        _NGRAM_METRICS[name] = fn
        return fn

    return add


class CaptionCorpus:
    """One evaluated set, and the metric results computed on it.

    Sentences are numbered item by item: item i's candidate is sentence ``cand_sent[i]``, and its
    references follow it; references are also numbered 0.. in that order ("flat" index), the
    ones of item i from ``ref_starts[i]``, and reference r is sentence ``ref_sent[r]``.
    """

    def __init__(self, predictions: list[str], references: list[list[str]]):
        self.predictions = predictions
        self.references = references
        self.n_items = len(predictions)
        self.n_refs = np.fromiter(map(len, references), dtype=_INT, count=self.n_items)
        self.ref_starts = np.cumsum(self.n_refs) - self.n_refs
        self.ref_item = np.repeat(np.arange(self.n_items, dtype=_INT), self.n_refs)
        self.cand_sent = np.arange(self.n_items, dtype=_INT) + self.ref_starts
        self.ref_sent = self.ref_item + 1 + np.arange(len(self.ref_item), dtype=_INT)
        self.item_of_sent = np.repeat(np.arange(self.n_items, dtype=_INT), self.n_refs + 1)
        self.is_cand_sent = np.zeros(len(self.item_of_sent), dtype=bool)
        self.is_cand_sent[self.cand_sent] = True
        self._results: dict[str, Any] = {}
        self._lock = threading.RLock()

    def _sentences(self) -> list[str]:
        pairs = zip(self.predictions, self.references)
        return list(chain.from_iterable([p, *rs] for p, rs in pairs))

    @cached_property
    def _encodings(self) -> tuple[Encoded, Encoded]:
        return encode_both(self._sentences())

    @property
    def words(self) -> Encoded:
        """Tokens as BLEU and CIDEr see them: ``str.split()``."""
        return self._encodings[0]

    @property
    def space_tokens(self) -> Encoded:
        """Tokens as ROUGE-L sees them: ``str.split(" ")``."""
        return self._encodings[1]

    def ngram_stats(self, max_n: int = 4) -> list[OrderStats]:
        """N-gram statistics for n = 1..max_n (built afresh on each call)."""
        return ngram_stats(self.words, self.item_of_sent, self.is_cand_sent, max_n)

    def result(self, name: str, compute: Callable[[CaptionCorpus], Any]) -> Any:
        """``compute(self)``, memoised under ``name``."""
        with self._lock:
            if name not in self._results:
                self._results[name] = compute(self)
            return self._results[name]

    def ngram_result(self, name: str) -> Any:
        """The result of the n-gram metric ``name`` (see ``ngram_metric``), memoised."""
        with self._lock:
            if name not in self._results:
                stats = self.ngram_stats(4)
                for key, fn in _NGRAM_METRICS.items():
                    if key not in self._results:
                        self._results[key] = fn(self, stats)
            return self._results[name]


_CACHE_LOCK = threading.Lock()
_CACHE: list[CaptionCorpus] = []


def corpus_for(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> CaptionCorpus:
    """Validate the inputs and return their ``CaptionCorpus``, reusing the last one built when the
    content is the same (so several metrics on one input share the tokenising and counting)."""
    preds = list(predictions)
    refs = [list(r) for r in references]
    plain = not isinstance(predictions, str) and not any(isinstance(r, str) for r in references)
    with _CACHE_LOCK:  # a cached corpus was validated when it was built
        for corpus in _CACHE:
            if plain and corpus.predictions == preds and corpus.references == refs:
                return corpus
    validate(predictions, references)
    corpus = CaptionCorpus(preds, refs)
    with _CACHE_LOCK:
        _CACHE[:] = [corpus]
    return corpus


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


# ---------------------------------------------------------------------------------------------
# Longest common subsequence, bit-parallel.
#
# With the bits of V standing for the positions of string a (1 = "not yet matched"), and M the
# positions of a holding the current token of b, each token of b does
#     U = V & M;  V = (V + U) | (V - U)
# and LCS(a, b) = len(a) - popcount(V). Carries out of the top bit are dropped (uint64
# wrap-around or the final mask), which is what the recurrence needs.


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """values[keys == q] for each query (keys sorted and unique), 0 where absent."""
    if len(keys) == 0 or len(queries) == 0:
        return np.zeros(len(queries), dtype=values.dtype)
    idx = np.searchsorted(keys, queries)
    np.minimum(idx, len(keys) - 1, out=idx)
    return np.where(keys[idx] == queries, values[idx], 0)


def _popcount(v: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(v).astype(_INT)
    table = np.array([i.bit_count() for i in range(256)], dtype=_INT)
    return table[v.view(np.uint8).reshape(-1, 8)].sum(axis=1)


def _full_mask(lens: np.ndarray) -> np.ndarray:
    out = np.full(len(lens), np.iinfo(np.uint64).max, dtype=np.uint64)
    short = lens < _WORD_BITS
    out[short] = (np.uint64(1) << lens[short].astype(np.uint64)) - np.uint64(1)
    return out


def _lcs_words(
    a: Encoded, a_sent: np.ndarray, b: Encoded, b_sent: np.ndarray, base: int
) -> np.ndarray:
    """LCS of (a sentence a_sent[p], b sentence b_sent[p]) for each pair p; a sides ≤ 64 tokens."""
    n_pairs = len(a_sent)
    if n_pairs == 0:
        return np.zeros(0, dtype=_INT)
    # Match masks: for each a sentence used and each of its tokens, the bits of its positions.
    used = np.unique(a_sent)
    idx, within = _ragged_index(a.starts[used], a.lens[used])
    mkey = np.repeat(used, a.lens[used]) * base + a.ids[idx]
    perm = np.argsort(mkey)
    mkey = mkey[perm]
    bits = np.left_shift(np.uint64(1), within[perm].astype(np.uint64))
    first = _group_starts(mkey)
    masks = np.bitwise_or.reduceat(bits, first)
    mkey = mkey[first]

    # Pairs sorted by the length of their b side, longest first: at step t the pairs still
    # running are a prefix, and their step-t masks are one contiguous slice of `flat`.
    b_len = b.lens[b_sent]
    rank_order = np.argsort(-b_len, kind="stable")
    b_len_sorted = b_len[rank_order]
    longest = int(b_len_sorted[0])
    at_most = np.cumsum(np.bincount(b_len_sorted, minlength=longest + 1))[:longest]
    n_longer = n_pairs - at_most  # pairs whose b side is longer than t, for t = 0..longest-1
    step_offset = np.concatenate(([0], np.cumsum(n_longer)))
    idx, t = _ragged_index(b.starts[b_sent[rank_order]], b_len_sorted)
    rank = np.repeat(np.arange(n_pairs, dtype=_INT), b_len_sorted)
    qkey = a_sent[rank_order][rank] * base + b.ids[idx]
    flat = np.empty(int(step_offset[-1]), dtype=np.uint64)
    flat[step_offset[t] + rank] = _lookup(mkey, masks, qkey)

    a_len = a.lens[a_sent[rank_order]]
    full = _full_mask(a_len)
    v = full.copy()
    for step in range(longest):
        n = int(n_longer[step])
        m = flat[step_offset[step] : step_offset[step] + n]
        vs = v[:n]
        u = vs & m
        v[:n] = (vs + u) | (vs - u)
    lcs_sorted = a_len - _popcount(v & full)
    out = np.empty(n_pairs, dtype=_INT)
    out[rank_order] = lcs_sorted
    return out


def _lcs_bigint(a: np.ndarray, b: np.ndarray) -> int:
    masks: dict[int, int] = {}
    bit = 1
    for tok in a.tolist():
        masks[tok] = masks.get(tok, 0) | bit
        bit <<= 1
    full = bit - 1
    v = full
    for tok in b.tolist():
        m = masks.get(tok)
        if m:
            u = v & m
            v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def lcs_lengths(x: Encoded, x_sent: np.ndarray, y: Encoded, y_sent: np.ndarray) -> np.ndarray:
    """LCS length of token sequences x[x_sent[p]] and y[y_sent[p]] for each pair p.

    x and y must share one vocabulary (typically the same ``Encoded``)."""
    base = max(x.id_bound, y.id_bound)
    out = np.zeros(len(x_sent), dtype=_INT)
    x_len = x.lens[x_sent]
    y_len = y.lens[y_sent]
    x_fits = x_len <= _WORD_BITS
    y_fits = (y_len <= _WORD_BITS) & ~x_fits
    neither = ~(x_fits | y_fits)
    out[x_fits] = _lcs_words(x, x_sent[x_fits], y, y_sent[x_fits], base)
    out[y_fits] = _lcs_words(y, y_sent[y_fits], x, x_sent[y_fits], base)
    for p in np.flatnonzero(neither).tolist():
        i, j = int(x_sent[p]), int(y_sent[p])
        out[p] = _lcs_bigint(
            x.ids[x.starts[i] : x.starts[i] + x.lens[i]],
            y.ids[y.starts[j] : y.starts[j] + y.lens[j]],
        )
    return out
