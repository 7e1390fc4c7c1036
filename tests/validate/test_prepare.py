"""llavar2 validate prepare: equal arms from the kept, dropped and whole pools, none of them
training on the held-out images, whose kept questions become a benchmark file."""

import json

import pytest
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.errors import UsageError
from llavar2.evaluate import load_benchmark
from llavar2.testing.builds import filtered_sample_build
from llavar2.validate.prepare import prepare

runner = CliRunner()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """An offline build of 10 sample images filtered by rules (answers over three words
    dropped), and a copy of it without the filter's files."""
    import shutil

    filtered = filtered_sample_build(tmp_path_factory.mktemp("validate"), 10)
    plain = shutil.copytree(filtered, filtered.parent / "plain")
    for name in ("kept.jsonl", "dropped.jsonl", "filter_report.json"):
        (plain / name).unlink()
    return plain, filtered


def duos_of(build):
    dropped = {(d["id"], d["duo"]) for d in map(json.loads, open(build / "dropped.jsonl"))}
    units = {}
    for conv in map(json.loads, open(build / "conversations.jsonl")):
        for k, duo in enumerate(conv["duos"]):
            units[f"{conv['id']}-qa{k}"] = (conv["id"], (conv["id"], k) in dropped, duo)
    return units


def test_arms_are_equal_disjoint_from_the_held_out_images_and_from_their_pools(builds, tmp_path):
    _, build = builds
    plan = prepare(build, tmp_path / "VAL", n=1000, seeds=(0, 1), holdout=0.2)
    units = duos_of(build)
    held = set(plan["holdout"]["images"])
    assert len(held) == 2  # 20% of 10 images
    dropped_total = sum(d for i, d, _ in units.values() if i not in held)
    assert plan["arm_size"] == min(1000, dropped_total) == plan["arms"]["negative"]["pool"]
    draws = {}
    for arm in ("control", "treatment", "negative"):
        for seed in ("0", "1"):
            data = json.loads((tmp_path / "VAL" / plan["arms"][arm]["train"][seed]).read_text())
            assert len(data) == plan["arm_size"]
            ids = [d["id"] for d in data]
            assert len(set(ids)) == len(ids)
            for sample in data:
                image_id, dropped, duo = units[sample["id"]]
                assert image_id not in held
                assert sample["conversations"][1]["value"] == duo["extractive"]["answer"]
                if arm == "treatment":
                    assert not dropped
                if arm == "negative":
                    assert dropped
            draws[(arm, seed)] = ids
    assert draws[("control", "0")] != draws[("control", "1")]
    assert plan["arms"]["base"]["train"] is None
    items = load_benchmark(tmp_path / "VAL" / "heldout.jsonl").items
    kept_held = [u for u, (i, d, _) in units.items() if i in held and not d]
    assert sorted(item.id for item in items) == sorted(kept_held) and items


def test_same_seeds_same_arms_and_an_unfiltered_build_is_refused(builds, tmp_path):
    plain, build = builds
    first = prepare(build, tmp_path / "a", n=5, seeds=(3,))
    again = prepare(build, tmp_path / "b", n=5, seeds=(3,))
    assert first["holdout"] == again["holdout"]
    for arm in ("control", "treatment", "negative"):
        a = (tmp_path / "a" / first["arms"][arm]["train"]["3"]).read_text()
        assert a == (tmp_path / "b" / again["arms"][arm]["train"]["3"]).read_text()
    with pytest.raises(UsageError, match="run llavar2 filter first"):
        prepare(plain, tmp_path / "c")
    with pytest.raises(UsageError, match="exists"):
        prepare(build, tmp_path / "a")


def test_cli(builds, tmp_path):
    _, build = builds
    result = runner.invoke(
        app,
        [
            "validate",
            "prepare",
            str(build),
            "--to",
            str(tmp_path / "V"),
            "--n",
            "4",
            "--seeds",
            "0,1,2",
        ],
    )
    assert result.exit_code == 0, result.output
    plan = json.loads((tmp_path / "V" / "plan.json").read_text())
    assert plan["arm_size"] == 4 and plan["seeds"] == [0, 1, 2]
    bad = runner.invoke(
        app, ["validate", "prepare", str(build), "--to", str(tmp_path / "W"), "--seeds", "a,b"]
    )
    assert bad.exit_code == 2
