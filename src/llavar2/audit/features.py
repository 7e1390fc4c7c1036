"""The categories an audit counts, per image and per duo conversation.

Per image: where it comes from (the manifest's ``source``/``domain``/``dataset`` column), its
kind (the manifest's ``kind``/``category`` column, else how much of it OCR found covered by
text), the script and the language of its OCR text, its text density (OCR words) and its
resolution (the shorter side, in the bands vision encoders resize to). Per duo: the question
type, the answer's type and its length in words. Numbers are binned, so that every dimension is
a distribution over a few named categories that two builds share.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from ..records import DuoConversation, ImageRecord, OcrResult
from ..report.texts import answer_type, language, n_words

DUO_DIMENSIONS = ("qtype", "answer_type", "answer_length")
SOURCE_KEYS = ("source", "domain", "dataset")
KIND_KEYS = ("kind", "category")
UNSPECIFIED = "unspecified"
NOT_OCRD = "not OCR'd"
# Shares of the image area under OCR boxes: a page of text, text in a scene, a little text.
KIND_BY_COVERAGE = (
    (0.15, "text-dense (derived)"),
    (0.02, "text in scene (derived)"),
    (0.0, "little text (derived)"),
)
# (exclusive upper edge, name); above the last edge: the function's ``last``.
DENSITY_BANDS = ((1, "no text"), (10, "1-9 words"), (50, "10-49 words"), (200, "50-199 words"))
RESOLUTION_BANDS = (
    (224, "<224 px"),
    (448, "224-447 px"),
    (896, "448-895 px"),
    (1792, "896-1791 px"),
)
LENGTH_BANDS = ((1, "no words"), (2, "1 word"), (4, "2-3 words"), (8, "4-7 words"))
MIN_LANGUAGE_LETTERS = 8  # fewer: the identifier guesses (letters, not words: CJK has no spaces)
MIN_LANGUAGE_CONFIDENCE = 0.5


def _meta(image: ImageRecord, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = image.meta.get(key)
        if value not in (None, ""):
            return str(value)
    return None


def _band(value: float, bands: tuple[tuple[float, str], ...], last: str) -> str:
    return next((name for edge, name in bands if value < edge), last)


def _box_area(box: list[list[float]]) -> float:
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    return (max(xs) - min(xs)) * (max(ys) - min(ys))


def _derived_kind(ocr: OcrResult | None) -> str:
    if ocr is None:
        return NOT_OCRD
    if not ocr.lines:
        return "no text (derived)"
    share = sum(_box_area(line.box) for line in ocr.lines) / max(1, ocr.width * ocr.height)
    return next(name for edge, name in KIND_BY_COVERAGE if share >= edge)


@cache
def _identifier() -> Any:
    # py3langid's model ships in its wheel; loaded once, on first use (about 1 s).
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language, or why there is none ("no text", "too short",
    "uncertain")."""
    letters = sum(c.isalpha() for c in text)
    if letters == 0:
        return "no text"
    if letters < MIN_LANGUAGE_LETTERS:
        return "too short"
    # Lower case, one line: the model is trained on running text, and OCR of signs and
    # posters is upper case in short lines (on the demo set, 27 of 30 images identified
    # with confidence instead of 16).
    code, confidence = _identifier().classify(" ".join(text.lower().split()))
    return str(code) if confidence >= MIN_LANGUAGE_CONFIDENCE else "uncertain"


def _resolution(image: ImageRecord) -> str:
    if not (image.width and image.height):
        return "unknown"
    return _band(min(image.width, image.height), RESOLUTION_BANDS, ">=1792 px")


def _of_text(measure: Callable[[str], str]) -> Callable[[ImageRecord, OcrResult | None], str]:
    # Every line, flagged ones too: the quality gate flags lines of another script than the
    # build's, and those are what a script or language skew is made of.
    return lambda image, ocr: measure(ocr.text) if ocr else NOT_OCRD


# Dimension → its category of an image (one at a time: a balanced export needs one only).
IMAGE_FEATURES: dict[str, Callable[[ImageRecord, OcrResult | None], str]] = {
    "source": lambda image, ocr: _meta(image, SOURCE_KEYS) or UNSPECIFIED,
    "kind": lambda image, ocr: _meta(image, KIND_KEYS) or _derived_kind(ocr),
    "script": _of_text(lambda text: language(text, by_words=False)),
    "language": _of_text(identify_language),
    "text_density": _of_text(lambda text: _band(n_words(text), DENSITY_BANDS, "200+ words")),
    "resolution": lambda image, ocr: _resolution(image),
}
IMAGE_DIMENSIONS = tuple(IMAGE_FEATURES)


def image_features(image: ImageRecord, ocr: OcrResult | None) -> dict[str, str]:
    return {dim: feature(image, ocr) for dim, feature in IMAGE_FEATURES.items()}


def duo_features(duo: DuoConversation) -> dict[str, str]:
    answer = duo.extractive.answer
    return {
        "qtype": duo.qtype,
        "answer_type": answer_type(answer),
        "answer_length": _band(n_words(answer), LENGTH_BANDS, "8+ words"),
    }
