"""llavar2 human-eval sample: stratified, seeded, split among raters with a shared overlap, and
pages that show raters nothing of the analysis' side (status, weights, caption sides)."""

import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.errors import UsageError
from llavar2.human_eval.sample import SampleConfig, allocate, rater_names, sample_build

runner = CliRunner()


def embedded(page: str) -> dict:
    """The data object a rating page embeds."""
    start = page.index('{"schema_version"')
    data, _ = json.JSONDecoder().raw_decode(page, start)
    return data


@pytest.mark.parametrize(
    "sizes, n, minimum",
    [
        ({"a": 100, "b": 10, "c": 1}, 20, 5),
        ({"a": 50, "b": 50}, 7, 2),
        ({"a": 3, "b": 300, "c": 30, "d": 0}, 40, 5),
    ],
)
def test_allocation_gives_every_stratum_its_minimum_and_the_rest_by_size(sizes, n, minimum):
    take = allocate(sizes, n, minimum)
    assert sum(take.values()) == n
    assert all(0 <= take[h] <= sizes[h] for h in sizes)
    assert all(take[h] >= min(minimum, sizes[h]) for h in sizes)
    big = max(sizes, key=sizes.get)
    assert take[big] == max(take.values())


def test_allocation_takes_everything_when_n_is_larger_and_one_each_when_strata_abound():
    assert allocate({"a": 3, "b": 2}, 10, 5) == {"a": 3, "b": 2}
    assert allocate({"a": 9, "b": 5, "c": 1, "d": 7}, 2, 5) == {"a": 1, "b": 0, "c": 0, "d": 1}


def test_rater_names():
    assert rater_names("3") == ("r1", "r2", "r3")
    assert rater_names("ana, ben") == ("ana", "ben")
    for bad in ("", "a,a", "a b"):
        with pytest.raises(UsageError):
            rater_names(bad)


@pytest.fixture(scope="module")
def sampled(filtered_build, tmp_path_factory):
    to = tmp_path_factory.mktemp("he") / "HE"
    cfg = SampleConfig(
        n=24, images=6, raters=("r1", "r2", "r3"), overlap=0.5, seed=3, min_per_stratum=1
    )
    return to, sample_build(filtered_build, to, cfg)


def tasks_of(folder):
    return [json.loads(line) for line in (folder / "tasks.jsonl").read_text().splitlines()]


def test_tasks_are_a_stratified_sample_with_weights_back_to_the_population(sampled, filtered_build):
    to, result = sampled
    tasks = tasks_of(to)
    duos = [t for t in tasks if t["kind"] == "duo"]
    assert len(duos) == 24 and len([t for t in tasks if t["kind"] == "image"]) == 6
    population = Counter()
    dropped = {(d["id"], d["duo"]) for d in map(json.loads, open(filtered_build / "dropped.jsonl"))}
    for conv in map(json.loads, open(filtered_build / "conversations.jsonl")):
        for k, duo in enumerate(conv["duos"]):
            population[(duo["qtype"], "dropped" if (conv["id"], k) in dropped else "kept")] += 1
    strata = result["duo_strata"]
    assert sum(s["population"] for s in strata.values()) == sum(population.values())
    assert sum(s["sample"] for s in strata.values()) == 24
    for task in duos:
        s = strata[task["stratum"]]
        assert task["weight"] == pytest.approx(s["population"] / s["sample"])
        assert (
            task["stratum"]
            == f"qtype={task['qtype']}|source={task['source']}|status={task['status']}"
        )
        assert (task["id"], task["duo"]) in dropped if task["status"] == "dropped" else True
    assert {t["status"] for t in duos} == {"kept", "dropped"}
    # The weights add up to the population of the strata sampled (24 tasks cannot reach every
    # one of more strata; those are listed with sample 0).
    covered = sum(s["population"] for s in strata.values() if s["sample"])
    assert sum(t["weight"] for t in duos) == pytest.approx(covered)
    assert result["duo_population_covered"] == pytest.approx(covered / sum(population.values()))


def test_overlap_goes_to_every_rater_the_rest_to_one_each_in_a_rater_own_order(sampled):
    to, result = sampled
    tasks = {t["task_id"]: t for t in tasks_of(to)}
    overlap = set(result["overlap"])
    assert len(overlap) == 15  # half of 30
    seen = Counter(t for ids in result["raters"].values() for t in ids)
    assert all(seen[t] == (3 if t in overlap else 1) for t in tasks)
    assert all(tasks[t]["overlap"] == (t in overlap) for t in tasks)
    orders = [[t for t in ids if t in overlap] for ids in result["raters"].values()]
    assert orders[0] != orders[1] and sorted(orders[0]) == sorted(orders[1])


def test_pages_embed_only_what_a_rater_may_see(sampled):
    to, result = sampled
    tasks = {t["task_id"]: t for t in tasks_of(to)}
    for rater, ids in result["raters"].items():
        data = embedded((to / f"annotate-{rater}.html").read_text())
        assert data["rater"] == rater and data["task_set_sha256"] == result["task_set_sha256"]
        assert [t["task_id"] for t in data["tasks"]] == ids
        for shown in data["tasks"]:
            hidden = {"status", "weight", "stratum", "enriched_side", "qtype", "source", "overlap"}
            assert not hidden & set(shown)
            task = tasks[shown["task_id"]]
            assert all(shown[k] == task[k] for k in shown)
            assert (to / shown["image"]).is_file()


def test_same_seed_same_sample_and_refusal_to_overwrite(filtered_build, sampled, tmp_path):
    to, result = sampled
    cfg = SampleConfig(
        n=24, images=6, raters=("r1", "r2", "r3"), overlap=0.5, seed=3, min_per_stratum=1
    )
    again = sample_build(filtered_build, tmp_path / "again", cfg)
    assert again["task_set_sha256"] == result["task_set_sha256"]
    other = sample_build(
        filtered_build, tmp_path / "other", SampleConfig(n=24, images=6, seed=4, min_per_stratum=1)
    )
    assert other["task_set_sha256"] != result["task_set_sha256"]
    with pytest.raises(UsageError, match="exists"):
        sample_build(filtered_build, to, cfg)


def test_caption_sides_are_drawn_per_image(sampled):
    to, _ = sampled
    images = [t for t in tasks_of(to) if t["kind"] == "image"]
    for t in images:
        enriched, human = (
            (t["caption_a"], t["caption_b"])
            if t["enriched_side"] == "A"
            else (t["caption_b"], t["caption_a"])
        )
        assert enriched != human
    assert len({t["enriched_side"] for t in images}) == 2  # both sides occur in 6 draws here


def test_cli_sample_with_embedded_images(filtered_build, tmp_path):
    to = tmp_path / "HE"
    result = runner.invoke(
        app,
        [
            "human-eval",
            "sample",
            str(filtered_build),
            "--to",
            str(to),
            "--n",
            "5",
            "--images",
            "1",
            "--raters",
            "ana,ben",
            "--embed-images",
        ],
    )
    assert result.exit_code == 0, result.output
    data = embedded((to / "annotate-ana.html").read_text())
    assert all(t["image"].startswith("data:image/") for t in data["tasks"])
    assert not (to / "images").exists()
    bad = runner.invoke(
        app,
        [
            "human-eval",
            "sample",
            str(filtered_build),
            "--to",
            str(tmp_path / "x"),
            "--strata",
            "qtype,colour",
        ],
    )
    assert bad.exit_code == 2 and "unknown strata" in bad.output


def test_ties_between_equal_strata_are_drawn_by_the_seed_not_by_name():
    sizes = {f"s{i}": 4 for i in range(10)}
    picks = {frozenset(h for h, k in allocate(sizes, 3, 1, seed).items() if k) for seed in range(8)}
    assert len(picks) > 1
    assert allocate(sizes, 3, 1, 5) == allocate(sizes, 3, 1, 5)
