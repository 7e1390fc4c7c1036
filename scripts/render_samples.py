#!/usr/bin/env python3
"""Render the sample set bundled in ``llavar2.samples``.

Writes ``src/llavar2/samples/images/*``, ``captions.jsonl`` and ``ground_truth.jsonl``.
The images are committed, so the demo never depends on a user's fonts; this script only has
to run on a maintainer's machine with the fonts listed in FONTS (Debian/Ubuntu packages:
fonts-dejavu-core, fonts-liberation, fonts-freefont-ttf, fonts-urw-base35, fonts-crosextra-carlito,
fonts-lato).

Ground truth is recorded while drawing: every string drawn is one item, items drawn on the
same baseline form one line, lines are sorted top to bottom and items left to right. Rows
that overlap vertically are refused, so that the reading order is never ambiguous.

Deterministic: per-image seeds, no timestamps, fixed JPEG quality. Check OCR agreement with
``scripts/check_samples_ocr.py``.

Usage: python scripts/render_samples.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import zlib
from collections import namedtuple
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "llavar2" / "samples"
SEED = 20240303
JPEG_QUALITY = 90

# --------------------------------------------------------------------------------------------
# Fonts

FONT_ROOT = Path("/usr/share/fonts")
FONTS = {
    "sans": "truetype/dejavu/DejaVuSans.ttf",
    "sans-bold": "truetype/dejavu/DejaVuSans-Bold.ttf",
    "sans-oblique": "truetype/dejavu/DejaVuSans-Oblique.ttf",
    "sans-cond": "truetype/dejavu/DejaVuSansCondensed.ttf",
    "sans-cond-bold": "truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "serif": "truetype/dejavu/DejaVuSerif.ttf",
    "serif-bold": "truetype/dejavu/DejaVuSerif-Bold.ttf",
    "mono": "truetype/dejavu/DejaVuSansMono.ttf",
    "mono-bold": "truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "lib-sans": "truetype/liberation/LiberationSans-Regular.ttf",
    "lib-sans-bold": "truetype/liberation/LiberationSans-Bold.ttf",
    "lib-narrow": "truetype/liberation/LiberationSansNarrow-Regular.ttf",
    "lib-narrow-bold": "truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "lib-serif": "truetype/liberation/LiberationSerif-Regular.ttf",
    "lib-serif-bold": "truetype/liberation/LiberationSerif-Bold.ttf",
    "lib-serif-italic": "truetype/liberation/LiberationSerif-Italic.ttf",
    "lib-mono": "truetype/liberation/LiberationMono-Regular.ttf",
    "lib-mono-bold": "truetype/liberation/LiberationMono-Bold.ttf",
    "free-sans-bold": "truetype/freefont/FreeSansBold.ttf",
    "free-serif-italic": "truetype/freefont/FreeSerifItalic.ttf",
    "carlito": "truetype/crosextra/Carlito-Regular.ttf",
    "carlito-bold": "truetype/crosextra/Carlito-Bold.ttf",
    "carlito-italic": "truetype/crosextra/Carlito-Italic.ttf",
    "lato": "truetype/lato/Lato-Regular.ttf",
    "lato-bold": "truetype/lato/Lato-Bold.ttf",
    "lato-black": "truetype/lato/Lato-Black.ttf",
    "lato-italic": "truetype/lato/Lato-Italic.ttf",
    "gothic-demi": "opentype/urw-base35/URWGothic-Demi.otf",
    "gothic-book": "opentype/urw-base35/URWGothic-Book.otf",
    "bookman": "opentype/urw-base35/URWBookman-Light.otf",
    "bookman-demi": "opentype/urw-base35/URWBookman-Demi.otf",
    "palatino": "opentype/urw-base35/P052-Roman.otf",
    "palatino-bold": "opentype/urw-base35/P052-Bold.otf",
    "palatino-italic": "opentype/urw-base35/P052-Italic.otf",
    "century": "opentype/urw-base35/C059-Roman.otf",
    "century-bold": "opentype/urw-base35/C059-Bold.otf",
    "century-italic": "opentype/urw-base35/C059-Italic.otf",
    "narrow-bold": "opentype/urw-base35/NimbusSansNarrow-Bold.otf",
    "courier-bold": "opentype/urw-base35/NimbusMonoPS-Bold.otf",
}


@lru_cache(maxsize=None)
def font(key: str, size: int) -> ImageFont.FreeTypeFont:
    path = FONT_ROOT / FONTS[key]
    if not path.is_file():
        sys.exit(f"render_samples: missing font {key!r}: {path} (see the module docstring "
                 "for the packages that provide it)")
    return ImageFont.truetype(str(path), size)


# --------------------------------------------------------------------------------------------
# A page that records what it draws


@dataclass
class Item:
    box: tuple[int, int, int, int]
    baseline: int
    text: str


class Page:
    def __init__(self, img: Image.Image):
        self.img = img.convert("RGB")
        self.draw = ImageDraw.Draw(self.img)
        self.items: list[Item] = []

    @property
    def size(self) -> tuple[int, int]:
        return self.img.size

    def text(self, xy, s: str, fnt, fill, anchor: str = "ls") -> tuple[int, int, int, int]:
        """Draw one string; ``anchor`` must be a baseline anchor so that rows share a key."""
        if not s.isascii() or s != " ".join(s.split()):
            raise ValueError(f"text must be ASCII with single spaces: {s!r}")
        if anchor[1] != "s":
            raise ValueError("use a baseline anchor (ls, ms, rs)")
        x, y = round(xy[0]), round(xy[1])
        box = self.draw.textbbox((x, y), s, font=fnt, anchor=anchor)
        self.draw.text((x, y), s, font=fnt, fill=fill, anchor=anchor)
        self.items.append(Item(box, y, s))
        return box

    def apply(self, fn) -> None:
        """Replace the picture with ``fn(picture)`` (a filter, noise, an overlay)."""
        self.img = fn(self.img).convert("RGB")
        self.draw = ImageDraw.Draw(self.img)

    def overlay(self, layer: Image.Image) -> None:
        """Composite a translucent RGBA layer over the picture."""
        self.apply(lambda im: Image.alpha_composite(im.convert("RGBA"), layer))

    def panel(self, box, rgba, radius: int = 0) -> None:
        """A translucent (or opaque) rounded rectangle; draw it before the text it holds."""
        layer = Image.new("RGBA", self.img.size, (0, 0, 0, 0))
        ImageDraw.Draw(layer).rounded_rectangle(box, radius, fill=rgba)
        self.overlay(layer)

    def lines(self) -> list[str]:
        rows: dict[int, list[Item]] = {}
        for it in self.items:
            rows.setdefault(it.baseline, []).append(it)
        spans = []
        for y, its in rows.items():
            spans.append((min(i.box[1] for i in its), max(i.box[3] for i in its), y))
        for a in spans:
            for b in spans:
                if a[2] < b[2] and a[1] > b[0]:
                    raise ValueError(f"rows at baselines {a[2]} and {b[2]} overlap vertically")
        out = []
        for y in sorted(rows):
            its = sorted(rows[y], key=lambda i: i.box[0])
            out.append(" ".join(i.text for i in its))
        return out


L = namedtuple("L", "text font size fill gap", defaults=((0, 0, 0), 14))


def stack(page: Page, x: float, top: float, rows, align: str = "m", width: int | None = None) -> float:
    """Draw rows top to bottom from ``top``; ``gap`` is the space above each row.

    With ``width``, a row longer than ``width`` is wrapped into several lines. Returns the
    bottom (baseline + descent) of the last row.
    """
    y = top
    for r in rows:
        f = font(r.font, r.size)
        ascent, descent = f.getmetrics()
        parts = wrap(r.text, f, width) if width else [r.text]
        for i, part in enumerate(parts):
            y += r.gap if i == 0 else round(r.size * 0.3)
            base = y + ascent
            page.text((x, base), part, f, r.fill, align + "s")
            y = base + descent
    return y


def wrap(text: str, fnt, width: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if cur and fnt.getlength(trial) > width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    return lines + [cur]


# --------------------------------------------------------------------------------------------
# Backgrounds


def solid(size, color) -> Image.Image:
    return Image.new("RGB", size, color)


def vgradient(size, top, bottom) -> Image.Image:
    w, h = size
    t = np.linspace(0.0, 1.0, h)[:, None, None]
    arr = (1 - t) * np.array(top, float) + t * np.array(bottom, float)
    return Image.fromarray(np.broadcast_to(arr, (h, w, 3)).round().astype(np.uint8), "RGB")


def dgradient(size, a, b) -> Image.Image:
    """Diagonal gradient from the top-left colour ``a`` to the bottom-right colour ``b``."""
    w, h = size
    t = (np.arange(w)[None, :] / w + np.arange(h)[:, None] / h)[:, :, None] / 2
    arr = (1 - t) * np.array(a, float) + t * np.array(b, float)
    return Image.fromarray(arr.round().astype(np.uint8), "RGB")


def noise(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    """Monochrome Gaussian grain, seeded from ``rng`` so that reruns are identical."""
    gen = np.random.default_rng(rng.randrange(2**32))
    arr = np.asarray(img, dtype=np.float32)
    arr = arr + gen.normal(0.0, sigma, arr.shape[:2])[:, :, None]
    return Image.fromarray(np.clip(arr, 0, 255).round().astype(np.uint8), "RGB")


def tilt(page: Page, degrees: float) -> Page:
    """Rotate the whole picture a little, as in a hand-held photo, and crop the empty corners.

    Keep ``degrees`` within about 2: the reading order (and so the ground truth) stays that
    of the flat page only while rows do not drift into each other.
    """
    w, h = page.size
    m = math.ceil((w + h) / 2 * math.sin(math.radians(abs(degrees))))
    img = page.img.rotate(degrees, resample=Image.BICUBIC).crop((m, m, w - m, h - m))
    out = Page(img)
    out.items = page.items
    return out


def paper(size, rng, color=(246, 243, 235)) -> Image.Image:
    return noise(solid(size, color), rng, 3.0).filter(ImageFilter.GaussianBlur(0.6))


def landscape(size, rng, sky=((250, 180, 120), (120, 150, 200)), hills=None, sun=True) -> Image.Image:
    """A photo-like scene: sky gradient, sun, layered hills, blurred and grainy."""
    w, h = size
    img = vgradient(size, sky[1], sky[0])
    d = ImageDraw.Draw(img)
    if sun:
        cx, cy, r = w * rng.uniform(0.6, 0.75), h * 0.45, w * 0.09
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 226, 160))
    hills = hills or [(96, 110, 140), (70, 96, 90), (44, 70, 60), (28, 48, 40)]
    for i, color in enumerate(hills):
        base = h * (0.5 + 0.11 * i)
        pts, y = [(0, h)], base
        for x in range(0, w + 40, 40):
            y = min(max(y + rng.uniform(-18, 18), base - 60), base + 40)
            pts.append((x, y))
        pts.append((w, h))
        d.polygon(pts, fill=color)
    img = img.filter(ImageFilter.GaussianBlur(2.2))
    return noise(img, rng, 3.5)


def wood(size, rng) -> Image.Image:
    """Table top: planks with wavy grain."""
    w, h = size
    gen = np.random.default_rng(rng.randrange(2**32))
    y = np.arange(h)[:, None]
    x = np.arange(w)[None, :]
    grain = np.sin(y / 5.0 + 3 * np.sin(x / 90.0 + gen.uniform(0, 6))) * 10
    plank = (x // 260) % 2 * 12.0
    base = np.array([150, 104, 66], float)
    arr = base[None, None, :] + (grain + plank)[:, :, None] * np.array([1.0, 0.75, 0.5])
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    for sx in range(260, w, 260):
        d.line((sx, 0, sx, h), fill=(92, 60, 36), width=3)
    return noise(img.filter(ImageFilter.GaussianBlur(1.2)), rng, 3.0)


def brick(size, rng) -> Image.Image:
    w, h = size
    img = solid(size, (190, 182, 170))
    d = ImageDraw.Draw(img)
    bw, bh = 96, 40
    for row, y in enumerate(range(0, h, bh)):
        off = (bw // 2) * (row % 2)
        for x in range(-off, w, bw):
            r = rng.randint(140, 178)
            d.rectangle((x + 3, y + 3, x + bw - 3, y + bh - 3), fill=(r, r // 2 + 10, r // 3 + 8))
    return noise(img.filter(ImageFilter.GaussianBlur(1.0)), rng, 5.0)


def chalkboard(size, rng) -> Image.Image:
    w, h = size
    img = solid(size, (44, 56, 52))
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(overlay)
    for _ in range(14):  # faint smudges of old chalk
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = rng.uniform(60, 200), rng.uniform(20, 70)
        d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=(255, 255, 255, 14))
    img = Image.alpha_composite(img.convert("RGBA"), overlay.filter(ImageFilter.GaussianBlur(25)))
    img = noise(img.convert("RGB"), rng, 6.0)
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w - 1, h - 1), outline=(120, 84, 50), width=22)  # wooden frame
    return img


# --------------------------------------------------------------------------------------------
# Posters

NAVY, WHITE, BLACK = (20, 30, 70), (255, 255, 255), (0, 0, 0)
GOLD, CREAM = (240, 200, 90), (250, 245, 230)

POSTERS = [
    {
        "image": "poster_summer_jazz.jpg", "style": "night",
        "caption": "A concert poster on a dark blue night background announcing Summer Jazz Night with "
                   "a crescent moon over a city skyline, and the band, date, show times, venue, ticket "
                   "prices and website listed below.",
        "title": [L("SUMMER JAZZ", "century-bold", 84, GOLD, 60), L("NIGHT", "century-bold", 84, GOLD, 8),
                  L("Featuring the Ella Moreno Quartet", "lato-italic", 32, CREAM, 22)],
        "info": [L("Saturday, June 15, 2024", "lato-bold", 40, WHITE, 0),
                 L("Doors 6:30 PM - Music 7:30 PM", "lato", 30, CREAM, 18),
                 L("Riverside Amphitheater, 200 Harbor Way", "lato", 28, CREAM, 18),
                 L("Tickets $25 in advance, $30 at the door", "lato-bold", 28, GOLD, 26),
                 L("www.riversidejazz.org", "lato", 28, WHITE, 26)],
    },
    {
        "image": "poster_film_festival.jpg", "style": "photo",
        "caption": "A film festival poster with a sunset landscape photo behind a dark title banner and a "
                   "white information panel giving the festival dates, number of films, opening night time, "
                   "pass prices and contact details.",
        "title": [L("NORTHFIELD", "gothic-demi", 72, WHITE, 36), L("FILM FESTIVAL", "gothic-demi", 56, GOLD, 6)],
        "info": [L("October 10-13, 2024", "lib-serif-bold", 44, NAVY, 0),
                 L("42 films from 18 countries", "lib-serif", 32, (40, 40, 40), 16),
                 L("Opening night: Thursday 19:00", "lib-serif", 32, (40, 40, 40), 14),
                 L("Festival pass EUR 60 - Single ticket EUR 8", "lib-serif-italic", 28, (150, 40, 40), 22),
                 L("info@northfieldfilm.org", "lib-sans", 26, NAVY, 26),
                 L("+1 555 010 2030", "lib-sans", 26, NAVY, 12)],
    },
    {
        "image": "poster_farmers_market.png", "style": "panels",
        "caption": "A flat, colourful poster for the Greenwood Farmers Market: white title on a green band, "
                   "a row of drawn tomatoes, oranges and leaves, and a yellow panel listing the opening "
                   "hours, season dates, location and a vendor phone number.",
        "title": [L("Greenwood", "bookman-demi", 76, WHITE, 40), L("Farmers Market", "bookman-demi", 60, WHITE, 8)],
        "info": [L("Every Sunday 8:00 AM - 1:00 PM", "lib-sans-bold", 34, (30, 80, 40), 0),
                 L("May 5 - September 29, 2024", "lib-sans", 32, (30, 80, 40), 16),
                 L("Fresh produce - Local honey - Live music", "lib-sans", 28, (60, 60, 40), 22),
                 L("Corner of Elm St and 5th Ave", "lib-sans", 28, (60, 60, 40), 14),
                 L("Vendors wanted! Call (555) 214-7788", "lib-sans-bold", 28, (170, 60, 30), 26)],
    },
    {
        "image": "poster_coral_lecture.png", "style": "reef",
        "caption": "A public lecture poster on a teal gradient with drawn coral shapes at the bottom, "
                   "announcing a talk on coral reefs by a marine biologist, with the date, time, room "
                   "and a registration link.",
        "title": [L("PUBLIC LECTURE", "lib-sans-bold", 30, (170, 240, 230), 50),
                  L("The Hidden Life", "palatino-bold", 70, WHITE, 24),
                  L("of Coral Reefs", "palatino-bold", 70, WHITE, 6),
                  L("Dr. Priya Natarajan", "palatino-italic", 40, (255, 215, 180), 28),
                  L("Marine Biologist, Lakeview University", "lib-sans", 26, (210, 240, 240), 10)],
        "info": [L("Thursday, March 7, 2024", "lib-sans-bold", 34, WHITE, 0),
                 L("6:00 PM - 7:30 PM", "lib-sans", 32, WHITE, 14),
                 L("Science Hall, Room B204", "lib-sans", 30, WHITE, 14),
                 L("Free admission - Register at", "lib-sans", 26, (200, 240, 235), 24),
                 L("https://events.lakeview.edu/coral", "lib-sans-bold", 26, (255, 215, 180), 10)],
    },
]


def render_poster(spec, rng) -> Page:
    w, h = 800, 1100
    style = spec["style"]
    if style == "night":
        page = Page(vgradient((w, h), (12, 22, 64), (34, 14, 52)))
        d = page.draw
        for _ in range(70):  # stars only in the band between the two text blocks
            x, y, r = rng.uniform(20, w - 20), rng.uniform(400, 560), rng.choice([1, 1, 2])
            d.ellipse((x - r, y - r, x + r, y + r), fill=(230, 230, 255))
        d.ellipse((520, 400, 620, 500), fill=(250, 236, 190))
        d.ellipse((548, 390, 648, 490), fill=(16, 20, 60))  # crescent
        x = 0
        while x < w:  # skyline
            bw, bh = rng.randint(40, 90), rng.randint(40, 140)
            d.rectangle((x, 700 - bh, x + bw, 700), fill=(8, 10, 30))
            x += bw
        page.panel((0, 700, w, h), (8, 10, 30, 255))
        stack(page, w / 2, 0, spec["title"])
        stack(page, w / 2, 750, spec["info"])
    elif style == "photo":
        page = Page(landscape((w, h), rng))
        page.panel((0, 40, w, 250), (20, 24, 40, 215))
        page.panel((50, 560, w - 50, 1050), (255, 255, 255, 232), radius=24)
        stack(page, w / 2, 40, spec["title"])
        stack(page, w / 2, 610, spec["info"])
    elif style == "panels":
        page = Page(solid((w, h), (252, 248, 232)))
        d = page.draw
        d.rectangle((0, 0, w, 280), fill=(46, 125, 70))
        for i in range(7):  # produce
            cx, cy = 80 + i * 107, 430 + (i % 2) * 40
            color = [(214, 52, 40), (240, 150, 30), (120, 170, 60)][i % 3]
            d.ellipse((cx - 44, cy - 44, cx + 44, cy + 44), fill=color)
            d.polygon([(cx - 6, cy - 44), (cx + 22, cy - 70), (cx + 8, cy - 40)], fill=(60, 130, 50))
        d.rounded_rectangle((40, 600, w - 40, 1060), 28, fill=(255, 214, 90))
        stack(page, w / 2, 0, spec["title"])
        stack(page, w / 2, 650, spec["info"])
    else:  # reef
        page = Page(vgradient((w, h), (20, 120, 130), (8, 40, 70)))
        d = page.draw
        for i in range(9):
            bx = 40 + i * 90 + rng.randint(-10, 10)
            color = [(240, 120, 110), (250, 170, 90), (200, 90, 160)][i % 3]
            for j in range(5):
                ang = math.radians(-150 + j * 30)
                d.line((bx, 1100, bx + 70 * math.cos(ang), 1020 + 40 * math.sin(ang)), fill=color, width=14)
            d.ellipse((bx - 30, 1040, bx + 30, 1100), fill=color)
        stack(page, w / 2, 0, spec["title"])
        stack(page, w / 2, 690, spec["info"])
    return page


# --------------------------------------------------------------------------------------------
# Book covers

BOOKS = [
    {
        "image": "book_lighthouse_keepers_daughter.jpg", "style": "lighthouse",
        "caption": "A novel's front cover showing a lighthouse on a rocky shore at night with its beam "
                   "over a dark sea; the italic serif title fills the sky and the author's name is at the bottom.",
        "top": [L("From the author of The Salt Road", "century-italic", 26, (220, 225, 235), 50),
                L("The Lighthouse", "palatino-italic", 70, (255, 236, 170), 40),
                L("Keeper's Daughter", "palatino-italic", 70, (255, 236, 170), 12),
                L("A Novel", "lib-sans", 28, (220, 225, 235), 24)],
        "bottom": [L("MARGARET ELLISON", "century-bold", 46, WHITE, 0)],
    },
    {
        "image": "book_practical_data_engineering.png", "style": "tech",
        "caption": "A technical book cover with an orange publisher band at the top, a bold navy title, a "
                   "network diagram of connected nodes in the middle, the two authors' names and an "
                   "ISBN at the bottom.",
        "top": [L("HARBOR TECH PRESS", "lib-sans-bold", 28, WHITE, 26),
                L("Practical Data", "lato-black", 66, NAVY, 62),
                L("Engineering", "lato-black", 66, NAVY, 4),
                L("Pipelines, Warehouses and Streams", "lato-italic", 30, (80, 80, 90), 18)],
        "badge": L("Second Edition", "lato-bold", 28, WHITE, 40),
        "bottom": [L("Daniel Okafor and Mei Lin", "lato-bold", 36, NAVY, 0),
                   L("ISBN 978-1-4920-5512-8", "mono", 24, (60, 60, 60), 44)],
    },
    {
        "image": "book_winter_gardens_back.jpg", "style": "back",
        "caption": "The back cover of a poetry book on a dark green background, with the title and poet's "
                   "name, a short blurb, a review quote and an author note, and a white box at the bottom "
                   "holding the price and ISBN.",
        "top": [L("Winter Gardens", "century-bold", 50, (236, 230, 210), 50),
                L("Poems by Tomas Reyes", "century-italic", 30, (210, 220, 200), 12),
                L("In forty-two quiet poems, Tomas Reyes walks through the cold months of a small "
                  "northern town, finding light in frozen orchards, empty train stations and his "
                  "grandmother's kitchen.", "century", 25, (236, 230, 210), 34),
                L("\"A quiet, luminous collection.\"", "century-italic", 28, (255, 220, 150), 34),
                L("- The Boston Review", "century", 24, (210, 220, 200), 10),
                L("Tomas Reyes teaches creative writing at Lakeview College.", "century", 23,
                  (210, 220, 200), 30)],
        "bottom": [L("POETRY $16.95 US", "lib-sans-bold", 24, BLACK, 0),
                   L("ISBN 978-0-316-48213-7", "lib-sans", 25, BLACK, 14),
                   L("Alder Press - www.alderpress.com", "lib-sans", 22, (236, 230, 210), 44)],
    },
]


def render_book(spec, rng) -> Page:
    w, h = 700, 1050
    style = spec["style"]
    if style == "lighthouse":
        page = Page(vgradient((w, h), (14, 28, 58), (70, 100, 130)))
        d = page.draw
        d.rectangle((0, 790, w, h), fill=(14, 34, 52))
        d.polygon([(380, 800), (700, 730), (700, 800)], fill=(30, 30, 34))  # rocks
        d.polygon([(520, 740), (600, 740), (588, 520), (532, 520)], fill=(236, 232, 224))
        for y in (570, 640, 700):
            d.rectangle((528, y, 594, y + 20), fill=(190, 40, 40))
        d.rectangle((530, 490, 590, 520), fill=(255, 230, 140))
        d.polygon([(560, 470), (520, 492), (600, 492)], fill=(40, 40, 40))
        beam = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ImageDraw.Draw(beam).polygon([(530, 505), (120, 470), (120, 560)], fill=(255, 240, 170, 70))
        page.overlay(beam.filter(ImageFilter.GaussianBlur(8)))
        page.apply(lambda im: noise(im, rng, 3.0))
        stack(page, w / 2, 0, spec["top"])
        stack(page, w / 2, 900, spec["bottom"])
    elif style == "tech":
        page = Page(solid((w, h), (246, 242, 232)))
        d = page.draw
        d.rectangle((0, 0, w, 80), fill=(230, 118, 40))
        nodes = [(rng.randint(80, 620), rng.randint(480, 800)) for _ in range(11)]
        for a, b in zip(nodes, nodes[1:] + nodes[:3]):
            d.line((*a, *b), fill=(120, 140, 180), width=4)
        for x, y in nodes:
            d.ellipse((x - 16, y - 16, x + 16, y + 16), fill=NAVY)
        y = stack(page, w / 2, 0, spec["top"])
        badge = spec["badge"]
        bw = font(badge.font, badge.size).getlength(badge.text) + 60
        d.rounded_rectangle((w / 2 - bw / 2, y + badge.gap - 14, w / 2 + bw / 2, y + badge.gap + 50), 12,
                            fill=(230, 118, 40))
        stack(page, w / 2, y, [badge])
        stack(page, w / 2, 860, spec["bottom"])
    else:  # back cover
        page = Page(noise(solid((w, h), (30, 62, 48)), rng, 4.0))
        page.draw.rectangle((170, 858, 530, 960), fill=WHITE)
        stack(page, w / 2, 0, spec["top"], width=590)
        stack(page, w / 2, 870, spec["bottom"])
    return page


# --------------------------------------------------------------------------------------------
# Receipts


RECEIPTS = [
    {
        "image": "receipt_fresh_mart.png", "style": "plain", "font": "mono", "tax_label": "Tax 6%",
        "tax_rate": 0.06,
        "caption": "A long white grocery store receipt in monospaced type listing eight items with prices, "
                   "followed by the subtotal, tax and total, the card payment and a thank-you line.",
        "head": ["FRESH MART", "1420 Oak Street, Springfield", "Tel: (555) 382-9010",
                 "Date: 03/12/2024 Time: 14:32", "Cashier: Dana"],
        "items": [("Bananas", 1.26), ("Whole Milk 1 gal", 3.89), ("Sourdough Bread", 4.50),
                  ("Eggs Large 12 ct", 3.29), ("Chicken Breast", 9.87), ("Baby Spinach", 3.99),
                  ("Cheddar Cheese", 5.49), ("Orange Juice", 4.25)],
        "card": "Card ending 4821",
        "foot": ["Items sold: 8", "Thank you for shopping with us!", "Save this receipt for returns"],
    },
    {
        "image": "receipt_blue_door_cafe.jpg", "style": "thermal", "font": "lib-mono-bold",
        "tax_label": "Tax 8.25%", "tax_rate": 0.0825, "tip": 4.00,
        "caption": "A cafe receipt on greyish thermal paper with the cafe name, date and order number, "
                   "four ordered items with quantities and prices, tax, tip and total, and the cafe's website.",
        "head": ["Blue Door Cafe", "88 Bay Street, Harbor City", "2024-03-03 08:47", "Order #1187",
                 "Server: Jamie"],
        "items": [("2 Latte", 9.00), ("1 Americano", 3.25), ("1 Almond Croissant", 4.10),
                  ("1 Avocado Toast", 8.75)],
        "foot": ["Thank you, come again!", "www.bluedoorcafe.com"],
    },
    {
        "image": "receipt_parkside_hardware.jpg", "style": "wood", "font": "courier-bold",
        "tax_label": "Tax 6.5%", "tax_rate": 0.065,
        "caption": "A photo of a hardware store receipt lying slightly tilted on a wooden table, listing "
                   "four tools and supplies, the total, cash paid and change, with a returns policy and "
                   "website at the bottom.",
        "head": ["PARKSIDE HARDWARE", "77 Mill Road, Fairview", "(555) 640-2211", "12/05/2023 10:18 AM"],
        "items": [("Hammer 16 oz", 14.99), ("Wood Screws 100 pk", 6.49), ("Paint Roller Set", 12.75),
                  ("Duct Tape", 5.30)],
        "cash": 50.00,
        "foot": ["Returns within 30 days", "with receipt", "www.parksidehardware.com"],
    },
]


def money(v: float) -> str:
    return f"${v:,.2f}"


def receipt_rows(spec):
    """(kind, left, right) rows; totals are computed so that the numbers add up."""
    rows = [("center-big", spec["head"][0], None)] + [("center", t, None) for t in spec["head"][1:]]
    rows.append(("rule", None, None))
    rows += [("pair", name, money(p)) for name, p in spec["items"]]
    rows.append(("rule", None, None))
    sub = round(sum(p for _, p in spec["items"]), 2)
    tax = round(sub * spec["tax_rate"] + 1e-9, 2)
    total = round(sub + tax + spec.get("tip", 0), 2)
    rows += [("pair", "Subtotal", money(sub)), ("pair", spec["tax_label"], money(tax))]
    if "tip" in spec:
        rows.append(("pair", "Tip", money(spec["tip"])))
    rows.append(("pair-big", "Total:", money(total)))
    if "card" in spec:
        rows.append(("pair", spec["card"], money(total)))
    if "cash" in spec:
        rows += [("pair", "Cash", money(spec["cash"])), ("pair", "Change", money(spec["cash"] - total))]
    rows.append(("rule", None, None))
    rows += [("center", t, None) for t in spec["foot"]]
    return rows


def receipt_page(spec, rng) -> Page:
    w = 540
    rows = receipt_rows(spec)
    h = 90 + sum(22 if k == "rule" else 44 for k, _, _ in rows)
    bg = solid((w, h), WHITE) if spec["style"] == "plain" else paper((w, h), rng, (238, 236, 232))
    page = Page(bg)
    ink = (20, 20, 20) if spec["style"] != "thermal" else (58, 58, 66)
    f, fb = font(spec["font"], 24), font(spec["font"], 32)
    y = 40
    for kind, left, right in rows:
        if kind == "rule":
            page.draw.line((30, y + 8, w - 30, y + 8), fill=(120, 120, 120), width=2)
            y += 22
            continue
        y += 44
        fnt = fb if kind.endswith("big") else f
        if kind.startswith("center"):
            page.text((w / 2, y), left, fnt, ink, "ms")
        else:
            page.text((34, y), left, fnt, ink, "ls")
            page.text((w - 34, y), right, fnt, ink, "rs")
    return page


def render_receipt(spec, rng) -> Page:
    page = receipt_page(spec, rng)
    if spec["style"] != "wood":
        return page
    # A photo of the receipt on a table: rotate it a little (1 degree keeps rows unambiguous).
    rw, rh = page.size
    table = wood((900, rh + 120), rng)
    mask = Image.new("L", page.size, 255)
    rot = page.img.rotate(1.0, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
    rmask = mask.rotate(1.0, resample=Image.BICUBIC, expand=True)
    shadow = Image.new("RGBA", table.size, (0, 0, 0, 0))
    ImageDraw.Draw(shadow).rectangle((190, 70, 190 + rw, 70 + rh), fill=(0, 0, 0, 90))
    table = Image.alpha_composite(table.convert("RGBA"), shadow.filter(ImageFilter.GaussianBlur(10))).convert("RGB")
    table.paste(rot, ((900 - rot.width) // 2, 50), rmask)
    out = Page(table)
    out.items = page.items  # ground truth of the flat receipt, in its reading order
    return out


# --------------------------------------------------------------------------------------------
# Slides (16:9)

SLIDES = ["slide_q3_results.png", "slide_title_talk.png", "slide_offsite_agenda.png"]
SLIDE_CAPTIONS = {
    "slide_q3_results.png":
        "A presentation slide with a dark teal title bar reading Q3 2024 Results, four bullet points of "
        "business figures on the left, a small rising bar graphic on the right, and a grey footer line.",
    "slide_title_talk.png":
        "A title slide for a research talk on a dark blue-to-purple gradient, with the talk title and "
        "subtitle in the middle and the speakers, university, workshop date and an e-mail address below.",
    "slide_offsite_agenda.png":
        "An agenda slide on a light grey background with an orange accent bar, listing the times and "
        "sessions of a team offsite day, including who presents each session.",
}


def render_slide(name, rng) -> Page:
    w, h = 1200, 675
    if name == "slide_q3_results.png":
        page = Page(solid((w, h), WHITE))
        d = page.draw
        d.rectangle((0, 0, w, 120), fill=(18, 88, 98))
        for i, v in enumerate([90, 120, 150, 200]):  # a textless "growth" graphic
            d.rectangle((880 + i * 64, 520 - v, 920 + i * 64, 520), fill=(58, 160, 150))
        d.line((860, 520, 1140, 520), fill=(90, 90, 90), width=3)
        page.text((60, 82), "Q3 2024 Results", font("carlito-bold", 58), WHITE)
        stack(page, 60, 160, [
            L("- Revenue grew 18% year over year to $4.2M", "carlito", 34, (30, 30, 30), 0),
            L("- 1,250 new customers, 310 of them enterprise", "carlito", 34, (30, 30, 30), 30),
            L("- Churn fell from 5.1% to 3.8%", "carlito", 34, (30, 30, 30), 30),
            L("- Net promoter score: 62", "carlito", 34, (30, 30, 30), 30),
        ], align="l")
        d.line((60, 590, w - 60, 590), fill=(200, 200, 200), width=2)
        page.text((60, 632), "Acme Analytics - Board Meeting - October 2, 2024", font("carlito-italic", 24),
                  (110, 110, 110))
    elif name == "slide_title_talk.png":
        page = Page(dgradient((w, h), (16, 30, 86), (84, 30, 96)))
        stack(page, w / 2, 80, [
            L("Reading the Visual World", "lato-black", 64, WHITE, 0),
            L("Instruction Tuning for Text-Rich Images", "lato-italic", 36, (200, 210, 255), 22),
            L("Dr. Hannah Weiss and Omar Farouk", "lato-bold", 32, WHITE, 90),
            L("Northbridge University", "lato", 30, (220, 220, 240), 16),
            L("Vision and Language Workshop - July 26, 2024", "lato", 28, (220, 220, 240), 44),
            L("hweiss@northbridge.edu", "mono", 26, (255, 210, 140), 22),
        ])
    else:
        page = Page(solid((w, h), (238, 238, 236)))
        page.draw.rectangle((0, 0, 24, h), fill=(232, 110, 40))
        page.text((70, 92), "Team Offsite Agenda", font("lib-narrow-bold", 56), (40, 40, 40))
        page.text((70, 140), "Thursday, May 16, 2024 - Room 4C", font("lib-narrow", 30), (232, 110, 40))
        agenda = [("09:00", "Welcome and coffee"), ("09:30", "Project status - Carlos Mendez"),
                  ("10:45", "Break"), ("11:00", "Design review - Aisha Khan"),
                  ("12:30", "Lunch at Lakeview Grill"), ("14:00", "Planning for Q3 - all teams")]
        ft, fi = font("lib-sans-bold", 30), font("lib-sans", 30)
        for i, (t, what) in enumerate(agenda):
            y = 230 + i * 70
            page.text((70, y), t, ft, (200, 84, 20))
            page.text((220, y), what, fi, (40, 40, 40))
    return page


# --------------------------------------------------------------------------------------------
# Charts

GRID, AXIS, INK = (225, 225, 225), (80, 80, 80), (40, 40, 40)


def y_axis(page, box, ymax, step, fmt="{}", fnt=None):
    """Grid lines and tick labels; baselines sit 8 px under the tick so labels centre on it."""
    x0, y0, x1, y1 = box
    fnt = fnt or font("lib-sans", 22)
    for v in range(0, ymax + 1, step):
        y = y1 - v / ymax * (y1 - y0)
        page.draw.line((x0, y, x1, y), fill=GRID if v else AXIS, width=1 if v else 2)
        page.text((x0 - 12, y + 7), fmt.format(v), fnt, INK, "rs")
    page.draw.line((x0, y0, x0, y1), fill=AXIS, width=2)


def render_chart(name, rng) -> Page:
    if name == "chart_website_visitors.png":
        w, h = 1000, 720
        page = Page(solid((w, h), WHITE))
        page.text((w / 2, 62), "Monthly Website Visitors, 2023", font("lib-sans-bold", 34), INK, "ms")
        page.text((60, 122), "Visitors (thousands)", font("lib-sans", 22), (90, 90, 90))
        box = (110, 160, 950, 580)
        y_axis(page, box, 50, 10)
        months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
        values = [24, 31, 28, 37, 42, 46]
        fv, fx = font("lib-sans-bold", 24), font("lib-sans", 22)
        slot = (box[2] - box[0]) / len(values)
        for i, (m, v) in enumerate(zip(months, values)):
            cx = box[0] + slot * (i + 0.5)
            top = box[3] - v / 50 * (box[3] - box[1])
            page.draw.rectangle((cx - 44, top, cx + 44, box[3] - 1), fill=(52, 110, 190))
            page.text((cx, box[3] - 22), str(v), fv, WHITE, "ms")  # one row inside the bars
            page.text((cx, box[3] + 36), m, fx, INK, "ms")
        page.text((w / 2, 668), "Month", font("lib-sans-bold", 22), INK, "ms")
    elif name == "chart_temperature_lines.png":
        w, h = 1100, 720
        page = Page(solid((w, h), (250, 250, 247)))
        page.text((w / 2, 58), "Average High Temperature by Month, 2023", font("sans-bold", 30), INK, "ms")
        series = {"Seattle": ([8, 10, 12, 15, 19, 22, 26, 26, 22, 16, 10, 8], (40, 110, 200)),
                  "Phoenix": ([19, 21, 25, 29, 35, 40, 41, 40, 37, 31, 24, 19], (220, 90, 40))}
        fl = font("sans", 22)
        lx = w / 2 - 170
        for label, (_, color) in series.items():  # legend: one row under the title
            page.draw.line((lx, 104, lx + 40, 104), fill=color, width=5)
            page.text((lx + 52, 112), label, fl, INK)
            lx += 200
        page.text((60, 170), "Degrees Celsius", font("sans", 20), (90, 90, 90))
        box = (110, 205, 1050, 605)
        y_axis(page, box, 50, 10, fnt=font("sans", 21))
        months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        slot = (box[2] - box[0]) / 12
        for label, (vals, color) in series.items():
            pts = [(box[0] + slot * (i + 0.5), box[3] - v / 50 * (box[3] - box[1])) for i, v in enumerate(vals)]
            page.draw.line(pts, fill=color, width=4, joint="curve")
            for x, y in pts:
                page.draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=color)
        fx = font("sans", 20)
        for i, m in enumerate(months):
            page.text((box[0] + slot * (i + 0.5), box[3] + 34), m, fx, INK, "ms")
        page.text((w / 2, 690), "Hottest month: July, 41 C in Phoenix", font("sans-oblique", 22), (90, 90, 90), "ms")
    elif name == "chart_household_budget.png":
        w, h = 1000, 680
        page = Page(solid((w, h), WHITE))
        page.text((w / 2, 66), "Household Budget 2024", font("carlito-bold", 42), INK, "ms")
        parts = [("Housing", 35, (52, 110, 190)), ("Savings", 20, (70, 170, 110)),
                 ("Other", 18, (160, 160, 160)), ("Food", 15, (240, 160, 50)),
                 ("Transportation", 12, (200, 70, 70))]
        start = -90.0
        for _, pct, color in parts:
            end = start + pct * 3.6
            page.draw.pieslice((70, 130, 470, 530), start, end, fill=color, outline=WHITE, width=3)
            start = end
        fl = font("carlito", 30)
        for i, (label, pct, color) in enumerate(parts):
            y = 200 + i * 70
            page.draw.rectangle((560, y - 24, 590, y + 4), fill=color)
            page.text((610, y), f"{label} {pct}%", fl, INK)
        page.text((w / 2, 620), "Based on a monthly income of $5,400", font("carlito-italic", 26), (90, 90, 90), "ms")
    else:  # chart_programming_languages.png
        w, h = 1100, 680
        page = Page(solid((w, h), (247, 249, 252)))
        page.text((60, 70), "Most Used Programming Languages", font("lato-black", 38), INK)
        page.text((60, 112), "Developer survey, 2024 (n = 2,350)", font("lato-italic", 24), (100, 100, 100))
        rows = [("Python", 48.2), ("JavaScript", 41.7), ("SQL", 36.9), ("Java", 24.5), ("Rust", 12.3)]
        x0, x1 = 240, 1000
        fl, fv = font("lato-bold", 26), font("lato", 24)
        for i, (lang, v) in enumerate(rows):
            y = 190 + i * 74
            bx = x0 + v / 60 * (x1 - x0)
            page.draw.rectangle((x0, y - 26, bx, y + 8), fill=(120, 80, 190))
            page.text((x0 - 16, y), lang, fl, INK, "rs")
            page.text((bx + 12, y), f"{v}%", fv, INK)
        axis_y = 190 + len(rows) * 74 - 30
        page.draw.line((x0, axis_y, x1, axis_y), fill=AXIS, width=2)
        ft = font("lato", 23)
        for v in range(0, 61, 10):
            x = x0 + v / 60 * (x1 - x0)
            page.draw.line((x, axis_y, x, axis_y + 8), fill=AXIS, width=2)
            page.text((x, axis_y + 34), f"{v}%", ft, INK, "ms")
        page.text(((x0 + x1) / 2, axis_y + 84), "Share of respondents", font("lato-bold", 22), INK, "ms")
    return page


CHARTS = {
    "chart_website_visitors.png":
        "A blue vertical bar chart titled Monthly Website Visitors, 2023, with one bar per month from "
        "January to June, the value printed inside each bar, a y axis in thousands of visitors and "
        "light grid lines.",
    "chart_temperature_lines.png":
        "A line chart comparing the average monthly high temperatures of Seattle (blue) and Phoenix "
        "(orange) across 2023, with a legend under the title, month labels on the x axis and a note "
        "about the hottest month below.",
    "chart_household_budget.png":
        "A pie chart of a household budget split into five coloured slices, with a legend on the right "
        "giving each category and its percentage and a note about the monthly income underneath.",
    "chart_programming_languages.png":
        "A horizontal bar chart in purple ranking five programming languages by the share of surveyed "
        "developers who use them, with the percentage at the end of each bar and a percentage axis below.",
}


# --------------------------------------------------------------------------------------------
# Documents (letter-size pages scaled to 900 x 1165)

DOCS = {
    "doc_office_memo.png":
        "A one-page office memorandum on white paper with To, From, Date and Subject fields under a "
        "bold heading, followed by three paragraphs about an office closure and a contact e-mail.",
    "doc_law_office_letter.jpg":
        "A formal letter on cream paper from a law office, with a letterhead, the date and recipient "
        "address, a reference line and several paragraphs, signed by an attorney at the bottom.",
    "doc_invoice_studio_nine.png":
        "An invoice from a design studio with the company header, invoice number and dates, a bill-to "
        "block, a table of three line items with quantities, rates and amounts, the total due and a "
        "payment link.",
}


def paragraph_rows(texts, fnt_key, size, fill, first_gap, gap):
    return [L(t, fnt_key, size, fill, first_gap if i == 0 else gap) for i, t in enumerate(texts)]


def render_doc(name, rng) -> Page:
    w, h = 900, 1165
    if name == "doc_office_memo.png":
        page = Page(solid((w, h), WHITE))
        page.text((80, 130), "MEMORANDUM", font("lib-sans-bold", 48), INK)
        page.draw.line((80, 160, w - 80, 160), fill=INK, width=3)
        fl, fv = font("lib-sans-bold", 24), font("lib-sans", 24)
        fields = [("To:", "All Staff"), ("From:", "Linda Chen, Office Manager"),
                  ("Date:", "February 12, 2024"), ("Subject:", "Office closure for HVAC maintenance")]
        for i, (k, v) in enumerate(fields):
            y = 220 + i * 46
            page.text((80, y), k, fl, INK)
            page.text((220, y), v, fv, INK)
        page.draw.line((80, 400, w - 80, 400), fill=(150, 150, 150), width=1)
        body = [
            "The Brightlane office at 500 Lake Drive will be closed on Friday, February 23, 2024, "
            "while contractors replace the heating and cooling system on all three floors. Please "
            "plan to work from home that day.",
            "The building will reopen on Monday, February 26 at 7:00 AM. Please remove personal "
            "items from desks near the windows by 5:00 PM on Thursday, February 22.",
            "Questions? Contact facilities@brightlane.com or call extension 4410.",
        ]
        stack(page, 80, 420, paragraph_rows(body, "lib-serif", 25, INK, 0, 30), align="l", width=740)
    elif name == "doc_law_office_letter.jpg":
        page = Page(paper((w, h), rng, (248, 244, 232)))
        ink = (30, 30, 40)
        page.text((w / 2, 100), "Harper and Sons Law Offices", font("palatino-bold", 44), (60, 30, 30), "ms")
        page.text((w / 2, 142), "1200 Main Street, Suite 300, Boston, MA 02108", font("palatino", 22), ink, "ms")
        page.text((w / 2, 176), "Tel: (617) 555-0142 - www.harpersonslaw.com", font("palatino", 22), ink, "ms")
        page.draw.line((80, 200, w - 80, 200), fill=(60, 30, 30), width=2)
        rows = [L("April 8, 2024", "palatino", 24, ink, 20),
                L("Mr. Daniel Alvarez", "palatino", 24, ink, 28),
                L("45 Chestnut Avenue", "palatino", 24, ink, 6),
                L("Cambridge, MA 02139", "palatino", 24, ink, 6),
                L("Re: Lease agreement review, File No. 24-0891", "palatino-bold", 24, ink, 28),
                L("Dear Mr. Alvarez,", "palatino", 24, ink, 28)]
        rows += paragraph_rows([
            "Thank you for meeting with us on April 2. We have reviewed the lease agreement for the "
            "property at 18 Pine Street and found two clauses that need your attention before you sign.",
            "First, the renewal clause allows a rent increase of up to 9% per year. Second, the security "
            "deposit of $4,800 is above the usual amount for a unit of this size.",
            "Please call me at (617) 555-0142 to schedule a follow-up meeting.",
        ], "palatino", 24, ink, 22, 20)
        rows += [L("Sincerely,", "palatino", 24, ink, 30),
                 L("Rebecca Harper", "palatino-italic", 30, (20, 40, 110), 34),
                 L("Attorney at Law", "palatino", 22, ink, 6)]
        stack(page, 80, 210, rows, align="l", width=740)
    else:
        page = Page(solid((w, h), WHITE))
        d = page.draw
        d.rectangle((0, 0, w, 150), fill=(34, 34, 44))
        page.text((60, 80), "STUDIO NINE DESIGN", font("gothic-demi", 40), WHITE)
        page.text((60, 122), "410 Grand Avenue, Suite 9, Portland, OR 97205", font("lib-sans", 22), (210, 210, 210))
        page.text((60, 226), "INVOICE", font("lib-sans-bold", 44), (200, 130, 20))
        # Invoice details and the bill-to block are stacked, not side by side, so that every
        # visual line holds one item (a side-by-side layout has no single reading order).
        stack(page, 60, 250, [
            L("Invoice No: INV-2024-0317", "lib-sans-bold", 24, INK, 0),
            L("Date: 2024-03-17", "lib-sans", 24, INK, 10),
            L("Due Date: 2024-04-16", "lib-sans", 24, INK, 10),
            L("Bill To:", "lib-sans-bold", 24, INK, 34),
            L("Greenleaf Organics", "lib-sans", 24, INK, 10),
            L("Attn: Maria Santos", "lib-sans", 24, INK, 10),
            L("22 Orchard Lane, Salem, OR 97301", "lib-sans", 24, INK, 10),
        ], align="l")
        fb, fr = font("lib-sans-bold", 24), font("lib-sans", 24)
        cols, aligns = [60, 500, 590, w - 60], ["ls", "ls", "ls", "rs"]
        d.rectangle((50, 580, w - 50, 630), fill=(235, 235, 240))
        for x, t, a in zip(cols, ["Description", "Qty", "Rate", "Amount"], aligns):
            page.text((x, 613), t, fb, INK, a)
        lines = [("Logo design", 1, 850.00), ("Website redesign", 1, 2400.00), ("Product photos", 12, 45.00)]
        total = 0.0
        for i, (desc, qty, rate) in enumerate(lines):
            y = 680 + i * 52
            amount = qty * rate
            total += amount
            for x, t, a in zip(cols, [desc, str(qty), money(rate), money(amount)], aligns):
                page.text((x, y), t, fr, INK, a)
            d.line((50, y + 18, w - 50, y + 18), fill=(220, 220, 220), width=1)
        page.text((cols[1], 880), "Total Due:", font("lib-sans-bold", 26), INK)
        page.text((cols[3], 880), money(total), font("lib-sans-bold", 26), INK, "rs")
        stack(page, 60, 925, [
            L("Payment terms: net 30 days. Pay by bank transfer or online at", "lib-sans", 22, INK, 0),
            L("https://pay.studionine.com/inv-0317", "lib-sans-bold", 22, (30, 80, 170), 10),
            L("Questions: billing@studionine.com", "lib-sans", 22, INK, 10),
            L("Thank you for your business!", "lib-serif-italic", 28, INK, 40),
        ], align="l")
    return page


# --------------------------------------------------------------------------------------------
# Signs, menus, tickets, business cards, labels

SIGNS = {
    "sign_no_parking.png":
        "A red and white street sign reading NO PARKING with the restricted hours and weekdays, a red "
        "arrow, a tow-away warning and a phone number, mounted on a grey pole against a pale sky.",
    "sign_rosies_bakery.jpg":
        "The front of a bakery on a red brick wall, with a striped awning, a dark shop sign with the "
        "bakery name and founding year, and a white board showing the opening hours and website.",
}


def render_sign(name, rng) -> Page:
    if name == "sign_no_parking.png":
        w, h = 760, 1000
        page = Page(vgradient((w, h), (190, 215, 235), (225, 235, 240)))
        d = page.draw
        d.rectangle((360, 0, 400, h), fill=(130, 130, 135))
        d.rounded_rectangle((90, 60, 670, 900), 30, fill=WHITE, outline=(200, 30, 40), width=14)
        red = (200, 30, 40)
        stack(page, w / 2, 90, [
            L("NO", "narrow-bold", 130, red, 0),
            L("PARKING", "narrow-bold", 110, red, 0),
            L("7 AM - 9 AM", "lib-sans-bold", 56, BLACK, 24),
            L("MON THRU FRI", "lib-sans-bold", 56, BLACK, 10),
        ])
        d.polygon([(230, 615), (470, 615), (470, 595), (530, 635), (470, 675), (470, 655), (230, 655)], fill=red)
        stack(page, w / 2, 700, [
            L("TOW-AWAY ZONE", "lib-sans-bold", 40, red, 0),
            L("Violators towed at owner's expense", "lib-sans", 26, BLACK, 12),
            L("Call (555) 600-1212", "lib-sans", 26, BLACK, 10),
        ])
    else:
        w, h = 1200, 800
        page = Page(brick((w, h), rng))
        d = page.draw
        # Awning in perspective with a scalloped edge: plain upright stripes read as "I" to OCR.
        n, top_l, top_r, bot_l, bot_r = 10, 80, 1120, 20, 1180
        for i in range(n):
            xt0, xt1 = top_l + (top_r - top_l) * i / n, top_l + (top_r - top_l) * (i + 1) / n
            xb0, xb1 = bot_l + (bot_r - bot_l) * i / n, bot_l + (bot_r - bot_l) * (i + 1) / n
            color = (200, 50, 60) if i % 2 == 0 else (250, 245, 235)
            d.polygon([(xt0, 176), (xt1, 176), (xb1, 250), (xb0, 250)], fill=color)
            d.chord((xb0, 226, xb1, 274), 0, 180, fill=color)
        d.rectangle((top_l, 170, top_r, 180), fill=(120, 30, 40))
        d.rectangle((200, 20, 1000, 160), fill=(40, 30, 28))
        d.rectangle((200, 20, 1000, 160), outline=(210, 170, 90), width=6)
        page.text((w / 2, 100), "Rosie's Bakery", font("palatino-italic", 72), (240, 210, 140), "ms")
        page.text((w / 2, 148), "EST. 1987", font("lib-sans-bold", 24), (240, 210, 140), "ms")
        d.rectangle((120, 320, 620, 760), fill=(60, 80, 90))  # window
        d.rectangle((140, 340, 600, 740), fill=(150, 180, 190))
        for sy in (500, 680):  # shelves of bread behind the glass
            d.rectangle((150, sy, 590, sy + 12), fill=(110, 80, 60))
            for bx in range(160, 505, 86):
                d.ellipse((bx, sy - 54, bx + 74, sy), fill=(196, 136, 70))
                d.arc((bx + 14, sy - 44, bx + 60, sy - 14), 200, 340, fill=(150, 96, 44), width=4)
        glare = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ImageDraw.Draw(glare).polygon([(200, 340), (300, 340), (170, 740), (140, 740), (140, 520)],
                                      fill=(255, 255, 255, 60))
        page.overlay(glare)
        d = page.draw
        d.rectangle((700, 320, 1080, 720), fill=(252, 252, 248))
        stack(page, 890, 340, [
            L("Fresh bread daily", "lib-serif-bold", 32, (120, 40, 40), 0),
            L("OPEN 7 DAYS", "lib-sans-bold", 30, INK, 40),
            L("6:00 AM - 3:00 PM", "lib-sans", 30, INK, 14),
            L("Order ahead:", "lib-sans", 26, INK, 40),
            L("(555) 319-4420", "lib-sans-bold", 28, INK, 10),
            L("rosiesbakery.com", "lib-sans", 26, (120, 40, 40), 34),
        ])
        page.apply(lambda im: im.filter(ImageFilter.GaussianBlur(0.5)))  # slight camera softness
    return page


MENUS = [
    {
        "image": "menu_morning_brew_chalkboard.jpg", "style": "chalk",
        "caption": "A chalkboard cafe menu in a wooden frame with the cafe name in white, yellow section "
                   "headings for coffee and pastries, each item followed by its price, and notes on milk "
                   "options and the Wi-Fi password at the bottom.",
        "title": "Morning Brew Cafe",
        "sections": [("COFFEE", [("Espresso", "$2.75"), ("Americano", "$3.25"), ("Cappuccino", "$3.95"),
                                 ("Latte", "$4.25"), ("Cold Brew", "$4.50")]),
                     ("PASTRIES", [("Butter Croissant", "$3.25"), ("Blueberry Muffin", "$3.50"),
                                   ("Cinnamon Roll", "$3.75")])],
        "foot": ["Oat or almond milk +$0.60", "Wi-Fi password: brew2024"],
    },
    {
        "image": "menu_trattoria_luna.png", "style": "paper",
        "caption": "An elegant Italian dinner menu on cream paper with a serif title, three sections of "
                   "dishes with short italic descriptions and prices, and the opening hours and a "
                   "reservation phone number at the bottom.",
        "title": "Trattoria Luna",
        "sections": [("STARTERS", [("Bruschetta al Pomodoro", "$8.50", "tomato, basil, garlic, olive oil"),
                                   ("Fried Calamari", "$12.00", "lemon aioli")]),
                     ("MAINS", [("Spaghetti Carbonara", "$18.50", "egg yolk, pecorino, guanciale"),
                                ("Margherita Pizza", "$15.00", None),
                                ("Chicken Parmesan", "$21.00", None)]),
                     ("DESSERTS", [("Tiramisu", "$8.00", None), ("Panna Cotta", "$7.50", None)])],
        "foot": ["Open Tue-Sun 17:00 - 22:00", "Reservations (555) 432-1100"],
    },
]


def render_menu(spec, rng) -> Page:
    if spec["style"] == "chalk":
        w, h = 860, 1180
        page = Page(chalkboard((w, h), rng))
        chalk, accent = (240, 240, 232), (250, 214, 120)
        ft, fs, fi = font("gothic-demi", 64), font("gothic-demi", 40), font("lato-bold", 34)
        page.text((w / 2, 120), spec["title"], ft, chalk, "ms")
        y = 160
        for sec, items in spec["sections"]:
            y += 90
            page.text((90, y), sec, fs, accent)
            page.draw.line((90, y + 14, 330, y + 14), fill=accent, width=3)
            for item, price in items:
                y += 64
                page.text((110, y), item, fi, chalk)
                page.text((w - 90, y), price, fi, chalk, "rs")
        y += 70
        for t in spec["foot"]:
            y += 54
            page.text((w / 2, y), t, font("lato-italic", 30), accent, "ms")
    else:
        w, h = 820, 1180
        page = Page(solid((w, h), (250, 245, 230)))
        d = page.draw
        d.rectangle((24, 24, w - 24, h - 24), outline=(150, 110, 60), width=3)
        ink, brown = (40, 30, 25), (130, 80, 40)
        page.text((w / 2, 110), spec["title"], font("palatino-bold", 62), brown, "ms")
        page.text((w / 2, 156), "Dinner Menu", font("palatino-italic", 30), ink, "ms")
        fs, fi, fd = font("century-bold", 28), font("century", 28), font("century-italic", 24)
        y = 180
        for sec, items in spec["sections"]:
            y += 76
            page.text((w / 2, y), sec, fs, brown, "ms")
            for item, price, desc in items:
                y += 52
                page.text((80, y), item, fi, ink)
                page.text((w - 80, y), price, fi, ink, "rs")
                if desc:
                    y += 38
                    page.text((80, y), desc, fd, (100, 90, 80))
        d.line((200, h - 150, w - 200, h - 150), fill=(150, 110, 60), width=2)
        page.text((w / 2, h - 100), spec["foot"][0], font("palatino", 26), ink, "ms")
        page.text((w / 2, h - 60), spec["foot"][1], font("palatino", 26), ink, "ms")
    return page


TICKETS = {
    "ticket_boarding_pass.png":
        "An airline boarding pass with a navy header band, the passenger name, origin and destination "
        "cities, a row of flight details including date, boarding time, gate and seat, and a small "
        "note about when the gate closes.",
    "ticket_midnight_owls_concert.jpg":
        "A purple gradient concert ticket marked ADMIT ONE, naming the band, the date and door time, "
        "the venue, the seat location, the price and a ticket number, with a perforated stub on the right.",
}


def render_ticket(name, rng) -> Page:
    if name == "ticket_boarding_pass.png":
        w, h = 1200, 520
        page = Page(solid((w, h), (236, 240, 245)))
        d = page.draw
        d.rounded_rectangle((20, 20, w - 20, h - 20), 24, fill=WHITE)
        d.rounded_rectangle((20, 20, w - 20, 110), 24, fill=NAVY)
        d.rectangle((20, 80, w - 20, 110), fill=NAVY)
        d.line((900, 130, 900, h - 40), fill=(190, 190, 200), width=2)
        d.polygon([(1000, 300), (1100, 270), (1110, 282), (1040, 310), (1060, 360), (1048, 364), (1015, 318),
                   (985, 328), (980, 318)], fill=(190, 200, 220))  # plane icon on the stub
        page.text((60, 80), "SKYLINE AIRWAYS", font("lib-sans-bold", 36), WHITE)
        page.text((860, 80), "BOARDING PASS", font("lib-sans", 30), GOLD, "rs")
        grey, fl, fv = (110, 110, 120), font("lib-sans", 23), font("lib-sans-bold", 32)
        page.text((60, 160), "PASSENGER", fl, grey)
        page.text((60, 202), "MORGAN/ALEX", fv, INK)
        page.text((60, 262), "FROM", fl, grey)
        page.text((460, 262), "TO", fl, grey)
        page.text((60, 304), "Boston (BOS)", fv, INK)
        page.text((460, 304), "Denver (DEN)", fv, INK)
        cols = [60, 230, 450, 640, 770]
        for x, k, v in zip(cols, ["FLIGHT", "DATE", "BOARDING", "GATE", "SEAT"],
                           ["SK 1423", "12/05/2023", "07:15", "C12", "14A"]):
            page.text((x, 364), k, fl, grey)
            page.text((x, 406), v, fv, INK)
        page.text((60, 466), "Gate closes 20 minutes before departure", font("lib-sans", 22), (150, 40, 40))
    else:
        w, h = 1100, 440
        page = Page(dgradient((w, h), (70, 20, 110), (190, 60, 120)))
        d = page.draw
        d.line((850, 0, 850, h), fill=(255, 255, 255), width=3)
        for y in range(10, h, 24):  # perforation
            d.ellipse((843, y, 857, y + 14), fill=(40, 10, 60))
        for i in range(5):  # stub decoration: concentric rings
            r = 90 - i * 16
            d.ellipse((975 - r, 220 - r, 975 + r, 220 + r), outline=(255, 255, 255), width=3)
        stack(page, 60, 24, [
            L("ADMIT ONE", "lib-sans-bold", 26, GOLD, 0),
            L("The Midnight Owls - Live", "free-sans-bold", 52, WHITE, 14),
            L("Friday, April 19, 2024 - Doors 7:00 PM", "lib-sans", 28, WHITE, 16),
            L("Harbor Hall, 12 Pier Road", "lib-sans", 28, WHITE, 10),
            L("Section 104 Row F Seat 12", "lib-sans-bold", 30, GOLD, 22),
            L("Price: $48.00 Ticket No. 0048213", "lib-sans", 26, WHITE, 20),
        ], align="l")
        page.apply(lambda im: noise(im, rng, 2.5))
    return page


CARDS = {
    "card_elena_vasquez.png":
        "A clean white business card with an abstract teal and coral logo in the corner, the "
        "designer's name in large type, her job title and studio, and her phone, e-mail and website.",
    "card_marcus_bell.jpg":
        "A dark navy business card with gold lettering for an accountant, giving his name, firm, "
        "services, phone number, e-mail and office address.",
}


def render_card(name, rng) -> Page:
    w, h = 1050, 600
    if name == "card_elena_vasquez.png":
        page = Page(solid((w, h), WHITE))
        d = page.draw
        d.ellipse((820, 60, 960, 200), fill=(30, 150, 140))
        d.polygon([(880, 120), (990, 250), (800, 250)], fill=(240, 120, 100))
        d.rectangle((70, 250, 170, 256), fill=(30, 150, 140))
        stack(page, 70, 60, [
            L("Elena Vasquez", "lato-black", 64, (30, 40, 50), 0),
            L("Senior Product Designer", "lato", 32, (90, 100, 110), 10),
        ], align="l")
        stack(page, 70, 280, [
            L("Northwind Studio", "lato-bold", 34, (30, 150, 140), 0),
            L("+1 555 010 2030", "lato", 30, (30, 40, 50), 30),
            L("elena@northwindstudio.com", "lato", 30, (30, 40, 50), 14),
            L("www.northwindstudio.com", "lato", 30, (30, 40, 50), 14),
        ], align="l")
    else:
        page = Page(noise(solid((w, h), (22, 32, 58)), rng, 2.0))
        page.draw.rectangle((40, 40, w - 40, h - 40), outline=GOLD, width=2)
        stack(page, w / 2, 80, [
            L("Marcus Bell, CPA", "century-bold", 60, GOLD, 0),
            L("Bell and Ortiz Accounting", "century-italic", 34, (235, 225, 200), 16),
            L("Tax preparation - Bookkeeping - Payroll", "lib-sans", 26, (200, 200, 210), 20),
            L("(555) 271-8830", "lib-sans-bold", 30, WHITE, 48),
            L("mbell@bellortiz.com", "lib-sans", 28, WHITE, 14),
            L("88 Market Street, Suite 400, Denver, CO 80202", "lib-sans", 24, (200, 200, 210), 24),
        ])
    return page


LABELS = {
    "label_shipping_priority.png":
        "A printed shipping label with a black PRIORITY MAIL header, the sender's address in the top "
        "left, a large ship-to address in the middle, and the tracking number, weight and ship date below.",
    "label_wildflower_honey.jpg":
        "A slightly tilted photo-like picture of an amber honey jar on a kitchen counter with a cream label giving the "
        "brand, the product name, the net weight, a best-before date, the producer and a website.",
}


def render_label(name, rng) -> Page:
    if name == "label_shipping_priority.png":
        w, h = 800, 1100
        page = Page(solid((w, h), WHITE))
        d = page.draw
        d.rectangle((10, 10, w - 10, h - 10), outline=BLACK, width=4)
        d.rectangle((10, 10, w - 10, 120), fill=BLACK)
        page.text((w / 2, 86), "PRIORITY MAIL", font("lib-sans-bold", 54), WHITE, "ms")
        stack(page, 50, 150, [
            L("FROM:", "lib-mono-bold", 24, BLACK, 0),
            L("Northwind Studio", "lib-mono", 24, BLACK, 8),
            L("15 Canal Street", "lib-mono", 24, BLACK, 8),
            L("Portland, OR 97205", "lib-mono", 24, BLACK, 8),
        ], align="l")
        d.line((10, 340, w - 10, 340), fill=BLACK, width=3)
        stack(page, 90, 380, [
            L("SHIP TO:", "lib-sans-bold", 30, BLACK, 0),
            L("GREENLEAF ORGANICS", "lib-sans-bold", 40, BLACK, 16),
            L("ATTN: MARIA SANTOS", "lib-sans", 36, BLACK, 10),
            L("22 ORCHARD LANE", "lib-sans", 36, BLACK, 10),
            L("SALEM, OR 97301", "lib-sans", 36, BLACK, 10),
        ], align="l")
        d.line((10, 720, w - 10, 720), fill=BLACK, width=3)
        stack(page, w / 2, 750, [
            L("TRACKING NUMBER", "lib-sans-bold", 26, BLACK, 0),
            L("9400 1118 9922 3344 5566 77", "lib-mono-bold", 32, BLACK, 14),
            L("Weight: 2.4 lb", "lib-sans", 26, BLACK, 60),
            L("Ship date: 2024-03-03", "lib-sans", 26, BLACK, 12),
        ])
    else:
        w, h = 1000, 900
        page = Page(vgradient((w, h), (226, 214, 196), (196, 180, 160)))
        d = page.draw
        d.rectangle((0, 760, w, h), fill=(150, 120, 90))  # counter
        d.rounded_rectangle((230, 120, 770, 830), 70, fill=(200, 120, 30))  # jar
        d.rounded_rectangle((270, 40, 730, 140), 20, fill=(60, 60, 60))  # lid
        d.rectangle((260, 210, 740, 730), fill=(252, 246, 226))  # label
        d.rectangle((272, 222, 728, 718), outline=(170, 120, 40), width=3)
        brown = (110, 60, 20)
        stack(page, w / 2, 250, [
            L("Mountain Spring", "bookman-demi", 42, brown, 0),
            L("Wildflower Honey", "bookman-demi", 46, (170, 100, 20), 14),
            L("Raw and Unfiltered", "bookman", 30, brown, 18),
            L("Net Wt 12 oz (340 g)", "lib-sans-bold", 30, INK, 56),
            L("Best before 11/2025", "lib-sans", 28, INK, 18),
            L("Hilltop Apiary, Vermont", "lib-serif-italic", 30, brown, 60),
            L("www.hilltopapiary.com", "lib-sans", 26, INK, 16),
        ])
        page = tilt(page, -1.5)
        page.apply(lambda im: noise(im.filter(ImageFilter.GaussianBlur(0.6)), rng, 3.0))
    return page


# --------------------------------------------------------------------------------------------
# The set


def catalogue():
    """(file name, kind, caption, renderer) for every image, in a fixed order."""
    out = []
    for s in POSTERS:
        out.append((s["image"], "poster", s["caption"], lambda r, s=s: render_poster(s, r)))
    for s in BOOKS:
        out.append((s["image"], "book_cover", s["caption"], lambda r, s=s: render_book(s, r)))
    for s in RECEIPTS:
        out.append((s["image"], "receipt", s["caption"], lambda r, s=s: render_receipt(s, r)))
    for n in SLIDES:
        out.append((n, "slide", SLIDE_CAPTIONS[n], lambda r, n=n: render_slide(n, r)))
    for n, c in CHARTS.items():
        out.append((n, "chart", c, lambda r, n=n: render_chart(n, r)))
    for n, c in DOCS.items():
        out.append((n, "document", c, lambda r, n=n: render_doc(n, r)))
    for n, c in SIGNS.items():
        out.append((n, "sign", c, lambda r, n=n: render_sign(n, r)))
    for s in MENUS:
        out.append((s["image"], "menu", s["caption"], lambda r, s=s: render_menu(s, r)))
    for n, c in TICKETS.items():
        out.append((n, "ticket", c, lambda r, n=n: render_ticket(n, r)))
    for n, c in CARDS.items():
        out.append((n, "business_card", c, lambda r, n=n: render_card(n, r)))
    for n, c in LABELS.items():
        out.append((n, "label", c, lambda r, n=n: render_label(n, r)))
    return out


def save(img: Image.Image, path: Path) -> None:
    if path.suffix == ".jpg":
        img.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        img.save(path, "PNG", optimize=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="samples folder (default: the package's)")
    ap.add_argument("--only", help="render only this image (for design work)")
    args = ap.parse_args(argv)
    images = args.out / "images"
    images.mkdir(parents=True, exist_ok=True)
    captions, truth = [], []
    for name, kind, caption, render in catalogue():
        if args.only and name != args.only:
            continue
        rng = random.Random(SEED + zlib.crc32(name.encode()))  # independent of the order
        page = render(rng)
        lines = page.lines()
        save(page.img, images / name)
        captions.append({"image": name, "caption": caption, "kind": kind})
        truth.append({"image": name, "lines": lines, "text": "\n".join(lines)})
    if not args.only:
        stale = {p.name for p in images.iterdir()} - {c["image"] for c in captions}
        for n in sorted(stale):
            (images / n).unlink()
        for fname, rows in (("captions.jsonl", captions), ("ground_truth.jsonl", truth)):
            with open(args.out / fname, "w", encoding="utf-8", newline="\n") as f:
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=True) + "\n")
    total = sum((images / c["image"]).stat().st_size for c in captions)
    print(f"{len(captions)} images, {total / 1e6:.2f} MB -> {images}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
