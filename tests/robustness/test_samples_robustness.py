"""llavar2 robustness on bundled sample images with the ocr-baseline: reading the text gets worse
as noise, blur and down-scaling get stronger, and the report says so."""

import json

import pytest
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app

runner = CliRunner()
IMAGES = ["sign_rosies_bakery", "poster_summer_jazz"]  # .jpg: caption sets name <id>.jpg


@pytest.mark.slow
def test_ocr_baseline_score_falls_with_severity(tmp_path):
    truth = {
        row["image"]: row["text"]
        for row in map(json.loads, samples.GROUND_TRUTH.read_text().splitlines())
    }
    # A caption set whose reference is the text drawn: ROUGE-L of the OCR text against it.
    data = [
        {"image_id": name, "caption_str": " ".join(truth[f"{name}.jpg"].split("\n"))}
        for name in IMAGES
    ]
    bench = tmp_path / "captions.json"
    bench.write_text(json.dumps({"data": data}))
    out = tmp_path / "rob"
    result = runner.invoke(
        app,
        [
            "robustness",
            "--benchmark",
            str(bench),
            "--images",
            str(samples.IMAGES_DIR),
            "--model",
            "ocr-baseline",
            "--metrics",
            "rouge_l",
            "--out",
            str(out),
            "--perturbations",
            "gaussian_noise,blur,downscale",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "robustness.json").read_text())
    assert report["metric"] == "rouge_l" and report["items"] == 2
    for name in ("gaussian_noise", "blur", "downscale"):
        scores = [report["scores"][name][str(s)] for s in range(1, 6)]
        assert all(a >= b for a, b in zip(scores, scores[1:])), (name, scores)
        assert scores[-1] < report["clean"], (name, scores)
    markdown = (out / "robustness.md").read_text()
    for by in report["scores"].values():  # every plotted number is in the table
        assert all(f"{v:.4f}" in markdown for v in by.values())
    assert f"{report['clean']:.4f}" in markdown
    assert (out / "robustness.png").stat().st_size > 0
    print(json.dumps({"clean": report["clean"], **report["scores"]}))
