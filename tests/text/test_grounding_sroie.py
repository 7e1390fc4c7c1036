"""Fuzzy grounding on real receipt text (ICDAR 2019 SROIE, ``llavar2.testing.sroie``; skipped
when the receipts are not there): the annotated segments stand for answers and the receipt's
true text for the OCR text. ``benchmarks/grounding_sroie.py`` does the same against what
RapidOCR read."""

import random
import re

import pytest

from llavar2.testing import sroie
from llavar2.text.grounding import Text, match
from llavar2.text.words import contains, words

NAMES = sroie.receipts() if (sroie.sroie_dir() / "img").is_dir() else []
pytestmark = pytest.mark.skipif(not NAMES, reason="the SROIE receipts are not here")


def test_a_segment_with_one_digit_changed_is_never_grounded():
    rng = random.Random(0)
    checked = 0
    for name in NAMES:
        truth = sroie.reference_text(name)
        text = Text(truth)
        for seg in sroie.segments(name):
            if not words(seg.text):
                continue
            assert match(seg.text, text) == (1.0, match(seg.text, text, "exact")[1])
            digits = [m.start() for m in re.finditer(r"\d", seg.text)]
            if not digits:
                continue
            at = rng.choice(digits)
            changed = (
                seg.text[:at]
                + rng.choice([d for d in "0123456789" if d != seg.text[at]])
                + seg.text[at + 1 :]
            )
            if contains(truth, changed):
                continue  # the changed text is on the receipt after all
            checked += 1
            assert match(changed, text) is None, (name, seg.text, changed)
    assert checked > 1000
