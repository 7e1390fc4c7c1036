"""``llavar2 report`` on a real scored and filtered build: report.md names every number each
chart plots (each table recomputed here from the build's files), every chart is a PNG, and a
reference build is compared side by side in shares."""

import re
import unicodedata
from collections import Counter

import pytest
from PIL import Image
from typer.testing import CliRunner

from llavar2.cli import app
from llavar2.jsonl import read_jsonl
from llavar2.text.common_english import COMMON_ENGLISH
from llavar2.text.entities import find_entities

pytestmark = pytest.mark.slow  # the scored build they share takes ~25 s here
runner = CliRunner()
CHART = re.compile(r"^!\[[^\]]*\]\(plots/([\w-]+)\.png\)$")


def charts_of(markdown: str) -> dict[str, list[list[str]]]:
    """Chart name → the cells of the table under its image (header rows left out)."""
    lines, charts = markdown.splitlines(), {}
    for i, line in enumerate(lines):
        if m := CHART.match(line):
            rows = []
            for row in lines[i + 4 :]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip("|").split("|")])
            charts[m.group(1)] = rows
    return charts


def words(text):
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def in_bin(label, value, last):
    """Whether ``value`` is in the bin labelled "a–b", "≥ a" or "a": word counts (ints) include
    both ends; other bins are [a, b), the last one also holding b."""
    if label.startswith("≥ "):
        return value >= float(label[2:])
    if "–" not in label:
        return value == int(label)
    low, high = (float(x) for x in label.split("–"))
    if isinstance(value, int):
        return low <= value <= high
    return low <= value < high or (last and value == high)


def binned(rows, values):
    counts = [sum(in_bin(r[0], v, i == len(rows) - 1) for v in values) for i, r in enumerate(rows)]
    assert sum(counts) == len(values)  # the bins cover every value
    return {r[0]: str(c) for r, c in zip(rows, counts)}


def answer_type(answer):
    a = answer.strip()
    if a.casefold().rstrip(".!") in ("yes", "no"):
        return "yes/no"
    spans = find_entities(a)
    return spans[0].kind if len(spans) == 1 and 2 * len(spans[0].text) >= len(a) else "text"


def language(text, by_words=True):
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "no letters"
    scripts = Counter(unicodedata.name(c, "UNKNOWN").split(" ")[0] for c in letters)
    script = max(scripts, key=lambda s: (scripts[s], s))
    if script != "LATIN" or not by_words:
        return f"{script.capitalize()}-script"
    w = words(text)
    if len(w) >= 8 and sum(t in COMMON_ENGLISH for t in w) / len(w) < 0.2:
        return "other Latin-script"
    return "English"


def as_table(counter):
    return {k: str(v) for k, v in counter.items()}


def table(rows):
    return {r[0]: r[1] for r in rows}


@pytest.fixture(scope="module")
def report(build):
    result = runner.invoke(app, ["report", str(build), "--no-progress"])
    assert result.exit_code == 0, result.output
    return (build / "report" / "report.md").read_text()


def test_every_chart_is_a_png_named_in_the_markdown(build, report):
    charts = charts_of(report)
    plots = build / "report" / "plots"
    assert {p.stem for p in plots.iterdir()} == set(charts)
    for name in charts:
        path = plots / f"{name}.png"
        assert path.stat().st_size > 0
        with Image.open(path) as im:
            assert im.format == "PNG" and im.width > 100 and im.height > 100
            im.verify()
    for name in (
        "stages",
        "rejects",
        "drops",
        "qtypes",
        "qtypes-kept",
        "answer-types",
        "ocr-confidence",
        "source-kind",
        "score-mifd",
        "score-ffd",
        "coverage-enriched-caption",
        "length-question",
        "language-question",
    ):
        assert name in charts


def test_each_plotted_number_is_in_the_markdown(build, report):
    charts = {name: table(rows) for name, rows in charts_of(report).items()}
    raw = charts_of(report)
    images = list(read_jsonl(build / "images.jsonl"))
    ocr = list(read_jsonl(build / "ocr.jsonl"))
    captions = list(read_jsonl(build / "captions.jsonl"))
    convs = list(read_jsonl(build / "conversations.jsonl"))
    scores = list(read_jsonl(build / "scores.jsonl"))
    dropped = list(read_jsonl(build / "dropped.jsonl"))
    kept = list(read_jsonl(build / "kept.jsonl"))
    rejects = list(read_jsonl(build / "rejects.jsonl"))
    duos = [d for c in convs for d in c["duos"]]
    assert dropped and kept and rejects  # the build has every kind of record

    n_ingest_rejects = sum(r["stage"] == "ingest" for r in rejects)
    assert charts["stages"] == as_table(
        {
            "manifest rows": len(images) + n_ingest_rejects,
            "images ingested": len(images),
            "images OCR'd": len(ocr),
            "captions": len(captions),
            "images with duos": len(convs),
            "duos generated": sum(len(c["duos"]) + len(c["dropped"]) for c in convs),
            "duos kept at generation": len(duos),
            "duos scored": len(scores),
            "duos dropped by filter": len(dropped),
            "duos kept by filter": sum(len(c["duos"]) for c in kept),
            "images kept by filter": len(kept),
        }
    )
    assert charts["rejects"] == as_table(Counter(f"{r['stage']}: {r['reason']}" for r in rejects))
    assert charts["drops"] == as_table(
        Counter(f"{d['step']}: {d['reason']}" for d in dropped)
        + Counter(f"generation: {d['reason']}" for c in convs for d in c["dropped"])
    )
    assert charts["qtypes"] == as_table(Counter(d["qtype"] for d in duos))
    assert charts["qtypes-kept"] == as_table(Counter(d["qtype"] for c in kept for d in c["duos"]))
    assert charts["answer-types"] == as_table(
        Counter(answer_type(d["extractive"]["answer"]) for d in duos)
    )
    assert charts["source-kind"] == as_table(Counter(i["meta"]["kind"] for i in images))
    assert charts["language-ocr-text"] == as_table(
        Counter(language(o["text"], by_words=False) for o in ocr)
    )
    assert charts["language-question"] == as_table(
        Counter(language(d["extractive"]["question"]) for d in duos)
    )

    lengths = {
        "human-caption": [c["human_caption"] for c in captions],
        "enriched-caption": [c["caption"] for c in captions],
        "question": [d["extractive"]["question"] for d in duos],
        "answer": [d["extractive"]["answer"] for d in duos],
        "explanation": [d["self_explain"]["answer"] for d in duos],
    }
    for kind, texts in lengths.items():
        rows = raw[f"length-{kind}"]
        assert charts[f"length-{kind}"] == binned(rows, [len(words(t)) for t in texts])

    confidences = [line["score"] for o in ocr for line in o["lines"]]
    assert charts["ocr-confidence"] == binned(raw["ocr-confidence"], confidences)
    shares = []
    for o, c in zip(ocr, captions):
        mentioned, tokens = set(words(c["caption"])), words(o["text"])
        shares.append(100 * sum(t in mentioned for t in tokens) / len(tokens))
    assert charts["coverage-enriched-caption"] == binned(raw["coverage-enriched-caption"], shares)
    for name in ("mifd", "ffd"):
        values = [s[name] for s in scores if s[name] is not None]
        assert charts[f"score-{name}"] == binned(raw[f"score-{name}"], values)


def test_absent_files_are_named(tmp_path, build):
    out = tmp_path / "partial"
    out.mkdir()
    for name in ("images.jsonl", "ocr.jsonl", "captions.jsonl", "build.json"):
        (out / name).write_bytes((build / name).read_bytes())
    result = runner.invoke(app, ["report", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    md = (out / "report" / "report.md").read_text()
    for name in ("conversations.jsonl", "scores.jsonl", "kept.jsonl", "rejects.jsonl"):
        assert f"| {name} | **absent** |" in md
    assert "scores.jsonl is absent" in md and "rejects.jsonl is absent" in md
    assert "qtypes" not in charts_of(md)


def test_not_a_build_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path), "--no-progress"])
    assert result.exit_code == 2 and "not a build folder" in " ".join(result.output.split())


def test_reference_side_by_side_in_shares(tmp_path, build, reference):
    result = runner.invoke(
        app, ["report", str(build), "--reference", str(reference), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    raw = charts_of((build / "report" / "report.md").read_text())

    def shares(path, key):
        counts = Counter(key(r) for r in read_jsonl(path))
        total = sum(counts.values())
        return {k: 100 * v / total for k, v in counts.items()}

    for chart, name, key in (
        ("source-kind", "images.jsonl", lambda r: r["meta"]["kind"]),
        ("language-ocr-text", "ocr.jsonl", lambda r: language(r["text"], by_words=False)),
    ):
        this, ref = shares(build / name, key), shares(reference / name, key)
        got = {r[0]: (r[1], r[2]) for r in raw[chart]}
        assert got == {
            k: (f"{this.get(k, 0):.1f}", f"{ref.get(k, 0):.1f}") for k in set(this) | set(ref)
        }
    qtypes = {}
    for side, out in (("this", build), ("ref", reference)):
        counts = Counter(
            d["qtype"] for c in read_jsonl(out / "conversations.jsonl") for d in c["duos"]
        )
        qtypes[side] = {k: 100 * v / sum(counts.values()) for k, v in counts.items()}
    got = {r[0]: (r[1], r[2]) for r in raw["qtypes"]}
    assert got == {
        k: (f"{qtypes['this'].get(k, 0):.1f}", f"{qtypes['ref'].get(k, 0):.1f}")
        for k in set(qtypes["this"]) | set(qtypes["ref"])
    }
    images = sum(1 for _ in read_jsonl(reference / "images.jsonl"))
    stages = {r[0]: r[2] for r in raw["stages"]}
    assert stages["images ingested"] == str(images)
