import json
from pathlib import Path

from typer.testing import CliRunner

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
    result = runner.invoke(app, ["evaluate", "--predictions", str(p), "--references", str(r),
                                 "--metrics", ",".join(names), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    expected = compute(names, ["the night garden", "$4.99", "A man is holding a stop sign"],
                       [x["answers"] for x in refs])
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
    p = _write(tmp_path / "p.jsonl", [{"id": "a", "prediction": "x"}, {"id": "extra", "prediction": "y"}])
    r = _write(tmp_path / "r.jsonl", [{"id": "a", "answers": ["x"]}, {"id": "gone", "answers": ["z"]}])
    result = runner.invoke(app, ["evaluate", "--predictions", str(p), "--references", str(r),
                                 "--metrics", "exact_match", "--out", str(tmp_path / "o.json")])
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
