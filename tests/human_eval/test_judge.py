"""llavar2 judge against the local fake server: scripted verdicts, unparsable replies (null and
counted, never averaged in), repeats, position flips, faults, and the judge set against
simulated people by human-eval analyze."""

import json
import re

import pytest
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.config import OpenAIConfig
from llavar2.human_eval.analyze import analyze
from llavar2.human_eval.judge import combine, judge_build, parse_reply
from llavar2.human_eval.sample import SampleConfig, sample_build
from llavar2.prompts import load_template
from llavar2.testing.fake_openai import Fault
from llavar2.testing.raters import simulate
from llavar2.testing.scripted_model import block, user_text

runner = CliRunner()
DUO = load_template("rubric-read@1").data["duo"]
GOOD = {"correctness": 5, "grounded": "yes", "hallucination": "no", "question_quality": 4}
BAD = {"correctness": 1, "grounded": "no", "hallucination": "yes", "question_quality": 2}


def answer_of(text):
    return re.search(r"\[Answer 1\] (.*)\n", text).group(1)


def reader(body):
    """A judge that wants Answer 1 short and in the OCR text: then GOOD, else BAD; with seed 1
    it replies in prose (unparsable)."""
    if body.get("seed") == 1:
        return "The answer looks fine to me."
    text = user_text(body["messages"])
    return "```json\n" + json.dumps(verdict(answer_of(text), block(text, "ocr_text"))) + "\n```"


def verdict(answer, ocr_text):
    return GOOD if answer in ocr_text and len(answer.split()) <= 3 else BAD


def config(server, **extra):
    return OpenAIConfig(
        model="judge-model",
        base_url=server.url,
        api_key_env="LLAVAR2_TEST_OPENAI_KEY",
        backoff_base=0.01,
        **extra,
    )


def duo_tasks(folder):
    return [t for t in map(json.loads, open(folder / "tasks.jsonl")) if t["kind"] == "duo"]


def test_parse_and_combine():
    assert parse_reply(
        'Sure! {"correctness": "4", "grounded": "yes", "hallucination": "no", '
        '"question_quality": 9}',
        DUO,
    ) == {"correctness": 4, "grounded": "yes", "hallucination": "no", "question_quality": None}
    assert parse_reply("no json here", DUO) is None
    assert parse_reply('{"correctness": true}', DUO)["correctness"] is None
    # The first object, whatever follows; numbers as strings or integral floats; any case.
    assert parse_reply(
        '{"correctness": 4.0, "grounded": "Yes", "hallucination": "no"} '
        '(scale {1-5}) {"correctness": 1}',
        DUO,
    ) == {"correctness": 4, "grounded": "yes", "hallucination": "no", "question_quality": None}
    assert parse_reply('{"correctness": "²", "grounded": 4.5}', DUO)["correctness"] is None
    correctness, hallucination = DUO[0], DUO[2]
    assert combine([5, None, 2, 4], correctness) == 4
    assert combine([2, 5], correctness) == 2  # the lower median: an option of the scale
    assert combine(["yes", "no", "no"], hallucination) == "no"
    assert combine(["yes", "no"], hallucination) is None  # a split vote is no verdict
    assert combine([None], correctness) is None


def test_every_duo_is_judged_and_unparsable_replies_are_null_and_counted(
    chat_server, api_key, filtered_build, tmp_path
):
    import shutil

    build = shutil.copytree(filtered_build, tmp_path / "build")  # the judge writes build/judge
    server = chat_server(answerer=reader)
    path, summary = judge_build(build, config(server), "read@1", repeats=3)
    folder = build / "judge"
    tasks = {t["task_id"]: t for t in duo_tasks(folder)}
    data = json.loads(path.read_text())
    assert data["rater"] == "judge-read" and summary["tasks"] == len(tasks)
    assert summary["parse_failures"] == len(tasks)  # the seed-1 repeat of every task
    ocr = {o["id"]: o["text"] for o in map(json.loads, open(build / "ocr.jsonl"))}
    for item in data["items"]:
        task = tasks[item["task_id"]]
        assert item["values"] == verdict(task["answer"], ocr[task["id"]])
    assert {json.dumps(i["values"]) for i in data["items"]} == {json.dumps(GOOD), json.dumps(BAD)}
    assert len(server.requests) == 3 * len(tasks)
    report = analyze(folder, [path])  # a judge alone: the report is the judge's
    assert report["duo"]["tasks"] == len(tasks)

    def garbage(body):
        return "cannot say"

    prose = chat_server(answerer=garbage)
    path, summary = judge_build(build, config(prose), "read@1", repeats=1)
    items = json.loads(path.read_text())["items"]
    assert summary["parse_failures"] == len(tasks)
    assert all(set(i["values"].values()) == {None} for i in items)
    assert all(sorted(i["cannot_judge"]) == sorted(GOOD) for i in items)


def test_server_faults_are_retried(chat_server, api_key, filtered_build, tmp_path):
    def flaky(request):
        if request.attempt == 1:
            return (
                Fault(status=429, retry_after="0")
                if len(request.key) % 2
                else Fault(body="{not json")
            )
        return None

    server = chat_server(answerer=reader, faults=flaky)
    folder = tmp_path / "HE"
    sample_build(filtered_build, folder, SampleConfig(n=6, images=0, seed=2, pages=False))
    path, summary = judge_build(filtered_build, config(server), "read@1", tasks_folder=folder)
    assert summary["parse_failures"] == 0
    assert all(None not in i["values"].values() for i in json.loads(path.read_text())["items"])
    assert len(server.requests) == 2 * 6


def test_pairwise_swaps_sides_and_counts_position_flips(
    chat_server, api_key, filtered_build, tmp_path
):
    folder = tmp_path / "HE"
    sample_build(filtered_build, folder, SampleConfig(n=1, images=6, seed=2, pages=False))
    images = [t for t in map(json.loads, open(folder / "tasks.jsonl")) if t["kind"] == "image"]

    def longer(body):  # prefers the longer caption, wherever it is shown
        text = user_text(body["messages"])
        a, b = block(text, "caption_a"), block(text, "caption_b")
        return json.dumps({"preference": "A" if len(a) > len(b) else "B"})

    path, summary = judge_build(
        filtered_build, config(chat_server(answerer=longer)), "pairwise@1", tasks_folder=folder
    )
    assert summary["position_flips"] == 0
    items = {i["task_id"]: i for i in json.loads(path.read_text())["items"]}
    for t in images:
        want = "A" if len(t["caption_a"]) > len(t["caption_b"]) else "B"
        assert items[t["task_id"]]["values"]["preference"] == want

    def first(body):  # always the caption shown first: every verdict flips with the order
        return '{"preference": "A"}'

    path, summary = judge_build(
        filtered_build,
        config(chat_server(answerer=first)),
        "pairwise@1",
        tasks_folder=folder,
        repeats=2,
    )
    assert summary["position_flips"] == 2 * len(images)
    assert {i["values"]["preference"] for i in json.loads(path.read_text())["items"]} == {"tie"}


def test_analyze_sets_the_judge_against_the_people(chat_server, api_key, filtered_build, tmp_path):
    folder = tmp_path / "HE"
    result = runner.invoke(
        app,
        [
            "human-eval",
            "sample",
            str(filtered_build),
            "--to",
            str(folder),
            "--n",
            "20",
            "--images",
            "0",
            "--overlap",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    # People who find the dropped duos (answers over three words) wrong, as the judge does.
    people = simulate(folder, {"r1": 0.0, "r2": 0.0, "r3": 0.0}, seed=3, bad=("dropped",))
    server = chat_server(answerer=reader)
    result = runner.invoke(
        app,
        [
            "judge",
            str(filtered_build),
            "--model",
            "openai:judge-model",
            "--tasks",
            str(folder),
            "--base-url",
            server.url,
            "--api-key-env",
            "LLAVAR2_TEST_OPENAI_KEY",
            "--no-cache",
        ],
    )
    assert result.exit_code == 0, result.output
    assert api_key not in result.output
    judge = folder / "ratings" / "ratings-judge-read.json"
    report = analyze(folder, [*people, judge])
    assert report["raters"] == ["r1", "r2", "r3"]  # the judge is not pooled with the people
    versus = report["judges"]["judge-read"]
    assert versus["settings"]["model"] == "judge-model"
    correctness = versus["criteria"]["correctness"]
    assert correctness["tasks"] == 20
    # The same numbers by hand: the people agree perfectly, so their verdict is any rater's.
    r1 = {i["task_id"]: i["values"] for i in json.loads(people[0].read_text())["items"]}
    mine = {i["task_id"]: i["values"] for i in json.loads(judge.read_text())["items"]}
    same = sum(mine[t]["correctness"] == r1[t]["correctness"] for t in mine) / len(mine)
    assert correctness["percent"] == pytest.approx(same, abs=1e-6)
    from scipy.stats import spearmanr

    rho = spearmanr([mine[t]["correctness"] for t in mine], [r1[t]["correctness"] for t in mine])
    assert correctness["spearman"] == pytest.approx(rho.statistic, abs=1e-6) and rho.statistic > 0.3


def test_with_image_sends_the_picture(chat_server, api_key, filtered_build, tmp_path):
    folder = tmp_path / "HE"
    sample_build(filtered_build, folder, SampleConfig(n=2, images=0, seed=5, pages=False))
    server = chat_server(answerer=reader)
    judge_build(filtered_build, config(server), "read@1", tasks_folder=folder, with_image=True)
    assert len(server.requests) == 2
    for request in server.requests:
        parts = request.body["messages"][1]["content"]
        images = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
        assert len(images) == 1 and images[0].startswith("data:image/")
        assert "the image is right" in parts[-1]["text"]


def test_out_of_rubric_values_count_as_failures_and_the_budget_is_per_run(
    chat_server, api_key, filtered_build, tmp_path
):
    folder = tmp_path / "HE"
    sample_build(filtered_build, folder, SampleConfig(n=4, images=0, seed=6, pages=False))

    def sloppy(body):
        return (
            '{"correctness": 4.5, "grounded": "yes", "hallucination": "no", "question_quality": 3}'
        )

    path, summary = judge_build(
        filtered_build, config(chat_server(answerer=sloppy)), "read@1", tasks_folder=folder
    )
    assert summary["parse_failures"] == 4
    assert all(i["values"]["correctness"] is None for i in json.loads(path.read_text())["items"])

    server = chat_server(answerer=reader)
    result = runner.invoke(
        app,
        [
            "judge",
            str(filtered_build),
            "--model",
            "openai:judge-model",
            "--tasks",
            str(folder),
            "--repeats",
            "2",
            "--max-requests",
            "5",
            "--base-url",
            server.url,
            "--api-key-env",
            "LLAVAR2_TEST_OPENAI_KEY",
            "--no-cache",
        ],
    )
    assert result.exit_code == 4, result.output
    assert "request budget" in result.output
    assert len(server.requests) == 5  # one budget for both repeats
