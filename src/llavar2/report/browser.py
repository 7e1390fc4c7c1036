"""The static HTML browser (``report/browser/index.html``): opens from disk with no server.

The page's code and style are fixed files (``assets/``); the data is written beside them as
JavaScript files, since browsers block ``fetch()`` of ``file://`` JSON:

* ``data/index.js``: one small entry per image (search text and filter facets), streamed;
* ``data/chunk-NNNNN.js``: the full cards, ``CHUNK`` images each, loaded only when a page of
  results needs them, so a large dataset is never held by the page all at once;
* ``thumbs/<sha256>.jpg``: each picture downscaled to ``THUMB_SIDE`` pixels; named by the
  image's bytes, so a rerun reuses them.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import IO, Any

from PIL import Image

from ..imaging import open_checked
from ..jsonl import atomic_open
from .build_files import ImageEntry

ASSETS = Path(__file__).with_name("assets")
PAGE_FILES = ("index.html", "browser.js", "browser.css")
CHUNK = 100
THUMB_SIDE = 480


def _js(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _thumbnail(source: Path, target: Path, max_pixels: int) -> bool:
    """Write ``target`` unless it exists; False when the picture cannot be read or has more
    than ``max_pixels`` pixels."""
    if target.is_file():
        return True
    try:
        with open_checked(source, max_pixels) as im:
            im.thumbnail((THUMB_SIDE, THUMB_SIDE))
            with atomic_open(target, "wb") as f:
                im.convert("RGB").save(f, "JPEG", quality=85)
    except (OSError, ValueError, Image.DecompressionBombError):  # TooManyPixels: ValueError
        return False
    return True


def _duo_card(entry: ImageEntry, index: int, duo: Any, filtered: bool) -> dict[str, Any]:
    scores = entry.scores.get(index)
    drop = entry.dropped.get(index)
    card = {
        "qtype": duo.qtype,
        "q": duo.extractive.question,
        "a": duo.extractive.answer,
        "eq": duo.self_explain.question,
        "ea": duo.self_explain.answer,
        "evidence": duo.evidence,
        "status": ("dropped" if drop else "kept") if filtered else "unfiltered",
    }
    if drop is not None:
        card.update(step=drop.step, reason=drop.reason, detail=drop.detail)
    if scores is not None:
        card["scores"] = {k: getattr(scores, k) for k in ("mifd", "ffd", "ifd", "vfd")}
        if scores.unscorable:
            card["unscorable"] = scores.unscorable
    return card


class BrowserWriter:
    """Receives the build's images one by one (``add``) and writes the browser's files."""

    def __init__(self, folder: Path, images_dir: Path | None, max_pixels: int):
        self.folder, self.images_dir, self.max_pixels = folder, images_dir, max_pixels
        shutil.rmtree(folder / "data", ignore_errors=True)  # chunks of an earlier, larger run
        (folder / "data").mkdir(parents=True)
        (folder / "thumbs").mkdir(exist_ok=True)
        for name in PAGE_FILES:
            shutil.copyfile(ASSETS / name, folder / name)
        self._index: IO[str] = open(folder / "data" / "index.js", "w", encoding="utf-8")
        self._index.write("window.LLAVAR2_INDEX = [\n")
        self._chunk: list[dict[str, Any]] = []
        self.n_cards = 0
        self.missing_pictures = 0
        self.facets: dict[str, Counter[str]] = {
            "reason": Counter(),
            "qtype": Counter(),
            "source": Counter(),
        }

    def add(self, entry: ImageEntry, filtered: bool, source: str | None) -> None:
        image = entry.image
        thumb = f"thumbs/{image.sha256}.jpg"
        source_file = self.images_dir / image.image if self.images_dir else None
        shown = source_file is not None and _thumbnail(
            source_file, self.folder / thumb, self.max_pixels
        )
        if not shown:
            self.missing_pictures += 1
        convs = entry.conversations
        duos = [_duo_card(entry, i, d, filtered) for i, d in enumerate(convs.duos)] if convs else []
        gen_dropped = [
            {
                "reason": d.reason,
                "detail": d.detail,
                "q": d.duo.extractive.question,
                "a": d.duo.extractive.answer,
            }
            for d in (convs.dropped if convs else [])
        ]
        ocr = entry.ocr
        card: dict[str, Any] = {
            "id": image.id,
            "image": image.image,
            "thumb": thumb if shown else None,
            "meta": image.meta,
            # OCR boxes are in the pixels of the image OCR read; the overlay scales them.
            "w": ocr.width if ocr else image.width,
            "h": ocr.height if ocr else image.height,
            "human": entry.caption.human_caption if entry.caption else image.caption,
            "caption": entry.caption.caption if entry.caption else None,
            "ocr": [
                [line.text, line.score, [c for point in line.box for c in point]]
                for line in ocr.lines
            ]
            if ocr
            else None,
            "duos": duos,
            "gen_dropped": gen_dropped,
            "rejects": [
                {"stage": r.stage, "reason": r.reason, "detail": r.detail} for r in entry.rejects
            ],
        }
        reasons = sorted(
            {d["reason"] for d in duos if "reason" in d}
            | {d["reason"] for d in gen_dropped}
            | {f"{r['stage']}: {r['reason']}" for r in card["rejects"]}
        )
        qtypes = sorted({d["qtype"] for d in duos})
        texts = [image.image, card["human"], card["caption"] or "", ocr.text if ocr else ""]
        texts += [t for d in duos for t in (d["q"], d["a"], d["eq"], d["ea"])]
        self._index.write(
            _js(
                {
                    "c": self.n_cards // CHUNK,
                    "t": "\n".join(texts).casefold(),
                    "k": sum(d["status"] != "dropped" for d in duos),
                    "d": sum(d["status"] == "dropped" for d in duos) + len(gen_dropped),
                    "r": reasons,
                    "q": qtypes,
                    "s": source,
                }
            )
            + ",\n"
        )
        for facet, values in (
            ("reason", reasons),
            ("qtype", qtypes),
            ("source", [source] if source else []),
        ):
            self.facets[facet].update(values)
        self._chunk.append(card)
        self.n_cards += 1
        if len(self._chunk) == CHUNK:
            self._flush()

    def _flush(self) -> None:
        n = (self.n_cards - 1) // CHUNK
        with open(self.folder / "data" / f"chunk-{n:05d}.js", "w", encoding="utf-8") as f:
            f.write(f"window.LLAVAR2_CHUNK({n}, {_js(self._chunk)});\n")
        self._chunk = []

    def close(self, title: str, filtered: bool, scored: bool) -> None:
        if self._chunk:
            self._flush()
        meta = {
            "title": title,
            "cards": self.n_cards,
            "chunk": CHUNK,
            "filtered": filtered,
            "scored": scored,
            "facets": {k: sorted(v) for k, v in self.facets.items()},
        }
        self._index.write(f"];\nwindow.LLAVAR2_META = {_js(meta)};\n")
        self._index.close()
