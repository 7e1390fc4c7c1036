"""The default engine on the bundled sample set: corpus character and word error rates."""

from __future__ import annotations

import pytest

from llavar2.ocr import run_ocr, scan_images
from llavar2.ocr.quality import corpus_error_rates
from llavar2.records import OcrResult
from llavar2.samples import IMAGES_DIR, load_ground_truth


@pytest.mark.slow  # about 20 s: 30 images
def test_default_engine_on_the_sample_set(capsys):
    truth = load_ground_truth()
    records = [r for r in scan_images(IMAGES_DIR) if r.image in truth]
    assert len(records) == len(truth), "every ground-truth image is in the sample folder"
    results = list(run_ocr(records, IMAGES_DIR))
    assert all(isinstance(r, OcrResult) for r in results), [
        r for r in results if not isinstance(r, OcrResult)
    ]
    pairs = [(r.text, truth[r.image]) for r in results]
    cer, wer = corpus_error_rates(pairs)
    with capsys.disabled():
        print(f"\nsample set ({len(pairs)} images): CER {cer:.2%}, WER {wer:.2%}")
    # Whitespace runs (line breaks too) count as one space on both sides, so CER measures the
    # characters and their order; WER also catches words run together or split apart.
    assert cer <= 0.03
    assert wer <= 0.05
