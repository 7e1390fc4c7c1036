"""Port of ``edu.cmu.meteor.aligner.Aligner`` (METEOR 1.5), English modules.

The jar, for one (test, reference) pair:

1. Collects candidate matches per reference position ``j`` (its ``Stage``), module by module:
   exact (same word), stem (different words, same Snowball stem), synonym (different words
   sharing a WordNet synset, directly or through the morphological base forms) and paraphrase
   (a reference phrase of one line whose table paraphrase occurs in the other line, both
   directions). Words are compared by ``String.hashCode``, as in the jar. If both lines are
   identical only the exact module runs. Within a position, matches keep the jar's order.
2. Fixes every match that is the only one starting at its position and whose words no other
   match covers.
3. Runs a left-to-right beam search (beam 40) over the remaining matches. Partial alignments
   are ranked by weighted match count (weights 1, 0.5, 0.5, 0.5 here, each addition truncated
   to an int as the jar's ``int += double`` does), then fewer chunks, then smaller "distance";
   the sort is stable. The jar adds a new path's distance to its *parent* path (the one that
   then skips the position), and this port does the same, because it decides ties.
4. Counts matched content/function words per module and the chunks of the best path.
"""

from __future__ import annotations

import heapq
from operator import itemgetter

BEAM_SIZE = 40
EXACT, STEM, SYNONYM, PARAPHRASE = 0, 1, 2, 3
_K0 = itemgetter(0)
_K1 = itemgetter(1)
# Scoring weights of the modules (the search uses 1, 0.5, 0.5, 0.5 instead)
W_EXACT, W_STEM, W_SYNONYM, W_PARAPHRASE = 1.0, 0.6, 0.8, 0.6
# A stem's positions in a line: (hash, positions) when all its words share one hash, else
# [(position, hash), ...]
StemPositions = tuple[int, list[int]] | list[tuple[int, int]]
# LineInfo.test_index: positions by hash, by stem and by synset; the synsets
TestIndex = tuple[
    dict[int, list[int]], dict[int, StemPositions], dict[int, list[int]], frozenset[int]
]


class Vocab:
    """Per-corpus token table: hash codes, stems, function words, synonym partners."""

    __slots__ = ("_by_synset", "_partners", "func", "hashes", "stems", "synsets")

    def __init__(self) -> None:
        self.hashes: list[int] = []
        self.stems: list[int] = []
        self.func: list[bool] = []
        self.synsets: list[frozenset[int] | None] = []
        self._partners: dict[int, frozenset[int]] = {}
        self._by_synset: dict[int, list[int]] | None = None

    def add(self, h: int, stem_h: int, func: bool, syn: frozenset[int] | None) -> int:
        self.hashes.append(h)
        self.stems.append(stem_h)
        self.func.append(func)
        self.synsets.append(syn or None)
        self._by_synset = None
        self._partners.clear()
        return len(self.hashes) - 1

    def partners(self, tid: int) -> frozenset[int]:
        """Token ids sharing a synset with ``tid``, except those with its hash code.

        Those are what SynonymMatcher can match: a shared synset and a different hash.
        """
        got = self._partners.get(tid)
        if got is None:
            by = self._by_synset
            if by is None:
                by = {}
                for t, ss in enumerate(self.synsets):
                    if ss:
                        for s in ss:
                            by.setdefault(s, []).append(t)
                self._by_synset = by
            acc: set[int] = set()
            for s in self.synsets[tid] or ():
                acc.update(by[s])
            h = self.hashes[tid]
            got = frozenset(t for t in acc if self.hashes[t] != h)
            self._partners[tid] = got
        return got


class LineInfo:
    """One tokenised line, with what the matchers need; test-side indexes are built lazily."""

    __slots__ = (
        "_occ",
        "_test_index",
        "func",
        "hashes",
        "n",
        "nfunc",
        "para",
        "syn_js",
        "tids",
    )  # fmt: skip

    def __init__(self, tids: list[int], vocab: Vocab, para) -> None:
        self.tids = tids
        self.n = len(tids)
        vh = vocab.hashes
        vf = vocab.func
        self.hashes = [vh[t] for t in tids]
        self.func = [vf[t] for t in tids]
        self.nfunc = sum(self.func)
        vs = vocab.synsets
        self.syn_js = [(j, t) for j, t in enumerate(tids) if vs[t]]
        self.para = para
        self._test_index: TestIndex | None = None
        self._occ: dict[int, list[int]] | None = None

    def test_index(self, vocab: Vocab) -> TestIndex:
        """This line's positions by word hash, by stem and by synset, and its synsets (built on
        first use: only test lines need them)."""
        if self._test_index is None:
            pos_hash: dict[int, list[int]] = {}
            by_stem: dict[int, list[tuple[int, int]]] = {}
            syn_index: dict[int, list[int]] = {}
            vs = vocab.stems
            for i, t in enumerate(self.tids):
                h = self.hashes[i]
                pos_hash.setdefault(h, []).append(i)
                by_stem.setdefault(vs[t], []).append((i, h))
            # stem -> (hash, positions) when all its words share one hash, else [(i, h)]
            pos_stem: dict[int, StemPositions] = {}
            for st, lst in by_stem.items():
                h0 = lst[0][1]
                if all(h == h0 for _, h in lst):
                    pos_stem[st] = (h0, [i for i, _ in lst])
                else:
                    pos_stem[st] = lst
            for i, t in self.syn_js:
                syn_index.setdefault(t, []).append(i)
            self._test_index = (pos_hash, pos_stem, syn_index, frozenset(syn_index))
        return self._test_index

    def occ(self) -> dict[int, list[int]]:
        """Phrase id -> start positions (ascending) of the relevant phrases in this line."""
        if self._occ is None:
            occ: dict[int, list[int]] = {}
            p = self.para
            for pid, j in zip(p.pids, p.starts):
                occ.setdefault(pid, []).append(j)
            self._occ = occ
        return self._occ


class ParaContext:
    """Corpus-wide paraphrase data shared by all lines."""

    __slots__ = ("_index", "par_len", "par_lists", "parsets")

    def __init__(self, par_lists, parsets, par_len):
        self.par_lists = par_lists
        self.parsets = parsets
        self.par_len = par_len
        self._index: dict[int, dict[int, list[int]]] = {}

    def emits(self, ref: int) -> dict[int, list[int]]:
        """Paraphrase id -> its positions in the reference phrase's (file-ordered) list."""
        got = self._index.get(ref)
        if got is None:
            got = {}
            for e, q in enumerate(self.par_lists[ref]):
                got.setdefault(q, []).append(e)
            self._index[ref] = got
        return got


def _paraphrase_matches(l1: LineInfo, l2: LineInfo, ctx: ParaContext) -> dict[int, list[tuple]]:
    """Paraphrase matches by reference position, in the jar's order."""
    p1, p2 = l1.para, l2.para
    out: dict[int, list[tuple]] = {}
    hits = p2.reachable & p1.present if p2.reachable and p1.present else None
    hits2 = p1.reachable & p2.present if p1.reachable and p2.present else None
    if not hits and not hits2:
        return out
    parsets = ctx.parsets
    par_len = ctx.par_len
    # Loop 1: phrases of line 2 (reference) whose paraphrase occurs in line 1 (test).
    # Per j the jar orders them by (phrase length, table order, test position).
    first: dict[int, list[tuple]] = {}
    if hits:
        occ1 = l1.occ()
        for j, length, ref in p2.refs_at:
            common = hits & parsets[ref]
            if not common:
                continue
            emits = ctx.emits(ref)
            lst = first.setdefault(j, [])
            for q in common:
                ql = par_len[q]
                for e in emits[q]:
                    for i in occ1[q]:
                        lst.append(((length, e, i), (j, length, i, ql, PARAPHRASE)))
    # Loop 2: phrases of line 1 whose paraphrase occurs in line 2, ordered per j by
    # (test position, phrase length, table order).
    second: dict[int, list[tuple]] = {}
    if hits2:
        occ2 = l2.occ()
        for i, length, ref in p1.refs_at:
            common = hits2 & parsets[ref]
            if not common:
                continue
            emits = ctx.emits(ref)
            for q in common:
                ql = par_len[q]
                for e in emits[q]:
                    for j in occ2[q]:
                        second.setdefault(j, []).append(
                            ((i, length, e), (j, ql, i, length, PARAPHRASE))
                        )
    for j in sorted(set(first) | set(second)):
        lst = []
        if j in first:
            lst.extend(m for _, m in sorted(first[j], key=_K0))
        if j in second:
            lst.extend(m for _, m in sorted(second[j], key=_K0))
        out[j] = lst
    return out


class Stage:
    """Candidate matches of one pair, the fixed (definite) ones, and per-word bounds.

    ``best1``/``best2`` hold, per test/reference word, the highest scoring-module weight of
    any candidate covering it (0 if none): the basis of ``scorer.score_upper_bound``.
    """

    __slots__ = (
        "best1",
        "best2",
        "fixed",
        "mlists",
        "n1",
        "n2",
        "open",
        "single_word",
        "used1",
        "used2",
    )

    def __init__(self, l1: LineInfo, l2: LineInfo, vocab: Vocab, ctx: ParaContext):
        n1, n2 = l1.n, l2.n
        self.n1, self.n2 = n1, n2
        h2 = l2.hashes
        mlists: list[list[tuple] | None] = [None] * n2
        cov1 = [0] * n1
        cov2 = [0] * n2
        best1 = [0.0] * n1
        best2 = [0.0] * n2
        single_word = True
        pos_hash, pos_stem, syn_index, syn_tids = l1.test_index(vocab)
        # Exact
        for j, h in enumerate(h2):
            ps = pos_hash.get(h)
            if ps:
                mlists[j] = [(j, 1, i, 1, EXACT) for i in ps]
                for i in ps:
                    cov1[i] += 1
                    best1[i] = W_EXACT
                cov2[j] = len(ps)
                best2[j] = W_EXACT
        if not (n1 == n2 and l1.hashes == h2):
            # Stem: different words, same stem
            vs = vocab.stems
            j = 0
            for t in l2.tids:
                at = pos_stem.get(vs[t])
                if at is not None:
                    hj = h2[j]
                    if isinstance(at, tuple):
                        if at[0] == hj:
                            j += 1
                            continue
                        at = [(i, at[0]) for i in at[1]]
                    for i, h in at:
                        if h != hj:
                            lst = mlists[j]
                            if lst is None:
                                mlists[j] = [(j, 1, i, 1, STEM)]
                            else:
                                lst.append((j, 1, i, 1, STEM))
                            cov1[i] += 1
                            cov2[j] += 1
                            if best1[i] < W_STEM:
                                best1[i] = W_STEM
                            if best2[j] < W_STEM:
                                best2[j] = W_STEM
                j += 1
            # Synonym: different words, a shared synset
            if syn_tids and l2.syn_js:
                known = vocab._partners
                partners = vocab.partners
                for j, t in l2.syn_js:
                    common = (known.get(t) or partners(t)) & syn_tids
                    if not common:
                        continue
                    if len(common) == 1:
                        (c,) = common
                        ps = syn_index[c]
                    else:
                        ps = sorted(i for c in common for i in syn_index[c])
                    # partners() leaves out the words with j's hash code
                    lst = mlists[j]
                    if lst is None:
                        lst = mlists[j] = []
                    for i in ps:
                        lst.append((j, 1, i, 1, SYNONYM))
                        cov1[i] += 1
                        if best1[i] < W_SYNONYM:
                            best1[i] = W_SYNONYM
                    cov2[j] += len(ps)
                    best2[j] = max(best2[j], W_SYNONYM)
            # Paraphrase
            if l1.para.present and l2.para.present:
                for j, lst in _paraphrase_matches(l1, l2, ctx).items():
                    cur = mlists[j]
                    if cur is None:
                        mlists[j] = lst
                    else:
                        cur.extend(lst)
                    for m in lst:
                        if m[1] != 1 or m[3] != 1:
                            single_word = False
                        for k in range(m[2], m[2] + m[3]):
                            cov1[k] += 1
                            if best1[k] < W_PARAPHRASE:
                                best1[k] = W_PARAPHRASE
                        for k in range(j, j + m[1]):
                            cov2[k] += 1
                            if best2[k] < W_PARAPHRASE:
                                best2[k] = W_PARAPHRASE
        # One-to-one, non-overlapping matches are definite
        fixed: dict[int, tuple] = {}
        used1 = 0
        used2 = 0
        is_open = False
        for j, lst in enumerate(mlists):
            if lst is None:
                continue
            if len(lst) == 1:
                m = lst[0]
                s, ln, ms, ml, _ = m
                if ln == 1 and ml == 1:
                    ok = cov2[s] == 1 and cov1[ms] == 1
                else:
                    ok = all(cov2[k] == 1 for k in range(s, s + ln)) and all(
                        cov1[k] == 1 for k in range(ms, ms + ml)
                    )
                if ok:
                    fixed[j] = m
                    used2 |= ((1 << ln) - 1) << s
                    used1 |= ((1 << ml) - 1) << ms
                    continue
            is_open = True
        self.mlists = mlists
        self.fixed = fixed
        self.used1 = used1
        self.used2 = used2
        self.open = is_open
        self.best1 = best1
        self.best2 = best2
        self.single_word = single_word

    def longest_run(self) -> int:
        """Most words (on either side) a run of candidates contiguous in both lines covers."""
        runs: dict[tuple[int, int], tuple[int, int]] = {}
        longest = 1
        for lst in reversed(self.mlists):
            if lst is None:
                continue
            for s, ln, ms, ml, _ in lst:
                nxt = runs.get((s + ln, ms + ml))
                r2, r1 = (ln + nxt[0], ml + nxt[1]) if nxt else (ln, ml)
                cur = runs.get((s, ms))
                if cur is not None:
                    r2, r1 = max(r2, cur[0]), max(r1, cur[1])
                runs[(s, ms)] = (r2, r1)
                longest = max(longest, r2, r1)
        return longest

    def resolve(self) -> tuple[list[tuple], int]:
        """Best alignment: its matches ``(start2, len2, start1, len1, module)`` and chunks."""
        n2 = self.n2
        final = dict(self.fixed)
        if self.open:
            for match in _resolve(self.n1, n2, self.mlists, self.fixed, self.used1, self.used2):
                final[match[0]] = match
        # getCountAndChunks
        chunks = 0
        idx = 0
        last_end = -1
        while idx < n2:
            m = final.get(idx)
            if m is None:
                if last_end != -1:
                    chunks += 1
                    last_end = -1
                idx += 1
            else:
                if last_end != -1 and m[2] != last_end:
                    chunks += 1
                idx = m[0] + m[1]
                last_end = m[2] + m[3]
        if last_end != -1:
            chunks += 1
        return list(final.values()), chunks


def _prep(m: tuple, n2: int, score_shift: int) -> tuple:
    s, ln, ms, ml, mod = m
    add = ln + ml if mod == EXACT else (ln >> 1) + (ml >> 1)
    return (
        (((1 << ln) - 1) << s) | ((((1 << ml) - 1) << ms) << n2),  # 0 used-words mask
        add << score_shift,  # 1 weighted matches added (int-truncated per side), in key units
        ms,  # 2
        ms + ml,  # 3 line-1 end
        s + ln,  # 4 line-2 end
        abs(s - ms),  # 5 distance
        m,  # 6
    )


def _run_info(start: int, n2: int, cands, fixed_p, chunk: int) -> tuple:
    """Effect of the positions from ``start`` up to the next one with candidates.

    Those positions hold only fixed matches or nothing, so every path (all at ``idx ==
    start``) goes through them the same way: only the first position's chunk test depends
    on the path's last match end. Returns ``(end, constant key change, last match end
    after, first fixed match start or None)``.
    """
    const = 0
    f = fixed_p.get(start)
    if f is not None:
        first_ms = f[2]
        const += f[5] - f[1]
        lme = f[3]
        pos = f[4]
    else:
        first_ms = None
        lme = -1
        pos = start + 1
    while pos < n2 and cands[pos] is None:
        f = fixed_p.get(pos)
        if f is not None:
            if lme != -1 and f[2] != lme:
                const += chunk
            const += f[5] - f[1]
            lme = f[3]
            pos = f[4]
        else:
            if lme != -1:
                const += chunk
            lme = -1
            pos += 1
    return pos, const, lme, first_ms


def _big_step(paths, cl, current: int, fixed_p, beam: int, chunk: int):
    """One candidate step, not materialising children that cannot make the next beam.

    A child with at least ``beam`` earlier children whose key is <= its own sorts after
    all of them (stable sort) and is cut at the next truncation, so it is never built;
    once a parent's best possible child is such a one, so are all later parents' children
    (parents come in ascending key order). Same beam as building every child.
    """
    bit = 1 << current
    min_delta = min(0, min(-c[1] for c in cl))
    heap: list[int] = []  # -(key) of the `beam` smallest children so far
    push, pushpop = heapq.heappush, heapq.heappushpop
    nxt: list[tuple] = []  # the children: paths (key, position, last match end, used, chain)
    app = nxt.append
    for p in paths:
        key, idx, lme, used, chain = p
        if len(heap) == beam and key + min_delta >= -heap[0]:
            break
        if used & bit:
            if current < idx:
                child = p
            else:
                f = fixed_p.get(idx)
                if f is None:
                    continue
                k = key - f[1] + f[5]
                if lme != -1 and f[2] != lme:
                    k += chunk
                child = (k, f[4], f[3], used, chain)
            if len(heap) < beam:
                push(heap, -child[0])
                app(child)
            elif child[0] < -heap[0]:
                pushpop(heap, -child[0])
                app(child)
            continue
        for c in cl:
            if used & c[0]:
                continue
            k = key - c[1] + chunk if (lme != -1 and c[2] != lme) else key - c[1]
            if len(heap) < beam:
                push(heap, -k)
                app((k, c[4], c[3], used | c[0], (c[6], chain)))
            elif k < -heap[0]:
                pushpop(heap, -k)
                app((k, c[4], c[3], used | c[0], (c[6], chain)))
            key += c[5]
        k = key + chunk if lme != -1 else key
        if len(heap) < beam:
            push(heap, -k)
            app((k, idx + 1, -1, used, chain))
        elif k < -heap[0]:
            pushpop(heap, -k)
            app((k, idx + 1, -1, used, chain))
    if not nxt:
        nxt.append(paths[0])
    return nxt


def _key_layout(n1: int, n2: int, mlists) -> tuple[int, int, int]:
    """Bit offsets of chunks and matches in a path key, and the matches' base value.

    Sized per pair so that keys stay small ints (fast to add and compare): a path's
    distance is at most the sum of every candidate's distance (each position is passed
    once), it has at most ``n2 + 1`` chunks and at most ``n1 + n2`` weighted matches.
    """
    dist = 1 + sum(abs(m[0] - m[2]) for lst in mlists if lst is not None for m in lst)
    chunk_shift = dist.bit_length()
    score_shift = chunk_shift + (n2 + 2).bit_length()
    return chunk_shift, score_shift, n1 + n2 + 1


def _resolve(n1: int, n2: int, mlists, fixed, used1: int, used2: int) -> list[tuple]:
    """The jar's beam search; returns the matches it chose beyond the fixed ones.

    A path is ``(key, idx, lastMatchEnd, used, chain)`` where ``key`` packs the jar's
    comparator into one int, ``(BASE - matches) << score_shift | chunks << chunk_shift |
    distance`` (ascending is better; the sort is stable like ``Collections.sort``), ``used``
    holds the used reference words in bits ``[0, n2)`` and the used test words above them,
    and ``chain`` links the chosen matches.
    """
    chunk_shift, score_shift, base = _key_layout(n1, n2, mlists)
    fixed_p = {j: _prep(m, n2, score_shift) for j, m in fixed.items()}
    cands = [
        [_prep(m, n2, score_shift) for m in lst] if (lst is not None and j not in fixed) else None
        for j, lst in enumerate(mlists)
    ]
    paths = [(base << score_shift, 0, -1, used2 | (used1 << n2), None)]
    beam = BEAM_SIZE
    chunk = 1 << chunk_shift
    key0 = _K0
    runs: dict[int, tuple] = {}
    current = 0
    while current < n2:
        if len(paths) > 1:
            paths.sort(key=key0)
            if len(paths) > beam:
                del paths[beam:]
        cl = cands[current]
        if cl is None and max(paths, key=_K1)[1] == current:  # (no path is ahead)
            # A run of positions without choices: one pass (see _run_info)
            info = runs.get(current)
            if info is None:
                info = runs[current] = _run_info(current, n2, cands, fixed_p, chunk)
            end, const, lme_after, first_ms = info
            if first_ms is None:
                paths = [
                    (
                        p[0] + const + chunk if p[2] != -1 else p[0] + const,
                        end,
                        lme_after,
                        p[3],
                        p[4],
                    )
                    for p in paths
                ]
            else:
                paths = [
                    (
                        p[0] + const + chunk if (p[2] != -1 and p[2] != first_ms) else p[0] + const,
                        end,
                        lme_after,
                        p[3],
                        p[4],
                    )
                    for p in paths
                ]
            current = end
            continue
        nxt: list[tuple] = []  # the children: paths (key, position, last match end, used, chain)
        app = nxt.append
        bit = 1 << current
        # Wide steps (most children cut) pay for the heap that avoids building the losers.
        if cl is not None and len(paths) * (len(cl) + 1) > 300:
            paths = _big_step(paths, cl, current, fixed_p, beam, chunk)
            current += 1
            continue
        for p in paths:
            key, idx, lme, used, chain = p
            if used & bit:
                if current < idx:
                    app(p)
                else:
                    f = fixed_p.get(idx)
                    if f is not None:
                        key = key - f[1] + f[5]
                        if lme != -1 and f[2] != lme:
                            key += chunk
                        app((key, f[4], f[3], used, chain))
                continue
            if cl is not None:
                for mask, add, ms, end1, end2, dist, m in cl:
                    if used & mask:
                        continue
                    if ms != lme and lme != -1:
                        app((key - add + chunk, end2, end1, used | mask, (m, chain)))
                    else:
                        app((key - add, end2, end1, used | mask, (m, chain)))
                    key += dist
            if lme != -1:
                app((key + chunk, idx + 1, -1, used, chain))
            else:
                app((key, idx + 1, -1, used, chain))
        if not nxt:
            nxt.append(paths[0])
        paths = nxt
        current += 1
    # current == n2: close the last chunk of the paths in the beam, then take the best
    if len(paths) > 1:
        paths.sort(key=key0)
        del paths[beam:]
        paths = [(p[0] + chunk, *p[1:]) if p[2] != -1 else p for p in paths]
        paths.sort(key=key0)
    chain = paths[0][4]
    out: list[tuple] = []
    while chain is not None:
        out.append(chain[0])
        chain = chain[1]
    return out
