"""llavar2 human-eval analyze on simulated raters whose agreement and quality are known."""

import json
import math
from collections import Counter

import pytest
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.errors import UsageError
from llavar2.human_eval.analyze import acceptable, analyze
from llavar2.human_eval.sample import SampleConfig, sample_build
from llavar2.testing.raters import simulate

runner = CliRunner()
RULE = {"correctness_min": 4, "grounded_in": ["partial", "yes"], "hallucination": "no"}


@pytest.fixture(scope="module")
def folder(filtered_build, tmp_path_factory):
    """A sample of a copy of the build: analyze links its reports from the build folder, and
    the session's build must stay as other tests expect it."""
    import shutil

    tmp = tmp_path_factory.mktemp("he-analyze")
    build = shutil.copytree(filtered_build, tmp / "build")
    to = tmp / "HE"
    sample_build(build, to, SampleConfig(n=40, images=8, overlap=0.6, seed=1, min_per_stratum=2))
    return to


def ratings_dir(folder, name):
    """A copy of the folder's ratings under another name (simulations write folder/ratings)."""
    target = folder / f"ratings-{name}"
    target.mkdir(exist_ok=True)
    for path in (folder / "ratings").glob("*.json"):
        (target / path.name).write_bytes(path.read_bytes())
    return sorted(target.glob("*.json"))


def test_the_acceptable_rule():
    assert acceptable({"correctness": 4, "grounded": "partial", "hallucination": "no"}, RULE)
    assert not acceptable({"correctness": 3, "grounded": "yes", "hallucination": "no"}, RULE)
    assert not acceptable({"correctness": 5, "grounded": "no", "hallucination": "no"}, RULE)
    assert not acceptable({"correctness": 5, "grounded": "yes", "hallucination": "yes"}, RULE)
    assert acceptable({"correctness": None, "grounded": "yes", "hallucination": "no"}, RULE) is None


def test_perfect_raters_agree_fully_and_dropped_duos_rate_worse(folder):
    simulate(folder, {"r1": 0.0, "r2": 0.0, "r3": 0.0}, seed=5, bad=("dropped",))
    report = analyze(folder, ratings_dir(folder, "perfect"))
    duo = report["duo"]
    by_status = duo["by"]["status"]
    assert by_status["kept"]["rate"] == 1.0 and by_status["dropped"]["rate"] == 0.0
    kvd = duo["kept_vs_dropped"]
    assert kvd["difference"] == 1.0 and kvd["ci"] == [1.0, 1.0]
    for key, a in report["agreement"].items():
        assert a["tasks"] > 0 and a["percent"] == 1.0, key
        if a["alpha"] is not None:  # undefined when every rating is the same value
            assert a["alpha"] == pytest.approx(1.0) and not a["warning"], key
    assert report["agreement"]["correctness"]["alpha"] == pytest.approx(1.0)
    assert all(
        k == pytest.approx(1.0) for k in report["agreement"]["correctness"]["cohen_kappa"].values()
    )


def test_weighted_rate_is_the_stratum_weighted_mean_of_task_values(folder):
    simulate(folder, {"r1": 0.3, "r2": 0.3, "r3": 0.3}, seed=6, bad=("dropped",))
    paths = ratings_dir(folder, "noisy")
    report = analyze(folder, paths)
    tasks = {t["task_id"]: t for t in map(json.loads, open(folder / "tasks.jsonl"))}
    values = {}
    for path in paths:
        for item in json.loads(path.read_text())["items"]:
            verdict = acceptable(item["values"], RULE)
            if verdict is not None and tasks[item["task_id"]]["kind"] == "duo":
                values.setdefault(item["task_id"], []).append(verdict)
    share = {t: sum(v) / len(v) for t, v in values.items()}
    # Post-stratified: population of the stratum over its tasks with a verdict.
    strata = json.loads((folder / "assignments.json").read_text())["duo_strata"]
    here = Counter(tasks[t]["stratum"] for t in share)
    weights = {
        t: strata[tasks[t]["stratum"]]["population"] / here[tasks[t]["stratum"]] for t in share
    }
    expected = sum(weights[t] * share[t] for t in share) / sum(weights.values())
    got = report["duo"]["acceptable"]
    assert got["weighted_rate"] == pytest.approx(expected, abs=1e-6)
    assert got["rate"] == pytest.approx(sum(share.values()) / len(share), abs=1e-6)
    assert got["n_eff"] == pytest.approx(
        sum(weights.values()) ** 2 / sum(w * w for w in weights.values()), abs=1e-6
    )
    assert got["ci"][0] < got["rate"] < got["ci"][1]


def test_chance_raters_get_alpha_near_zero_and_a_warning(folder):
    simulate(folder, {"r1": 1.0, "r2": 1.0, "r3": 1.0}, seed=7)
    report = analyze(folder, ratings_dir(folder, "chance"))
    # About 0, within the sampling error of some 25 shared tasks (SD about 0.15).
    for key in ("correctness", "hallucination", "question_quality"):
        a = report["agreement"][key]
        assert abs(a["alpha"]) < 0.35 and a["warning"], key
        assert a["alpha_ci"][0] < a["alpha"] < a["alpha_ci"][1], key


def test_caption_preferences_are_mapped_back_to_enriched_and_human(folder, tmp_path):
    tasks = [t for t in map(json.loads, open(folder / "tasks.jsonl")) if t["kind"] == "image"]
    sha = json.loads((folder / "assignments.json").read_text())["task_set_sha256"]
    items = [
        {
            "task_id": t["task_id"],
            "cannot_judge": [],
            "values": {
                "preference": t["enriched_side"],
                f"hallucination_{t['enriched_side'].lower()}": "no",
                f"hallucination_{'b' if t['enriched_side'] == 'A' else 'a'}": "yes",
            },
        }
        for t in tasks
    ]
    path = tmp_path / "ratings-r1.json"
    path.write_text(
        json.dumps({"schema_version": 1, "task_set_sha256": sha, "rater": "r1", "items": items})
    )
    image = analyze(folder, [path])["image"]
    assert image["preference"]["enriched"]["rate"] == 1.0
    assert image["preference"]["human"]["rate"] == 0.0
    assert image["hallucination"]["enriched"]["rate"] == 0.0
    assert image["hallucination"]["human"]["rate"] == 1.0


def test_bad_ratings_files_are_refused_and_bad_items_left_out_with_a_reason(folder, tmp_path):
    sha = json.loads((folder / "assignments.json").read_text())["task_set_sha256"]
    task = next(map(json.loads, open(folder / "tasks.jsonl")))
    other = tmp_path / "other.json"
    other.write_text(
        json.dumps({"schema_version": 1, "task_set_sha256": "0" * 64, "rater": "r1", "items": []})
    )
    with pytest.raises(UsageError, match="another task set"):
        analyze(folder, [other])
    good = {"task_id": task["task_id"], "values": {"correctness": 5}, "cannot_judge": []}
    items = [
        good,
        {"task_id": "duo:nope:0", "values": {}},
        {**good, "values": {"correctness": 7}},
        {**good, "values": {"correctness": True}},
        {**good, "values": {"correctness": 4.0}},
        {**good, "cannot_judge": [["x"]]},
        {**good, "values": {"colour": "red"}},
    ]
    mixed = tmp_path / "mixed.json"
    mixed.write_text(
        json.dumps({"schema_version": 1, "task_set_sha256": sha, "rater": "r9", "items": items})
    )
    report = analyze(folder, [mixed])
    assert len(report["problems"]) == 6
    assert report["coverage"]["r9"]["rated"] == 1
    assert any("unknown task" in p for p in report["problems"])
    with pytest.raises(UsageError, match="two ratings files of one rater"):
        analyze(folder, [mixed, mixed])
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(UsageError, match="not a readable ratings file"):
        analyze(folder, [broken])


def test_cli_writes_the_report(folder, tmp_path):
    paths = simulate(folder, {"r1": 0.2, "r2": 0.2, "r3": 0.2}, seed=8)
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["human-eval", "analyze", str(folder), *map(str, paths), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    markdown = (out / "report.md").read_text()
    assert "## Agreement" in markdown and "Krippendorff" in markdown
    assert all((out / p).is_file() for p in ("plots/criteria.png", "plots/agreement.png"))
    assert not any(isinstance(v, float) and math.isnan(v) for v in _leaves(report))


def _leaves(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj


def test_llavar2_report_links_the_analysis(filtered_build, tmp_path):
    import shutil

    build = tmp_path / "build"
    shutil.copytree(filtered_build, build)
    folder = tmp_path / "HE"
    sample_build(build, folder, SampleConfig(n=10, images=2, seed=4))
    paths = simulate(folder, {"r1": 0.0, "r2": 0.0, "r3": 0.0}, seed=9)
    result = runner.invoke(app, ["human-eval", "analyze", str(folder), *map(str, paths)])
    assert result.exit_code == 0, result.output
    links = json.loads((build / "human_eval.json").read_text())["reports"]
    assert [e["report"] for e in links] == [str((folder / "report" / "report.md").resolve())]
    result = runner.invoke(app, ["report", str(build), "--no-progress"])
    assert result.exit_code == 0, result.output
    markdown = (build / "report" / "report.md").read_text()
    assert "## Human evaluation" in markdown
    link = markdown.split("## Human evaluation")[1].split("](")[1].split(")")[0]
    assert (build / "report" / link).resolve() == (folder / "report" / "report.md").resolve()


def test_unrated_tasks_do_not_shrink_their_stratum(filtered_build, tmp_path):
    """Strata kept / dropped: every dropped task rated unacceptable, one kept task rated
    acceptable and the other kept tasks unrated. The kept stratum still stands for all its
    duos: the weighted rate is the kept share of the build."""
    folder = tmp_path / "HE"
    result = sample_build(
        filtered_build,
        folder,
        SampleConfig(
            n=16,
            images=0,
            strata=("status",),
            raters=("r1",),
            overlap=0.0,
            seed=2,
            min_per_stratum=8,
        ),
    )
    strata = result["duo_strata"]
    tasks = list(map(json.loads, open(folder / "tasks.jsonl")))
    kept = next(t for t in tasks if t["status"] == "kept")
    good = {"correctness": 5, "grounded": "yes", "hallucination": "no"}
    bad = {"correctness": 1, "grounded": "no", "hallucination": "yes"}
    items = [{"task_id": kept["task_id"], "values": good}] + [
        {"task_id": t["task_id"], "values": bad} for t in tasks if t["status"] == "dropped"
    ]
    path = tmp_path / "ratings-r1.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "task_set_sha256": result["task_set_sha256"],
                "rater": "r1",
                "items": items,
            }
        )
    )
    got = analyze(folder, [path])["duo"]["acceptable"]
    population = {h.split("=")[1]: s["population"] for h, s in strata.items()}
    expected = population["kept"] / (population["kept"] + population["dropped"])
    assert got["weighted_rate"] == pytest.approx(expected, abs=1e-6)
    assert got["rate"] == pytest.approx(1 / (1 + 8), abs=1e-6)


def test_a_rater_without_ratings_leaves_fleiss_kappa_defined(folder, tmp_path):
    simulate(folder, {"r1": 0.0, "r2": 0.0, "r3": 0.0}, seed=12)
    paths = ratings_dir(folder, "two-and-empty")
    empty = json.loads(paths[2].read_text()) | {"items": []}
    paths[2].write_text(json.dumps(empty))
    report = analyze(folder, paths)
    assert report["agreement"]["correctness"]["fleiss_kappa"] == pytest.approx(1.0)
