"""validate train → evaluate → report with a tiny random LLaVA on the CPU.

On the toy task (the sign's colour is in the pixels) the arm trained on the right answers must
beat the untrained base model on held-out images by a wide margin, and the arm trained on wrong
answers must not; training lowers the answer loss; a killed run resumes to the same model; and
the whole chain also runs from a real filtered build of the bundled samples."""

import json

import pytest
from transformers import TrainerCallback
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.errors import UsageError
from llavar2.testing import tiny_hf
from llavar2.testing.builds import filtered_sample_build
from llavar2.testing.toy_validation import write_toy_val
from llavar2.validate.report import _unequal
from llavar2.validate.settings import TrainSettings
from llavar2.validate.train import train

runner = CliRunner()
# The tiny model's LM head is random and tiny: LoRA on the attention and MLP layers alone
# cannot move its logits far, so the head is trained in full (--train-module lm_head).
TINY = [
    "--train-module",
    "lm_head",
    "--lora-rank",
    "8",
    "--lora-alpha",
    "16",
    "--lora-dropout",
    "0",
    "--lr",
    "5e-3",
    "--epochs",
    "10",
    "--batch-size",
    "8",
    "--grad-accum",
    "1",
    "--no-progress",
]
TINY_SETTINGS = TrainSettings(
    modules_to_save=("lm_head",),
    lora_rank=8,
    lora_alpha=16,
    lora_dropout=0.0,
    learning_rate=5e-3,
    epochs=10,
    batch_size=8,
    grad_accum=1,
)


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return tiny_hf.save_llava(tmp_path_factory.mktemp("tiny") / "llava")


@pytest.fixture(scope="module")
def toy(tmp_path_factory, model):
    """The toy folder, every arm trained (seed 0), evaluated and reported."""
    val = tmp_path_factory.mktemp("toy") / "val"
    write_toy_val(val, seeds=(0, 1))
    for arm in ("control", "treatment", "negative"):
        for seed in (0, 1):
            invoke("validate", "train", val, "--model", model, "--arm", arm, "--seed", seed, *TINY)
    # Another benchmark file, scored with its own format's task (JSONL: vqa).
    extra = val.parent / "extra.jsonl"
    extra.write_text((val / "heldout.jsonl").read_text())
    invoke("validate", "evaluate", val, "--benchmark", f"{extra}={val / 'images'}", "--no-progress")
    invoke("validate", "report", val)
    return val


def scores(val, arm):
    folder = "base" if arm == "base" else f"{arm}/seed-0"
    return json.loads((val / "eval" / folder / "heldout.json").read_text())["metrics"]


@pytest.mark.slow
def test_training_lowers_the_answer_loss(toy):
    for arm in ("control", "treatment", "negative"):
        t = json.loads((toy / "runs" / arm / "seed-0" / "train.json").read_text())
        assert t["loss_probe"]["after"] < 0.5 * t["loss_probe"]["before"], arm
        assert t["losses"][-1]["loss"] < t["losses"][0]["loss"]
        assert t["samples"] == {"arm": 96, "trained": 96, "dropped": 0, "dropped_by_reason": {}}
        assert not (toy / "runs" / arm / "seed-0" / "checkpoints").exists()


@pytest.mark.slow
def test_the_arm_trained_on_matching_data_beats_the_base_model(toy):
    base = scores(toy, "base")["exact_match"]["score"]
    treatment = scores(toy, "treatment")["exact_match"]["score"]
    negative = scores(toy, "negative")["exact_match"]["score"]
    assert treatment >= base + 0.6
    assert treatment >= negative + 0.6
    # The base model answered in the precision the arms were trained and saved in.
    trained = json.loads((toy / "runs" / "treatment" / "seed-0" / "train.json").read_text())
    base_run = json.loads((toy / "eval" / "base" / "heldout.json").read_text())
    assert base_run["model_settings"]["dtype"] == trained["dtype"] == "float32"


@pytest.mark.slow
def test_the_report_compares_every_arm_with_the_control(toy):
    report = json.loads((toy / "report" / "report.json").read_text())
    held = report["benchmarks"]["heldout"]
    assert list(held["arms"]) == ["base", "control", "treatment", "negative"]
    assert held["items"] == 30 and held["primary"] == "exact_match"
    treatment, control = held["arms"]["treatment"], held["arms"]["control"]
    vs = treatment["vs_control"]["exact_match"]
    assert vs["diff"] == pytest.approx(
        treatment["metrics"]["exact_match"]["mean"] - control["metrics"]["exact_match"]["mean"]
    )
    assert vs["ci95"][0] <= vs["diff"] <= vs["ci95"][1]
    assert held["arms"]["negative"]["vs_control"]["exact_match"]["ci95"][1] < 0
    assert sorted(treatment["mcnemar"]) == ["0", "1"]
    assert vs["n_seeds"] == 2 and treatment["paired_seeds"] == ["0", "1"]
    # The base model (untrained) is paired with the control of every seed.
    base = held["arms"]["base"]
    assert base["seeds"] == ["-"] and base["metrics"]["exact_match"]["std"] is None
    assert base["vs_control"]["exact_match"]["n_seeds"] == 2 and sorted(base["mcnemar"]) == [
        "0",
        "1",
    ]
    mc = treatment["mcnemar"]["0"]

    def right(arm: str) -> list[float]:
        items = toy / "eval" / arm / "seed-0" / "heldout.items.jsonl"
        return [json.loads(line)["exact_match"] for line in items.read_text().splitlines()]

    assert mc["b"] == sum(a > c for a, c in zip(right("treatment"), right("control")))
    assert control["vs_control"] == {} and control["mcnemar"] == {}
    assert report["training"]["treatment"]["0"]["trained"] == 96 and report["warnings"] == []
    md = (toy / "report" / "report.md").read_text()
    assert "| treatment | exact_match |" in md and "![exact_match per arm](heldout.png)" in md
    assert (toy / "report" / "heldout.png").read_bytes()[:4] == b"\x89PNG"
    extra = report["benchmarks"]["extra"]
    assert extra["task"] == "vqa" and extra["primary"] == "anls" and extra["items"] == 30


@pytest.mark.slow
def test_results_of_a_run_trained_again_are_left_out_then_redone(model, tmp_path):
    val = tmp_path / "val"
    write_toy_val(val, n=16, heldout=4, seeds=(0, 1))
    for seed in (0, 1):
        invoke(
            "validate",
            "train",
            val,
            "--model",
            model,
            "--arm",
            "treatment",
            "--seed",
            seed,
            *TINY[:-5],
            "--epochs",
            1,
            "--no-progress",
        )
    invoke("validate", "evaluate", val, "--no-progress")
    # Seed 0 trained again (its train.json differs; its merged model has the same path).
    done = val / "runs" / "treatment" / "seed-0" / "train.json"
    done.write_text(done.read_text().replace('"resumed": false', '"resumed": true'))
    invoke("validate", "report", val)
    report = json.loads((val / "report" / "report.json").read_text())
    assert report["benchmarks"]["heldout"]["arms"]["treatment"]["seeds"] == ["1"]
    assert any("treatment seed 0: trained again or deleted" in w for w in report["warnings"])
    predictions = val / "eval" / "treatment" / "seed-0" / "heldout.predictions.jsonl"
    predictions.write_text(predictions.read_text().replace('"prediction":"', '"prediction":"x'))
    invoke("validate", "evaluate", val, "--no-progress")
    assert '"prediction":"x' not in predictions.read_text()  # answered anew, not resumed
    invoke("validate", "report", val)
    report = json.loads((val / "report" / "report.json").read_text())
    assert report["benchmarks"]["heldout"]["arms"]["treatment"]["seeds"] == ["0", "1"]
    assert not any("trained again" in w for w in report["warnings"])


@pytest.mark.slow
def test_a_finished_run_is_not_trained_again_and_other_settings_are_refused(toy, model):
    before = (toy / "runs" / "treatment" / "seed-0" / "train.json").read_text()
    invoke("validate", "train", toy, "--model", model, "--arm", "treatment", "--seed", 0, *TINY)
    assert (toy / "runs" / "treatment" / "seed-0" / "train.json").read_text() == before
    result = runner.invoke(
        app,
        [
            "validate",
            "train",
            str(toy),
            "--model",
            str(model),
            "--arm",
            "treatment",
            "--seed",
            "0",
            *TINY,
            "--lr",
            "1e-3",
        ],
    )
    assert result.exit_code == 2 and "other settings" in result.output


class Stop(Exception):
    pass


class StopAt(TrainerCallback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise Stop()


class FirstStep(TrainerCallback):
    first = None

    def on_step_end(self, args, state, control, **kwargs):
        self.first = self.first or state.global_step


@pytest.mark.slow
def test_a_killed_run_resumes_from_its_checkpoint_to_the_same_model(toy, model, tmp_path):
    val = tmp_path / "val"
    write_toy_val(val)
    settings = TrainSettings(**{**TINY_SETTINGS.__dict__, "save_steps": 50})
    with pytest.raises(Stop):
        train(val, model, "treatment", 0, settings, progress=False, callbacks=[StopAt(70)])
    folder = val / "runs" / "treatment" / "seed-0"
    assert not (folder / "train.json").exists()
    assert (folder / "checkpoints" / "checkpoint-50").is_dir()
    other = TrainSettings(**{**settings.__dict__, "learning_rate": 1e-3})
    with pytest.raises(UsageError, match="checkpoints of a run with another model or other"):
        train(val, model, "treatment", 0, other, progress=False)
    first = FirstStep()
    done = train(val, model, "treatment", 0, settings, progress=False, callbacks=[first])
    assert first.first == 51  # went on from checkpoint-50, not from the start
    assert done["resumed"] and done["steps"] == 120
    assert [h["step"] for h in done["losses"]] == list(range(1, 121))
    # The uninterrupted run (save_steps only decides where checkpoints are) ends the same.
    whole = json.loads((toy / "runs" / "treatment" / "seed-0" / "train.json").read_text())
    assert done["loss_probe"]["after"] == pytest.approx(whole["loss_probe"]["after"], rel=1e-4)


def test_usage_errors_name_what_is_missing(tmp_path, model):
    result = runner.invoke(
        app,
        [
            "validate",
            "train",
            str(tmp_path),
            "--model",
            str(model),
            "--arm",
            "treatment",
            "--seed",
            "0",
        ],
    )
    assert result.exit_code == 2 and "validate prepare" in result.output
    write_toy_val(tmp_path / "val", n=4, heldout=2)
    for args, says in (
        (["--arm", "base", "--seed", "0"], "nothing to train"),
        (["--arm", "other", "--seed", "0"], "unknown arm"),
        (["--arm", "treatment", "--seed", "7"], "no seed 7"),
    ):
        result = runner.invoke(
            app, ["validate", "train", str(tmp_path / "val"), "--model", str(model), *args]
        )
        assert result.exit_code == 2 and says in result.output, result.output
    # A run where no sample fits trains nothing and locks nothing: other settings may follow.
    for max_length in ("16", "17"):
        result = runner.invoke(
            app,
            [
                "validate",
                "train",
                str(tmp_path / "val"),
                "--model",
                str(model),
                "--arm",
                "treatment",
                "--seed",
                "0",
                "--max-length",
                max_length,
            ],
        )
        assert result.exit_code == 2 and f"fits max_length {max_length}" in result.output
    dropped = (tmp_path / "val" / "runs" / "treatment" / "seed-0" / "dropped.jsonl").read_text()
    assert dropped.count('"over_long"') == 4
    result = runner.invoke(app, ["validate", "evaluate", str(tmp_path / "val")])
    assert result.exit_code == 2 and "no finished training run" in result.output
    result = runner.invoke(app, ["validate", "report", str(tmp_path / "val")])
    assert result.exit_code == 2 and "validate evaluate" in result.output


@pytest.mark.slow
def test_the_whole_chain_runs_from_a_real_filtered_build(tmp_path, model):
    out = filtered_sample_build(tmp_path, 10)
    val = tmp_path / "val"
    invoke("validate", "prepare", out, "--to", val, "--n", 8, "--seeds", "0", "--holdout", 0.3)
    plan = json.loads((val / "plan.json").read_text())
    invoke(
        "validate",
        "train",
        val,
        "--model",
        model,
        "--arm",
        "treatment",
        "--seed",
        0,
        *TINY[:-5],
        "--epochs",
        2,
        "--no-progress",
    )
    t = json.loads((val / "runs" / "treatment" / "seed-0" / "train.json").read_text())
    assert t["samples"]["arm"] == plan["arm_size"]
    assert t["samples"]["trained"] + t["samples"]["dropped"] == plan["arm_size"]
    assert t["loss_probe"]["after"] < t["loss_probe"]["before"]
    invoke("validate", "evaluate", val, "--no-progress")
    result = invoke("validate", "report", val)
    assert "heldout exact_match: base" in result.output
    report = json.loads((val / "report" / "report.json").read_text())
    held = report["benchmarks"]["heldout"]
    assert held["items"] == plan["holdout"]["items"] > 0
    assert list(held["arms"]) == ["base", "treatment"]
    for arm in ("base", "treatment/seed-0"):
        result = json.loads((val / "eval" / arm / "heldout.json").read_text())
        assert result["counts"]["failed"] == 0
        assert result["task"] == "extractive"


def test_arms_left_unequal_by_dropped_samples_are_warned_about():
    def runs(**sizes):
        return {seed: {"trained": n} for seed, n in sizes.items()}

    training = {"control": runs(s0=100, s1=100), "treatment": runs(s0=96, s1=90)}
    [warning] = _unequal(training)
    assert warning.startswith("seed s1: ") and "control 100, treatment 90" in warning
