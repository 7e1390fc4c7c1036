"""The import layers of issue 17: shared helpers below the stages, stages below the runners,
the CLI on top; read from the source, so a backwards import fails here, not in a review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "llavar2"
BASE = {
    "errors",
    "registry",
    "layout",
    "records",
    "jsonl",
    "keyset",
    "join",
    "imaging",
    "paths",
    "formatting",
    "prompts",
    "text",
    "clients",
}
STAGES = {
    "ingest",
    "ocr",
    "generate",
    "backends",
    "score",
    "filter",
    "export",
    "metrics",
    "evaluate",
    "report",
}
ON_TOP = {"runners", "cli"}


def imports(path: Path) -> set[str]:
    """The llavar2 top-level packages and modules ``path`` imports (anywhere in the file)."""
    package = path.relative_to(SRC.parent).with_suffix("").parts[:-1]  # llavar2, stage, ...
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + tuple(filter(None, (node.module or "").split("."))))
                names = [name] if node.module else [f"{name}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n.split(".")[1] for n in names if n.startswith("llavar2.")}
    return found


def modules(top: str) -> list[Path]:
    path = SRC / top
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


@pytest.mark.parametrize("top", sorted(BASE))
def test_shared_helpers_import_no_stage(top):
    for path in modules(top):
        assert not imports(path) & (STAGES | ON_TOP), path


@pytest.mark.parametrize("top", sorted(STAGES))
def test_stages_import_neither_runners_nor_cli(top):
    for path in modules(top):
        assert not imports(path) & ON_TOP, path


def test_backends_do_not_import_the_generate_stage():
    for path in modules("backends"):
        assert "generate" not in imports(path), path


def test_every_stage_has_its_entry_point_in_stage_py():
    for top in ("ingest", "ocr", "generate", "score", "filter", "export", "evaluate", "report"):
        tree = ast.parse((SRC / top / "stage.py").read_text(encoding="utf-8"))
        assert "run" in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}, top
