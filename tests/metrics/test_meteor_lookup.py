"""``ParaphraseTable.lookup`` against a brute-force reading of the same (small, random) table.

The brute force enumerates every n-gram of every line and looks it up in a dict of the table's
phrases, so it shares none of the lookup's machinery (hash keys, prefix pruning, distinct
n-gram ids, window sorting). A variant with a deliberately weak hash makes phrase keys and
prefix keys collide, exercising the word-by-word verification.
"""

from __future__ import annotations

import gzip
import random

import numpy as np
import pytest

from llavar2.metrics.meteor import data as meteor_data

WORDS = [f"w{k}" for k in range(9)]


def _table(tmp_path, r: random.Random) -> meteor_data.ParaphraseTable:
    def phrase() -> str:
        return " ".join(r.choice(WORDS) for _ in range(r.choice([1, 1, 2, 2, 2, 3, 3, 4, 5])))

    refs = [phrase() for _ in range(120)]
    pairs = [(r.choice(refs), phrase()) for _ in range(500)]
    pairs += pairs[:40]  # repeated entries stay, in file order
    text = "".join(f"0.5\n{ref}\n{par}\n" for ref, par in pairs)
    src = tmp_path / "para.gz"
    with gzip.open(src, "wt", encoding="utf-8") as f:
        f.write(text)
    dest = tmp_path / "cache" / "table"
    meteor_data.build_paraphrase_cache(src, dest)
    return meteor_data.ParaphraseTable(dest)


def _lines(r: random.Random) -> tuple[list[str], list[list[int]]]:
    tokens = WORDS[:7] + ["unknown", "other"]  # w7, w8: table words no line uses
    r.shuffle(tokens)
    lines = [[] for _ in range(3)]
    for _ in range(300):
        n = r.choice([0, 1, 2, 4, 8, 16, 30])
        lines.append([r.randrange(len(tokens)) for _ in range(n)])
    return tokens, lines


def _brute_force(pt, tokens, lines):
    """(per line: pids, starts, present, refs_at, reachable), par_lists, parsets, par_len."""
    phrase_id = {
        tuple(pt.words[p, : int(pt.lengths[p])].tolist()): p for p in range(len(pt.lengths))
    }
    vid = [pt.vocab.get(t, -1) for t in tokens]
    found = []
    for line in lines:
        ws = [vid[t] for t in line]
        found.append(
            [
                (s, n, phrase_id[tuple(ws[s : s + n])])
                for s in range(len(ws))
                for n in range(1, min(pt.maxlen, len(ws) - s) + 1)
                if tuple(ws[s : s + n]) in phrase_id
            ]
        )
    present = {p for f in found for _, _, p in f}
    par_lists = {}
    for r in sorted(present):
        pl = tuple(
            q for q in pt.ent_par[pt.ref_off[r] : pt.ref_off[r + 1]].tolist() if q in present
        )
        if pl:
            par_lists[r] = pl
    parsets = {r: frozenset(pl) for r, pl in par_lists.items()}
    relevant = sorted(set(par_lists) | {q for pl in par_lists.values() for q in pl})
    par_len = {p: int(pt.lengths[p]) for p in relevant}
    per_line = []
    for f in found:
        win = [(s, n, p) for s, n, p in f if p in par_len]
        refs_at = [(s, n, p) for s, n, p in win if p in parsets]
        per_line.append(
            (
                [p for _, _, p in win],
                [s for s, _, _ in win],
                frozenset(p for _, _, p in win),
                refs_at,
                frozenset().union(*(parsets[p] for _, _, p in refs_at)),
            )
        )
    return per_line, par_lists, parsets, par_len


def _check(pt, tokens, lines):
    paras, entries = pt.lookup(tokens, lines)
    per_line, par_lists, parsets, par_len = _brute_force(pt, tokens, lines)
    assert par_lists, "the random table should give some entries"
    got = [(p.pids, p.starts, p.present, p.refs_at, p.reachable) for p in paras]
    assert got == per_line
    assert list(entries.par_lists.items()) == list(par_lists.items())
    assert list(entries.parsets.items()) == list(parsets.items())
    assert list(entries.par_len.items()) == list(par_len.items())
    assert all(p is meteor_data._NO_PHRASES for p, want in zip(paras, per_line) if not want[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lookup_matches_brute_force(tmp_path, seed):
    r = random.Random(seed)
    pt = _table(tmp_path, r)
    _check(pt, *_lines(r))


def test_lookup_with_colliding_keys(tmp_path, monkeypatch):
    """16 possible keys: most phrases and prefixes share theirs with others."""
    strong = meteor_data._finish
    monkeypatch.setattr(meteor_data, "_finish", lambda h, n: strong(h, n) & np.uint64(15))
    r = random.Random(3)
    pt = _table(tmp_path, r)
    assert len(np.unique(pt.sorted_keys)) < len(pt.sorted_keys)
    _check(pt, *_lines(r))


def test_lookup_without_phrases(tmp_path):
    pt = _table(tmp_path, random.Random(4))
    for tokens, lines in [([], []), (["a"], [[], []]), (["a", "b"], [[0, 1, 0], [1]])]:
        paras, entries = pt.lookup(tokens, lines)
        assert all(p is meteor_data._NO_PHRASES for p in paras) and len(paras) == len(lines)
        assert not entries.par_lists and not entries.par_len


def test_dense_ids():
    r = np.random.default_rng(0)
    for size, n in [(50, 1000), (10**9, 1000)]:  # a table, and the sort for a sparse range
        codes = r.integers(0, size, n)
        ids, distinct = meteor_data._dense_ids(codes, size)
        assert np.array_equal(distinct, np.unique(codes)) and np.array_equal(distinct[ids], codes)
