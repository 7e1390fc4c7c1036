"""``llavar2 score`` on a small real build: one line per duo, resumable, summary printed."""

import pytest
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.jsonl import read_jsonl
from llavar2.score import TERMS

runner = CliRunner()


def _duo_keys(out):
    return [
        (c["id"], k) for c in read_jsonl(out / "conversations.jsonl") for k in range(len(c["duos"]))
    ]


def _score(out, model, *extra):
    return runner.invoke(
        app,
        [
            "score",
            str(out),
            "--scorer",
            f"hf:{model}",
            "--no-progress",
            "--batch-size",
            "5",
            *extra,
        ],
    )


def test_score_with_the_image_then_resume_after_a_cut(build, vlm_dir, tmp_path):
    result = _score(build, vlm_dir)
    assert result.exit_code == 0, result.output
    path = build / "scores.jsonl"
    full = list(read_jsonl(path))
    assert [(s["id"], s["duo"]) for s in full] == _duo_keys(build)
    assert f"{len(full)} duo conversations scored" in result.output
    assert "duos/s" in result.output
    for s in full:
        assert s["context"] == "image" and s["unscorable"] == {}
        assert set(s["losses"]) == set(TERMS)
        assert s["mifd"] == pytest.approx(s["ifd"] * s["vfd"])

    # A killed run: some whole lines and half of the next one.
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    result = _score(build, vlm_dir, "--padding-side", "left")
    assert result.exit_code == 0, result.output
    assert f"{len(full) - 3} duo conversations scored" in result.output
    assert "3 already scored" in result.output
    resumed = list(read_jsonl(path))
    assert [(s["id"], s["duo"]) for s in resumed] == _duo_keys(build)
    for before, after in zip(full, resumed):
        for term in TERMS:
            assert after["losses"][term] == pytest.approx(before["losses"][term], abs=1e-5)


def test_text_only_model_scores_with_the_facts(build, lm_dir, gpt2_dir, tmp_path):
    out = tmp_path / "copy"
    out.mkdir()
    for name in ("ocr.jsonl", "captions.jsonl", "conversations.jsonl"):  # no build.json needed
        (out / name).write_bytes((build / name).read_bytes())
    result = _score(out, lm_dir, "--max-length", "120")
    assert result.exit_code == 0, result.output
    scores = list(read_jsonl(out / "scores.jsonl"))
    assert len(scores) == len(_duo_keys(build))
    assert {s["context"] for s in scores} == {"facts"}
    too_long = {}
    for s in scores:
        for term, reason in s["unscorable"].items():
            too_long[term] = too_long.get(term, 0) + (reason == "too_long")
            assert s["losses"][term] is None
    assert too_long
    for term, n in too_long.items():
        assert f"unscorable {n} × {term}:too_long" in result.output

    refused = _score(out, lm_dir, "--context", "image")
    assert refused.exit_code == 2 and "cannot see images" in refused.output
    other = _score(out, gpt2_dir, "--context", "facts")  # would mix two models' scores
    assert other.exit_code == 2 and "resume with the same scorer" in other.output
    assert list(read_jsonl(out / "scores.jsonl")) == scores


def test_images_over_max_pixels_are_unscorable_and_the_rest_is_scored(build, vlm_dir, tmp_path):
    out = tmp_path / "copy"
    out.mkdir()
    for name in ("build.json", "ocr.jsonl", "captions.jsonl", "conversations.jsonl"):
        (out / name).write_bytes((build / name).read_bytes())
    result = _score(out, vlm_dir, "--max-pixels", "100")
    assert result.exit_code == 0, result.output
    scores = list(read_jsonl(out / "scores.jsonl"))
    assert len(scores) == len(_duo_keys(build))
    for s in scores:  # the terms that see the image, and only those
        assert set(s["unscorable"].values()) == {"too_many_pixels"}
        assert all(s["losses"][t] is None for t in s["unscorable"])
        assert all(s["losses"][t] is not None for t in set(TERMS) - set(s["unscorable"]))
    assert "too_many_pixels" in result.output
