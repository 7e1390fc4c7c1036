"""METEOR 1.5's English data, read from the installed pycocoevalcap package (never downloaded).

* ``function/english.words``, ``nonbreaking/english.prefixes`` and ``synonym/english.*``
  are entries of ``pycocoevalcap/meteor/meteor-1.5.jar`` (a zip file).
* The paraphrase table is ``pycocoevalcap/meteor/data/paraphrase-en.gz`` (62 MB, 5.27M
  entries as ``prob / reference phrase / paraphrase`` line triples). Parsing it takes about
  15 s, so llavar2 ships it parsed (``tables/paraphrase-en.npz``, 21 MB, made by
  ``python -m llavar2.metrics.meteor.data pack`` and checked against the installed table by
  the tests). The first use unpacks it (a fraction of a second) into a cache of numpy arrays
  under ``$LLAVAR2_CACHE_DIR/meteor`` or ``~/.cache/llavar2/meteor``, keyed by the installed
  table's size and gzip trailer (CRC-32, length) and written atomically; cache directories of
  older formats there are deleted. An installed table other than the shipped one is parsed
  instead (once). Later runs memory-map the arrays and look up only the phrases that occur
  in the segments being scored.

The jar's ``ParaphraseTransducer`` stores reference phrases in a trie and, for a segment
position, emits every table entry whose reference phrase starts there, shortest phrase first
and, for one phrase, in file order. The cache keeps exactly that: the distinct phrases as
sorted fixed-width records of word ids (so one binary search says whether an n-gram is a
phrase and whether a longer phrase begins with it, which stops extending an n-gram of a
segment as soon as no phrase begins with it), and for every reference phrase its paraphrases
in file order.
"""

from __future__ import annotations

import atexit
import gzip
import importlib.util
import itertools
import json
import os
import shutil
import struct
import tempfile
import threading
import warnings
import zipfile
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .normalize import java_len, java_lines, java_tokenize, parse_nonbreaking_prefixes

CACHE_FORMAT = 4


def meteor_dir() -> Path:
    spec = importlib.util.find_spec("pycocoevalcap")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("METEOR needs the pycocoevalcap package (its METEOR 1.5 data)")
    return Path(next(iter(spec.submodule_search_locations))) / "meteor"


def jar_path() -> Path:
    return meteor_dir() / "meteor-1.5.jar"


def paraphrase_path() -> Path:
    return meteor_dir() / "data" / "paraphrase-en.gz"


def cache_root() -> Path:
    base = os.environ.get("LLAVAR2_CACHE_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "llavar2"
    return root / "meteor"


# --------------------------------------------------------------------------- small data


class Synonyms:
    """``SynonymDictionary``: WordNet synsets plus the exception and morphology fallbacks."""

    _SUFX = ("s", "ses", "xes", "zes", "ches", "shes", "men", "ies",
             "s", "ies", "es", "es", "ed", "ed", "ing", "ing",
             "er", "est", "er", "est")  # fmt: skip
    _ADDR = ("", "s", "x", "z", "ch", "sh", "man", "y",
             "", "y", "e", "", "e", "", "e", "",
             "", "", "e", "e")  # fmt: skip

    def __init__(self, synsets_text: str, exceptions_text: str):
        lines = java_lines(synsets_text)
        # word line, then its synset ids; a repeated word keeps its last set (Hashtable.put)
        self._raw: dict[str, str] = dict(zip(lines[0::2], lines[1::2]))
        self._parsed: dict[str, frozenset[int]] = {}
        self._bases: dict[str, list[str]] = {}
        exc = java_lines(exceptions_text)
        for k in range(0, len(exc) - 1, 2):
            base = exc[k]
            for form in java_tokenize(exc[k + 1]):
                self._bases.setdefault(form, []).append(base)

    def get_synsets(self, word: str) -> frozenset[int]:
        got = self._parsed.get(word)
        if got is None:
            raw = self._raw.get(word)
            got = frozenset(int(t) for t in java_tokenize(raw)) if raw is not None else frozenset()
            self._parsed[word] = got
        return got

    def _morph(self, word: str) -> str:
        """WordNet's morphology (``SynonymDictionary.morph``): a base form with synsets."""
        end = "ful" if word.endswith("ful") else ""
        if word.endswith("ss") or java_len(word) <= 2:
            return word
        for suf, add in zip(self._SUFX, self._ADDR):
            if word.endswith(suf):
                cand = word[: len(word) - len(suf)] + add
                if cand in self._raw:
                    return cand + end
        return ""

    def synsets(self, word: str) -> frozenset[int]:
        """``getSynSets(word)`` united with ``getStemSynSets(word)``, as SynonymMatcher does."""
        own = self.get_synsets(word)
        bases = self._bases.get(word)
        if bases is not None:
            stem_sets: frozenset[int] = frozenset().union(*(self.get_synsets(b) for b in bases))
        else:
            stem_sets = self.get_synsets(self._morph(word))
        return own | stem_sets if stem_sets else own


@dataclass
class Resources:
    function_words: frozenset[str]
    nonbreaking: dict[str, int]
    synonyms: Synonyms
    paraphrases: ParaphraseTable


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _jar_texts() -> dict[str, str]:
    names = {
        "function": "function/english.words",
        "nonbreaking": "nonbreaking/english.prefixes",
        "synsets": "synonym/english.synsets",
        "exceptions": "synonym/english.exceptions",
    }
    with zipfile.ZipFile(jar_path()) as z:
        return {k: z.read(v).decode("utf-8", "replace") for k, v in names.items()}


def load_resources() -> Resources:
    """All of METEOR's English data; loaded once per process."""
    with _LOCK:
        return _load_resources()


@lru_cache(maxsize=1)
def _load_resources() -> Resources:
    texts = _jar_texts()
    return Resources(
        function_words=frozenset(java_lines(texts["function"])),
        nonbreaking=parse_nonbreaking_prefixes(texts["nonbreaking"]),
        synonyms=Synonyms(texts["synsets"], texts["exceptions"]),
        paraphrases=ParaphraseTable.open(),
    )


# --------------------------------------------------------------------------- paraphrases


def source_id(src: Path) -> str:
    """The table file's identity: its size and its gzip trailer (CRC-32 and length of the
    text), read without decompressing anything."""
    with open(src, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 18:
            raise ValueError(f"{src} is not a gzip file")
        f.seek(-8, os.SEEK_END)
        crc, isize = struct.unpack("<II", f.read(8))
    return f"{size}-{crc:08x}-{isize}"


def _search(sorted_arr: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``np.searchsorted(sorted_arr, queries)``, the queries searched in ascending order: each
    search then starts where the previous one ended, which saves cache misses in a large
    table."""
    order = np.argsort(queries)
    at = np.empty(len(queries), dtype=np.intp)
    at[order] = np.searchsorted(sorted_arr, queries[order])
    return at


def _concat_ranges(lo: np.ndarray, cnt: np.ndarray) -> np.ndarray:
    """The ranges ``lo[k] .. lo[k] + cnt[k] - 1`` one after another (``cnt`` > 0)."""
    ends = np.cumsum(cnt)
    return np.repeat(lo - (ends - cnt), cnt) + np.arange(ends[-1])


def _dense_ids(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids 0..k-1 of the distinct ``codes`` (all in ``range(size)``), in code order, per
    code; and the distinct codes, ascending."""
    if size <= max(4 * len(codes), 1 << 22):  # a table this size is cheaper than a sort
        seen = np.zeros(size, dtype=bool)
        seen[codes] = True
        distinct = np.flatnonzero(seen)
        rank = np.empty(size, dtype=np.int64)
        rank[distinct] = np.arange(len(distinct))
        return rank[codes], distinct
    distinct, inverse = np.unique(codes, return_inverse=True)
    return inverse, distinct


def _word_dtype(vocab_size: int) -> np.dtype:
    """Big-endian word ids (1-based; 0 pads a phrase): records then sort like their words."""
    return np.dtype(">u2" if vocab_size < 0xFFFF else ">u4")


class ParaphraseTable:
    """The paraphrase table as sorted phrase records (memory-mapped numpy arrays).

    Each distinct phrase is one fixed-width record: its word ids (1-based, big-endian) padded
    with zeros to ``maxlen`` words, as a byte string. Records are sorted, so a phrase's id is
    its rank; a phrase sorts right before every longer phrase it begins, so one binary search
    tells whether an n-gram is a phrase and whether some phrase extends it (exactly, no hashes).
    ``ref_off[p]:ref_off[p + 1]`` is the range of ``ent_par`` holding the paraphrases of
    reference phrase ``p`` in file order.
    """

    def __init__(self, directory: Path):
        meta = json.loads((directory / "meta.json").read_text())
        self.maxlen: int = meta["maxlen"]
        words = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")
        self.vocab: dict[str, int] = {w: i for i, w in enumerate(words, start=1)}
        self._words = ["", *words]
        self.word_dtype = _word_dtype(len(words))

        def arr(name: str) -> np.ndarray:
            return np.load(directory / f"{name}.npy", mmap_mode="r")

        self.records = arr("records")  # [P] sorted phrase records (bytes)
        self.matrix = self.records.view(self.word_dtype).reshape(len(self.records), self.maxlen)
        self.ref_off = arr("ref_off")  # [P+1] entry range of each reference phrase
        # [E] paraphrase phrase ids, grouped by reference phrase, in file order
        self.ent_par = arr("ent_par")

    @classmethod
    def open(cls) -> ParaphraseTable:
        """The table of the installed pycocoevalcap, from the cache; made on first use from
        the data shipped with llavar2 (a fraction of a second), or parsed from the table
        itself when the installed one is not the one shipped (about 15 s, once)."""
        src = paraphrase_path()
        directory = cache_root() / f"paraphrase-en-v{CACHE_FORMAT}-{source_id(src)}"
        if not (directory / "meta.json").exists():
            try:
                remove_stale_caches(directory.parent)
                make_table(src, directory)
            except OSError as exc:  # cache not writable: a private copy instead
                warnings.warn(
                    f"METEOR paraphrase cache not writable at {directory} ({exc}); "
                    "using a temporary one for this process",
                    stacklevel=2,
                )
                private = Path(tempfile.mkdtemp(prefix="llavar2-meteor-"))
                atexit.register(shutil.rmtree, private, ignore_errors=True)
                directory = private / "table"
                make_table(src, directory)
        return cls(directory)

    def phrase_words(self, pid: int) -> list[str]:
        row = self.matrix[pid]
        return [self._words[int(w)] for w in row if w]

    def paraphrases(self, pid: int) -> list[int]:
        """Paraphrase ids of reference phrase ``pid``, in file order."""
        return self.ent_par[int(self.ref_off[pid]) : int(self.ref_off[pid + 1])].tolist()

    def find(self, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For n-grams given as rows of word ids (``[n, k]``, all > 0): the phrase id of
        each (-1 if none), and whether some longer phrase begins with it."""
        n, k = words.shape
        n_phr = len(self.records)
        none = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool)
        if not n or not n_phr or k > self.maxlen:
            return none
        q = np.zeros((n, self.maxlen), dtype=self.word_dtype)
        q[:, :k] = words
        qrec = q.view(self.records.dtype).ravel()
        pos = _search(self.records, qrec)
        at = np.minimum(pos, n_phr - 1)
        exact = (pos < n_phr) & (np.asarray(self.records[at]) == qrec)
        pid = np.where(exact, at, -1)
        if k == self.maxlen:
            return pid, none[1]
        # the phrases that begin with the n-gram follow it (or its own record) directly
        nxt = pos + exact
        nc = np.minimum(nxt, n_phr - 1)
        rows = np.asarray(self.matrix[nc, : k + 1])
        extends = (nxt < n_phr) & (rows[:, :k] == words).all(axis=1) & (rows[:, k] != 0)
        return pid, extends

    def lookup(
        self, tokens: list[str], lines: list[list[int]]
    ) -> tuple[list[LineParaphrases], ParaphraseEntries]:
        """Phrase occurrences of every line, and the table entries that can match.

        ``tokens`` are the distinct words, ``lines`` the lines as indexes into ``tokens``.
        Keeps the entries whose reference phrase and paraphrase both occur (as word n-grams)
        in some line: no other entry can produce a match. Work is proportional to the
        n-grams of the lines that begin some table phrase, not to the table, and the table
        is searched once per distinct n-gram.
        """
        result = [_NO_PHRASES] * len(lines)
        entries = ParaphraseEntries({}, {}, {})
        n_lines = len(lines)
        lens = np.fromiter(map(len, lines), dtype=np.int64, count=n_lines)
        if not lens.any():
            return result, entries
        # The lines laid end to end, each followed by index ``sep`` (no table word), so no
        # all-known window crosses a line end.
        sep = len(tokens)
        width = sep + 1
        tok_vid = np.asarray([self.vocab.get(t, 0) for t in tokens] + [0], dtype=np.int64)
        line_start = np.zeros(n_lines, dtype=np.int64)
        np.cumsum(lens[:-1] + 1, out=line_start[1:])
        n = int(lens.sum()) + n_lines
        with_sep = itertools.chain.from_iterable(zip(lines, itertools.repeat((sep,))))
        flat = np.fromiter(itertools.chain.from_iterable(with_sep), dtype=np.int64, count=n)
        known = tok_vid[flat] > 0
        # Windows grow one word at a time, and only while their n-gram is a proper prefix of
        # some phrase: a phrase's prefixes all are. The distinct n-grams of each length get
        # dense ids (nodes; a node's code is its parent node * width + its last word, the
        # empty n-gram being node 0), so the table is searched once per distinct n-gram.
        pos = np.flatnonzero(known)
        if not len(pos):  # no known word anywhere
            return result, entries
        codes, n_codes = flat[pos], width
        words = np.zeros((1, 0), dtype=np.int64)  # each node's table word ids
        levels = []  # per length: (window starts, their nodes, each node's phrase id or -1)
        for length in range(1, self.maxlen + 1):
            node, distinct = _dense_ids(codes, n_codes)
            parent, word = np.divmod(distinct, width)
            words = np.column_stack((words[parent], tok_vid[word]))
            pid, extends = self.find(words)
            levels.append((pos, node, pid))
            if length == self.maxlen:
                break
            grow = extends[node] & known[pos + length]
            pos = pos[grow]
            if not len(pos):
                break
            codes, n_codes = node[grow] * width + flat[pos + length], len(distinct) * width
        present_ids = np.unique(np.concatenate([pid for _, _, pid in levels]))
        present_ids = present_ids[present_ids >= 0]
        if not len(present_ids):
            return result, entries
        present = np.zeros(len(self.records), dtype=bool)
        present[present_ids] = True
        # entries of present reference phrases whose paraphrase is present too
        lo = np.asarray(self.ref_off[present_ids], dtype=np.int64)
        hi = np.asarray(self.ref_off[present_ids + 1], dtype=np.int64)
        cnt = hi - lo
        has = cnt > 0
        refs, lo, cnt = present_ids[has], lo[has], cnt[has]
        if not len(refs):
            return result, entries
        pars = np.asarray(self.ent_par[_concat_ranges(lo, cnt)], dtype=np.int64)
        keep = present[pars]
        owner = np.repeat(refs, cnt)[keep]
        pars = pars[keep]
        if not len(pars):
            return result, entries
        group_start = np.flatnonzero(np.diff(owner, prepend=-1))
        ref_ids = owner[group_start]  # ascending
        owner_l = ref_ids.tolist()
        pars_l = pars.tolist()
        cuts = group_start.tolist() + [len(pars_l)]
        par_lists = {r: tuple(pars_l[cuts[k] : cuts[k + 1]]) for k, r in enumerate(owner_l)}
        parsets = {r: frozenset(pl) for r, pl in par_lists.items()}
        # one slot past the phrase ids: index -1 (a node that is no phrase) is never relevant
        relevant = np.zeros(len(self.records) + 1, dtype=bool)
        relevant[owner] = True
        relevant[pars] = True
        rel_ids = np.flatnonzero(relevant)
        rel_len = np.count_nonzero(np.asarray(self.matrix[rel_ids]), axis=1)
        par_len = dict(zip(rel_ids.tolist(), rel_len.tolist()))
        entries = ParaphraseEntries(par_lists, parsets, par_len)
        # From here on phrases are numbered by rank in ``rel_ids``; ``rel_obj[ranks]`` turns
        # ranks into phrase ids that share the few int objects of ``par_len``'s keys (rather
        # than one new int per occurrence).
        rel_obj = np.array(list(par_len), dtype=object)
        # The windows holding a relevant phrase, by start then length. Keyed (start, length),
        # each length's windows are ascending already, which a stable sort merges quickly.
        shift = self.maxlen.bit_length()
        keys: list[np.ndarray] = []  # per length, of its windows
        ranks: list[np.ndarray] = []
        for length, (pos, node, pid) in enumerate(levels, start=1):
            rel = relevant[pid]
            if rel.any():
                at = rel[node]
                keys.append((pos[at] << shift) | (length - 1))
                ranks.append(np.searchsorted(rel_ids, pid)[node[at]])
        w_key = np.concatenate(keys)
        del keys
        order = np.argsort(w_key, kind="stable")
        w_key = w_key[order]
        w_start, w_len = w_key >> shift, (w_key & ((1 << shift) - 1)) + 1
        w_rank = np.concatenate(ranks)[order]
        del ranks
        cut = np.searchsorted(w_start, np.append(line_start, n))  # windows of each line
        w_col = w_start - np.repeat(line_start, np.diff(cut))  # start within the line
        is_ref = np.isin(rel_ids, ref_ids)[w_rank]
        rcut = np.concatenate(([0], np.cumsum(is_ref)))[cut]  # reference windows of each line
        ref_rank = w_rank[is_ref]
        refs_at = list(
            zip(w_col[is_ref].tolist(), w_len[is_ref].tolist(), rel_obj[ref_rank].tolist())
        )
        # The paraphrases of each reference window laid flat (as ranks), so that a line's
        # reachable set is the set of one slice.
        set_flat = np.searchsorted(
            rel_ids,
            np.fromiter(itertools.chain.from_iterable(map(parsets.__getitem__, owner_l)), np.int64),
        )
        set_len = np.zeros(len(rel_ids), dtype=np.int64)  # per rank, in ``set_flat``
        set_len[np.searchsorted(rel_ids, ref_ids)] = [len(parsets[r]) for r in owner_l]
        set_start = np.cumsum(set_len) - set_len
        reach = set_flat[_concat_ranges(set_start[ref_rank], set_len[ref_rank])]
        reach_cut = np.concatenate(([0], np.cumsum(set_len[ref_rank])))[rcut]
        # one object per line with a window, built by C-level maps over slices
        lines_with = np.flatnonzero(cut[1:] > cut[:-1])
        spans = list(map(slice, cut[lines_with].tolist(), cut[lines_with + 1].tolist()))
        ref_spans = map(slice, rcut[lines_with].tolist(), rcut[lines_with + 1].tolist())
        reach_spans = map(slice, reach_cut[lines_with].tolist(), reach_cut[lines_with + 1].tolist())
        pid_l, col_l, reach_l = rel_obj[w_rank].tolist(), w_col.tolist(), rel_obj[reach].tolist()
        objs = map(
            LineParaphrases,
            map(pid_l.__getitem__, spans),
            map(col_l.__getitem__, spans),
            map(frozenset, map(pid_l.__getitem__, spans)),
            map(refs_at.__getitem__, ref_spans),
            map(frozenset, map(reach_l.__getitem__, reach_spans)),
        )
        for li, lp in zip(lines_with.tolist(), objs):
            result[li] = lp
        return result, entries


class LineParaphrases:
    """Paraphrase-table view of one line (token sequence)."""

    __slots__ = ("pids", "present", "reachable", "refs_at", "starts")

    def __init__(
        self,
        pids: list[int] | None = None,
        starts: list[int] | None = None,
        present: frozenset[int] = frozenset(),
        refs_at: list[tuple[int, int, int]] | None = None,
        reachable: frozenset[int] = frozenset(),
    ) -> None:
        self.pids = pids or []  # relevant phrases found in the line, by start then length
        self.starts = starts or []  # their start positions
        self.present = present  # the set of ``pids``
        self.refs_at = refs_at or []  # (start, length, ref phrase id)
        self.reachable = reachable  # paraphrases of the reference phrases of this line


_NO_PHRASES = LineParaphrases()


@dataclass
class ParaphraseEntries:
    """The kept table entries: reference phrase -> paraphrases (file order), and lengths."""

    par_lists: dict[int, tuple[int, ...]]
    parsets: dict[int, frozenset[int]]
    par_len: dict[int, int]


def parse_paraphrase_table(src: Path) -> TableArrays:
    """Parse ``paraphrase-en.gz`` into ``TableArrays`` (about 15 s and 1.3 GB at peak)."""
    data = gzip.decompress(src.read_bytes())
    if b"\r" in data:  # BufferedReader.readLine also ends lines at \r and \r\n
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def entry_lines(data: bytes):
        """(reference lines, paraphrase lines) per chunk, in file order.

        Lines 3e, 3e+1, 3e+2 of entry e: probability, reference phrase, paraphrase. The
        text is split in chunks (at line ends) to bound memory.
        """
        pos = 0
        line_no = 0
        while pos < len(data):
            end = data.find(b"\n", pos + (1 << 25))
            end = len(data) if end < 0 else end + 1
            lines = data[pos:end].split(b"\n")
            if lines[-1] == b"":
                lines.pop()
            yield lines[(1 - line_no) % 3 :: 3], lines[(2 - line_no) % 3 :: 3]
            line_no += len(lines)
            pos = end

    # Phrase ids: setdefault with a running counter assigns each distinct phrase the counter
    # value of its first occurrence (C-level loops); np.unique makes them contiguous.
    index: dict[bytes, int] = {}
    counter = itertools.count()
    ref_first = array("q")  # by first-occurrence counter value
    par_first = array("q")
    for refs, pars in entry_lines(data):
        ref_first.extend(map(index.setdefault, refs, counter))
        par_first.extend(map(index.setdefault, pars, counter))
    del data
    n_entries = min(len(ref_first), len(par_first))
    del ref_first[n_entries:], par_first[n_entries:]
    # the dict's values are the first-occurrence counter values, in insertion order
    first_ids = np.fromiter(index.values(), dtype=np.int64, count=len(index))
    compact = np.full(int(first_ids[-1]) + 1 if len(first_ids) else 0, -1, dtype=np.int32)
    compact[first_ids] = np.arange(len(first_ids), dtype=np.int32)
    ref_ids = compact[np.frombuffer(ref_first, dtype=np.int64)]
    del ref_first
    par_ids = compact[np.frombuffer(par_first, dtype=np.int64)]
    del par_first
    phrases = list(index)
    del index, first_ids, compact
    blob = b"\n".join(phrases) + b"\n"
    del phrases
    plain = not any(c in blob for c in (b"  ", b"\n ", b" \n", b"\t", b"\f", b"\n\n")) and not (
        blob.startswith((b" ", b"\n"))
    )
    if plain:
        # single-space separated, non-empty phrases: count words from the bytes
        raw = np.frombuffer(blob, dtype=np.uint8)
        newlines = np.flatnonzero(raw == 10)
        line_of_space = np.searchsorted(newlines, np.flatnonzero(raw == 32))
        counts = np.bincount(line_of_space, minlength=len(newlines)) + 1
        del raw, newlines, line_of_space
        tokens = blob.replace(b"\n", b" ").split(b" ")[:-1]
        vocab_b = list(dict.fromkeys(tokens))
        vocab = [w.decode("utf-8", "replace") for w in vocab_b]
        if len(set(vocab)) != len(vocab):  # undecodable bytes merged two words
            plain = False
        else:
            byte_index = dict(zip(vocab_b, range(len(vocab_b))))
            tok_ids = np.frombuffer(array("i", map(byte_index.__getitem__, tokens)), dtype=np.int32)
            del tokens, byte_index
    if not plain:
        per = [java_tokenize(p) for p in blob.decode("utf-8", "replace").split("\n")[:-1]]
        flat = [t for toks in per for t in toks]
        vocab = list(dict.fromkeys(flat))
        word_index = dict(zip(vocab, range(len(vocab))))
        tok_ids = np.fromiter(map(word_index.__getitem__, flat), dtype=np.int64, count=len(flat))
        counts = np.fromiter((len(toks) for toks in per), dtype=np.int64)
        del per, flat, word_index
    del blob

    return _table_arrays(vocab, tok_ids, counts, ref_ids, par_ids)


@dataclass
class TableArrays:
    """The table's content: vocabulary, sorted phrases, and each reference phrase's
    paraphrases in file order."""

    vocab: list[str]
    matrix: np.ndarray  # [P, maxlen] word ids (1-based, 0 pads), rows sorted
    ref_off: np.ndarray  # [P+1] int32
    ent_par: np.ndarray  # [E] int32


def _table_arrays(vocab, tok_ids, counts, ref_ids, par_ids) -> TableArrays:
    """Phrases (by first occurrence) as sorted records; entries renumbered and grouped."""
    maxlen = int(counts.max()) if len(counts) else 1
    dtype = _word_dtype(len(vocab))
    n_phr = len(counts)
    words = np.zeros((n_phr, maxlen), dtype=dtype)
    rows = np.repeat(np.arange(n_phr), counts)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1])) if n_phr else np.zeros(0, np.int64)
    cols = np.arange(len(tok_ids)) - np.repeat(offsets, counts)
    words[rows, cols] = np.asarray(tok_ids, dtype=np.int64) + 1
    # one id per distinct word sequence (two lines that tokenise alike are one phrase)
    records, rank = np.unique(
        words.view(f"S{dtype.itemsize * maxlen}").ravel(), return_inverse=True
    )
    rank = rank.ravel()
    ref_arr, par_arr = rank[ref_ids], rank[par_ids]
    grouped = np.argsort(ref_arr, kind="stable")
    ref_off = np.zeros(len(records) + 1, dtype=np.int64)
    np.cumsum(np.bincount(ref_arr, minlength=len(records)), out=ref_off[1:])
    return TableArrays(
        vocab=vocab,
        matrix=records.view(dtype).reshape(len(records), maxlen),
        ref_off=ref_off.astype(np.int32),
        ent_par=par_arr[grouped].astype(np.int32),
    )


def write_table(arrays: TableArrays, directory: Path, meta: dict) -> None:
    """The table's cache files under ``directory``, written atomically (a temporary
    directory renamed into place: a concurrent writer of the same table loses harmlessly)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=directory.parent))
    try:
        (tmp / "vocab.txt").write_text("\n".join(arrays.vocab), encoding="utf-8")
        matrix = np.ascontiguousarray(arrays.matrix, dtype=_word_dtype(len(arrays.vocab)))
        np.save(tmp / "records.npy", matrix.view(f"S{matrix.strides[0]}").ravel())
        np.save(tmp / "ref_off.npy", arrays.ref_off)
        np.save(tmp / "ent_par.npy", arrays.ent_par)
        meta = {
            **meta,
            "format": CACHE_FORMAT,
            "entries": len(arrays.ent_par),
            "phrases": len(matrix),
            "vocab": len(arrays.vocab),
            "maxlen": matrix.shape[1],
        }
        (tmp / "meta.json").write_text(json.dumps(meta))
        try:
            os.rename(tmp, directory)
        except OSError:
            if not (directory / "meta.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def build_paraphrase_cache(src: Path, directory: Path) -> None:
    """Parse the table at ``src`` into the cache files under ``directory``."""
    write_table(parse_paraphrase_table(src), directory, {"source": str(src), "built": "parsed"})


# The table as shipped with llavar2: the arrays of ``parse_paraphrase_table`` for the
# paraphrase-en.gz of pycocoevalcap 1.2 (its size and gzip trailer in ``source_id``),
# compressed (``np.savez_compressed``). Regenerate with
# ``python -m llavar2.metrics.meteor.data pack``; a test checks it against the installed table.
PACKAGED = Path(__file__).resolve().parent / "tables" / "paraphrase-en.npz"


def pack(src: Path, out: Path) -> None:
    """Write the shipped form of the table at ``src`` to ``out``."""
    arrays = parse_paraphrase_table(src)
    counts = np.diff(arrays.ref_off)
    refs = np.flatnonzero(counts)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        source=np.frombuffer(source_id(src).encode(), dtype=np.uint8),
        vocab=np.frombuffer("\n".join(arrays.vocab).encode("utf-8"), dtype=np.uint8),
        # column by column, and byte plane by byte plane: about 20% smaller compressed
        matrix_t=np.ascontiguousarray(arrays.matrix.T),
        refs=refs.astype(np.int32),
        counts=counts[refs].astype(np.int32),
        ent_par_planes=np.ascontiguousarray(
            arrays.ent_par.astype("<i4").view(np.uint8).reshape(-1, 4).T
        ),
    )


def packaged_source(path: Path = PACKAGED) -> str | None:
    """``source_id`` of the table the shipped data was made from (None: nothing shipped)."""
    if not path.exists():
        return None
    with np.load(path) as z:
        return z["source"].tobytes().decode()


def unpack(path: Path) -> TableArrays:
    with np.load(path) as z:
        matrix = np.ascontiguousarray(z["matrix_t"].T)
        refs, counts = z["refs"], z["counts"]
        per = np.zeros(len(matrix), dtype=np.int32)
        per[refs] = counts
        ref_off = np.zeros(len(matrix) + 1, dtype=np.int32)
        np.cumsum(per, out=ref_off[1:])
        return TableArrays(
            vocab=z["vocab"].tobytes().decode("utf-8").split("\n"),
            matrix=matrix,
            ref_off=ref_off,
            ent_par=np.ascontiguousarray(z["ent_par_planes"].T).view("<i4").ravel(),
        )


def make_table(src: Path, directory: Path) -> None:
    """The cache of the table at ``src``: from the shipped data when it was made from the
    same file (size and gzip trailer), else parsed from ``src``."""
    sid = source_id(src)
    if packaged_source() == sid:
        write_table(unpack(PACKAGED), directory, {"source": str(src), "built": "packaged"})
    else:
        build_paraphrase_cache(src, directory)


def remove_stale_caches(root: Path) -> list[Path]:
    """Delete cache directories of other (older) formats under ``root``; returns them."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for d in root.glob("paraphrase-en-v*"):
        version = d.name[len("paraphrase-en-v") :].split("-", 1)[0]
        if d.is_dir() and version.isdigit() and int(version) != CACHE_FORMAT:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def paraphrases_of(table: ParaphraseTable, words: list[str]) -> list[list[str]]:
    """The table's paraphrases of one phrase, in file order (for tests and inspection)."""
    ids = [table.vocab.get(w, 0) for w in words]
    if not words or min(ids) <= 0 or len(words) > table.maxlen:
        return []
    pid = int(table.find(np.asarray([ids], dtype=np.int64))[0][0])
    if pid < 0:
        return []
    return [table.phrase_words(q) for q in table.paraphrases(pid)]


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description="METEOR paraphrase table data")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack", help="write the shipped table from the installed pycocoevalcap")
    p.add_argument("--out", type=Path, default=PACKAGED)
    args = ap.parse_args(argv)
    if args.cmd == "pack":
        pack(paraphrase_path(), args.out)
        print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
