"""Hand-built OCR results for the generation tests: layouts that exercise each question type,
plus the edge cases (two lines, no text, messy OCR)."""

from __future__ import annotations

import pytest

from llavar2.records import ImageRecord, OcrLine, OcrResult

Line = tuple[str, float, float, float, float]  # text, left, top, right, bottom


def build_item(image_id: str, caption: str, lines: list[Line], size: tuple[int, int] = (800, 800)):
    width, height = size
    ocr_lines = [
        OcrLine(text=text, box=[[x0, y0], [x1, y0], [x1, y1], [x0, y1]], score=0.95)
        for text, x0, y0, x1, y1 in lines
    ]
    image = ImageRecord(
        id=image_id,
        image=f"{image_id}.png",
        caption=caption,
        row=0,
        sha256=image_id,
        width=width,
        height=height,
        format="PNG",
    )
    ocr = OcrResult(
        id=image_id,
        image=image.image,
        engine="synthetic",
        width=width,
        height=height,
        lines=ocr_lines,
        text="\n".join(line.text for line in ocr_lines),
    )
    return image, ocr


POSTER: list[Line] = [
    ("SUMMER JAZZ NIGHT", 100, 40, 700, 120),
    ("Saturday, March 15, 2025", 200, 160, 600, 190),
    ("Doors open 7:30 PM", 220, 200, 580, 230),
    ("Tickets $25", 300, 400, 500, 430),
    ("Early bird 20% off", 300, 440, 500, 470),
    ("By Jane Doe", 20, 700, 200, 720),
    ("www.jazznight.com", 550, 720, 780, 745),
    ("info@jazznight.com", 550, 750, 780, 775),
    ("Call (555) 123-4567", 20, 750, 250, 775),
]

RECEIPT: list[Line] = [
    ("CORNER CAFE", 150, 20, 450, 70),
    ("12 Main Street", 200, 80, 400, 100),
    ("Date: 03/14/2024", 40, 130, 300, 150),
    ("Time: 08:45", 350, 130, 560, 150),
    ("Cappuccino ........ $4.50", 40, 200, 560, 220),
    ("Croissant ......... $3.20", 40, 230, 560, 250),
    ("Orange juice ...... $5.00", 40, 260, 560, 280),
    ("Subtotal: $12.70", 40, 320, 560, 340),
    ("Tax: $1.02", 40, 350, 560, 370),
    ("Total: $13.72", 40, 380, 560, 400),
    ("Open 7 days a week", 150, 560, 450, 580),
    ("Thank you for visiting!", 150, 590, 450, 610),
]

TWO_LINES: list[Line] = [
    ("STOP", 300, 200, 500, 300),
    ("All way", 330, 500, 470, 540),
]

SLIDE: list[Line] = [
    ("Quarterly Results", 50, 30, 750, 90),
    ("Speaker: Dr. Ann Lee", 50, 110, 400, 135),
    ("Revenue grew 12% year over year", 50, 250, 600, 275),
    ("Customers: 4,210", 50, 290, 600, 315),
    ("Next review on June 3, 2025 at 10:00", 50, 330, 700, 355),
    ("Contact: press@example.org", 50, 700, 400, 720),
    ("Slides at https://example.org/q3", 450, 700, 780, 720),
]

MENU: list[Line] = [  # two columns: item names left, prices right, as OCR returns a menu board
    ("Morning Brew", 200, 30, 600, 110),
    ("Espresso", 60, 200, 300, 230),
    ("$2.75", 620, 202, 740, 230),
    ("Latte", 60, 250, 300, 280),
    ("$3.95", 620, 251, 740, 280),
    ("Total:", 60, 300, 300, 330),
    ("$6.70", 620, 300, 740, 330),
    ("Wi-Fi password: brew2024", 200, 700, 600, 730),
]


def messy_lines() -> list[Line]:
    """80 lines: lowercase, stray punctuation, unicode, very long lines and OCR noise."""
    fragments = [
        "café crème — 3,50 €",
        "..:: special offer ::..",
        "naïve résumé ☕ 50 % off!!",
        "ｆｕｌｌ ｗｉｄｔｈ text",
        "|||",
        "tel 555-0199 / 555-0123",
        "x" * 300,
        "the quick brown fox jumps over the lazy dog " * 6,
        "mañana 9am–5pm",
        "«quoted» text",
    ]
    lines = []
    for i in range(80):
        text = f"{fragments[i % len(fragments)]} {i}" if i % 3 else fragments[i % len(fragments)]
        top = 10 + i * 12
        lines.append((text, 10 + (i % 4) * 190, top, 190 + (i % 4) * 190, top + 10))
    return lines


SAMPLES = {
    "poster": ("A poster for a jazz concert", POSTER),
    "receipt": ("A receipt from a café, photographed on a table", RECEIPT),
    "two_lines": ("A red road sign", TWO_LINES),
    "slide": ('A presentation slide titled "results"', SLIDE),
    "menu": ("A chalkboard menu in a coffee shop", MENU),
}


@pytest.fixture
def make_item():
    """Builds (ImageRecord, OcrResult) from an id, a caption and (text, left, top, right, bottom)
    lines."""
    return build_item


@pytest.fixture
def samples():
    """name → (ImageRecord, OcrResult) for the groundable synthetic images."""
    return {name: build_item(name, caption, lines) for name, (caption, lines) in SAMPLES.items()}


@pytest.fixture
def empty_item():
    return build_item("empty", "A blank wall", [])


@pytest.fixture
def messy_item():
    caption = "a crumpled flyer, photographed at night"
    return build_item("messy", caption, messy_lines(), size=(800, 1000))
