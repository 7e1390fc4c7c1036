"""The Parquet export read back by Hugging Face `datasets` (an Image column and messages, one
row per LLaVA sample), the ShareGPT export in LLaMA-Factory's layout, and Parquet manifests."""

import json
import shutil

import pytest
from PIL import Image
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app
from llavar2.errors import UsageError
from llavar2.export.formats import parquet
from llavar2.export.stage import run
from llavar2.ingest.manifest import read_manifest

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory):
    """The demo's offline build of the bundled sample set (30 images)."""
    out = tmp_path_factory.mktemp("export") / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    return out


def test_parquet_export_of_the_demo_loads_as_a_dataset_row_for_row(
    demo_build, tmp_path, monkeypatch
):
    import datasets  # a test dependency ([test] extra)

    monkeypatch.setattr(parquet, "ROWS_PER_GROUP", 7)  # several row groups ...
    monkeypatch.setattr(parquet, "SHARD_BYTES", 2_000_000)  # ... and shards
    exported = run(demo_build, "parquet", tmp_path / "parquet")
    folder, n = exported.path, exported.samples
    llava = json.loads((demo_build / "llava.json").read_text())
    shards = sorted(folder.glob("*.parquet"))
    assert len(shards) > 1
    ds = datasets.load_dataset(
        "parquet",
        data_files=[str(s) for s in shards],
        split="train",
        cache_dir=str(tmp_path / "hf-cache"),
    )
    assert n == len(ds) == len(llava)
    assert isinstance(ds.features["image"], datasets.Image)
    by_id = {s["id"]: s for s in llava}
    for row in ds.select(range(0, len(ds), 17)):
        sample = by_id[row["id"]]
        image = row["image"]
        with Image.open(samples.IMAGES_DIR / sample["image"]) as original:
            assert image.size == original.size
        turns = row["messages"]
        assert [t["role"] for t in turns] == ["user", "assistant"] * (len(turns) // 2)
        assert turns[0]["content"][0] == {"type": "image", "text": None}
        texts = [t["content"][-1]["text"] for t in turns]
        assert texts[0] == sample["conversations"][0]["value"].removeprefix("<image>\n")
        assert texts[1:] == [c["value"] for c in sample["conversations"][1:]]


def test_parquet_image_bytes_are_the_files_and_a_missing_image_is_a_clear_error(
    demo_build, tmp_path
):
    import pyarrow.parquet as pq

    folder = run(demo_build, "parquet", tmp_path / "p").path
    first = pq.read_table(sorted(folder.glob("*.parquet"))[0]).slice(0, 1).to_pylist()[0]
    assert first["image"]["bytes"] == (samples.IMAGES_DIR / first["image"]["path"]).read_bytes()
    broken = tmp_path / "broken"
    shutil.copytree(demo_build, broken)
    build = json.loads((broken / "build.json").read_text())
    images = tmp_path / "images"
    shutil.copytree(build["images_dir"], images)
    next(images.iterdir()).unlink()
    (broken / "build.json").write_text(json.dumps({**build, "images_dir": str(images)}))
    with pytest.raises(UsageError, match="cannot be read"):
        run(broken, "parquet", tmp_path / "p")
    assert (tmp_path / "p").is_dir()  # the earlier export is left as it was
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".p.")]


def test_sharegpt_export_has_llama_factory_layout(demo_build, tmp_path):
    result = runner.invoke(
        app,
        ["export", str(demo_build), "--format", "sharegpt", "--to", str(tmp_path / "demo.json")],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "demo.json").read_text())
    llava = json.loads((demo_build / "llava.json").read_text())
    assert len(data) == len(llava)
    for item, sample in zip(data, llava):
        assert item["images"] == [sample["image"]]
        assert item["messages"][0]["content"].startswith("<image>")
        assert "<image>" not in "".join(m["content"] for m in item["messages"][1:])
        assert [m["role"] for m in item["messages"]] == ["user", "assistant"] * (
            len(item["messages"]) // 2
        )
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert info["llavar2_demo"]["file_name"] == "demo.json"
    assert info["llavar2_demo"]["formatting"] == "sharegpt"
    assert info["llavar2_demo"]["columns"] == {"messages": "messages", "images": "images"}


def test_parquet_manifest_builds_like_its_jsonl_twin(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()][:3]
    table = pa.Table.from_pylist(
        [
            {
                "image": {"bytes": None, "path": rows[0]["image"]},
                "caption": rows[0]["caption"],
                "kind": rows[0]["kind"],
            },
            {"image": {"bytes": b"\x89PNG", "path": None}, "caption": "bytes only", "kind": "x"},
            {
                "image": {"bytes": None, "path": rows[2]["image"]},
                "caption": rows[2]["caption"],
                "kind": rows[2]["kind"],
            },
        ]
    )
    manifest = tmp_path / "captions.parquet"
    pq.write_table(table, manifest, row_group_size=1)
    read = list(read_manifest(manifest))
    assert [r.image for r in read] == [rows[0]["image"], None, rows[2]["image"]]
    assert read[1].error and "no path" in read[1].error
    assert read[0].meta == {"kind": rows[0]["kind"]}
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
    assert result.exit_code == 3, result.output  # built, with a reject
    images = [json.loads(line) for line in (out / "images.jsonl").read_text().splitlines()]
    assert [i["image"] for i in images] == [rows[0]["image"], rows[2]["image"]]
    rejects = (out / "rejects.jsonl").read_text()
    assert "no path" in rejects
    not_parquet = tmp_path / "bad.parquet"
    not_parquet.write_text("not parquet")
    with pytest.raises(UsageError, match="not a readable Parquet file"):
        list(read_manifest(not_parquet))
