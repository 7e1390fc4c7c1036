"""``llavar2 report OUT``: the dataset report of DESIGN §7 (``OUT/report/report.md`` with PNG
charts under ``plots/``) and a static HTML browser of the images (``OUT/report/browser/``).

One streamed pass over the build feeds both; a reference build (``--reference``) gets a pass of
its own for the side-by-side columns.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..jsonl import atomic_open
from ..runners import outputs as files
from .browser import BrowserWriter
from .build_files import Build
from .markdown import sections
from .stats import SOURCE_COLUMNS, collect

REPORT_DIR = "report"


def images_dir(build: Build) -> Path | None:
    """The images folder the build read, as its build.json (or summary.json) records it."""
    for name in (files.BUILD, files.SUMMARY):
        path = build.out / name
        if path.is_file():
            try:
                folder = json.loads(path.read_text(encoding="utf-8")).get("images_dir")
            except json.JSONDecodeError as e:
                raise UsageError(f"{path}: invalid JSON: {e}") from None
            if folder:
                return Path(folder)
    return None


def run_report(
    out: Path, reference: Path | None = None, progress: bool = False, max_pixels: int | None = None
) -> dict[str, Any]:
    """Write ``out/report/``; returns what was written and what was missing. Pictures over
    ``max_pixels`` (default: the build's own limit) get no thumbnail."""
    build = Build(out)
    ref = collect(Build(reference), progress) if reference is not None else None
    folder = out / REPORT_DIR
    folder.mkdir(exist_ok=True)
    browser = BrowserWriter(
        folder / "browser",
        images_dir(build),
        files.recorded_max_pixels(out) if max_pixels is None else max_pixels,
    )

    def card(entry: Any) -> None:
        source = next(
            (str(entry.image.meta[c]) for c in SOURCE_COLUMNS if c in entry.image.meta), None
        )
        browser.add(entry, build.filtered, source)

    stats = collect(build, progress, desc="report", each=card)
    browser.close(out.name, build.filtered, build.present["scores.jsonl"])

    doc = sections(build, stats, ref, reference)
    plots = folder / "plots"
    shutil.rmtree(plots, ignore_errors=True)  # charts of an earlier run that no longer apply
    plots.mkdir()
    for chart in doc.charts:
        chart.draw(plots / f"{chart.name}.png")
    with atomic_open(folder / "report.md") as f:
        f.write("\n".join(doc.lines).rstrip() + "\n")
    return {
        "report": folder / "report.md",
        "plots": len(doc.charts),
        "browser": folder / "browser" / "index.html",
        "cards": browser.n_cards,
        "missing_pictures": browser.missing_pictures,
        "absent": [name for name, here in build.present.items() if not here],
    }
