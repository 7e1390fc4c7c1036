"""METEOR 1.5 in Python (``llavar2.metrics.meteor``) against the METEOR 1.5 jar itself.

The reference is pycocoevalcap 1.2's ``Meteor`` (``java -jar meteor-1.5.jar - - -stdio -l en
-norm``), fed the same strings: per-item scores and the corpus score (the jar's EVAL line over
the summed statistics) must agree to 1e-4, and so must each item's sufficient statistics
(lengths, function words, matches per module, chunks). The generated corpora carry synonyms and
table paraphrases of the references (so every module fires), inflections (stem module),
reordering (fragmentation), function words, punctuation, digits, contractions, hyphens, quotes,
unicode, ``|||``, empty and very long candidates, empty references, and 1-5 references.

The jar's Normalizer and Snowball stemmer are also checked directly on adversarial input.

Java is required: without it these tests fail (they are the evidence that the numbers match).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from llavar2.metrics import METRICS, MetricResult, compute
from llavar2.metrics._ptb import tokenize
from llavar2.metrics.meteor import data as meteor_data
from llavar2.metrics.meteor import meteor, scorer, segment_stats
from llavar2.metrics.meteor.normalize import Normalizer, normalize_line
from llavar2.metrics.meteor.stem import stem
from llavar2.metrics.rouge import RougeL

TOL = 1e-4


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "Java is not installed: the METEOR tests compare against the METEOR 1.5 jar "
            "(pycocoevalcap 1.2), which needs a Java runtime on PATH (e.g. "
            "`apt-get install default-jre-headless`)."
        )
    return java


@pytest.fixture(scope="module")
def resources(request):
    """METEOR's data; the paraphrase-table cache lives under pytest's cache directory (in the
    checkout, never ~/.cache) so that it is built once per checkout, not once per session."""
    if meteor_data._load_resources.cache_info().currsize:
        return meteor_data.load_resources()
    cache = getattr(request.config, "cache", None)
    old = os.environ.get("LLAVAR2_CACHE_DIR")
    if cache is not None:
        os.environ["LLAVAR2_CACHE_DIR"] = str(cache.mkdir("llavar2-meteor"))
    try:
        return meteor_data.load_resources()
    finally:
        if old is None:
            os.environ.pop("LLAVAR2_CACHE_DIR", None)
        else:
            os.environ["LLAVAR2_CACHE_DIR"] = old


@pytest.fixture(scope="module")
def jar():
    """One METEOR 1.5 JVM (started by pycocoevalcap) for the whole module; it loads its data
    while the ``resources`` fixture loads (or builds) ours."""
    _java()
    from pycocoevalcap.meteor.meteor import Meteor

    m = Meteor()
    yield m
    with contextlib.suppress(Exception):
        m.__del__()


def _jar_run(m, preds, refs):
    """pycocoevalcap's (score, scores) and, per item, the jar's statistics line."""
    gts = {i: list(r) for i, r in enumerate(refs)}
    res = {i: [p] for i, p in enumerate(preds)}
    score, scores = m.compute_score(gts, res)
    stats = [m._stat(p, list(r)) for p, r in zip(preds, refs)]
    return score, scores, stats


def _compare(m, preds, refs):
    js, jseg, jstats = _jar_run(m, preds, refs)
    ps, pseg = meteor(preds, refs)
    ours_stats = segment_stats(preds, refs)
    assert len(pseg) == len(jseg) == len(preds)
    assert abs(js - ps) <= TOL, (js, ps)
    bad = [
        (i, jseg[i], pseg[i], preds[i], refs[i])
        for i in range(len(preds))
        if abs(jseg[i] - pseg[i]) > TOL
    ]
    assert not bad, bad[:5]
    bad_stats = [
        (i, jstats[i], ours, preds[i], refs[i])
        for i, ours in enumerate(ours_stats)
        if [float(x) for x in jstats[i].split()] != list(ours)
    ]
    assert not bad_stats, bad_stats[:3]
    return max(abs(a - b) for a, b in zip(jseg, pseg)), abs(js - ps)


# --------------------------------------------------------------------------- corpora

SUBJ = [
    "a man",
    "a woman",
    "two dogs",
    "a group of people",
    "a young boy",
    "an old man",
    "the cat",
    "a little girl",
    "several children",
    "a person",
    "three men",
    "a big dog",
    "a baseball player",
    "the chef",
    "a skier",
    "people",
    "a crowd",
    "a kid",
    "a bird",
]
VERB = [
    "is riding",
    "rides",
    "riding",
    "sitting on",
    "sits on",
    "is holding",
    "holding",
    "playing with",
    "plays with",
    "walking down",
    "walks along",
    "standing next to",
    "is eating",
    "eating",
    "looking at",
    "looks at",
    "carrying",
    "throwing",
    "jumping over",
    "is sitting on",
    "are playing",
    "lying on",
    "flying",
    "cooking",
    "is standing near",
]
OBJ = [
    "a horse",
    "a bench",
    "a red umbrella",
    "the street",
    "a frisbee",
    "a surfboard",
    "a plate of food",
    "a laptop",
    "a stop sign",
    "a bicycle",
    "the ball",
    "a kite",
    "some pizza",
    "a large building",
    "a train",
    "a cell phone",
    "a book",
    "a table",
    "a car",
]
PLACE = [
    "on the beach",
    "in a park",
    "near the water",
    "at night",
    "in front of a building",
    "on a sunny day",
    "in the snow",
    "on the street",
    "in a kitchen",
    "next to a car",
    "in the city",
    "at the zoo",
    "on a field",
    "inside a room",
    "by the river",
]
SYN = {
    "man": ["guy", "person", "male", "gentleman", "men"],
    "woman": ["lady", "female", "women"],
    "dog": ["puppy", "hound", "dogs"],
    "large": ["big", "huge"],
    "little": ["small", "tiny"],
    "riding": ["rides", "rode", "ride", "driving"],
    "sitting": ["sits", "seated", "sat"],
    "holding": ["holds", "held", "carrying"],
    "street": ["road", "avenue", "streets"],
    "people": ["persons", "individuals", "folks"],
    "kid": ["child", "children", "boy"],
    "eating": ["eats", "ate", "feeding"],
    "car": ["automobile", "vehicle", "cars"],
    "building": ["buildings", "structure"],
    "walking": ["walks", "walked", "strolling"],
    "beach": ["shore", "seaside", "beaches"],
    "playing": ["plays", "played", "play"],
    "looking": ["looks", "looked", "watching"],
    "food": ["meal", "foods", "dish"],
    "two": ["2", "couple of"],
    "children": ["kids", "child"],
    "cooking": ["cooks", "preparing"],
    "bicycle": ["bike", "bicycles"],
    "phone": ["telephone", "phones"],
    "old": ["elderly"],
}
EXTRA = ["!", "?", ",", ".", "...", "..", "3.5", "1,000", "10:30", "2", "42", "it's", "don't",
         "man's", "dogs'", "can't", "black-and-white", "U.S.-based", "--", "–", "—", '"quoted"',
         "“fancy”", "‘single’", "`tick'", "''double''", "café", "naïve", "Zürich", "Привет",
         "東京", "😀", "Mr. Smith", "St. Louis", "e.g. this", "No. 5", "U.S.A.", "Inc. and",
         "(a)", "[b]", "$5", "50%", "a&b", "x/y", "#tag", "I'm", "'90s", "1990's", "o'clock",
         "rock'n'roll", "A.", "end.", "Dr. Who", "etc.", "ÉCOLE", "ﬁne", "İstanbul", "ΣΟΦΙΑ",
         "re-use", "5-4", "3 . 5", "|", "||", "|||", "a|||b", "\t", "\u00a0",
         "DOTMULTI"]  # fmt: skip


def _caption(r: random.Random) -> list[str]:
    parts = [r.choice(SUBJ), r.choice(VERB), r.choice(OBJ)]
    if r.random() < 0.7:
        parts.append(r.choice(PLACE))
    return " ".join(parts).split()


def _vary(r: random.Random, words: list[str], table) -> list[str]:
    w = list(words)
    for k in range(len(w)):
        if w[k] in SYN and r.random() < 0.35:
            w[k] = r.choice(SYN[w[k]])
    if r.random() < 0.6 and w:  # a 1-3 word phrase -> one of its table paraphrases
        for _ in range(r.randint(1, 2)):
            n = r.randint(1, 3)
            s = r.randrange(max(1, len(w) - n + 1))
            pars = meteor_data.paraphrases_of(table, [x.lower() for x in w[s : s + n]])
            if pars:
                w[s : s + n] = r.choice(pars)
    if r.random() < 0.25 and len(w) > 3:  # reorder
        k = r.randrange(1, len(w) - 1)
        w = w[k:] + w[:k]
    if r.random() < 0.2 and len(w) > 2:
        del w[r.randrange(len(w))]
    if r.random() < 0.2:
        w.insert(
            r.randrange(len(w) + 1),
            r.choice(["the", "a", "of", "and", "is", "in", "with"]),
        )
    if r.random() < 0.35:
        for _ in range(r.randint(1, 3)):
            w.insert(r.randrange(len(w) + 1), r.choice(EXTRA))
    if r.random() < 0.3 and w:
        w[0] = w[0].capitalize()
    if r.random() < 0.5:
        w.append(r.choice([".", "!", "", " .", "?"]))
    return w


def corpus(seed: int, n: int, table) -> tuple[list[str], list[list[str]]]:
    r = random.Random(seed)
    preds, refs = [], []
    for _ in range(n):
        base = _caption(r)
        k = r.randint(1, 5)
        rs = [" ".join(_vary(r, base, table)) for _ in range(k)]
        if r.random() < 0.15:
            rs[r.randrange(k)] = " ".join(_caption(r))
        u = r.random()
        if u < 0.03:
            p = ""
        elif u < 0.05:  # very long
            p = " ".join(_vary(r, base, table) * r.randint(5, 12))
        elif u < 0.10:
            p = r.choice(rs)
        elif u < 0.13:
            p = " ".join(_caption(r))
        else:
            p = " ".join(_vary(r, base, table))
        if r.random() < 0.03:
            rs[0] = ""
        preds.append(p)
        refs.append(rs)
    return preds, refs


EDGE = [
    ("", ["a man rides a horse"]),
    ("a man rides a horse", [""]),
    ("", [""]),
    ("a man rides a horse", ["a man rides a horse"]),
    ("a a a a the the", ["the a the a a"]),
    ("A man ||| rides a horse", ["a man rides a horse ||| on the beach", "a horse"]),
    (
        "Mr. Smith's U.S.-based café -- it's “naïve”... 3.5% of 1,000!",
        ["mr. smith 's us based cafe"],
    ),
    ("The Dog  barked.\tTwice", ["dogs bark", "the dog barks twice ."]),
    ("東京 タワー 😀 ß ﬁ é e\u0301 İstanbul ΣΟΦΙΑ", ["東京 タワー", "😀 ss fi"]),
    (
        "an elderly gentleman is consuming a meal",
        ["an old man eats food", "old men eating"],
    ),
    ("the the the the the the the the the the the the the the the the", ["the"] * 3),
    ("DOTMULTI and DOTDOTMULTI .. ...", ["... .."]),
    ("a " * 120, ["a a a man " * 10]),
]


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_corpora_match_jar(jar, resources, seed):
    preds, refs = corpus(seed, 250, resources.paraphrases)
    seg, corp = _compare(jar, preds, refs)
    assert seg <= TOL and corp <= TOL


def test_edge_cases_match_jar(jar):
    preds = [p for p, _ in EDGE]
    refs = [r for _, r in EDGE]
    _compare(jar, preds, refs)
    for p, r in EDGE:  # one-item corpora: the corpus score of a single item
        _compare(jar, [p], [r])


def test_ptb_tokenised_captions_match_jar(jar, resources):
    """Lower-cased, punctuation-free text as pycocoevalcap's pipeline feeds METEOR."""
    preds, refs = corpus(7, 250, resources.paraphrases)
    clean = str.maketrans({c: " " for c in ".,!?:;\"()[]`'"})
    preds = [" ".join(p.lower().translate(clean).split()) for p in preds]
    refs = [[" ".join(x.lower().translate(clean).split()) for x in rs] for rs in refs]
    _compare(jar, preds, refs)


def test_repetitive_text_matches_jar(jar, resources):
    """Few distinct words, many repeats, long lines: many tied partial alignments, so the
    beam (40 paths), its stable ordering and its distance bookkeeping decide the result."""
    vocab_all = (
        "a the man men dog dogs is are sitting sits on in big large guy person people "
        "persons an one two 2 red crimson road street"
    ).split()
    r = random.Random(11)
    preds, refs = [], []
    for _ in range(150):
        vocab = r.sample(vocab_all, r.randint(3, len(vocab_all)))
        n = r.choice([1, 3, 8, 15, 30])
        preds.append(" ".join(r.choice(vocab) for _ in range(r.randint(0, n))))
        refs.append(
            [
                " ".join(r.choice(vocab) for _ in range(r.randint(1, n)))
                for _ in range(r.randint(1, 5))
            ]
        )
    _compare(jar, preds, refs)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [10, 11])
def test_larger_corpora_match_jar(jar, resources, seed):
    preds, refs = corpus(seed, 1500, resources.paraphrases)
    _compare(jar, preds, refs)


@pytest.mark.parametrize(("seed", "hashed"), [(0, False), (1, False), (2, True), (3, True)])
def test_pair_bounds_are_upper_bounds(resources, monkeypatch, seed, hashed):
    """The vectorised bounds that let the scorer skip references must never be below a
    pair's real score (else a skipped reference could have been the jar's choice), also
    with the hashed key sets that large corpora get."""
    import numpy as np

    from llavar2.metrics.meteor import bounds as bounds_module
    from llavar2.metrics.meteor.aligner import Stage
    from llavar2.metrics.meteor.bounds import pair_bounds
    from llavar2.metrics.meteor.scorer import _prepare, alignment_stats, score_stats

    if hashed:
        monkeypatch.setattr(bounds_module, "_DENSE_LIMIT", 1 << 10)
        monkeypatch.setattr(bounds_module, "_HASHED_MAX_BITS", 12)  # many collisions

    preds, refs = corpus(seed, 400, resources.paraphrases)
    prepared = _prepare(resources, preds, refs)
    pairs = [(ids[0], r) for ids in prepared.items for r in ids[1:]]
    tests = np.array([a for a, _ in pairs], dtype=np.int64)
    others = np.array([b for _, b in pairs], dtype=np.int64)
    bounds = pair_bounds(
        prepared.lines, prepared.paras, prepared.vocab, prepared.ctx, tests, others
    )
    below = []
    for (a, b), bound in zip(pairs, bounds.tolist()):
        l1, l2 = prepared.info(a), prepared.info(b)
        score = score_stats(alignment_stats(l1, l2, Stage(l1, l2, prepared.vocab, prepared.ctx)))
        if bound < score - 1e-12:
            below.append((a, b, bound, score))
    assert len(pairs) > 1000
    assert not below, below[:5]


def test_parallel_alignment_gives_the_same_numbers(resources):
    preds, refs = corpus(5, 1600, resources.paraphrases)
    one = meteor(preds, refs, workers=1)
    assert meteor(preds, refs, workers=2) == one
    assert meteor(preds, refs, workers=3) == one


def test_compute_runs_meteor_beside_the_other_metrics_with_the_same_numbers(resources):
    """compute() starts METEOR in worker processes and computes BLEU/ROUGE-L/CIDEr meanwhile."""
    preds, refs = corpus(6, 1200, resources.paraphrases)
    names = ["bleu_4", "meteor", "rouge_l", "cider"]
    together = compute(names, preds, refs)
    assert list(together) == names
    for name in names:
        alone = compute(name, preds, refs)[name]
        assert (together[name].score, together[name].per_item) == (alone.score, alone.per_item)
    tok_preds, tok_refs = tokenize(preds), [tokenize(r) for r in refs]
    assert together["meteor"].score == meteor(tok_preds, tok_refs, workers=1)[0]


def _raise_memory_error():
    raise MemoryError("worker ran out of memory")


@pytest.mark.parametrize(
    ("failure", "message"),
    [(_raise_memory_error, "MemoryError: worker ran out"), (lambda: os._exit(3), "code 3")],
)
def test_a_failing_meteor_worker_is_an_error_not_a_gap(resources, monkeypatch, failure, message):
    preds, refs = corpus(7, 1200, resources.paraphrases)
    parent = os.getpid()
    real = scorer._score_slice

    def fails_in_workers(*args):
        if os.getpid() != parent:
            failure()
        return real(*args)

    monkeypatch.setattr(scorer, "_score_slice", fails_in_workers)
    with pytest.raises(RuntimeError, match=f"(?s)METEOR worker process failed.*{message}"):
        meteor(preds, refs, workers=2)


def test_compute_stops_meteor_workers_when_another_metric_fails(resources, monkeypatch):
    preds, refs = corpus(8, 1200, resources.paraphrases)
    jobs = []
    real = scorer.StatsJob.__init__

    def tracked(self, *args):
        real(self, *args)
        jobs.append(self)

    monkeypatch.setattr(scorer.StatsJob, "__init__", tracked)

    def broken(self, predictions, references):
        raise ValueError("broken metric")

    monkeypatch.setattr(RougeL, "__call__", broken)
    with pytest.raises(ValueError, match="broken metric"):
        compute(["meteor", "rouge_l"], preds, refs)
    assert jobs and all(not job._workers for job in jobs)


def test_normalizer_matches_jar(resources):
    java = _java()
    r = random.Random(3)
    atoms = EXTRA + [
        "a", "The", "man", "U.S.", "Mr.", "No.", "No", "Art.", "pp.", "5", "x.", ".", "....",
        ". .", "'", "'s", "n't", "s'", "'t", "-", "---", ",", ",,", "1,2", "a,b", "1,a", "a,1",
        "\x0b", "\x1c", "\u2009", "\u3000", "\u200b", "é.", "Ÿ", "ÿ", "Ā", "Я", "ᴀ", "Ꙁ", "𝔘",
        "💩.", "a.b.c", "e.g", "i.e.", "v.", "vs.", "Bros.", "Z.", "z.", "A.B", "3.14.", "1.",
        "'tis", "o'", "l'eau", "DOTDOTMULTI",
    ]  # fmt: skip
    lines = []
    for _ in range(3000):
        parts = [r.choice(atoms) + r.choice([" ", "", "  ", "\t"]) for _ in range(r.randint(0, 8))]
        lines.append("".join(parts))
    out = subprocess.run(
        [
            java,
            "-cp",
            str(meteor_data.jar_path()),
            "edu.cmu.meteor.util.Normalizer",
            "en",
            "true",
        ],
        input=("\n".join(lines) + "\n").encode("utf-8"),
        capture_output=True,
        check=True,
        env={**os.environ, "JAVA_TOOL_OPTIONS": "-Dfile.encoding=UTF-8"},
    ).stdout.decode("utf-8")
    expected = out.split("\n")[: len(lines)]
    nbp = resources.nonbreaking
    chunked = Normalizer(nbp)  # the per-chunk cached form the scorer uses
    bad = [
        (x, e, normalize_line(x, nbp), chunked(x))
        for x, e in zip(lines, expected)
        if not normalize_line(x, nbp) == chunked(x) == e
    ]
    assert not bad, bad[:5]


def test_stemmer_matches_jar(resources):
    """The jar's (2010) English Snowball stemmer, not today's, on METEOR's own vocabulary."""
    java = _java()
    words = sorted(w for w in resources.synonyms._raw if w.isascii() and w.isalpha())
    r = random.Random(5)
    words = r.sample(words, 20000)
    suffixes = ["s", "es", "ies", "ed", "ing", "eed", "ly", "ness", "ational", "ization",
                "fulness", "ogist", "ement", "ity", "'s", "y", "e", "ll"]  # fmt: skip
    words += [r.choice(words) + r.choice(suffixes) for _ in range(5000)]
    words += ["added", "evening", "university", "organization", "vying", "skies", "dying",
              "news", "generous", "communism", "arsenal", "proceed", "succeeded", "'tis",
              "yelling", "sayyid"]  # fmt: skip
    out = subprocess.run(
        [java, "-cp", str(meteor_data.jar_path()), "Stemmer", "en"],
        input=("\n".join(words) + "\n").encode("ascii"),
        capture_output=True,
        check=True,
    ).stdout.decode("ascii")
    expected = out.split("\n")[: len(words)]
    bad = [(w, e, stem(w)) for w, e in zip(words, expected) if stem(w) != e]
    assert not bad, bad[:10]


def test_registered_metric(resources):
    metric = METRICS.get("meteor")()
    assert metric.name == "meteor" and metric.tokenized is True
    assert metric.reference == "METEOR 1.5 (-l en -norm), as run by pycocoevalcap 1.2"
    preds = ["a man riding a horse", "two dogs play", ""]
    refs = [["a person rides a horse", "a man on a horse"], ["dogs playing"], ["a cat"]]
    result = metric(preds, refs)
    assert isinstance(result, MetricResult)
    score, per_item = meteor(preds, refs)
    assert result.score == score and result.per_item == per_item and len(per_item) == 3
    # the corpus score aggregates statistics: it is not the mean of the item scores
    assert abs(score - sum(per_item) / 3) > 1e-3
    with pytest.raises(ValueError):
        meteor(["a"], [])


def test_paraphrase_cache_build(tmp_path):
    """The cache keeps each reference phrase's paraphrases in file order, duplicates too."""
    table = [
        ("a man", "a guy"), ("man", "guy"), ("a man", "one man"), ("guy", "man"),
        ("a man", "a guy"), ("the big dog", "the large dog"), ("café", "cafe"),
    ]  # fmt: skip
    text = "".join(f"0.5\n{ref}\n{par}\n" for ref, par in table)
    src = tmp_path / "para.gz"
    with gzip.open(src, "wt", encoding="utf-8") as f:
        f.write(text)
    dest = tmp_path / "cache" / "table"
    meteor_data.build_paraphrase_cache(src, dest)
    assert (dest / "meta.json").exists() and not list(dest.parent.glob(".build-*"))
    pt = meteor_data.ParaphraseTable(dest)
    got = meteor_data.paraphrases_of(pt, ["a", "man"])
    assert got == [["a", "guy"], ["one", "man"], ["a", "guy"]]
    assert meteor_data.paraphrases_of(pt, ["café"]) == [["cafe"]]
    assert meteor_data.paraphrases_of(pt, ["dog"]) == []
    lines = [["a", "man", "and", "a", "guy"], ["one", "man"], ["the", "big", "dog"]]
    toks = sorted({t for line in lines for t in line})
    paras, entries = pt.lookup(toks, [[toks.index(t) for t in line] for line in lines])

    def phrase(p):
        return " ".join(pt.phrase_words(p))

    kept = {phrase(r): [phrase(q) for q in pl] for r, pl in entries.par_lists.items()}
    # "the big dog" -> "the large dog" is dropped: "the large dog" occurs in no line
    assert kept == {
        "a man": ["a guy", "one man", "a guy"],
        "man": ["guy"],
        "guy": ["man"],
    }
    first = paras[0]
    assert {(j, n, phrase(p)) for j, n, p in first.refs_at} == {
        (0, 2, "a man"),
        (1, 1, "man"),
        (4, 1, "guy"),
    }


# --------------------------------------------------------------------------- cold start


def test_first_use_unpacks_the_shipped_table_and_matches_jar(jar, tmp_path, monkeypatch):
    """A fresh cache directory: the table comes from the data shipped with llavar2 (no parse
    of paraphrase-en.gz), older cache formats there are deleted, and the scores are the jar's."""
    assert meteor_data.packaged_source() == meteor_data.source_id(meteor_data.paraphrase_path())
    root = tmp_path / "cache"
    stale = [root / "meteor" / "paraphrase-en-v3-61813011-1796286055214373713",
             root / "meteor" / "paraphrase-en-v1-x"]  # fmt: skip
    for d in stale:
        d.mkdir(parents=True)
        (d / "words.npy").write_bytes(b"old")
    other = root / "meteor" / "unrelated"
    other.mkdir()
    monkeypatch.setenv("LLAVAR2_CACHE_DIR", str(root))

    def no_parse(*args, **kwargs):
        raise AssertionError("the installed table is the shipped one: nothing to parse")

    monkeypatch.setattr(meteor_data, "parse_paraphrase_table", no_parse)
    meteor_data._load_resources.cache_clear()
    try:
        res = meteor_data.load_resources()
        tables = list((root / "meteor").glob("paraphrase-en-*"))
        assert len(tables) == 1 and not any(d.exists() for d in stale) and other.exists()
        meta = json.loads((tables[0] / "meta.json").read_text())
        assert meta["built"] == "packaged" and meta["format"] == meteor_data.CACHE_FORMAT
        assert not list((root / "meteor").glob(".build-*"))
        preds, refs = corpus(3, 250, res.paraphrases)
        _compare(jar, preds, refs)
        _compare(jar, [p for p, _ in EDGE], [r for _, r in EDGE])
    finally:
        meteor_data._load_resources.cache_clear()  # later tests load their own


def test_a_table_other_than_the_shipped_one_is_parsed(tmp_path, monkeypatch):
    table = [("a man", "a guy"), ("man", "guy"), ("a man", "one man")]
    src = tmp_path / "para.gz"
    with gzip.open(src, "wt", encoding="utf-8") as f:
        f.write("".join(f"0.5\n{ref}\n{par}\n" for ref, par in table))
    dest = tmp_path / "table"
    meteor_data.make_table(src, dest)  # its size and trailer are not the shipped table's
    assert json.loads((dest / "meta.json").read_text())["built"] == "parsed"
    pt = meteor_data.ParaphraseTable(dest)
    assert meteor_data.paraphrases_of(pt, ["a", "man"]) == [["a", "guy"], ["one", "man"]]


@pytest.mark.slow
def test_shipped_table_is_the_installed_table():
    """The shipped arrays are exactly what parsing pycocoevalcap's paraphrase-en.gz gives."""
    src = meteor_data.paraphrase_path()
    shipped = meteor_data.unpack(meteor_data.PACKAGED)
    parsed = meteor_data.parse_paraphrase_table(src)
    assert meteor_data.packaged_source() == meteor_data.source_id(src)
    assert shipped.vocab == parsed.vocab
    for name in ("matrix", "ref_off", "ent_par"):
        a, b = getattr(shipped, name), getattr(parsed, name)
        assert a.shape == b.shape and np.array_equal(a, b), name
    assert parsed.matrix.shape[0] > 2_000_000 and len(parsed.ent_par) > 5_000_000


def test_no_java_at_run_time(resources, monkeypatch):
    monkeypatch.setenv("PATH", "")
    score, per_item = meteor(["a dog runs"], [["the dog is running"]])
    assert 0 < score < 1 and per_item == [score]


def test_empty_corpus(resources):
    assert meteor([], []) == (0.0, [])


def test_jar_path_is_the_installed_one():
    p = meteor_data.jar_path()
    assert p.name == "meteor-1.5.jar" and p.exists()
    assert meteor_data.paraphrase_path().exists()
    assert isinstance(p, Path)
