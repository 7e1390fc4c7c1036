"""The categories the audit counts: from the manifest when it names them, else derived from the
OCR result (text coverage, script, language, words) and the image size, in fixed bands."""

import pytest

from llavar2.audit.features import duo_features, identify_language, image_features
from llavar2.records import QA, DuoConversation, ImageRecord, OcrLine, OcrResult


def image(width=1000, height=800, **meta):
    return ImageRecord(
        id="a",
        image="a.png",
        caption="c",
        row=0,
        sha256="0" * 64,
        width=width,
        height=height,
        format="PNG",
        meta=meta,
    )


def ocr(lines, width=1000, height=800):
    return OcrResult(
        id="a",
        image="a.png",
        engine="test",
        width=width,
        height=height,
        lines=lines,
        text="\n".join(line.text for line in lines),
    )


def line(text, w, h, flags=()):
    return OcrLine(text=text, box=[[0, 0], [w, 0], [w, h], [0, h]], score=0.99, flags=list(flags))


def test_the_manifest_names_source_and_kind():
    f = image_features(image(source="flickr", kind="poster"), None)
    assert (f["source"], f["kind"]) == ("flickr", "poster")
    assert f["language"] == f["script"] == f["text_density"] == "not OCR'd"
    assert image_features(image(dataset="sroie", category="receipt"), None)["source"] == "sroie"
    assert image_features(image(), None)["source"] == "unspecified"


@pytest.mark.parametrize(
    "area,kind",
    [
        (0.20, "text-dense (derived)"),
        (0.05, "text in scene (derived)"),
        (0.001, "little text (derived)"),
    ],
)
def test_without_a_kind_column_the_kind_comes_from_text_coverage(area, kind):
    side = (area * 1000 * 800) ** 0.5
    assert image_features(image(), ocr([line("SALE", side, side)]))["kind"] == kind
    assert image_features(image(), ocr([]))["kind"] == "no text (derived)"


def test_script_language_and_density_read_every_line_flagged_ones_too():
    english = "The museum is open every day from nine in the morning until five"
    f = image_features(
        image(), ocr([line(english, 10, 10), line("ЗАКРЫТО на ремонт", 10, 10, ["other_script"])])
    )
    assert (f["script"], f["language"], f["text_density"]) == ("Latin-script", "en", "10-49 words")
    # A page the gate flagged whole for its script is still a Cyrillic, Russian page.
    russian = "Музей открыт каждый день с девяти утра до пяти вечера"
    f = image_features(image(), ocr([line(russian, 10, 10, ["other_script"])]))
    assert (f["script"], f["language"]) == ("Cyrillic-script", "ru")
    assert identify_language("Le musée est ouvert tous les jours de neuf heures à cinq") == "fr"
    assert identify_language("营业时间上午九点到下午五点") == "zh"  # letters, not words, count
    assert identify_language("SALE") == "too short"
    assert identify_language("12.50") == "no text"
    assert image_features(image(), None)["kind"] == "not OCR'd"


@pytest.mark.parametrize(
    "short,band", [(223, "<224 px"), (224, "224-447 px"), (895, "448-895 px"), (1792, ">=1792 px")]
)
def test_resolution_bands_are_of_the_shorter_side(short, band):
    assert image_features(image(width=3000, height=short), None)["resolution"] == band


@pytest.mark.parametrize(
    "answer,kind,length",
    [
        ("OPEN", "text", "1 word"),
        ("$25", "price", "1 word"),
        ("The Old Man and the Sea", "text", "4-7 words"),
    ],
)
def test_duo_categories(answer, kind, length):
    duo = DuoConversation(
        qtype="top_line",
        extractive=QA(question="q", answer=answer),
        self_explain=QA(question="why", answer="because"),
        evidence=[0],
    )
    assert duo_features(duo) == {"qtype": "top_line", "answer_type": kind, "answer_length": length}
