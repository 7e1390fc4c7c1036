import json

import pytest
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app
from llavar2.testing import tiny_hf

runner = CliRunner()


def _build(tmp, rows, name):
    manifest = tmp / f"{name}.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp / name
    result = runner.invoke(
        app,
        [
            "build",
            "--images",
            str(samples.IMAGES_DIR),
            "--captions",
            str(manifest),
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code in (0, 3), result.output
    return out


@pytest.fixture(scope="session")
def sample_rows():
    return [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()]


@pytest.fixture(scope="session")
def build(tmp_path_factory, sample_rows):
    """A real offline build of 5 sample images of different kinds, plus a manifest row whose
    file is missing (an ingest reject); scored by a tiny model, then filtered (its random
    scores make the mIFD / FFD thresholds drop some duos)."""
    tmp = tmp_path_factory.mktemp("report-build")
    rows = [sample_rows[i] for i in (0, 4, 9, 14, 20)]
    rows.append(
        {"image": "no_such_file.png", "caption": "A picture that is not there.", "kind": "poster"}
    )
    out = _build(tmp, rows, "out")
    model = tiny_hf.save_causal_lm(tmp / "tiny-lm", context=2048)
    result = runner.invoke(app, ["score", str(out), "--scorer", f"hf:{model}", "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["filter", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def reference(tmp_path_factory, sample_rows):
    """Another build (3 other images), with no scores and no filter run."""
    return _build(
        tmp_path_factory.mktemp("report-reference"), [sample_rows[i] for i in (2, 7, 25)], "ref"
    )
