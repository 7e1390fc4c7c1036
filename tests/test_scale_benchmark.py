"""benchmarks/scale.py's comparison of two builds and its projection."""

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scale():
    spec = importlib.util.spec_from_file_location("scale", ROOT / "benchmarks" / "scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(folder: Path, records: list[dict], stamp: str) -> Path:
    folder.mkdir()
    for name in [
        "images.jsonl",
        "ocr.jsonl",
        "captions.jsonl",
        "conversations.jsonl",
        "rejects.jsonl",
        "kept.jsonl",
        "dropped.jsonl",
    ]:
        rows = records if name == "conversations.jsonl" else []
        (folder / name).write_text(
            "".join(
                json.dumps({**r, "provenance": {"model": "m", "created_at": stamp}}) + "\n"
                for r in rows
            )
        )
    (folder / "llava.json").write_text(json.dumps([{"id": r["id"]} for r in records]))
    return folder


RECORDS = [{"id": "a", "duos": [1]}, {"id": "b", "duos": [2]}, {"id": "c", "duos": [3]}]


def test_builds_differing_only_in_creation_times_are_identical(tmp_path, scale):
    a = _build(tmp_path / "a", RECORDS, "2026-01-01T00:00:00+00:00")
    b = _build(tmp_path / "b", RECORDS, "2026-01-02T00:00:00+00:00")
    assert scale.same_output(a, b) and scale.output_difference(a, b) is None


def test_the_same_records_in_another_order_are_not_identical(tmp_path, scale):
    a = _build(tmp_path / "a", RECORDS, "t")
    b = _build(tmp_path / "b", [RECORDS[1], RECORDS[0], RECORDS[2]], "t")
    assert not scale.same_output(a, b)
    assert scale.output_difference(a, b) == "conversations.jsonl: record 1 differs"


def test_a_missing_or_changed_record_is_named(tmp_path, scale):
    a = _build(tmp_path / "a", RECORDS, "t")
    b = _build(tmp_path / "b", RECORDS[:2], "t")
    assert scale.output_difference(a, b) == (
        "conversations.jsonl: record 3 is only in the first run"
    )
    c = _build(tmp_path / "c", RECORDS[:2] + [{"id": "c", "duos": [4]}], "t")
    assert scale.output_difference(a, c) == "conversations.jsonl: record 3 differs"


def test_the_projection_says_which_rates_are_measured_and_which_assumed(scale):
    args = argparse.Namespace(
        pairs=424_000,
        duos_per_image=5.0,
        request_rate=10.0,
        requests_per_image=2.0,
        scorer_rate=50.0,
        ocr_rate=4.0,
    )
    p = scale.projection(args, 200.0, 100_000)
    assert p["measured"]["pipeline_records_per_s"] == 200.0
    assert "100000 records" in p["measured"]["on"]
    assert p["assumed"] == {
        "ocr_images_per_s": 4.0,
        "llm_requests_per_s": 10.0,
        "llm_requests_per_image": 2.0,
        "scorer_duos_per_s": 50.0,
        "duos_per_image": 5.0,
    }
    assert p["basis"] == {
        "ocr_h": "assumed",
        "llm_h": "assumed",
        "score_h": "assumed",
        "pipeline_h": "measured",
    }
    assert p["images"] == 42_400 and p["pipeline_h"] == round(42_400 / 200 / 3600, 2)
    assert p["total_h"] == round(
        sum(42_400 / r / 3600 for r in (4.0, 5.0, 200.0)) + 212_000 / 50 / 3600, 2
    )
