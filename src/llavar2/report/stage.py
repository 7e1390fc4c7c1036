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

from .. import layout
from ..errors import UsageError
from ..jsonl import atomic_open
from .browser import BrowserWriter
from .build_files import Build, ImageEntry
from .markdown import sections
from .stats import SOURCE_COLUMNS, collect


def images_dir(out: Path) -> Path | None:
    """The images folder the build read, as its build.json (or, without one, its summary.json)
    records it."""
    recorded = layout.recorded_images_dir(out)
    summary = out / layout.SUMMARY
    if recorded is not None or not summary.is_file():
        return recorded
    try:
        folder = json.loads(summary.read_text(encoding="utf-8")).get("images_dir")
    except json.JSONDecodeError as e:
        raise UsageError(f"{summary}: invalid JSON: {e}") from None
    return Path(folder) if folder else None


def run(
    out: Path, reference: Path | None = None, progress: bool = False, max_pixels: int | None = None
) -> dict[str, Any]:
    """Write ``out/report/``; returns what was written and what was missing. Pictures over
    ``max_pixels`` (default: the build's own limit) get no thumbnail."""
    build = Build(out)
    ref = collect(Build(reference), progress) if reference is not None else None
    folder = out / layout.REPORT_DIR
    folder.mkdir(exist_ok=True)
    browser = BrowserWriter(
        folder / layout.BROWSER_DIR,
        images_dir(out),
        layout.recorded_max_pixels(out) if max_pixels is None else max_pixels,
    )

    def card(entry: ImageEntry) -> None:
        source = next(
            (str(entry.image.meta[c]) for c in SOURCE_COLUMNS if c in entry.image.meta), None
        )
        browser.add(entry, build.filtered, source)

    stats = collect(build, progress, desc="report", each=card)
    browser.close(out.name, build.filtered, build.present[layout.SCORES])

    doc = sections(build, stats, ref, reference)
    plots = folder / layout.PLOTS_DIR
    shutil.rmtree(plots, ignore_errors=True)  # charts of an earlier run that no longer apply
    plots.mkdir()
    for chart in doc.charts:
        chart.draw(plots / f"{chart.name}.png")
    report = folder / layout.REPORT_MD
    with atomic_open(report) as f:
        f.write("\n".join(doc.lines).rstrip() + "\n")
    return {
        "report": report,
        "plots": len(doc.charts),
        "browser": folder / layout.BROWSER_DIR / "index.html",
        "cards": browser.n_cards,
        "missing_pictures": browser.missing_pictures,
        "absent": [name for name, here in build.present.items() if not here],
    }
