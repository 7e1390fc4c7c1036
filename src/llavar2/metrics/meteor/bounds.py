"""Upper bounds of many (test, reference) pairs' METEOR scores at once, with numpy.

An item's score is its best reference's, so a reference whose bound is below the best score
already found cannot be chosen, and its candidate matches (``aligner.Stage``, the costly
part) need not be collected. The bound is ``scorer.score_upper_bound(runs=False)`` with each
word's best module weight over-estimated from the two lines alone: 1.0 if the other line
has a word with its hash code (exact), else 0.8 if it has a synonym partner, else 0.6 if it
has a word with its stem or a paraphrase could cover the word (a table phrase of one line
covering it whose paraphrase, either way round, occurs in the other line), else 0. The
one-word-per-word cap is applied only when no paraphrase can cover any word of the pair.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from .aligner import ParaContext, Vocab

ALPHA, BETA, GAMMA, DELTA = 0.85, 0.2, 0.6, 0.75


def _csr(lengths: np.ndarray) -> np.ndarray:
    off = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    return off


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges ``[starts[k], starts[k] + counts[k])``: owner ``k`` and index of each member."""
    owner = np.repeat(np.arange(len(counts)), counts)
    first = _csr(counts)[:-1]
    return owner, starts[owner] + (np.arange(len(owner)) - first[owner])


_DENSE_LIMIT = 1 << 26  # key spaces up to this size get an exact bitmap
_HASHED_MAX_BITS = 25  # larger ones a hashed bitmap of at most 2**25 entries
_MIX = np.uint64(0x9E3779B97F4A7C15)


class _KeySet:
    """A set of non-negative int keys below ``bound``, tested many at a time.

    Over a large key space it is a hashed bitmap (32 entries per key, at most 2**25): a key
    may then test present when it is not (a few percent), never the other way round, which
    only loosens a bound.
    """

    def __init__(self, keys: np.ndarray, bound: int):
        self.shift = 0
        size = bound
        if bound > _DENSE_LIMIT:
            bits = min(_HASHED_MAX_BITS, max(16, (32 * len(keys)).bit_length()))
            self.shift = 64 - bits
            size = 1 << bits
            keys = self._hash(keys)
        self.bitmap = np.zeros(size, dtype=bool)
        self.bitmap[keys] = True

    def _hash(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * _MIX) >> np.uint64(self.shift)).astype(np.int64)

    def has(self, keys: np.ndarray) -> np.ndarray:
        return self.bitmap[self._hash(keys) if self.shift else keys]


class _Lines:
    """Every distinct line as flat arrays, plus the per-line key sets the pair tests use."""

    def __init__(self, tokens: list[tuple[int, ...]], paras, vocab: Vocab, ctx: ParaContext):
        n_lines = len(tokens)
        lens = np.fromiter(map(len, tokens), np.int64, n_lines)
        self.lens = lens
        self.off = _csr(lens)
        self.tid = np.fromiter(chain.from_iterable(tokens), np.int64, self.off[-1])
        line = np.repeat(np.arange(n_lines, dtype=np.int64), lens)
        n_vocab = len(vocab.hashes)
        self.n_vocab = n_vocab
        self.hid = np.unique(np.asarray(vocab.hashes, dtype=np.int64), return_inverse=True)[1]
        self.sid = np.unique(np.asarray(vocab.stems, dtype=np.int64), return_inverse=True)[1]
        self.func = np.asarray(vocab.func, dtype=bool)
        self.nfunc = np.bincount(line, weights=self.func[self.tid], minlength=n_lines)
        space = n_lines * n_vocab
        self.exact_keys = _KeySet(line * n_vocab + self.hid[self.tid], space)
        self.stem_keys = _KeySet(line * n_vocab + self.sid[self.tid], space)
        self.tid_keys = _KeySet(line * n_vocab + self.tid, space)
        # synonym partners of every token, CSR
        partners = [sorted(vocab.partners(t)) if vocab.synsets[t] else () for t in range(n_vocab)]
        self.part_off = _csr(np.fromiter(map(len, partners), np.int64, n_vocab))
        self.part = np.fromiter(chain.from_iterable(partners), np.int64, self.part_off[-1])
        # phrase occurrences of every line, CSR: phrase id, start, length
        self.occ_off = _csr(np.fromiter((len(p.pids) for p in paras), np.int64, len(paras)))
        n_occ = self.occ_off[-1]
        self.occ_pid = np.fromiter(chain.from_iterable(p.pids for p in paras), np.int64, n_occ)
        self.occ_start = np.fromiter(chain.from_iterable(p.starts for p in paras), np.int64, n_occ)
        # phrases as compact ids: the relevant phrases are the keys of par_len
        self.phrase_ids = np.sort(np.fromiter(ctx.par_len, np.int64, len(ctx.par_len)))
        lengths = np.fromiter(map(ctx.par_len.__getitem__, self.phrase_ids.tolist()), np.int64)
        self.occ_pid = self._compact(self.occ_pid)
        self.occ_len = lengths[self.occ_pid]
        self.n_phrases = len(self.phrase_ids)
        self.rel_keys = self._relevant(ctx)

    def _compact(self, pids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.phrase_ids, pids)

    def _relevant(self, ctx: ParaContext) -> _KeySet:
        """Keys ``line * n_phrases + phrase`` of the phrases whose occurrence in *another*
        line can take part in a paraphrase match with this line: the paraphrases of this
        line's phrases, and the phrases having a paraphrase that occurs in this line."""
        lists = ctx.par_lists
        counts = np.fromiter(map(len, lists.values()), np.int64, len(lists))
        owner_of = np.repeat(self._compact(np.fromiter(lists, np.int64, len(lists))), counts)
        pars = self._compact(
            np.fromiter(chain.from_iterable(lists.values()), np.int64, int(counts.sum()))
        )
        occ_line = np.repeat(np.arange(len(self.lens), dtype=np.int64), np.diff(self.occ_off))
        keys = []
        for src, dst in ((owner_of, pars), (pars, owner_of)):
            order = np.argsort(src, kind="stable")
            src_sorted, dst_sorted = src[order], dst[order]
            lo = np.searchsorted(src_sorted, self.occ_pid, side="left")
            hi = np.searchsorted(src_sorted, self.occ_pid, side="right")
            occ, idx = _expand(lo, hi - lo)
            keys.append(occ_line[occ] * self.n_phrases + dst_sorted[idx])
        return _KeySet(np.concatenate(keys), len(self.lens) * self.n_phrases)


def _side(lines: _Lines, xs: np.ndarray, ys: np.ndarray):
    """For each pair, the words of line ``xs[p]`` against line ``ys[p]``: the sum of their
    weighted bound weights, how many can match, those weights per word, and whether a
    paraphrase may cover a word."""
    n_pairs = len(xs)
    counts = lines.lens[xs]
    pair, tok = _expand(lines.off[xs], counts)
    tid = lines.tid[tok]
    y = ys[pair]
    nv = lines.n_vocab
    exact = lines.exact_keys.has(y * nv + lines.hid[tid])
    stem = lines.stem_keys.has(y * nv + lines.sid[tid])
    syn = np.zeros(len(tid), dtype=bool)
    elem, pidx = _expand(lines.part_off[tid], np.diff(lines.part_off)[tid])
    if len(elem):
        hit = lines.tid_keys.has(y[elem] * nv + lines.part[pidx])
        syn[elem[hit]] = True
    # paraphrase coverage: relevant phrase occurrences of line x mark the words they span
    occ_counts = np.diff(lines.occ_off)[xs]
    opair, oidx = _expand(lines.occ_off[xs], occ_counts)
    rel = lines.rel_keys.has(ys[opair] * lines.n_phrases + lines.occ_pid[oidx])
    opair, oidx = opair[rel], oidx[rel]
    elem_off = _csr(counts)
    begin = elem_off[opair] + lines.occ_start[oidx]
    n = len(tid)
    end = begin + lines.occ_len[oidx]
    depth = np.cumsum(np.bincount(begin, minlength=n + 1) - np.bincount(end, minlength=n + 1))[:n]
    weight = np.where(exact, 1.0, np.where(syn, 0.8, np.where(stem | (depth > 0), 0.6, 0.0)))
    weighted = weight * np.where(lines.func[tid], 1.0 - DELTA, DELTA)
    total = np.bincount(pair, weights=weighted, minlength=n_pairs)
    coverable = np.bincount(pair, weights=weight > 0, minlength=n_pairs)
    has_para = np.bincount(opair, minlength=n_pairs) > 0
    return total, coverable, pair, weighted, has_para


def _top_sums(pair: np.ndarray, values: np.ndarray, cap: np.ndarray, which: np.ndarray):
    """For the pairs ``which`` selects, the sum of their ``cap[pair]`` largest values."""
    sel = which[pair]
    pair, values = pair[sel], values[sel]
    order = np.lexsort((-values, pair))
    p = pair[order]
    first = _csr(np.bincount(p, minlength=len(which)))[:-1]
    keep = (np.arange(len(p)) - first[p]) < cap[p]
    return np.bincount(p[keep], weights=values[order][keep], minlength=len(which))


def pair_bounds(
    tokens: list[tuple[int, ...]],
    paras: list,
    vocab: Vocab,
    ctx: ParaContext,
    tests: np.ndarray,
    refs: np.ndarray,
) -> np.ndarray:
    """An upper bound of the score of each pair of lines ``(tests[k], refs[k])``; a line is
    its token ids (``tokens``) and its phrase occurrences (``paras``, ``LineParaphrases``)."""
    n_pairs = len(tests)
    if not n_pairs:
        return np.zeros(0)
    lines = _Lines(tokens, paras, vocab, ctx)
    s1, c1, pair1, w1, para1 = _side(lines, tests, refs)
    s2, c2, pair2, w2, para2 = _side(lines, refs, tests)
    n1, n2 = lines.lens[tests], lines.lens[refs]
    cap = np.minimum(c1, c2)
    capped = ~(para1 | para2) & (c1 != c2)
    if capped.any():
        s1 = np.where(capped, _top_sums(pair1, w1, cap, capped), s1)
        s2 = np.where(capped, _top_sums(pair2, w2, cap, capped), s2)
    nf1, nf2 = lines.nfunc[tests], lines.nfunc[refs]
    twl = DELTA * (n1 - nf1) + (1.0 - DELTA) * nf1
    rwl = DELTA * (n2 - nf2) + (1.0 - DELTA) * nf2
    ok = (c1 > 0) & (c2 > 0) & (twl > 0) & (rwl > 0)
    out = np.zeros(n_pairs)
    s1, s2, twl, rwl = s1[ok], s2[ok], twl[ok], rwl[ok]
    fmean = 1.0 / ((1.0 - ALPHA) * twl / s1 + ALPHA * rwl / s2)
    m_max = np.where(capped, cap, (c1 + c2) / 2)[ok]
    perfect = ((c1 == n1) & (c2 == n2) & ~capped)[ok]
    out[ok] = np.where(perfect, fmean, fmean * (1.0 - GAMMA * (1.0 / m_max) ** BETA))
    return out
