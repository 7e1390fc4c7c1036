import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app
from llavar2.jsonl import read_jsonl

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "llavar2-demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "duo conversations" in result.output  # the summary table
    return out


def test_demo_builds_every_bundled_image(demo_out):
    bundled = [json.loads(line)["image"] for line in samples.CAPTIONS.read_text().splitlines()]
    data = json.loads((demo_out / "llava.json").read_text())
    by_image: dict[str, list] = {}
    for sample in data:
        by_image.setdefault(sample["image"], []).append(sample)
    assert sorted(by_image) == sorted(bundled)
    for image, group in by_image.items():
        captions = [s for s in group if len(s["conversations"]) == 2]
        duos = [s for s in group if len(s["conversations"]) == 4]
        assert len(captions) == 1, image
        assert len(duos) >= 3, image
        assert all(s["conversations"][0]["value"].startswith("<image>\n") for s in group)
    assert (demo_out / "rejects.jsonl").read_text() == ""


def test_every_extractive_answer_is_verbatim_in_the_images_ocr_text(demo_out):
    ocr_text = {r["id"]: r["text"] for r in read_jsonl(demo_out / "ocr.jsonl")}
    n = 0
    for conv in read_jsonl(demo_out / "conversations.jsonl"):
        for duo in conv["duos"]:
            assert duo["extractive"]["answer"] in ocr_text[conv["id"]], duo
            n += 1
    assert n >= 3 * len(ocr_text)


def test_enriched_captions_keep_the_human_caption(demo_out):
    for cap in read_jsonl(demo_out / "captions.jsonl"):
        assert cap["human_caption"] in cap["caption"]
        assert cap["provenance"]["backend"] == "offline"
        assert cap["provenance"]["template"]


def test_summary_has_counts_and_seconds_per_stage(demo_out):
    summary = json.loads((demo_out / "summary.json").read_text())
    assert summary["counts"]["images"] == len(samples.CAPTIONS.read_text().splitlines())
    assert summary["counts"]["rejects"] == 0
    assert set(summary["seconds"]) >= {"ingest", "ocr", "enrich", "qa", "export", "total"}


def test_export_messages_from_the_cli(demo_out):
    result = runner.invoke(app, ["export", str(demo_out), "--format", "messages"])
    assert result.exit_code == 0, result.output
    rows = list(read_jsonl(demo_out / "messages.jsonl"))
    assert len(rows) == len(json.loads((demo_out / "llava.json").read_text()))
    assert rows[0]["messages"][0]["content"][0] == {"type": "image"}


def test_rerunning_a_finished_build_changes_nothing(demo_out):
    before = {p.name: p.read_bytes() for p in demo_out.glob("*.jsonl")}
    result = runner.invoke(app, ["demo", "--out", str(demo_out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in demo_out.glob("*.jsonl")} == before


def test_ocr_command_writes_one_line_per_image_and_reports_unreadable_files(tmp_path):
    images = tmp_path / "imgs"
    images.mkdir()
    names = sorted(json.loads(line)["image"] for line in samples.CAPTIONS.read_text().splitlines())[
        :2
    ]
    for name in names:
        (images / name).write_bytes((samples.IMAGES_DIR / name).read_bytes())
    (images / "broken.png").write_bytes(b"\x89PNG not really")
    out = tmp_path / "ocr.jsonl"
    result = runner.invoke(app, ["ocr", str(images), "--out", str(out), "--no-progress"])
    assert result.exit_code == 3, result.output
    rows = list(read_jsonl(out))
    assert sorted(r["image"] for r in rows) == names
    assert all(r["lines"] and r["text"] for r in rows)
    rejects = list(read_jsonl(tmp_path / "ocr.rejects.jsonl"))
    assert [r["image"] for r in rejects] == ["broken.png"]


@pytest.mark.parametrize(
    "args",
    [
        ["build", "--images", "/nonexistent", "--captions", "x.jsonl", "--out", "o"],
        ["build", "--images", ".", "--captions", "/nonexistent.jsonl", "--out", "o"],
        ["ocr", "/nonexistent", "--out", "o.jsonl"],
        ["export", "/nonexistent"],
        ["build", "--images", "."],  # missing required options
    ],
)
def test_unusable_arguments_exit_2(args):
    assert runner.invoke(app, args).exit_code == 2


def test_unknown_backend_or_engine_exits_2(tmp_path):
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("")
    for extra in (["--backend", "nope"], ["--engine", "nope"]):
        result = runner.invoke(
            app,
            [
                "build",
                "--images",
                str(tmp_path),
                "--captions",
                str(manifest),
                "--out",
                str(tmp_path / "o"),
                *extra,
            ],
        )
        assert result.exit_code == 2, result.output


def test_demo_lines_pass_the_ocr_quality_gate(demo_out):
    # Rendered sample images: every line is clean, and the gate's version is on record.
    summary = json.loads((demo_out / "summary.json").read_text())
    assert summary["counts"]["ocr_flagged_lines"] == 0
    assert summary["counts"]["ocr_line_flags"] == {}
    build = json.loads((demo_out / "build.json").read_text())
    assert build["ocr_gate"]["language"] == "en"
    assert build["ocr_gate"]["version"].startswith("ocr-gate@")
    for result in read_jsonl(demo_out / "ocr.jsonl"):
        assert all(line["flags"] == [] and 0 <= line["quality"] <= 1 for line in result["lines"])


def test_unknown_language_exits_2(tmp_path):
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("")
    result = runner.invoke(
        app,
        [
            "build",
            "--images",
            str(tmp_path),
            "--captions",
            str(manifest),
            "--out",
            str(tmp_path / "o"),
            "--language",
            "klingon",
        ],
    )
    assert result.exit_code == 2 and "--language" in result.output
    result = runner.invoke(
        app, ["ocr", str(tmp_path), "--out", str(tmp_path / "o.jsonl"), "--language", "xx"]
    )
    assert result.exit_code == 2 and "--language" in result.output
    result = runner.invoke(
        app,
        [
            "build",
            "--images",
            str(tmp_path),
            "--captions",
            str(manifest),
            "--out",
            str(tmp_path / "o"),
            "--grounding",
            "loose",
        ],
    )
    assert result.exit_code == 2 and "--grounding" in result.output


def _small_build(tmp_path: Path, rows: list[dict]) -> tuple[Path, Path, Path]:
    images = tmp_path / "imgs"
    images.mkdir(exist_ok=True)
    name = sorted(samples.IMAGES_DIR.iterdir())[0].name
    (images / name).write_bytes((samples.IMAGES_DIR / name).read_bytes())
    (images / "notes.png").write_text("not an image")
    manifest = tmp_path / "captions.jsonl"
    manifest.write_text(
        "".join(json.dumps(r) + "\n" for r in [{"image": name, "caption": "A sample."}, *rows])
    )
    return images, manifest, tmp_path / "out"


def test_build_with_bad_rows_exits_3_and_lists_each_reject(tmp_path):
    images, manifest, out = _small_build(
        tmp_path,
        [
            {"image": "notes.png", "caption": "x"},
            {"image": "../escape.png", "caption": "x"},
            {"image": "missing.png", "caption": "x"},
        ],
    )
    result = runner.invoke(
        app,
        [
            "build",
            "--images",
            str(images),
            "--captions",
            str(manifest),
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 3, result.output
    rejects = list(read_jsonl(out / "rejects.jsonl"))
    assert [(r["image"], r["reason"]) for r in rejects] == [
        ("notes.png", "not_an_image"),
        ("../escape.png", "path_escapes_dir"),
        ("missing.png", "missing_file"),
    ]
    assert len(json.loads((out / "llava.json").read_text())) >= 4
    mode = (out / "llava.json").stat().st_mode & 0o777
    assert mode & 0o044 == 0o044, oct(mode)  # readable by a trainer running as another user


def test_resuming_with_other_settings_is_refused(tmp_path):
    images, manifest, out = _small_build(tmp_path, [])
    args = [
        "build",
        "--images",
        str(images),
        "--captions",
        str(manifest),
        "--out",
        str(out),
        "--no-progress",
    ]
    assert runner.invoke(app, args).exit_code == 0
    changed = runner.invoke(app, [*args, "--n-duos", "1"])
    assert changed.exit_code == 2 and "n_duos" in changed.output
    changed = runner.invoke(app, [*args, "--language", "ms"])
    assert changed.exit_code == 2 and "ocr_gate" in changed.output
    changed = runner.invoke(app, [*args, "--grounding", "exact"])
    assert changed.exit_code == 2 and "grounding" in changed.output
    assert json.loads((out / "build.json").read_text())["grounding"] == {
        "mode": "fuzzy",
        "min_score": 0.8,
    }
    manifest.write_text(
        manifest.read_text() + json.dumps({"image": "x.png", "caption": "y"}) + "\n"
    )
    assert runner.invoke(app, args).exit_code == 2
    assert runner.invoke(app, [*args, "--out", str(tmp_path / "fresh")]).exit_code == 3


def test_out_of_the_wrong_kind_exits_2(tmp_path):
    images, manifest, _ = _small_build(tmp_path, [])
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    result = runner.invoke(
        app, ["build", "--images", str(images), "--captions", str(manifest), "--out", str(a_file)]
    )
    assert result.exit_code == 2, result.output
    assert runner.invoke(app, ["ocr", str(images), "--out", str(tmp_path)]).exit_code == 2
    wrong_format = tmp_path / "captions.txt"
    wrong_format.write_text("")
    out = tmp_path / "never"
    result = runner.invoke(
        app, ["build", "--images", str(images), "--captions", str(wrong_format), "--out", str(out)]
    )
    assert result.exit_code == 2 and not out.exists()


def test_ocr_command_reports_every_unreadable_file_even_when_bytes_repeat(tmp_path):
    images = tmp_path / "imgs"
    images.mkdir()
    for name in ("a.png", "b.png"):
        (images / name).write_bytes(b"")
    for name in ("c.png", "d.png"):
        (images / name).write_text("hi")
    out = tmp_path / "ocr.jsonl"
    for _ in range(2):  # the rerun adds nothing
        result = runner.invoke(app, ["ocr", str(images), "--out", str(out), "--no-progress"])
        assert result.exit_code == 3, result.output
    rejects = list(read_jsonl(tmp_path / "ocr.rejects.jsonl"))
    assert sorted(r["image"] for r in rejects) == ["a.png", "b.png", "c.png", "d.png"]


def test_ocr_command_rejects_a_file_name_that_is_not_utf8_and_resumes(tmp_path):
    images = tmp_path / "imgs"
    images.mkdir()
    name = sorted(samples.IMAGES_DIR.iterdir())[0].name
    data = (samples.IMAGES_DIR / name).read_bytes()
    (images / name).write_bytes(data)
    with open(bytes(images) + b"/caf\xe9.png", "wb") as f:  # a real PNG, a Latin-1 name
        f.write(data[:-1] + b"\x00" + data[-1:])  # other bytes: not a duplicate
    out = tmp_path / "ocr.jsonl"
    for _ in range(2):  # the rerun resumes: no crash, nothing written twice
        result = runner.invoke(app, ["ocr", str(images), "--out", str(out), "--no-progress"])
        assert result.exit_code == 3, result.output
        assert [r["image"] for r in read_jsonl(out)] == [name]
        rejects = list(read_jsonl(tmp_path / "ocr.rejects.jsonl"))
        assert [(r["image"], r["reason"]) for r in rejects] == [("caf\\xe9.png", "bad_file_name")]
        assert "caf\\xe9.png" in rejects[0]["detail"] and "UTF-8" in rejects[0]["detail"]


def test_build_from_folders_whose_names_are_not_utf8_records_them_escaped(tmp_path):
    root = bytes(tmp_path)
    images = Path(os.fsdecode(root + b"/imgs\xe9"))
    manifest = Path(os.fsdecode(root + b"/c\xe9.jsonl"))
    images.mkdir()
    name = sorted(samples.IMAGES_DIR.iterdir())[0].name
    (images / name).write_bytes((samples.IMAGES_DIR / name).read_bytes())
    manifest.write_text(json.dumps({"image": name, "caption": "A sample."}) + "\n")
    args = [
        "build",
        "--images",
        str(images),
        "--captions",
        str(manifest),
        "--out",
        str(tmp_path / "out"),
        "--no-progress",
    ]
    for _ in range(2):  # the rerun finds the same settings
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    build = json.loads((tmp_path / "out" / "build.json").read_text(encoding="utf-8"))
    assert build["images_dir"] == str(tmp_path) + "/imgs\\xe9"
    assert build["captions"] == str(tmp_path) + "/c\\xe9.jsonl"


def _command_paths() -> list[list[str]]:
    """Every command and subcommand of the app, as the words that name it."""
    root = typer.main.get_command(app)
    paths = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


@pytest.mark.parametrize("words", _command_paths(), ids=" ".join)
def test_every_command_has_help(words):
    result = runner.invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert "{}" not in result.output  # help texts made late are filled in


def test_help_lists_the_registered_names():
    from llavar2.ocr import ENGINES

    result = runner.invoke(app, ["ocr", "--help"], terminal_width=400)
    assert all(name in result.output for name in ENGINES.names())


def _unknown_name_args(tmp_path: Path) -> dict[str, list[str]]:
    build = tmp_path / "build"
    build.mkdir()
    (build / "captions.jsonl").write_text("")
    files = tmp_path / "p.jsonl"
    files.write_text("")
    return {
        "OCR engine": ["ocr", str(tmp_path), "--out", str(tmp_path / "o.jsonl"), "--engine"],
        "export format": ["export", str(build), "--format"],
        "metric": [
            "evaluate",
            *("--predictions", str(files), "--references", str(files)),
            *("--out", str(tmp_path / "r.json"), "--metrics"),
        ],
        "perturbation": [
            "robustness",
            *("--benchmark", str(files), "--model", "ocr-baseline"),
            *("--out", str(tmp_path / "rob"), "--perturbations"),
        ],
        "filter rule": ["filter", str(build), "--rules"],
        "benchmark format": [
            "evaluate",
            *("--benchmark", str(files), "--model", "ocr-baseline"),
            *("--out", str(tmp_path / "r.json"), "--format"),
        ],
    }


@pytest.mark.parametrize(
    "kind",
    ["OCR engine", "export format", "metric", "perturbation", "filter rule", "benchmark format"],
)
def test_an_unknown_name_exits_2_with_the_registrys_message(tmp_path, kind):
    result = runner.invoke(app, [*_unknown_name_args(tmp_path)[kind], "nope"])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())  # unwrapped
    assert f"unknown {kind} 'nope' (known: " in message, message
    assert '"unknown' not in message


def test_the_command_list_imports_no_stage_and_no_registry():
    # Registries and settings are read when a command's help is shown or it runs.
    script = (
        "import sys\n"
        "from llavar2.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    heavy = {"torch", "transformers", "pyarrow", "openai", "ray", "matplotlib", "numpy"}
    owners = {"pydantic", "llavar2.config", "llavar2.ocr", "llavar2.metrics", "llavar2.export"}
    assert not set(done.stdout.split()) & (heavy | owners)


def test_the_ocr_stage_resumes_without_writing_again(tmp_path):
    from llavar2.ocr import stage

    images = tmp_path / "imgs"
    images.mkdir()
    name = sorted(samples.IMAGES_DIR.iterdir())[0].name
    (images / name).write_bytes((samples.IMAGES_DIR / name).read_bytes())
    (images / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "ocr.jsonl"
    settings = dict(
        engine="rapidocr",
        language="en",
        workers=1,
        cache_dir=None,
        max_pixels=10**8,
        progress=False,
    )
    assert stage.run(images, out, **settings) == (1, 1)
    written = out.read_bytes(), stage.rejects_path(out).read_bytes()
    assert stage.run(images, out, **settings) == (1, 1)
    assert (out.read_bytes(), stage.rejects_path(out).read_bytes()) == written


def test_an_unknown_engine_fails_before_the_ocr_stage_writes(tmp_path):
    from llavar2.ocr import stage
    from llavar2.registry import UnknownName

    out = tmp_path / "ocr.jsonl"
    with pytest.raises(UnknownName):
        stage.run(
            tmp_path,
            out,
            engine="nope",
            language="en",
            workers=1,
            cache_dir=None,
            max_pixels=10**8,
            progress=False,
        )
    assert not out.exists() and not stage.rejects_path(out).exists()
