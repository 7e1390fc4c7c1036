"""Real images benchmark (issue 12): OCR and an offline build on real scanned receipts, scored
against their annotated transcription.

Corpus: the SROIE dev receipts (``llavar2.testing.sroie``; ``--data`` for another folder in the
same layout: ``img/``, ``box/``, ``key/``). Every receipt gets the same human caption ("A
scanned shop receipt."), so every word the build adds comes from OCR.

What it measures (texts compared upper-cased, since SROIE transcribes in capitals):

- ``cer``: order-aware character error rate of the OCR text in llavar2's reading order (the
  lines of ``ocr.jsonl`` joined) against the annotated segments in row order (rows found
  across the scan's skew, measured from the engine's boxes: ``sroie.text_skew``); ``raw_cer``:
  the same for the engine's own box order (the raw lines in the OCR cache). Line breaks cost
  nothing, order does. ``ratio = cer / raw_cer`` (below 1: our layout beats the engine's).
- ``segment_recall``: share of annotated segments read within one OCR line: some line holds
  the segment within OCR-like edits (rapidfuzz ``partial_ratio`` ≥ 90 of the segment within
  a line at least as long, ``ratio`` ≥ 90 against a shorter one; ``partial_ratio`` alone would
  align a short line inside the segment, so a torn-off fragment counted as the whole). Text
  that was missed or torn across lines fails. Compared NFKC-normalised (the engine writes
  some punctuation full-width), upper-cased and without whitespace: the annotation spaces
  punctuation inconsistently ("TEL: 03-", "TEL : 03-", "GST ID:") and ``cer`` charges spacing.
- ``key_recall``: share of key fields found in the OCR text: company and address fuzzily
  (``partial_ratio`` ≥ 90), date and total exactly (digits are the fact).
- ``answers_correct``: share of the kept extractive answers that are in the transcription:
  some span of it is within OCR-like edits (``partial_ratio`` ≥ 90, compared as segments
  are) and every digit of the answer appears in that span in the same order. Per question
  type too; ``answers_exact`` counts exact (space-insensitive) containment only.
- ``title_correct``: share of "title" questions whose answer matches the company field
  (``partial_ratio`` ≥ 90 either way); ``title_asked`` says how many receipts got one.
- ``max_span``: the largest (box height / tallest part's height) of any OCR line; a part is a
  raw engine box whose centre lies in the line's box and whose text is in the line's text.
  Heights are measured across each box's own baseline, not as upright bounds: on a scan
  skewed by 4 degrees a 700 px wide line's upright bounds are 50 px taller than its text.
- ``junk_quoted``: captions and duos that quote a line the quality gate flagged (text not
  also in a clean line).

    python benchmarks/real_images.py              # the 60 dev receipts
    python benchmarks/real_images.py --limit 10   # quicker

Last line: ``RESULT cer=... raw_cer=... segment_recall=... answers_correct=... title_correct=...``
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from rapidfuzz import fuzz

from llavar2.config import BuildConfig, default_cache_dir
from llavar2.jsonl import read_jsonl
from llavar2.ocr import get_engine
from llavar2.ocr.cache import OcrCache
from llavar2.records import ConversationSet, EnrichedCaption, OcrLine, OcrResult
from llavar2.runners import local
from llavar2.testing import sroie

CAPTION = "A scanned shop receipt."
FUZZY = 90


def _key(text: str) -> str:
    """NFKC-normalised (the engine writes some punctuation full-width), upper-cased, no
    whitespace: how segments and answers are compared with the transcription."""
    return "".join(unicodedata.normalize("NFKC", text).upper().split())


def _holds(line: str, segment: str) -> bool:
    """Whether ``line`` holds ``segment`` within OCR-like edits (see ``segment_recall``)."""
    if len(line) >= len(segment):
        return fuzz.partial_ratio(segment, line) >= FUZZY
    return fuzz.ratio(segment, line) >= FUZZY


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _answer_in(answer: str, transcription: str) -> tuple[bool, bool]:
    """(correct within OCR-like edits with exact digits, exactly contained)."""
    a, t = _key(answer), _key(transcription)
    if not a:
        return False, False
    if a in t:
        return True, True
    found = fuzz.partial_ratio_alignment(a, t)
    if found is None or found.score < FUZZY:
        return False, False
    span = t[max(0, found.dest_start - 2) : found.dest_end + 2]
    return _digits(a) in _digits(span) if _digits(a) else True, False


def _height(line: OcrLine) -> float:
    """The box's height across its own baseline (left and right sides averaged)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = line.box
    return (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2


def _inside(x: float, y: float, box: list[list[float]]) -> bool:
    """Whether (x, y) lies in the quadrilateral (corners clockwise, in image coordinates)."""
    return all(
        (bx - ax) * (y - ay) - (by - ay) * (x - ax) >= 0
        for (ax, ay), (bx, by) in zip(box, box[1:] + box[:1])
    )


def _span_ratio(line: OcrLine, raw: list[OcrLine]) -> float:
    parts = [
        _height(part)
        for part in raw
        if _inside(sum(p[0] for p in part.box) / 4, sum(p[1] for p in part.box) / 4, line.box)
        and part.text.strip() in line.text
    ]
    return _height(line) / max(parts) if parts else 1.0


def _manifest(names: list[str], root: Path, images: Path, path: Path) -> None:
    images.mkdir(parents=True)
    with path.open("w", encoding="utf-8") as f:
        for name in names:
            shutil.copyfile(sroie.image_path(name, root), images / f"{name}.jpg")
            f.write(json.dumps({"id": name, "image": f"{name}.jpg", "caption": CAPTION}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="SROIE-style folder")
    parser.add_argument("--limit", type=int, default=None, help="first N receipts only")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=default_cache_dir(),
        help="OCR cache (a warm cache skips the engine)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the build folder here")
    parser.add_argument("--show", action="store_true", help="print every wrong answer")
    args = parser.parse_args()

    root = args.data or sroie.sroie_dir()
    names = sroie.receipts(root)[: args.limit]
    if not names:
        sys.exit(f"no receipts under {root} (set --data or $LLAVAR2_REALDATA)")
    work = Path(tempfile.mkdtemp(prefix="llavar2-real-"))
    out = args.keep or work / "out"
    if args.keep and out.exists():
        shutil.rmtree(out)
    _manifest(names, root, work / "images", work / "captions.jsonl")
    started = time.perf_counter()
    local.build(
        BuildConfig(
            images_dir=work / "images",
            captions=work / "captions.jsonl",
            out=out,
            cache_dir=args.cache_dir,
            progress=False,
        )
    )
    seconds = time.perf_counter() - started

    engine = get_engine("rapidocr")
    cache = OcrCache(args.cache_dir / "ocr")
    ocr = {r.id: r for r in read_jsonl(out / "ocr.jsonl", OcrResult)}
    captions = {c.id: c for c in read_jsonl(out / "captions.jsonl", EnrichedCaption)}
    convs = {c.id: c for c in read_jsonl(out / "conversations.jsonl", ConversationSet)}
    rejects = Counter(r["reason"] for r in read_jsonl(out / "rejects.jsonl"))

    err = raw_err = length = 0
    seg_hit = seg_all = key_hit = key_all = 0
    answers: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    titles: list[bool] = []
    max_span, junk_quoted, flagged, lines_all = 1.0, 0, 0, 0
    for name in names:
        result = ocr.get(name)
        if result is None:
            continue
        raw = sroie.engine_lines(name, engine, cache, root)
        reference = sroie.reference_text(name, root, sroie.text_skew(line.box for line in raw))
        e, n = sroie.order_aware_errors(result.text, reference)
        r, _ = sroie.order_aware_errors("\n".join(line.text for line in raw), reference)
        err, raw_err, length = err + e, raw_err + r, length + n

        keys = [_key(line.text) for line in result.lines]
        for seg in sroie.segments(name, root):
            seg_all += 1
            seg_hit += any(_holds(line, _key(seg.text)) for line in keys)
        text = " ".join(result.text.upper().split())
        for field, value in sroie.key_fields(name, root).items():
            value = " ".join(value.upper().split())
            key_all += 1
            if field in ("date", "total"):
                key_hit += value in text
            else:
                key_hit += fuzz.partial_ratio(value, text) >= FUZZY

        max_span = max([max_span, *(_span_ratio(line, raw) for line in result.lines)])
        lines_all += len(result.lines)
        flagged += sum(1 for line in result.lines if line.flags)
        clean = " ".join(line.text for line in result.lines if not line.flags)
        junk = [
            line.text
            for line in result.lines
            if line.flags and len(line.text.strip()) > 1 and line.text not in clean
        ]
        generated = []
        if name in captions:
            generated.append(captions[name].caption[len(CAPTION) :])
        for duo in convs[name].duos if name in convs else []:
            generated += [duo.extractive.question, duo.extractive.answer, duo.self_explain.answer]
            ok = _answer_in(duo.extractive.answer, reference)
            answers[duo.qtype].append(ok)
            if args.show and not ok[0]:
                print(f"  wrong {name} {duo.qtype}: {duo.extractive.answer!r}")
            if duo.qtype == "title":
                company = sroie.key_fields(name, root).get("company", "").upper()
                answer = duo.extractive.answer.upper()
                titles.append(
                    max(fuzz.partial_ratio(answer, company), fuzz.partial_ratio(company, answer))
                    >= FUZZY
                )
        junk_quoted += sum(1 for text in generated for j in junk if j in text)

    cer, raw_cer = err / length, raw_err / length
    every = [ok for found in answers.values() for ok in found]
    correct = sum(c for c, _ in every) / len(every) if every else 0.0
    exact = sum(x for _, x in every) / len(every) if every else 0.0
    title = sum(titles) / len(titles) if titles else 1.0
    print(
        f"corpus: {len(names)} receipts from {root}; build {seconds:.1f} s "
        f"(OCR cache {args.cache_dir / 'ocr'}); rejects: {dict(rejects) or 'none'}"
    )
    print(
        f"reading order: cer {cer:.4f} (llavar2 layout) vs raw_cer {raw_cer:.4f} (engine "
        f"order): ratio {cer / raw_cer:.3f}"
    )
    print(
        f"segment recall {seg_hit / seg_all:.4f} ({seg_hit}/{seg_all}); key-field recall "
        f"{key_hit / key_all:.4f} ({key_hit}/{key_all})"
    )
    print(
        f"lines flagged by the quality gate: {flagged}/{lines_all}; junk quoted: "
        f"{junk_quoted}; largest line span / tallest part: {max_span:.2f}"
    )
    print(f"{'question type':<14} {'answers':>7} {'correct':>8} {'exact':>7}")
    for qtype, found in sorted(answers.items()):
        print(
            f"{qtype:<14} {len(found):>7} {sum(c for c, _ in found) / len(found):>8.3f} "
            f"{sum(x for _, x in found) / len(found):>7.3f}"
        )
    print(f"{'all':<14} {len(every):>7} {correct:>8.3f} {exact:>7.3f}")
    worst = min((sum(c for c, _ in f) / len(f) for f in answers.values()), default=0.0)
    print(f"title asked on {len(titles)} receipts, correct {title:.3f}")
    if not args.keep:
        shutil.rmtree(work)
    print(
        f"RESULT cer={cer:.4f} raw_cer={raw_cer:.4f} ratio={cer / raw_cer:.3f} "
        f"segment_recall={seg_hit / seg_all:.4f} key_recall={key_hit / key_all:.4f} "
        f"answers_correct={correct:.4f} answers_worst_type={worst:.4f} "
        f"answers_exact={exact:.4f} title_correct={title:.4f} title_asked={len(titles)} "
        f"max_span={max_span:.2f} junk_quoted={junk_quoted}"
    )


if __name__ == "__main__":
    main()
