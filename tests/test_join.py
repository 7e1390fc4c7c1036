import pytest

from llavar2.join import left_join, merge_join


def _rows(*ids):
    return [{"id": i} for i in ids]


def test_merge_join_pairs_an_ordered_subsequence():
    pairs = list(merge_join(_rows("a", "b", "c", "d"), _rows("b", "d")))
    assert [(a["id"], b["id"]) for a, b in pairs] == [("b", "b"), ("d", "d")]


def test_merge_join_accepts_joined_pairs_as_records():
    inner = merge_join(_rows("a", "b"), _rows("a", "b"))
    assert len(list(merge_join(inner, _rows("b")))) == 1


def test_merge_join_refuses_out_of_order_or_unknown_ids():
    with pytest.raises(ValueError, match="'a'"):
        list(merge_join(_rows("a", "b"), _rows("b", "a")))


def test_left_join_keeps_every_primary_record():
    got = [(a["id"], b and b["id"]) for a, b in left_join(_rows("a", "b", "c"), _rows("b"))]
    assert got == [("a", None), ("b", "b"), ("c", None)]
    with pytest.raises(ValueError):
        list(left_join(_rows("a"), _rows("z")))
