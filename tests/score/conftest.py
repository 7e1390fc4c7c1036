import json

import pytest
from PIL import Image
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app
from llavar2.testing import tiny_hf


@pytest.fixture(scope="session")
def lm_dir(tmp_path_factory):
    return tiny_hf.save_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(scope="session")
def vlm_dir(tmp_path_factory):
    return tiny_hf.save_llava(tmp_path_factory.mktemp("tiny-llava"))


@pytest.fixture(scope="session")
def image_path(tmp_path_factory):
    """A picture with some structure, so that the vision tower's output varies over it."""
    path = tmp_path_factory.mktemp("images") / "sign.png"
    image = Image.new("RGB", (48, 40), (240, 240, 230))
    for x in range(48):
        for y in range(0, 40, 3):
            image.putpixel((x, y), (x * 5, y * 6, 90))
    image.save(path)
    return path


@pytest.fixture(scope="session")
def gemma2_dir(tmp_path_factory):
    return tiny_hf.save_transformed_logits("gemma2", tmp_path_factory.mktemp("tiny-gemma2"))


@pytest.fixture(scope="session")
def cohere_dir(tmp_path_factory):
    return tiny_hf.save_transformed_logits("cohere", tmp_path_factory.mktemp("tiny-cohere"))


@pytest.fixture(scope="session")
def gpt2_dir(tmp_path_factory):
    return tiny_hf.save_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture
def model_dir(request):
    """The folder of the tiny model named by the test's ``kind`` parameter."""
    return request.getfixturevalue(f"{request.node.callspec.params['kind']}_dir")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """A real offline build of 3 sample images (its folder is the module's to write in)."""
    tmp = tmp_path_factory.mktemp("build")
    rows = [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()][:3]
    manifest = tmp / "captions.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp / "out"
    result = CliRunner().invoke(
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
    return out
