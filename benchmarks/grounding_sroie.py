"""Exact vs fuzzy grounding (``llavar2.text.grounding``) on real receipts (ICDAR 2019 SROIE,
``llavar2.testing.sroie``): the annotated segments (the true text) stand for answers, looked up
in what RapidOCR read.

* recall: the share of segments (as answers) grounded in the OCR text, exactly and fuzzily, and
  the fuzzy scores of the ones only fuzzy grounding finds;
* digits: each segment that holds a digit, with one digit changed (seeded), when the changed
  text is not in the receipt's true text: the share (wrongly) grounded;
* other receipts: segments of the next receipt that are not in this one's true text (4+
  characters): the share (wrongly) grounded in this one's OCR text, a proxy for answers the
  image does not hold.

The OCR lines come from ``--raw`` (JSON ``{name: {"w", "h", "lines": [OcrLine dicts]}}``), else
from RapidOCR through the OCR cache (``~/.cache/llavar2/ocr``; an empty cache runs the engine).

Last line: ``RESULT recall_fuzzy=... recall_exact=... ratio=<fuzzy / exact recall>
digit_false_fuzzy=... digit_false_exact=... other_false_fuzzy=... other_false_exact=...``
(shares of segments; "false" ones are groundings of text the receipt does not hold).

    PYTHONPATH=src .venv/bin/python benchmarks/grounding_sroie.py [--raw FILE] [--show 10]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
from pathlib import Path

from llavar2.testing import sroie
from llavar2.text.grounding import Text, fold, match
from llavar2.text.words import contains, words


def ocr_lines(names: list[str], raw: Path | None) -> dict[str, list[str]]:
    if raw is not None:
        data = json.loads(raw.read_text(encoding="utf-8"))
        return {name: [line["text"] for line in data[name]["lines"]] for name in names}
    from llavar2.ocr import get_engine
    from llavar2.ocr.cache import OcrCache
    from llavar2.paths import default_cache_dir

    engine, cache = get_engine("rapidocr"), OcrCache(default_cache_dir() / "ocr")
    return {name: [line.text for line in sroie.engine_lines(name, engine, cache)] for name in names}


def change_a_digit(text: str, rng: random.Random) -> str:
    at = rng.choice([m.start() for m in re.finditer(r"\d", text)])
    digit = rng.choice([d for d in "0123456789" if d != text[at]])
    return text[:at] + digit + text[at + 1 :]


def same_letters(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ only in spacing, case, punctuation and confusables."""
    return "".join(map(fold, words(a))) == "".join(map(fold, words(b)))


def share(n: int, total: int) -> str:
    return f"{n}/{total} ({100 * n / total:.1f}%)" if total else "0/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=8, help="Examples to print per list.")
    args = parser.parse_args()

    names = sroie.receipts()
    lines = ocr_lines(names, args.raw)
    truths = {name: sroie.reference_text(name) for name in names}
    rng = random.Random(args.seed)
    n = {
        "answers": 0,
        "exact": 0,
        "fuzzy": 0,
        "digit": 0,
        "digit_exact": 0,
        "digit_fuzzy": 0,
        "other": 0,
        "other_exact": 0,
        "other_fuzzy": 0,
    }
    fuzzy_only: list[tuple[float, str, str]] = []
    digit_wrong: list[tuple[str, str, str]] = []
    other_wrong: list[tuple[float, str, str]] = []
    for k, name in enumerate(names):
        ocr = Text("\n".join(lines[name]))
        for seg in sroie.segments(name):
            if not words(seg.text):
                continue
            n["answers"] += 1
            exact, fuzzy = match(seg.text, ocr, "exact"), match(seg.text, ocr, "fuzzy")
            n["exact"] += exact is not None
            n["fuzzy"] += fuzzy is not None
            if fuzzy is not None and exact is None:
                fuzzy_only.append((fuzzy[0], seg.text, fuzzy[1]))
            if re.search(r"\d", seg.text):
                changed = change_a_digit(seg.text, rng)
                if contains(truths[name], changed):
                    continue  # the changed text is in the receipt after all
                n["digit"] += 1
                n["digit_exact"] += match(changed, ocr, "exact") is not None
                if (found := match(changed, ocr, "fuzzy")) is not None:
                    n["digit_fuzzy"] += 1
                    digit_wrong.append((seg.text, changed, found[1]))
        for seg in sroie.segments(names[(k + 1) % len(names)]):
            if sum(map(len, words(seg.text))) < 4 or contains(truths[name], seg.text):
                continue
            n["other"] += 1
            n["other_exact"] += match(seg.text, ocr, "exact") is not None
            if (found := match(seg.text, ocr, "fuzzy")) is not None:
                n["other_fuzzy"] += 1
                other_wrong.append((found[0], seg.text, found[1]))

    print(f"{len(names)} receipts, {n['answers']} annotated segments as answers")
    print(f"grounded exactly: {share(n['exact'], n['answers'])}")
    print(
        f"grounded fuzzily: {share(n['fuzzy'], n['answers'])} "
        f"(+{n['fuzzy'] - n['exact']} over exact)"
    )
    if fuzzy_only:
        scores = [s for s, _, _ in fuzzy_only]
        print(
            f"  fuzzy-only scores: min {min(scores):.3f}, median "
            f"{statistics.median(scores):.3f}, max {max(scores):.3f}"
        )
        for score, answer, found in sorted(fuzzy_only)[: args.show]:
            print(f"    {score:.3f}  {answer!r} ~ {found!r}")
    print(
        f"one digit changed, not in the true text: {n['digit']} segments; grounded exactly "
        f"{share(n['digit_exact'], n['digit'])}, fuzzily {share(n['digit_fuzzy'], n['digit'])}"
    )
    for seg, changed, found in digit_wrong[: args.show]:
        print(f"    {seg!r} → {changed!r} ~ {found!r}")
    print(
        f"segments of another receipt, not in the true text: {n['other']}; grounded exactly "
        f"{share(n['other_exact'], n['other'])}, fuzzily {share(n['other_fuzzy'], n['other'])}"
    )
    edited = [w for w in other_wrong if not same_letters(w[1], w[2])]
    print(
        f"  of which differ in more than spacing, punctuation and confusables: "
        f"{share(len(edited), n['other'])}"
    )
    for score, answer, found in sorted(edited, reverse=True)[: args.show]:
        print(f"    {score:.3f}  {answer!r} ~ {found!r}")

    def rate(key: str, total: str) -> float:
        return n[key] / n[total] if n[total] else 0.0

    print(
        f"RESULT recall_fuzzy={rate('fuzzy', 'answers'):.4f} "
        f"recall_exact={rate('exact', 'answers'):.4f} "
        f"ratio={rate('fuzzy', 'answers') / max(rate('exact', 'answers'), 1e-9):.3f} "
        f"digit_false_fuzzy={rate('digit_fuzzy', 'digit'):.4f} "
        f"digit_false_exact={rate('digit_exact', 'digit'):.4f} "
        f"other_false_fuzzy={rate('other_fuzzy', 'other'):.4f} "
        f"other_false_exact={rate('other_exact', 'other'):.4f}"
    )


if __name__ == "__main__":
    main()
