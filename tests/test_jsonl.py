import json

import pytest

from llavar2.jsonl import ResumableJsonl, atomic_open, read_jsonl, write_json_atomic
from llavar2.records import Reject


def test_resumable_writer_drops_a_partial_last_line_and_knows_what_is_done(tmp_path):
    path = tmp_path / "out.jsonl"
    with ResumableJsonl(path, lambda o: o["id"]) as w:
        w.write({"id": "a", "v": 1})
        w.write({"id": "b", "v": 2})
    with open(path, "a") as f:
        f.write('{"id": "c", "v"')  # what a kill in the middle of a write leaves
    with ResumableJsonl(path, lambda o: o["id"]) as w:
        assert w.done == {"a", "b"}
        w.write({"id": "c", "v": 3})
    assert [o["id"] for o in read_jsonl(path)] == ["a", "b", "c"]


def test_resumable_writer_refuses_to_write_a_key_twice(tmp_path):
    with ResumableJsonl(tmp_path / "o.jsonl", lambda o: o["id"]) as w:
        w.write({"id": "a"})
        with pytest.raises(RuntimeError, match="written twice"):
            w.write({"id": "a"})


def test_a_fragment_without_any_newline_empties_the_file(tmp_path):
    path = tmp_path / "o.jsonl"
    path.write_text('{"id": "a"')
    with ResumableJsonl(path, lambda o: o["id"]) as w:
        assert w.done == set()
    assert path.read_text() == ""


def test_read_jsonl_validates_into_a_model_and_names_bad_lines(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"stage": "ocr", "reason": "x", "image": "é.png"}) + "\n\nnope\n")
    it = read_jsonl(path, Reject)
    assert next(it).image == "é.png"
    with pytest.raises(ValueError, match="r.jsonl:3"):
        next(it)


def test_atomic_open_leaves_the_old_file_when_the_write_fails(tmp_path):
    path = tmp_path / "s.json"
    write_json_atomic(path, {"v": 1})
    with pytest.raises(ZeroDivisionError):
        with atomic_open(path) as f:
            f.write("partial")
            raise ZeroDivisionError  # a failure in the middle of the write
    assert json.loads(path.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temporary left behind
