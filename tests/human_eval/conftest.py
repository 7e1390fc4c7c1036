import json

import pytest
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app

runner = CliRunner()


@pytest.fixture(scope="session")
def filtered_build(tmp_path_factory):
    """A real offline build of 12 sample images, filtered by rules only, with answers longer
    than three words dropped: both kept and dropped duos to sample."""
    tmp = tmp_path_factory.mktemp("he-build")
    rows = [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()][:12]
    manifest = tmp / "captions.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp / "out"
    result = runner.invoke(app, ["build", "--images", str(samples.IMAGES_DIR), "--captions",
                                 str(manifest), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["filter", str(out), "--mifd-max", "none", "--ffd-max", "none",
                                 "--max-answer-words", "3", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert (out / "dropped.jsonl").read_text().strip(), "the fixture needs dropped duos"
    return out
