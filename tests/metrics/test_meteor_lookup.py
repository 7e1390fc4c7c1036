"""``ParaphraseTable.lookup`` against a brute-force reading of the same (small, random) table.

The brute force reads the table's text itself (dicts of word tuples) and enumerates every
n-gram of every line, so it shares none of the lookup's machinery (sorted phrase records,
prefix pruning, distinct n-gram ids, window sorting). Phrase ids are the table's own, so the
lookup's answers are compared as the words of the phrases they name.
"""

from __future__ import annotations

import gzip
import random

import numpy as np
import pytest

from llavar2.metrics.meteor import data as meteor_data

WORDS = [f"w{k}" for k in range(9)]


def _write(tmp_path, pairs) -> meteor_data.ParaphraseTable:
    text = "".join(f"0.5\n{ref}\n{par}\n" for ref, par in pairs)
    src = tmp_path / "para.gz"
    with gzip.open(src, "wt", encoding="utf-8") as f:
        f.write(text)
    dest = tmp_path / "cache" / "table"
    meteor_data.build_paraphrase_cache(src, dest)
    return meteor_data.ParaphraseTable(dest)


def _pairs(r: random.Random, words=WORDS, n_refs=120, n_pairs=500):
    def phrase() -> str:
        return " ".join(r.choice(words) for _ in range(r.choice([1, 1, 2, 2, 2, 3, 3, 4, 5])))

    refs = [phrase() for _ in range(n_refs)]
    pairs = [(r.choice(refs), phrase()) for _ in range(n_pairs)]
    return pairs + pairs[:40]  # repeated entries stay, in file order


def _lines(r: random.Random, words=WORDS[:7]) -> tuple[list[str], list[list[int]]]:
    tokens = [*words, "unknown", "other"]  # WORDS[7:]: table words no line uses
    r.shuffle(tokens)
    lines = [[] for _ in range(3)]
    for _ in range(300):
        n = r.choice([0, 1, 2, 4, 8, 16, 30])
        lines.append([r.randrange(len(tokens)) for _ in range(n)])
    return tokens, lines


def _brute_force(pairs, tokens, lines):
    """(per line: phrases, starts, present, refs_at, reachable), par_lists, par_len; phrases
    as word tuples."""
    ref_map: dict[tuple, list[tuple]] = {}
    for ref, par in pairs:
        ref_map.setdefault(tuple(ref.split()), []).append(tuple(par.split()))
    phrases = set(ref_map) | {q for pl in ref_map.values() for q in pl}
    maxlen = max(map(len, phrases))
    found = []
    for line in lines:
        ws = tuple(tokens[t] for t in line)
        found.append(
            [
                (s, n, ws[s : s + n])
                for s in range(len(ws))
                for n in range(1, min(maxlen, len(ws) - s) + 1)
                if ws[s : s + n] in phrases
            ]
        )
    present = {p for f in found for _, _, p in f}
    par_lists = {}
    for r in present:
        pl = tuple(q for q in ref_map.get(r, ()) if q in present)
        if pl:
            par_lists[r] = pl
    relevant = set(par_lists) | {q for pl in par_lists.values() for q in pl}
    per_line = []
    for f in found:
        win = [(s, n, p) for s, n, p in f if p in relevant]
        refs_at = [(s, n, p) for s, n, p in win if p in par_lists]
        per_line.append(
            (
                [p for _, _, p in win],
                [s for s, _, _ in win],
                frozenset(p for _, _, p in win),
                refs_at,
                frozenset(q for _, _, p in refs_at for q in par_lists[p]),
            )
        )
    return per_line, par_lists, {p: len(p) for p in relevant}


def _check(pt, pairs, tokens, lines):
    paras, entries = pt.lookup(tokens, lines)
    per_line, par_lists, par_len = _brute_force(pairs, tokens, lines)
    assert par_lists, "the random table should give some entries"
    ids = set(entries.par_len)
    name = {p: tuple(pt.phrase_words(p)) for p in ids}
    assert len(set(name.values())) == len(name)  # one id per phrase

    def words(p):
        return name[p]

    got = [
        (
            [words(p) for p in lp.pids],
            lp.starts,
            frozenset(map(words, lp.present)),
            [(s, n, words(p)) for s, n, p in lp.refs_at],
            frozenset(map(words, lp.reachable)),
        )
        for lp in paras
    ]
    assert got == per_line
    assert {words(r): tuple(map(words, pl)) for r, pl in entries.par_lists.items()} == par_lists
    assert {words(r): frozenset(map(words, s)) for r, s in entries.parsets.items()} == {
        r: frozenset(pl) for r, pl in par_lists.items()
    }
    assert {words(p): n for p, n in entries.par_len.items()} == par_len
    assert all(p is meteor_data._NO_PHRASES for p, want in zip(paras, per_line) if not want[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lookup_matches_brute_force(tmp_path, seed):
    r = random.Random(seed)
    pairs = _pairs(r)
    _check(_write(tmp_path, pairs), pairs, *_lines(r))


def test_lookup_with_word_ids_ending_in_zero_bytes(tmp_path):
    """A vocabulary past 256 words: ids such as 256 and 512 end in a zero byte, like the
    padding of a shorter phrase, and must still sort and match as their own words."""
    r = random.Random(5)
    words = [f"v{k}" for k in range(600)]
    # words get ids 1, 2, ... by first occurrence: all 600 occur first, in order
    head = [(w, w) for w in words]
    common = [words[k] for k in (0, 255, 256, 257, 511, 512, 513, 599)]
    pairs = head + _pairs(r, common, n_refs=60, n_pairs=400)
    pt = _write(tmp_path, pairs)
    assert pt.vocab["v255"] == 256 and pt.vocab["v511"] == 512
    _check(pt, pairs, *_lines(r, common))


def test_lookup_with_a_wide_vocabulary(tmp_path):
    """Over 65,535 words: four-byte word ids."""
    r = random.Random(6)
    words = [f"x{k}" for k in range(70_000)]
    head = [(words[k], words[k + 1]) for k in range(0, 70_000, 2)]
    common = [words[k] for k in (0, 1, 65_534, 65_535, 65_536, 69_999)]
    pairs = head + _pairs(r, common, n_refs=60, n_pairs=400)
    pt = _write(tmp_path, pairs)
    assert pt.word_dtype.itemsize == 4
    _check(pt, pairs, *_lines(r, common))


def test_lookup_without_phrases(tmp_path):
    pt = _write(tmp_path, _pairs(random.Random(4)))
    for tokens, lines in [([], []), (["a"], [[], []]), (["a", "b"], [[0, 1, 0], [1]])]:
        paras, entries = pt.lookup(tokens, lines)
        assert all(p is meteor_data._NO_PHRASES for p in paras) and len(paras) == len(lines)
        assert not entries.par_lists and not entries.par_len


def test_find_phrases_and_prefixes(tmp_path):
    pt = _write(tmp_path, [("a b c", "d"), ("a", "b"), ("b c", "a b")])
    ids = {w: pt.vocab[w] for w in "abcd"}

    def find(*phrases):
        rows = np.asarray([[ids[w] for w in p] for p in phrases], dtype=np.int64)
        pid, extends = pt.find(rows)
        return [(pt.phrase_words(q) if q >= 0 else None, bool(x)) for q, x in zip(pid, extends)]

    assert find("a", "b", "c", "d") == [(["a"], True), (["b"], True), (None, False),
                                        (["d"], False)]  # fmt: skip
    assert find("ab", "bc", "ba", "ca") == [(["a", "b"], True), (["b", "c"], False), (None, False),
                                            (None, False)]  # fmt: skip
    assert find("abc", "bcd") == [(["a", "b", "c"], False), (None, False)]


def test_dense_ids():
    r = np.random.default_rng(0)
    for size, n in [(50, 1000), (10**9, 1000)]:  # a table, and the sort for a sparse range
        codes = r.integers(0, size, n)
        ids, distinct = meteor_data._dense_ids(codes, size)
        assert np.array_equal(distinct, np.unique(codes)) and np.array_equal(distinct[ids], codes)
