import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app
from llavar2.jsonl import read_jsonl
from llavar2.metrics import compute

runner = CliRunner()


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_evaluate_writes_corpus_and_per_item_scores_equal_to_the_api(tmp_path):
    refs = [
        {"id": "q1", "answers": ["The Night Garden"]},
        {"id": "q2", "answers": ["$3.99", "3.99"]},
        {"id": "q3", "answers": ["A man holds a red stop sign.", "A guy holding a stop sign."]},
    ]
    preds = [  # another order than the references, on purpose
        {"id": "q3", "prediction": "A man is holding a stop sign"},
        {"id": "q1", "prediction": "the night garden"},
        {"id": "q2", "prediction": "$4.99"},
    ]
    p, r = _write(tmp_path / "p.jsonl", preds), _write(tmp_path / "r.jsonl", refs)
    out = tmp_path / "result.json"
    names = ["exact_match", "anls", "bleu_4", "rouge_l", "cider", "meteor"]
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--predictions",
            str(p),
            "--references",
            str(r),
            "--metrics",
            ",".join(names),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    expected = compute(
        names,
        ["the night garden", "$4.99", "A man is holding a stop sign"],
        [x["answers"] for x in refs],
    )
    assert summary["counts"]["items"] == 3
    for name in names:
        assert summary["metrics"][name]["score"] == expected[name].score
        assert summary["metrics"][name]["reference"]
    assert "note" in summary["metrics"]["cider"]  # its IDF depends on the evaluated set
    items = list(read_jsonl(tmp_path / "result.items.jsonl"))
    assert [i["id"] for i in items] == ["q1", "q2", "q3"]
    assert [i["exact_match"] for i in items] == [1.0, 0.0, 0.0]
    assert [i["anls"] for i in items] == expected["anls"].per_item


def test_ids_on_one_side_only_are_an_error_that_lists_them(tmp_path):
    p = _write(
        tmp_path / "p.jsonl", [{"id": "a", "prediction": "x"}, {"id": "extra", "prediction": "y"}]
    )
    r = _write(
        tmp_path / "r.jsonl", [{"id": "a", "answers": ["x"]}, {"id": "gone", "answers": ["z"]}]
    )
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--predictions",
            str(p),
            "--references",
            str(r),
            "--metrics",
            "exact_match",
            "--out",
            str(tmp_path / "o.json"),
        ],
    )
    assert result.exit_code == 2
    assert "'extra'" in result.output and "'gone'" in result.output
    assert not (tmp_path / "o.json").exists()


def test_unknown_metric_and_malformed_rows_exit_2(tmp_path):
    p = _write(tmp_path / "p.jsonl", [{"id": "a", "prediction": "x"}])
    r = _write(tmp_path / "r.jsonl", [{"id": "a", "answers": ["x"]}])
    bad = _write(tmp_path / "bad.jsonl", [{"id": "a", "answers": "not a list"}])
    base = ["evaluate", "--predictions", str(p), "--out", str(tmp_path / "o.json")]
    assert runner.invoke(app, [*base, "--references", str(r), "--metrics", "nope"]).exit_code == 2
    assert runner.invoke(app, [*base, "--references", str(bad), "--metrics", "anls"]).exit_code == 2


def _sample_benchmark(tmp_path: Path) -> tuple[Path, Path]:
    names = sorted(p.name for p in samples.IMAGES_DIR.iterdir())[:2]
    bench = _write(
        tmp_path / "bench.jsonl",
        [
            {"id": f"q{i}", "image": name, "question": "What does it say?", "answers": ["open"]}
            for i, name in enumerate(names)
        ],
    )
    return bench, samples.IMAGES_DIR


def test_images_over_max_pixels_fail_as_too_many_pixels(tmp_path):
    bench, images = _sample_benchmark(tmp_path)
    out = tmp_path / "r.json"
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--benchmark",
            str(bench),
            "--images",
            str(images),
            "--model",
            "ocr-baseline",
            "--max-pixels",
            "100",
            "--out",
            str(out),
            "--no-progress",
            "--no-cache",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["counts"]["failed_by_reason"] == {"too_many_pixels": 2}


def test_the_hf_answerer_refuses_an_image_over_max_pixels_before_loading(tmp_path):
    from llavar2.errors import ItemRejected
    from llavar2.evaluate.answerers import AnswererOptions, Question, make_answerer
    from llavar2.evaluate.benchmarks import BenchmarkItem

    image = sorted(samples.IMAGES_DIR.iterdir())[0]
    item = BenchmarkItem(id="q", image=image.name, question="?", answers=["a"])
    answerer = make_answerer(f"hf:{tmp_path}", AnswererOptions(max_pixels=100))
    [answer] = answerer.answer_all(
        [Question(item=item, prompt="?", image=image, ocr=None, caption=False)]
    )
    assert isinstance(answer, ItemRejected) and answer.reason == "too_many_pixels"


def test_robustness_with_max_pixels_perturbs_no_image_over_it(tmp_path):
    bench, images = _sample_benchmark(tmp_path)
    out = tmp_path / "rob"
    result = runner.invoke(
        app,
        [
            "robustness",
            "--benchmark",
            str(bench),
            "--images",
            str(images),
            "--model",
            "ocr-baseline",
            "--metrics",
            "anls",
            "--out",
            str(out),
            "--perturbations",
            "blur",
            "--severities",
            "1",
            "--max-pixels",
            "100",
            "--no-progress",
            "--no-cache",
        ],
    )
    assert result.exit_code == 0, result.output
    assert not list((out / "images").rglob("*.png"))
    clean = json.loads((out / "runs" / "clean.json").read_text())
    assert clean["counts"]["failed_by_reason"] == {"too_many_pixels": 2}
    blurred = json.loads((out / "runs" / "blur-1.json").read_text())
    assert blurred["counts"]["failed"] == 2  # no copy was made (image_missing)


def test_scoring_files_loads_no_model_client(tmp_path):
    """A metrics-only evaluate imports neither the openai client nor torch (seconds of start)."""
    preds = _write(tmp_path / "p.jsonl", [{"id": "q1", "prediction": "open"}])
    refs = _write(tmp_path / "r.jsonl", [{"id": "q1", "answers": ["open"]}])
    script = (
        "import sys\n"
        "from llavar2.cli import app\n"
        "try:\n"
        f"    app(['evaluate', '--predictions', {str(preds)!r}, '--references', {str(refs)!r},"
        f" '--metrics', 'anls,bleu_4', '--out', {str(tmp_path / 'o.json')!r}])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "print(sorted({'openai', 'torch', 'transformers', 'llavar2.ocr'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert json.loads((tmp_path / "o.json").read_text())["metrics"]["anls"]["score"] == 1.0
