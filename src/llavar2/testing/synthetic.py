"""A synthetic job of any size for scale checks (benchmarks/scale.py, tests/runners): distinct
tiny images, a caption manifest naming their ids, and a made-up OCR record per image whose text
(shop names, prices, dates, phone numbers, URLs) gives the offline generator something to ask
about. The OCR records stand in for the OCR stage, so that OCR time does not dominate."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = (
    "north harbor maple river golden station market central union grand city green "
    "bridge summit bakery coffee books garden pharmacy hardware fresh daily royal "
    "corner sunset lake valley plaza museum theatre library clinic studio"
).split()
KINDS = ("Cafe", "Market", "Books", "Pharmacy", "Diner", "Hotel", "Garage", "Bakery")


def _text_lines(rng: random.Random, i: int) -> list[str]:
    name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {rng.choice(KINDS)}"
    lines = [name, f"{rng.randint(1, 999)} {rng.choice(WORDS).title()} Street"]
    for _ in range(rng.randint(2, 5)):
        lines.append(
            f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} "
            f"${rng.randint(1, 99)}.{rng.randint(0, 99):02d}"
        )
    lines.append(f"Total ${rng.randint(100, 999)}.{rng.randint(0, 99):02d}")
    lines.append(f"{rng.randint(2001, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    lines.append(f"Call {rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}")
    lines.append(f"www.{rng.choice(WORDS)}{rng.choice(WORDS)}{i}.com")
    return lines


def _ocr_record(i: int, image: str, lines: list[str]) -> dict:
    ocr_lines, y = [], 10.0
    for text in lines:
        w, h = 9.0 * len(text), 18.0
        ocr_lines.append(
            {
                "text": text,
                "box": [[20.0, y], [20.0 + w, y], [20.0 + w, y + h], [20.0, y + h]],
                "score": 0.97,
            }
        )
        y += 26.0
    return {
        "id": f"img{i:06d}",
        "image": image,
        "engine": "rapidocr",
        "width": 400,
        "height": int(y) + 10,
        "lines": ocr_lines,
        "text": "\n".join(lines),
    }


def make_data(folder: Path, n: int) -> None:
    """n distinct images, and for each: a manifest row and a pre-made OCR record."""
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    with open(folder / "captions.jsonl", "w") as captions, open(folder / "ocr.jsonl", "w") as ocr:
        for i in range(n):
            rng = random.Random(i)
            name = f"{i:06d}.pgm"
            # 8×8 grey pixels holding the index: every file's bytes differ.
            pixels = i.to_bytes(8, "big") + bytes(rng.randrange(256) for _ in range(56))
            (images / name).write_bytes(b"P5\n8 8\n255\n" + pixels)
            lines = _text_lines(rng, i)
            captions.write(
                json.dumps(
                    {
                        "id": f"img{i:06d}",
                        "image": name,
                        "caption": f"A photo of the sign of {lines[0]}.",
                    }
                )
                + "\n"
            )
            ocr.write(json.dumps(_ocr_record(i, name, lines)) + "\n")


def head(src: Path, dst: Path, n: int) -> None:
    """The first ``n`` lines of ``src`` into ``dst``: a smaller job from the same files."""
    with open(src) as f, open(dst, "w") as g:
        for _, line in zip(range(n), f):
            g.write(line)
