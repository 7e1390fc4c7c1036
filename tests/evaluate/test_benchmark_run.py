"""llavar2 evaluate --benchmark against the local OpenAI-compatible server, whose answers follow
a rule (``eval_answer``) this test applies itself; the scores must equal the metrics computed
here on those answers."""

import json
import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.jsonl import read_jsonl
from llavar2.metrics import compute
from llavar2.ocr import get_engine, ocr_image
from llavar2.testing.fake_openai import FakeChatServer, Fault, eval_answer, eval_reply

runner = CliRunner()
SHORT = "\nAnswer the question using a single word or phrase."  # lmms-eval TextVQA/DocVQA
WORDS = ["OPEN", "SALE", "EXIT", "CAFE"]


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("images")
    font = ImageFont.load_default(size=48)
    for i, word in enumerate(WORDS):
        image = Image.new("RGB", (360, 140), (250, 250, 245 - i))
        ImageDraw.Draw(image).text((30, 40), word, font=font, fill=(10, 10, 10))
        image.save(folder / f"img{i}.png")
        image.save(folder / f"img{i}.jpg")  # TextVQA names its images <image_id>.jpg
    return folder


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with FakeChatServer(answerer=eval_reply) as s:
        yield s


def _run(server, *args: str) -> object:
    return runner.invoke(
        app,
        [
            "evaluate",
            "--model",
            "openai:fake-vlm",
            "--base-url",
            server.url,
            "--no-progress",
            "--no-cache",
            *args,
        ],
    )


def _expected(images: Path, prompts: list[str], files: list[str]) -> list[str]:
    return [eval_answer(p, (images / f).read_bytes()) for p, f in zip(prompts, files)]


def test_textvqa_scores_equal_the_metrics_on_the_rule_answers(tmp_path, images, server):
    questions = [f"What is written on sign {w.lower()}?" for w in WORDS]
    # the rule answers the last word, or it reversed: references hold both, in varied numbers
    right, reversed_ = (1, 2, 4, 6), (0, 1, 2, 3)
    data = [
        {
            "question_id": 100 + i,
            "image_id": f"img{i}",
            "question": q,
            "answers": [w.lower()] * right[i]
            + [w.lower()[::-1]] * reversed_[i]
            + ["no"] * (10 - right[i] - reversed_[i]),
        }
        for i, (q, w) in enumerate(zip(questions, WORDS))
    ]
    bench = tmp_path / "textvqa.json"
    bench.write_text(json.dumps({"dataset_name": "textvqa", "data": data}))
    out = tmp_path / "result.json"
    result = _run(server, "--benchmark", str(bench), "--images", str(images), "--out", str(out))
    assert result.exit_code == 0, result.output
    preds = _expected(images, [q + SHORT for q in questions], [f"img{i}.jpg" for i in range(4)])
    want = compute(["vqa_accuracy", "exact_match", "anls"], preds, [d["answers"] for d in data])
    got = json.loads(out.read_text())
    assert got["benchmark"]["format"] == "textvqa" and got["task"] == "textvqa"
    assert got["with_ocr"] is False and got["prompt"]["suffix"] == SHORT
    for name, r in want.items():
        assert got["metrics"][name]["score"] == r.score
    assert 0 < want["vqa_accuracy"].score < 1  # the rule gives right and wrong answers
    sent = sorted(r.body["messages"][0]["content"][1]["text"] for r in server.requests)
    assert sent == sorted(q + SHORT for q in questions)
    rows = list(read_jsonl(tmp_path / "result.predictions.jsonl"))
    assert {r["id"] for r in rows} == {str(d["question_id"]) for d in data}


def test_docvqa_anls_and_failed_items_are_counted(tmp_path, images, server):
    server.faults = lambda r: (
        Fault(status=400, message="refused") if "sign 3" in json.dumps(r.body) else None
    )
    questions = [f"Which word is on sign {i}?" for i in range(4)]
    data = [
        {"questionId": i, "image": f"img{i}.png", "question": q, "answers": [f"{i}", "x"]}
        for i, q in enumerate(questions)
    ]
    data.append({"questionId": 9, "image": "missing.png", "question": "Gone?", "answers": ["a"]})
    bench = tmp_path / "docvqa.json"
    bench.write_text(json.dumps({"data": data}))
    out = tmp_path / "r.json"
    result = _run(server, "--benchmark", str(bench), "--images", str(images), "--out", str(out))
    assert result.exit_code == 0, result.output
    got = json.loads(out.read_text())
    assert got["counts"]["failed_by_reason"] == {"request_failed": 1, "image_missing": 1}
    assert {f["id"] for f in got["failed"]} == {"3", "9"}
    preds = _expected(images, [q + SHORT for q in questions[:3]], [f"img{i}.png" for i in range(3)])
    preds += ["", ""]  # failed items count as empty answers
    want = compute(["anls", "exact_match"], preds, [d["answers"] for d in data])
    assert got["metrics"]["anls"]["score"] == want["anls"].score
    assert got["metrics"]["exact_match"]["score"] == want["exact_match"].score


def test_with_ocr_puts_llavar2_ocr_block_in_the_prompt(tmp_path, images, server):
    rows = [
        {
            "id": f"q{i}",
            "image": f"img{i}.png",
            "question": f"What does sign {i} say?",
            "answers": [WORDS[i]],
        }
        for i in range(2)
    ]
    bench = tmp_path / "b.jsonl"
    bench.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "r.json"
    result = _run(
        server, "--benchmark", str(bench), "--images", str(images), "--out", str(out), "--with-ocr"
    )
    assert result.exit_code == 0, result.output
    engine = get_engine("rapidocr")
    sent = {r.body["messages"][0]["content"][1]["text"] for r in server.requests}
    for row in rows:
        lines, _, _ = ocr_image(engine, images / row["image"])
        assert 1 <= len(lines) <= 4
        block = "OCR: " + " ".join(line.text for line in lines) + "\n"
        assert block + row["question"] + SHORT in sent
    assert json.loads(out.read_text())["with_ocr"] is True


def test_a_stopped_run_resumes_without_asking_twice(tmp_path, images, server):
    rows = [
        {"id": f"q{i}", "image": f"img{i % 4}.png", "question": f"Word {i}?", "answers": [str(i)]}
        for i in range(6)
    ]
    bench = tmp_path / "b.jsonl"
    bench.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "r.json"
    args = [
        "--benchmark",
        str(bench),
        "--images",
        str(images),
        "--out",
        str(out),
        "--concurrency",
        "1",
    ]
    first = _run(server, *args, "--max-requests", "2")
    assert first.exit_code == 4, first.output
    assert not out.exists()
    second = _run(server, *args)
    assert second.exit_code == 0, second.output
    ids = [r["id"] for r in read_jsonl(tmp_path / "r.predictions.jsonl")]
    assert sorted(ids) == sorted(r["id"] for r in rows)  # none lost, none twice
    assert len(server.requests) == 6
    other = _run(server, *args, "--with-ocr")  # another run into the same file: refused
    assert other.exit_code == 2 and "another run" in other.output


def test_image_paths_stay_inside_images_so_no_local_file_is_sent(tmp_path, images, server):
    """A benchmark naming files outside --images (``..``, absolute, a symlink out) cannot make
    the tool read them and send them to the server: those items fail, the others run."""
    folder = tmp_path / "imgs"
    folder.mkdir()
    (folder / "ok.png").write_bytes((images / "img0.png").read_bytes())
    secret = tmp_path / "secret.png"
    secret.write_bytes((images / "img1.png").read_bytes())  # a readable image, but outside
    (folder / "link.png").symlink_to(secret)
    (folder / "sub").mkdir()
    os.mkfifo(folder / "pipe.png")  # reading it would block
    paths = {
        "a": "ok.png",
        "b": "../secret.png",
        "c": str(secret),
        "d": "link.png",
        "e": "sub/../../secret.png",
        "f": "sub",
        "g": "pipe.png",
        "h": "a\u0000.png",
    }
    bench = tmp_path / "bench.jsonl"
    bench.write_text(
        "".join(
            json.dumps({"id": k, "image": v, "question": "Which word?", "answers": ["x"]}) + "\n"
            for k, v in paths.items()
        )
    )
    out = tmp_path / "r.json"
    result = _run(server, "--benchmark", str(bench), "--images", str(folder), "--out", str(out))
    assert result.exit_code == 0, result.output
    got = json.loads(out.read_text())
    assert {f["id"]: f["reason"] for f in got["failed"]} == {
        "b": "path_escapes_dir",
        "c": "path_escapes_dir",
        "d": "path_escapes_dir",
        "e": "path_escapes_dir",
        "f": "unreadable_image",
        "g": "unreadable_image",
        "h": "bad_path",
    }
    assert all(f["detail"] for f in got["failed"])
    assert got["counts"]["answered"] == 1 and len(server.requests) == 1


def test_a_run_resumed_against_another_server_is_refused(tmp_path, images, server):
    rows = [
        {"id": f"q{i}", "image": f"img{i}.png", "question": f"Word {i}?", "answers": [str(i)]}
        for i in range(3)
    ]
    bench = tmp_path / "b.jsonl"
    bench.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = [
        "--benchmark",
        str(bench),
        "--images",
        str(images),
        "--out",
        str(tmp_path / "r.json"),
        "--concurrency",
        "1",
    ]
    first = _run(server, *args, "--max-requests", "1")
    assert first.exit_code == 4, first.output
    with FakeChatServer(answerer=eval_reply) as other:
        resumed = _run(other, *args)
        assert resumed.exit_code == 2 and "another run" in resumed.output
        assert other.requests == []


def test_cached_answers_of_one_server_are_not_taken_for_anothers(tmp_path, images, server):
    bench = tmp_path / "b.jsonl"
    bench.write_text(
        json.dumps({"id": "q", "image": "img0.png", "question": "Word?", "answers": ["x"]}) + "\n"
    )
    cache = tmp_path / "cache"

    def run(srv, out):
        return runner.invoke(
            app,
            [
                "evaluate",
                "--model",
                "openai:fake-vlm",
                "--base-url",
                srv.url,
                "--no-progress",
                "--benchmark",
                str(bench),
                "--images",
                str(images),
                "--out",
                str(tmp_path / out),
            ],
            env={"LLAVAR2_CACHE_DIR": str(cache)},
        )

    assert run(server, "a.json").exit_code == 0 and len(server.requests) == 1
    assert run(server, "b.json").exit_code == 0 and len(server.requests) == 1  # cached
    with FakeChatServer(answerer=eval_reply) as other:
        assert run(other, "c.json").exit_code == 0
        assert len(other.requests) == 1
