"""``llavar2 report`` opens the build's pictures (thumbnails) within --max-pixels."""

import json

from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app

runner = CliRunner()


def test_pictures_over_max_pixels_get_no_thumbnail(tmp_path):
    manifest = tmp_path / "captions.jsonl"
    manifest.write_text(samples.CAPTIONS.read_text().splitlines()[0] + "\n")
    out = tmp_path / "out"
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
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out), "--max-pixels", "100", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "1 pictures not shown" in result.output
    assert not list((out / "report" / "browser" / "thumbs").iterdir())
    assert json.loads((out / "build.json").read_text())["max_pixels"] > 100
    result = runner.invoke(app, ["report", str(out), "--no-progress"])  # the build's limit
    assert result.exit_code == 0 and "not shown" not in result.output, result.output
    assert len(list((out / "report" / "browser" / "thumbs").iterdir())) == 1
