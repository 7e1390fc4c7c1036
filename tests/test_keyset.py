"""``KeySet`` answers membership and size as a Python set of the same keys does."""

import random

from llavar2.keyset import KeySet, KeyUnion


def test_keyset_agrees_with_a_set_through_many_merges():
    rng = random.Random(3)
    keys = [
        rng.choice(
            [
                f"img{rng.randrange(10**6)}",
                (f"id{rng.randrange(9000)}", rng.randrange(8)),
                rng.randrange(5000),
                ("ocr", f"x{rng.randrange(3000)}"),
            ]
        )
        for _ in range(6000)
    ]
    mine, ref = KeySet(), set()
    for i, key in enumerate(keys):
        mine.add(key)
        ref.add(key)
        if i % 500 == 0:
            assert len(mine) == len(ref)
    assert len(mine) == len(ref)
    assert all(k in mine for k in ref)
    others = [f"img{n}" for n in range(10**6, 10**6 + 2000)] + [("id1", 99), -1, "", "img"]
    assert not any(k in mine for k in others)
    assert mine._sorted.size > 0  # the digests were merged into the sorted array


def test_keys_that_only_look_alike_differ_and_unions_see_later_additions():
    a, b = KeySet(["1", ("x", 1)]), KeySet()
    assert 1 not in a and ("x", "1") not in a and "1" in a
    both = a | b
    assert isinstance(both, KeyUnion) and "new" not in both
    b.add("new")
    assert "new" in both and "1" in both and "other" not in both
