"""METEOR 1.5's English data, read from the installed pycocoevalcap package (never downloaded).

* ``function/english.words``, ``nonbreaking/english.prefixes`` and ``synonym/english.*``
  are entries of ``pycocoevalcap/meteor/meteor-1.5.jar`` (a zip file).
* The paraphrase table is ``pycocoevalcap/meteor/data/paraphrase-en.gz`` (62 MB, 5.27M
  entries as ``prob / reference phrase / paraphrase`` line triples). Parsing it takes several
  seconds, so the first use converts it into a compact on-disk cache (numpy arrays under
  ``$LLAVAR2_CACHE_DIR/meteor`` or ``~/.cache/llavar2/meteor``, keyed by the source file's size
  and modification time, written atomically); later runs memory-map the arrays and look up
  only the phrases that occur in the segments being scored.

The jar's ``ParaphraseTransducer`` stores reference phrases in a trie and, for a segment
position, emits every table entry whose reference phrase starts there, shortest phrase first
and, for one phrase, in file order. The cache keeps exactly that: the distinct phrases (word ids
of the table's vocabulary), and for every reference phrase its paraphrases in file order; and
the keys of all proper phrase prefixes, so that a lookup stops extending an n-gram of a segment
as soon as no phrase begins with it.
"""

from __future__ import annotations

import atexit
import gzip
import importlib.util
import itertools
import json
import os
import shutil
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

CACHE_FORMAT = 3
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)


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


def _mix(h: np.ndarray, w: np.ndarray) -> np.ndarray:
    h = (h ^ (w.astype(np.uint64) + np.uint64(1))) * _M1
    return h ^ (h >> np.uint64(31))


def _finish(h: np.ndarray, length: int | np.ndarray) -> np.ndarray:
    h = (h ^ np.asarray(length, dtype=np.uint64)) * _M2
    return h ^ (h >> np.uint64(29))


def phrase_keys(words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """64-bit keys of phrases given as padded word-id rows (prefix-incremental hash)."""
    h = np.zeros(len(words), dtype=np.uint64)
    out = np.zeros(len(words), dtype=np.uint64)
    for k in range(words.shape[1]):
        h = _mix(h, words[:, k])
        at = lengths == k + 1
        out[at] = _finish(h[at], k + 1)
    return out


def prefix_keys(words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The distinct keys of the phrases' proper prefixes (as ``phrase_keys``), ascending."""
    h = np.zeros(len(words), dtype=np.uint64)
    out = []
    for k in range(words.shape[1] - 1):
        h = _mix(h, words[:, k])
        at = lengths > k + 1
        out.append(_finish(h[at], k + 1))
    return np.unique(np.concatenate(out)) if out else np.zeros(0, dtype=np.uint64)


def _search(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.searchsorted(sorted_keys, keys)``, the keys searched in ascending order: each
    search then starts where the previous one ended, which saves cache misses in a large
    table."""
    order = np.argsort(keys)
    at = np.empty(len(keys), dtype=np.intp)
    at[order] = np.searchsorted(sorted_keys, keys[order])
    return at


def _in_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each key occurs in ``sorted_keys`` (ascending)."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(_search(sorted_keys, keys), len(sorted_keys) - 1)
    return np.asarray(sorted_keys[at]) == keys


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


class ParaphraseTable:
    """The cached paraphrase table (memory-mapped numpy arrays)."""

    def __init__(self, directory: Path):
        meta = json.loads((directory / "meta.json").read_text())
        self.maxlen: int = meta["maxlen"]
        words = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")
        self.vocab: dict[str, int] = {w: i for i, w in enumerate(words)}

        def arr(name: str) -> np.ndarray:
            return np.load(directory / f"{name}.npy", mmap_mode="r")

        self.words = arr("words")  # [P, maxlen] word ids, padded with the dtype's max
        self.lengths = arr("lengths")  # [P]
        self.sorted_keys = arr("keys")  # [P] phrase keys, ascending
        self.key_order = arr("keyorder")  # [P] phrase id of each sorted key
        self.prefix_keys = arr("prefixes")  # keys of the phrases' proper prefixes, ascending
        self.ref_off = arr("ref_off")  # [P+1] entry range of each reference phrase
        # [E] paraphrase phrase ids, grouped by reference phrase, in file order
        self.ent_par = arr("ent_par")

    @classmethod
    def open(cls) -> ParaphraseTable:
        src = paraphrase_path()
        st = src.stat()
        tag = f"v{CACHE_FORMAT}-{st.st_size}-{st.st_mtime_ns}"
        directory = cache_root() / f"paraphrase-en-{tag}"
        if not (directory / "meta.json").exists():
            try:
                build_paraphrase_cache(src, directory)
            except OSError as exc:  # cache not writable: build a private copy instead
                warnings.warn(
                    f"METEOR paraphrase cache not writable at {directory} ({exc}); "
                    "using a temporary one for this process",
                    stacklevel=2,
                )
                private = Path(tempfile.mkdtemp(prefix="llavar2-meteor-"))
                atexit.register(shutil.rmtree, private, ignore_errors=True)
                directory = private / "table"
                build_paraphrase_cache(src, directory)
        return cls(directory)

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
        tok_vid = np.asarray([self.vocab.get(t, -1) for t in tokens] + [-1], dtype=np.int64)
        line_start = np.zeros(n_lines, dtype=np.int64)
        np.cumsum(lens[:-1] + 1, out=line_start[1:])
        n = int(lens.sum()) + n_lines
        with_sep = itertools.chain.from_iterable(zip(lines, itertools.repeat((sep,))))
        flat = np.fromiter(itertools.chain.from_iterable(with_sep), dtype=np.int64, count=n)
        known = tok_vid[flat] >= 0
        # Windows grow one word at a time, and only while their n-gram is a proper prefix of
        # some phrase: a phrase's prefixes all are. The distinct n-grams of each length get
        # dense ids (nodes; a node's code is its parent node * width + its last word, the
        # empty n-gram being node 0), so the table is searched once per distinct n-gram.
        pos = np.flatnonzero(known)
        if not len(pos):  # no known word anywhere
            return result, entries
        codes, n_codes = flat[pos], width
        h = np.zeros(1, dtype=np.uint64)
        words = np.zeros((1, 0), dtype=np.int64)  # each node's table word ids
        levels = []  # per length: (window starts, their nodes, each node's phrase id or -1)
        for length in range(1, self.maxlen + 1):
            node, distinct = _dense_ids(codes, n_codes)
            parent, word = np.divmod(distinct, width)
            h = _mix(h[parent], tok_vid[word])
            keys = _finish(h, length)
            words = np.column_stack((words[parent], tok_vid[word]))
            starts = np.arange(0, words.size, length)
            levels.append((pos, node, self._find(keys, words.ravel(), starts, length)))
            if length == self.maxlen:
                break
            grow = _in_sorted(self.prefix_keys, keys)[node] & known[pos + length]
            pos = pos[grow]
            if not len(pos):
                break
            codes, n_codes = node[grow] * width + flat[pos + length], len(distinct) * width
        present_ids = np.unique(np.concatenate([pid for _, _, pid in levels]))
        present_ids = present_ids[present_ids >= 0]
        if not len(present_ids):
            return result, entries
        present = np.zeros(len(self.lengths), dtype=bool)
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
        relevant = np.zeros(len(self.lengths) + 1, dtype=bool)
        relevant[owner] = True
        relevant[pars] = True
        rel_ids = np.flatnonzero(relevant)
        par_len = dict(zip(rel_ids.tolist(), np.asarray(self.lengths[rel_ids]).tolist()))
        entries = ParaphraseEntries(par_lists, parsets, par_len)
        # From here on phrases are numbered by rank in ``rel_ids``; ``rel_obj[ranks]`` turns
        # ranks into phrase ids that share the few int objects of ``par_len``'s keys (rather
        # than one new int per occurrence).
        rel_obj = np.array(list(par_len), dtype=object)
        # The windows holding a relevant phrase, by start then length. Keyed (start, length),
        # each length's windows are ascending already, which a stable sort merges quickly.
        shift = self.maxlen.bit_length()
        w_key, w_rank = [], []
        for length, (pos, node, pid) in enumerate(levels, start=1):
            rel = relevant[pid]
            if rel.any():
                at = rel[node]
                w_key.append((pos[at] << shift) | (length - 1))
                w_rank.append(np.searchsorted(rel_ids, pid)[node[at]])
        w_key = np.concatenate(w_key)
        order = np.argsort(w_key, kind="stable")
        w_key = w_key[order]
        w_start, w_len = w_key >> shift, (w_key & ((1 << shift) - 1)) + 1
        w_rank = np.concatenate(w_rank)[order]
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

    def _find(self, keys: np.ndarray, ids: np.ndarray, starts: np.ndarray, lengths) -> np.ndarray:
        """Phrase id of each window (found by key, then verified word by word); -1 if none."""
        lengths = np.broadcast_to(np.asarray(lengths, dtype=np.int64), keys.shape)
        sk = self.sorted_keys
        pos = np.minimum(_search(sk, keys), len(sk) - 1)
        out = np.full(len(keys), -1, dtype=np.int64)
        hit_idx = np.flatnonzero(np.asarray(sk[pos]) == keys)
        if not len(hit_idx):
            return out
        cand = np.asarray(self.key_order[pos[hit_idx]], dtype=np.int64)
        rows = np.asarray(self.words[cand], dtype=np.int64)
        want = lengths[hit_idx]
        good = np.asarray(self.lengths[cand], dtype=np.int64) == want
        st = starts[hit_idx]
        last = len(ids) - 1
        for k in range(rows.shape[1]):
            inside = k < want
            good &= ~inside | (rows[:, k] == ids[np.minimum(st + k, last)])
        out[hit_idx[good]] = cand[good]
        # a key shared by several phrases (a hash collision): check the others too
        for q in hit_idx[~good].tolist():
            length = int(lengths[q])
            p = int(pos[q]) + 1
            while p < len(sk) and sk[p] == keys[q]:
                pid = int(self.key_order[p])
                if int(self.lengths[pid]) == length and all(
                    int(self.words[pid, k]) == int(ids[starts[q] + k]) for k in range(length)
                ):
                    out[q] = pid
                    break
                p += 1
        return out


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


def build_paraphrase_cache(src: Path, directory: Path) -> None:
    """Parse the paraphrase table once into numpy arrays under ``directory`` (atomically)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
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
    ref_ids = array("q")
    par_ids = array("q")
    for refs, pars in entry_lines(data):
        ref_ids.extend(map(index.setdefault, refs, counter))
        par_ids.extend(map(index.setdefault, pars, counter))
    del data
    n_entries = min(len(ref_ids), len(par_ids))
    del ref_ids[n_entries:], par_ids[n_entries:]
    # the dict's values are the first-occurrence counter values, in insertion order
    first_ids = np.fromiter(index.values(), dtype=np.int64, count=len(index))
    compact = np.full(int(first_ids[-1]) + 1 if len(first_ids) else 0, -1, dtype=np.int32)
    compact[first_ids] = np.arange(len(first_ids), dtype=np.int32)
    ref_ids = compact[np.frombuffer(ref_ids, dtype=np.int64)]
    par_ids = compact[np.frombuffer(par_ids, dtype=np.int64)]
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
            windex = dict(zip(vocab_b, range(len(vocab_b))))
            tok_ids = np.frombuffer(array("i", map(windex.__getitem__, tokens)), dtype=np.int32)
            del tokens, windex
    if not plain:
        per = [java_tokenize(p) for p in blob.decode("utf-8", "replace").split("\n")[:-1]]
        flat = [t for toks in per for t in toks]
        vocab = list(dict.fromkeys(flat))
        windex = dict(zip(vocab, range(len(vocab))))
        tok_ids = np.fromiter(map(windex.__getitem__, flat), dtype=np.int64, count=len(flat))
        counts = np.fromiter((len(toks) for toks in per), dtype=np.int64)
        del per, flat, windex
    del blob
    maxlen = int(counts.max())
    dtype = np.uint16 if len(vocab) < 0xFFFF else np.uint32
    pad = np.iinfo(dtype).max
    n_phr = len(counts)
    words = np.full((n_phr, maxlen), pad, dtype=dtype)
    rows = np.repeat(np.arange(n_phr), counts)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    cols = np.arange(len(tok_ids)) - np.repeat(offsets, counts)
    words[rows, cols] = tok_ids
    lengths = counts.astype(np.uint8 if maxlen < 256 else np.uint16)
    keys = phrase_keys(words, lengths)
    order = np.argsort(keys, kind="stable")
    ref_arr, par_arr = ref_ids, par_ids
    grouped = np.argsort(ref_arr, kind="stable")
    ent_par = par_arr[grouped]
    ref_off = np.zeros(n_phr + 1, dtype=np.int64)
    np.cumsum(np.bincount(ref_arr, minlength=n_phr), out=ref_off[1:])
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=directory.parent))
    try:
        (tmp / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
        np.save(tmp / "words.npy", words)
        np.save(tmp / "lengths.npy", lengths)
        np.save(tmp / "keys.npy", keys[order])
        np.save(tmp / "keyorder.npy", order.astype(np.int32))
        np.save(tmp / "prefixes.npy", prefix_keys(words, lengths))
        np.save(tmp / "ref_off.npy", ref_off)
        np.save(tmp / "ent_par.npy", ent_par)
        meta = {
            "format": CACHE_FORMAT,
            "source": str(src),
            "entries": len(ent_par),
            "phrases": n_phr,
            "vocab": len(vocab),
            "maxlen": maxlen,
            "key_collisions": int((np.diff(keys[order]) == 0).sum()),
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


def paraphrases_of(table: ParaphraseTable, words: list[str]) -> list[list[str]]:
    """The table's paraphrases of one phrase, in file order (for tests and inspection)."""
    ids = [table.vocab.get(w, -1) for w in words]
    if not words or min(ids) < 0 or len(words) > table.maxlen:
        return []
    arr = np.asarray(ids, dtype=np.int64)
    key = phrase_keys(arr[None, :], np.asarray([len(ids)]))
    pid = int(table._find(key, arr, np.zeros(1, dtype=np.int64), len(ids))[0])
    if pid < 0:
        return []
    inv = list(table.vocab)
    out = []
    for e in range(int(table.ref_off[pid]), int(table.ref_off[pid + 1])):
        q = int(table.ent_par[e])
        out.append([inv[int(w)] for w in table.words[q, : int(table.lengths[q])]])
    return out
