"""Every perturbation: deterministic for a seed, the image size kept, different severities give
different images; the report's plot is written."""

import json
import pkgutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from llavar2.robustness import perturbations
from llavar2.robustness.perturbations import PERTURBATIONS, SEVERITIES
from llavar2.robustness.report import write_report
from llavar2.robustness.suite import perturb_image

EXPECTED = {"gaussian_noise", "blur", "jpeg", "downscale", "rotation", "occlusion", "typographic"}


@pytest.fixture(scope="module")
def image():
    picture = Image.new("RGB", (320, 200), (240, 240, 230))
    draw = ImageDraw.Draw(picture)
    draw.text((20, 60), "OPEN 24 HOURS", font=ImageFont.load_default(size=32), fill=(0, 0, 0))
    draw.rectangle([200, 120, 300, 180], fill=(200, 30, 30))
    return picture


def test_all_perturbations_of_design_7_are_registered():
    assert EXPECTED <= set(PERTURBATIONS.names())  # a new one is one more file


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_deterministic_size_kept_and_severity_matters(image, name):
    outs = []
    for severity in SEVERITIES:
        a = perturb_image(image, name, severity, seed=7, key="x.png")
        b = perturb_image(image, name, severity, seed=7, key="x.png")
        assert a.size == image.size and a.mode == "RGB"
        assert np.array_equal(np.asarray(a), np.asarray(b))
        assert not np.array_equal(np.asarray(a), np.asarray(image))
        outs.append(np.asarray(a))
    assert all(not np.array_equal(x, y) for x, y in zip(outs, outs[1:]))


@pytest.mark.parametrize(
    "name", ["gaussian_noise", "occlusion", "typographic"]
)  # rotation: a coin flip
def test_random_ones_change_with_the_seed_or_the_image(image, name):
    base = np.asarray(perturb_image(image, name, 3, seed=1, key="a.png"))
    assert not np.array_equal(base, np.asarray(perturb_image(image, name, 3, seed=2, key="a.png")))
    assert not np.array_equal(base, np.asarray(perturb_image(image, name, 3, seed=1, key="b.png")))


def test_noise_blur_and_downscale_move_further_from_the_original_as_severity_rises(image):
    clean = np.asarray(image, dtype=float)
    for name in ("gaussian_noise", "blur", "downscale"):
        errors = [
            np.abs(np.asarray(perturb_image(image, name, s, 0, "k"), dtype=float) - clean).mean()
            for s in SEVERITIES
        ]
        assert errors == sorted(errors), (name, errors)


def test_unknown_severity_is_refused(image):
    with pytest.raises(ValueError, match="severity"):
        perturb_image(image, "blur", 6, 0, "k")


def test_report_writes_json_markdown_and_a_non_empty_plot(tmp_path):
    def run(score):
        return {
            "model": "m",
            "benchmark": {"file": "b.json"},
            "task": "vqa",
            "with_ocr": False,
            "primary_metric": "anls",
            "metrics": {"anls": {"score": score, "reference": "r"}},
            "counts": {"items": 4, "failed": 0},
        }

    runs = {"clean": run(0.9), **{f"blur-{s}": run(0.9 - 0.1 * s) for s in (1, 2, 3)}}
    report = write_report(tmp_path, runs, ["blur"], [1, 2, 3], seed=0)
    assert report["scores"]["blur"] == {"1": 0.8, "2": 0.7, "3": pytest.approx(0.6)}
    assert json.loads((tmp_path / "robustness.json").read_text())["clean"] == 0.9
    png = (tmp_path / "robustness.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    markdown = (tmp_path / "robustness.md").read_text()
    assert "| blur | 0.8000 (+0.1000) | 0.7000 (+0.2000) | 0.6000 (+0.3000) |" in markdown


def test_every_module_in_perturbations_registers_the_perturbation_it_is_named_after():
    modules = sorted(m.name for m in pkgutil.iter_modules(perturbations.__path__))
    assert PERTURBATIONS.names() == modules
    for entry in PERTURBATIONS.entries():
        assert entry.obj.__module__ == f"{perturbations.__name__}.{entry.name}"
        assert entry.help


def test_listing_the_perturbations_loads_neither_the_evaluation_nor_a_heavy_library():
    heavy = ["llavar2.evaluate", "torch", "matplotlib", "pyarrow"]
    code = (
        "import sys; from llavar2.robustness.perturbations import PERTURBATIONS; "
        f"PERTURBATIONS.describe(); print(sorted(set(sys.modules) & set({heavy!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
