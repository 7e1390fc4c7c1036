#!/usr/bin/env python3
"""Check that RapidOCR reads the bundled samples: per-image and corpus character error rate.

OCR boxes are put in reading order the simple way (boxes whose vertical centres are within
half a line height form one line, sorted by x, joined by one space; lines joined by newlines).
CER = Levenshtein(ocr, truth) / len(truth), whitespace runs collapsed to one space in both.

Usage: python scripts/check_samples_ocr.py [--only NAME] [--show] [--max-image 0.03] [--max-corpus 0.015]
Exit status 1 when a threshold is exceeded.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "llavar2" / "samples"


def reading_order(boxes, txts) -> str:
    items = []
    for box, t in zip(boxes, txts):
        ys = [p[1] for p in box]
        xs = [p[0] for p in box]
        items.append((sum(ys) / len(ys), max(ys) - min(ys), min(xs), t))
    items.sort()
    lines: list[list] = []  # [centre, height, [(x, text)]]
    for cy, h, x, t in items:
        if lines and abs(cy - lines[-1][0]) <= 0.5 * lines[-1][1]:
            ln = lines[-1]
            n = len(ln[2])
            ln[0] = (ln[0] * n + cy) / (n + 1)
            ln[1] = (ln[1] * n + h) / (n + 1)
            ln[2].append((x, t))
        else:
            lines.append([cy, h, [(x, t)]])
    return "\n".join(" ".join(t for _, t in sorted(ln[2])) for ln in lines)


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=Path, default=SAMPLES)
    ap.add_argument("--only", action="append", help="check only this image (repeatable)")
    ap.add_argument("--show", action="store_true", help="print OCR and truth lines that differ")
    ap.add_argument("--max-image", type=float, default=0.03)
    ap.add_argument("--max-corpus", type=float, default=0.015)
    args = ap.parse_args(argv)

    import logging

    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    engine = RapidOCR()
    rows = [json.loads(x) for x in (args.samples / "ground_truth.jsonl").read_text("utf-8").splitlines() if x]
    dist_sum = len_sum = 0
    worst = (0.0, "")
    for row in rows:
        if args.only and row["image"] not in args.only:
            continue
        r = engine(str(args.samples / "images" / row["image"]))
        ocr = reading_order(r.boxes, r.txts) if r.txts else ""
        a, b = norm(ocr), norm(row["text"])
        d = levenshtein(a, b)
        cer = d / max(len(b), 1)
        dist_sum += d
        len_sum += len(b)
        worst = max(worst, (cer, row["image"]))
        flag = "  FAIL" if cer > args.max_image else ""
        print(f"{cer:7.2%}  {d:4d}/{len(b):<5d} {row['image']}{flag}")
        if args.show and d:
            got, want = ocr.split("\n"), row["lines"]
            for g in got:
                if g not in want:
                    print(f"      ocr : {g!r}")
            for w in want:
                if w not in got:
                    print(f"      want: {w!r}")
    corpus = dist_sum / max(len_sum, 1)
    print(f"corpus CER {corpus:.2%} ({dist_sum}/{len_sum}); worst {worst[0]:.2%} {worst[1]}")
    ok = corpus <= args.max_corpus and worst[0] <= args.max_image
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
