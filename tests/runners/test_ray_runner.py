"""``--runner ray`` against the local runner on the same input: build (offline backend, real
OCR), a build resumed by Ray after the local runner stopped, ``llavar2 ocr`` and
``llavar2 score`` (a tiny causal LM). Ray runs in local mode on 127.0.0.1, started once for the
module: no dashboard, two CPUs, a small object store."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app
from llavar2.config import BuildConfig
from llavar2.jsonl import read_jsonl
from llavar2.runners import local, ray_build
from llavar2.runners.ray_session import RayConfig, ray_session
from llavar2.score import make_scorer
from llavar2.score import stage as score_stage
from llavar2.testing import tiny_hf
from llavar2.testing.builds import build_records

RAY = RayConfig(num_cpus=2, object_store_mb=100, batch_size=2)
cli = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    with ray_session(RAY):  # the runners below find it started and use it as is
        yield


def test_ray_is_local_and_bound_to_loopback():
    import ray  # after the session: first imported with the loopback-only setting

    nodes = ray.nodes()
    assert [n["NodeManagerAddress"] for n in nodes] == ["127.0.0.1"]
    assert ray.cluster_resources()["CPU"] == 2


def _manifest(folder: Path) -> Path:
    rows = [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()][:4]
    rows.insert(1, {"image": "no_such_file.png", "caption": "gone"})
    rows.append({**rows[2], "caption": "the same picture again"})  # a duplicate image
    path = folder / "captions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _config(tmp: Path, out: str, cache: Path | None) -> BuildConfig:
    return BuildConfig(
        images_dir=samples.IMAGES_DIR,
        captions=tmp / "captions.jsonl",
        out=tmp / out,
        cache_dir=cache,
        progress=False,
    )


def _as_sets(out: Path) -> dict[str, list[str]]:
    return {
        name: sorted(json.dumps(r, sort_keys=True) for r in rows)
        for name, rows in build_records(out).items()
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The same job built by each runner: the local one with an OCR cache (which the OCR
    command's test reuses), Ray without (its workers run OCR)."""
    tmp = tmp_path_factory.mktemp("builds")
    _manifest(tmp)
    cache = tmp / "cache"
    local_summary = local.build(_config(tmp, "local", cache))
    ray_summary = ray_build.build(_config(tmp, "ray", None), RAY)
    return tmp, cache, local_summary, ray_summary


@pytest.mark.slow  # real OCR on Ray workers, or a model per actor
def test_ray_build_makes_the_local_records(builds):
    tmp, _, local_summary, ray_summary = builds
    assert _as_sets(tmp / "ray") == _as_sets(tmp / "local")
    # Appended in input order, as the local runner does: the same files line for line.
    assert build_records(tmp / "ray") == build_records(tmp / "local")
    assert json.loads((tmp / "ray" / "llava.json").read_text()) == json.loads(
        (tmp / "local" / "llava.json").read_text()
    )
    assert ray_summary["counts"] == local_summary["counts"]
    reasons = ray_summary["counts"]["reject_reasons"]
    assert reasons == {"ingest:duplicate_image": 1, "ingest:missing_file": 1}
    assert not list((tmp / "ray").glob(".ray-items-*"))  # the spilled items are cleaned up


@pytest.mark.slow  # real OCR on Ray workers, or a model per actor
def test_ray_resumes_a_build_the_local_runner_left_half_done(builds):
    tmp = builds[0]
    out = tmp / "half"
    shutil.copytree(tmp / "local", out)
    for name, keep in (("captions.jsonl", 2), ("conversations.jsonl", 1)):
        lines = (out / name).read_text().splitlines(keepends=True)
        (out / name).write_text("".join(lines[:keep]) + lines[keep][:20])  # a killed write
    (out / "llava.json").unlink()
    summary = ray_build.build(_config(tmp, "half", None), RAY)
    assert summary["resumed"]
    assert build_records(out) == build_records(tmp / "local")
    assert (out / "llava.json").read_text() == (tmp / "local" / "llava.json").read_text()


@pytest.mark.slow  # real OCR on Ray workers, or a model per actor
def test_ray_ocr_command_matches_the_local_one(builds, tmp_path):
    cache = builds[1]
    folder = tmp_path / "images"
    folder.mkdir()
    for name in ("poster_summer_jazz.jpg", "poster_farmers_market.png"):
        shutil.copy(samples.IMAGES_DIR / name, folder / name)
    (folder / "broken.png").write_bytes(b"not an image")
    runs = {}
    for runner, extra in (("local", ["--cache-dir", str(cache)]), ("ray", ["--no-cache"])):
        out = tmp_path / f"{runner}.jsonl"
        result = cli.invoke(
            app,
            ["ocr", str(folder), "--out", str(out), "--runner", runner, "--no-progress", *extra],
        )
        assert result.exit_code == 3, result.output  # broken.png is rejected
        runs[runner] = [
            list(read_jsonl(out)),
            list(read_jsonl(tmp_path / f"{runner}.rejects.jsonl")),
        ]
    assert runs["ray"] == runs["local"]
    assert len(runs["ray"][0]) == 2 and runs["ray"][1][0]["image"] == "broken.png"


@pytest.mark.slow  # real OCR on Ray workers, or a model per actor
def test_ray_score_matches_the_local_scores(builds, tmp_path):
    tmp = builds[0]
    model = tiny_hf.save_causal_lm(tmp_path / "tiny-lm")
    outs = {name: tmp_path / name for name in ("local", "ray")}
    for out in outs.values():
        shutil.copytree(tmp / "ray", out)
    scorer = make_scorer(f"hf:{model}", batch_size=4)
    try:
        score_stage.run(outs["local"], scorer, "auto", progress=False)
    finally:
        scorer.close()
    result = cli.invoke(
        app,
        [
            "score",
            str(outs["ray"]),
            "--scorer",
            f"hf:{model}",
            "--runner",
            "ray",
            "--ray-actors",
            "1",
            "--ray-gpus",
            "0",
            "--batch-size",
            "4",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    got = {name: list(read_jsonl(out / "scores.jsonl")) for name, out in outs.items()}
    n_duos = sum(len(c["duos"]) for c in read_jsonl(tmp / "ray" / "conversations.jsonl"))
    assert len(got["ray"]) == n_duos and f"{n_duos} duo conversations scored" in result.output
    for mine, ref in zip(got["ray"], got["local"], strict=True):
        assert (mine["id"], mine["duo"], mine["context"]) == (ref["id"], ref["duo"], "facts")
        assert mine["losses"] == pytest.approx(ref["losses"], abs=1e-5)
        for ratio in ("ifd", "vfd", "mifd", "ffd"):  # None where a denominator is zero
            assert (mine[ratio] is None) == (ref[ratio] is None)
            if ref[ratio] is not None:
                assert mine[ratio] == pytest.approx(ref[ratio], rel=1e-4)


@pytest.mark.slow  # real OCR on Ray workers
def test_ray_evaluate_matches_the_local_one_and_finishes_what_it_began(builds, tmp_path):
    """ocr-baseline on the build's extractive QA: the same predictions file, line for line, and
    the same scores; a run the local runner left half done is finished on Ray."""
    bench = builds[0] / "local"
    outs = {name: tmp_path / name / "result.json" for name in ("local", "ray", "half")}

    def evaluate(out: Path, *extra: str):
        result = cli.invoke(
            app,
            [
                "evaluate",
                "--benchmark",
                str(bench),
                "--model",
                "ocr-baseline",
                "--out",
                str(out),
                "--no-progress",
                *extra,
            ],
        )
        assert result.exit_code == 0, result.output
        return json.loads(out.read_text())

    local_run = evaluate(outs["local"])
    ray_run = evaluate(outs["ray"], "--runner", "ray", "--ray-actors", "1")
    predictions = {
        name: out.with_name("result.predictions.jsonl").read_text()
        for name, out in outs.items()
        if name != "half"
    }
    assert predictions["ray"] == predictions["local"]
    assert local_run["counts"]["items"] == ray_run["counts"]["items"] > 0
    assert ray_run["metrics"] == local_run["metrics"]
    assert ray_run["usage"] == {"runner": "ray", "actors": 1, "gpus_per_actor": 0}

    half = outs["half"].with_name("result.predictions.jsonl")
    half.parent.mkdir()
    lines = predictions["local"].splitlines(keepends=True)
    half.write_text("".join(lines[: len(lines) // 2]))
    assert evaluate(outs["half"], "--runner", "ray")["metrics"] == local_run["metrics"]
    assert half.read_text() == predictions["local"]


def test_ray_runner_refuses_what_it_does_not_run(tmp_path):
    result = cli.invoke(
        app,
        [
            "build",
            "--images",
            str(samples.IMAGES_DIR),
            "--captions",
            str(samples.CAPTIONS),
            "--out",
            str(tmp_path / "o"),
            "--runner",
            "ray",
            "--backend",
            "openai",
            "--model",
            "m",
        ],
    )
    assert result.exit_code == 2 and "runs the offline backend" in result.output
    result = cli.invoke(
        app, ["ocr", str(tmp_path), "--out", str(tmp_path / "o.jsonl"), "--ray-address", "auto"]
    )
    assert result.exit_code == 2 and "only with --runner ray" in result.output
    bench = tmp_path / "b.jsonl"
    bench.write_text(
        json.dumps({"id": "1", "image": "x.png", "question": "q?", "answers": ["a"]}) + "\n"
    )
    result = cli.invoke(
        app,
        [
            "evaluate",
            "--benchmark",
            str(bench),
            "--images",
            str(tmp_path),
            "--model",
            "openai:m",
            "--out",
            str(tmp_path / "r.json"),
            "--runner",
            "ray",
        ],
    )
    assert result.exit_code == 2 and "use --runner local" in result.output
