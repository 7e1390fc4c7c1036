"""Identity-term mentions and nPMI with descriptive words, on constructed texts whose values are
known in closed form."""

from __future__ import annotations

import math

import pytest

from llavar2.audit.identity import IdentityStats, load_lexicon, npmi


def _stats(texts: list[str], kind: str = "human caption") -> IdentityStats:
    stats = IdentityStats()
    for t in texts:
        stats.add(t, kind)
    return stats


def _npmi_of(result: dict, term: str) -> dict[str, tuple[float, int]]:
    return {r["word"]: (r["npmi"], r["count"]) for r in result["npmi"].get(term, [])}


def test_lexicon_terms_are_lower_case_single_words_in_one_category():
    lexicon = load_lexicon()
    assert {"gender", "age", "ethnicity_nationality", "religion", "disability"} <= set(lexicon)
    terms = [t for ts in lexicon.values() for t in ts]
    assert len(terms) == len(set(terms))
    assert all(t.isalpha() and t == t.lower() for t in terms)
    assert "old" not in terms  # ambiguous words are left out


def test_a_term_that_always_occurs_with_a_word_has_npmi_one():
    result = _stats(
        [
            "A woman with an umbrella.",
            "The woman holds an umbrella",
            "A dog runs",
            "A bus on a street",
        ]
    ).result(min_pair_count=1)
    assert _npmi_of(result, "woman")["umbrella"] == (1.0, 2)


def test_independent_term_and_word_have_npmi_zero():
    result = _stats(["a man in red", "a man in blue", "a woman in red", "a woman in blue"]).result(
        min_pair_count=1
    )
    assert _npmi_of(result, "man")["red"][0] == pytest.approx(0.0, abs=1e-9)
    assert _npmi_of(result, "woman")["blue"][0] == pytest.approx(0.0, abs=1e-9)


def test_npmi_on_a_small_corpus_matches_the_hand_computed_value():
    # N = 4; man in 3 texts, happy in 2, both in 2: log((2/4) / (3/4 * 2/4)) / -log(2/4)
    result = _stats(["a happy man", "the man is happy", "a sad man", "a sad woman"]).result(
        min_pair_count=1
    )
    expected = math.log(4 / 3) / math.log(2)
    assert _npmi_of(result, "man")["happy"] == (pytest.approx(expected, abs=1e-4), 2)
    # man and sad: both in 1 text, sad in 2 → log((1/4) / (3/4 * 2/4)) / -log(1/4)
    assert _npmi_of(result, "man")["sad"][0] == pytest.approx(
        math.log(2 / 3) / math.log(4), abs=1e-4
    )
    assert npmi(2, 3, 2, 4) == pytest.approx(expected)
    assert npmi(5, 5, 5, 5) == 1.0  # every text holds both


def test_function_words_identity_terms_and_numbers_are_not_descriptive():
    result = _stats(["the man and the boy with 2 dogs"] * 3).result(min_pair_count=1)
    assert set(_npmi_of(result, "man")) == {"dogs"}
    assert set(_npmi_of(result, "boy")) == {"dogs"}


def test_mentions_per_category_and_texts_per_kind():
    stats = IdentityStats()
    stats.add("A man and a man's dog", "human caption")
    stats.add("Two women, an elderly man and a child", "human caption")
    stats.add("A red bus", "human caption")
    stats.add("She smiles", "answer")
    stats.add("A menu with prices", "answer")
    result = stats.result()
    assert result["texts"] == {"human caption": 3, "answer": 2}
    assert result["texts_with_mention"] == {"human caption": 2, "answer": 1}
    assert result["mentions"]["gender"] == {"man": 3, "women": 1, "she": 1}
    assert result["mentions"]["age"] == {"elderly": 1, "child": 1}
    assert result["mentions"]["religion"] == {}


def test_min_pair_count_and_top_are_respected():
    texts = ["a girl with a kite"] * 5 + ["a girl with a ball"] * 4 + ["a kite"] * 2
    stats = _stats(texts)
    default = _npmi_of(stats.result(), "girl")
    assert set(default) == {"kite"}  # ball co-occurs in 4 texts only
    assert default["kite"][1] == 5
    both = stats.result(min_pair_count=4)["npmi"]["girl"]
    # N = 11, girl in 9: ball only with girl (0.198), kite also without (-0.172)
    assert [(r["word"], r["npmi"]) for r in both] == [
        ("ball", round(math.log(11 / 9) / math.log(11 / 4), 4)),
        ("kite", round(math.log(55 / 63) / math.log(11 / 5), 4)),
    ]
    assert [r["word"] for r in stats.result(min_pair_count=4, top=1)["npmi"]["girl"]] == ["ball"]
    assert stats.result(min_pair_count=6)["npmi"] == {}


def test_only_identity_term_by_word_pairs_are_counted():
    stats = _stats(["a red bus and a tall tree"] * 50 + ["a woman with a red hat"])
    assert set(stats.pairs) == {("woman", "red"), ("woman", "hat")}  # no word-word pairs
    assert stats.df["red"] == 51 and stats.df["woman"] == 1
