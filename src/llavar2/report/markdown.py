"""report.md: the sections of the dataset report, each chart's PNG with the table of the values
it plots, and a side-by-side with a reference build when one is given."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from .. import layout
from .build_files import KNOWN_FILES, Build
from .charts import Chart
from .histograms import FixedBins, IntHistogram
from .stats import DatasetStats

THIS, REF = "this build", "reference"
STAGES = (
    "manifest rows",
    "images ingested",
    "images OCR'd",
    "captions",
    "images with duos",
    "duos generated",
    "duos kept at generation",
    "duos scored",
    "duos dropped by filter",
    "duos kept by filter",
    "images kept by filter",
)


class Writer:
    """Collects the Markdown lines and the charts they show."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.charts: list[Chart] = []

    def __call__(self, *lines: str) -> None:
        self.lines.extend(lines)

    def chart(self, chart: Chart) -> None:
        self.charts.append(chart)
        self(f"![{chart.title}](plots/{chart.name}.png)", "", *chart.table(), "")


def _pct(part: float, whole: float) -> float:
    return 100 * part / whole if whole else 0.0


def counts_chart(
    name: str,
    title: str,
    category: str,
    counts: Counter[str],
    unit: str,
    ref: Counter[str] | None = None,
) -> Chart:
    """Counts per label; with a reference, each side's shares in % so that sets of different
    sizes compare."""
    labels = sorted(set(counts) | set(ref or ()), key=lambda k: (-counts[k], k))
    if ref is None:
        return Chart(name, title, category, labels, {THIS: [counts[k] for k in labels]}, unit)
    n, n_ref = sum(counts.values()), sum(ref.values())
    return Chart(
        name,
        title,
        category,
        labels,
        {THIS: [_pct(counts[k], n) for k in labels], REF: [_pct(ref[k], n_ref) for k in labels]},
        f"% of {unit}",
        decimals=1,
    )


def length_chart(name: str, kind: str, hist: IntHistogram) -> Chart:
    bins = hist.bins()
    labels = [str(lo) if lo == hi else f"{lo}–{hi}" for lo, hi, _ in bins]
    return Chart(
        name,
        f"Length of each {kind} (words)",
        "words",
        labels,
        {THIS: [count for _, _, count in bins]},
        f"{kind}s",
    )


def fixed_bins_chart(
    name: str,
    title: str,
    category: str,
    hist: FixedBins,
    unit: str,
    decimals: int,
    scale: float = 1.0,
) -> Chart:
    """Bins [low, high); the last one also holds its upper end, or, when open, everything
    above its lower end."""
    first = min(hist.counts)  # leading empty bins are left out
    labels = []
    for i in range(first, hist.n_bins):
        low, high = (scale * edge for edge in hist.edges(i))
        last_open = hist.open_end and i == hist.n_bins - 1
        labels.append(
            f"≥ {low:.{decimals}f}" if last_open else f"{low:.{decimals}f}–{high:.{decimals}f}"
        )
    return Chart(
        name,
        title,
        category,
        labels,
        {THIS: [hist.counts[i] for i in range(first, hist.n_bins)]},
        unit,
    )


def _files(w: Writer, build: Build) -> None:
    w("## Files", "", "| file | present | made by |", "|---|---|---|")
    for name, maker in KNOWN_FILES.items():
        w(f"| {name} | {'yes' if build.present[name] else '**absent**'} | {maker} |")
    w("")
    missing = [name for name, here in build.present.items() if not here]
    if missing:
        w("Sections that need an absent file say so below.", "")


def _stages(
    w: Writer, s: DatasetStats, ref: DatasetStats | None, filtered: bool, scored: bool
) -> None:
    w("## Counts per stage", "")
    shown = [k for k in STAGES if (filtered or "filter" not in k) and (scored or "scored" not in k)]
    series: dict[str, list[float]] = {THIS: [s.stages[k] for k in shown]}
    if ref:
        series[REF] = [ref.stages[k] for k in shown]
    w.chart(Chart("stages", "Records per stage", "stage", shown, series, "records"))
    w(
        f"OCR lines: {s.stages['OCR lines']}"
        + (f" (reference: {ref.stages['OCR lines']})" if ref else "")
        + f", {s.stages['OCR lines flagged']} flagged by the quality gate, never quoted"
        + (f" (reference: {ref.stages['OCR lines flagged']})" if ref else "")
        + ".",
        "",
    )


def _rejects_and_drops(w: Writer, s: DatasetStats, ref: DatasetStats | None, build: Build) -> None:
    w("## Rejected inputs", "")
    if not build.present[layout.REJECTS]:
        w("rejects.jsonl is absent: no rejects are known.", "")
    elif not s.rejects:
        w("No input was rejected.", "")
    else:
        w(f"{sum(s.rejects.values())} rejects, by stage and reason:", "")
        w.chart(
            counts_chart(
                "rejects",
                "Rejects by stage and reason",
                "stage: reason",
                s.rejects,
                "rejects",
                ref.rejects if ref else None,
            )
        )
    w("## Dropped duo conversations", "")
    if not build.filtered:
        w(
            "kept.jsonl / dropped.jsonl are absent (run `llavar2 filter`): only the drops made "
            "while generating are counted.",
            "",
        )
    if not s.drops:
        w("No duo conversation was dropped.", "")
    else:
        w(f"{sum(s.drops.values())} duo conversations dropped, by step and reason:", "")
        w.chart(
            counts_chart(
                "drops",
                "Dropped duos by step and reason",
                "step: reason",
                s.drops,
                "dropped duos",
                ref.drops if ref else None,
            )
        )


def _lengths(w: Writer, s: DatasetStats, ref: DatasetStats | None) -> None:
    w("## Lengths (words)", "")
    cols = ["n", "mean", "median", "p90", "max"]
    head = " | ".join(cols + ([f"{c} (ref)" for c in cols] if ref else []))
    w(f"| text | {head} |", "|---|" + "---:|" * (len(cols) * (2 if ref else 1)))

    def summary(h: IntHistogram) -> list[str]:
        if not h.n:
            return ["0", "–", "–", "–", "–"]
        return [
            str(h.n),
            f"{h.mean():.1f}",
            str(h.quantile(0.5)),
            str(h.quantile(0.9)),
            str(max(h.counts)),
        ]

    for kind, hist in s.lengths.items():
        cells = summary(hist) + (summary(ref.lengths[kind]) if ref else [])
        w(f"| {kind} | " + " | ".join(cells) + " |")
    w("")
    for kind, hist in s.lengths.items():
        if hist.n:
            w.chart(length_chart("length-" + kind.replace(" ", "-"), kind, hist))


def _types(w: Writer, s: DatasetStats, ref: DatasetStats | None, filtered: bool) -> None:
    w("## Question and answer types", "")
    if not s.qtypes:
        w("conversations.jsonl is absent or empty: no duo conversations to count.", "")
        return
    w("Question types as the generator labelled them (`qtype`):", "")
    w.chart(
        counts_chart(
            "qtypes", "Question types", "qtype", s.qtypes, "duos", ref.qtypes if ref else None
        )
    )
    if filtered:
        w("Question types of the duos `llavar2 filter` kept:", "")
        w.chart(
            counts_chart(
                "qtypes-kept",
                "Question types (kept duos)",
                "qtype",
                s.kept_qtypes,
                "kept duos",
                ref.kept_qtypes if ref else None,
            )
        )
    w(
        "Answer types: the kind of the one typed span (number, date, price, URL, e-mail, phone, "
        "time, percentage) that is at least half the extractive answer, yes/no, else text:",
        "",
    )
    w.chart(
        counts_chart(
            "answer-types",
            "Answer types",
            "answer type",
            s.answer_types,
            "duos",
            ref.answer_types if ref else None,
        )
    )


def _ocr(w: Writer, s: DatasetStats, ref: DatasetStats | None) -> None:
    w("## OCR", "")
    if not s.stages["images OCR'd"]:
        w("ocr.jsonl is absent or empty.", "")
        return
    w(
        "Coverage: the share of an image's OCR words (with repeats) that its caption mentions "
        "anywhere. Over all words:",
        "",
    )
    w(
        "| caption | OCR words | mentioned | coverage |" + (" reference coverage |" if ref else ""),
        "|---|---:|---:|---:|" + ("---:|" if ref else ""),
    )

    def share(st: DatasetStats, kind: str) -> str:
        return f"{_pct(st.coverage_words[kind], st.coverage_words[f'OCR ({kind})']):.1f} %"

    for kind in s.coverage:
        w(
            f"| {kind} | {s.coverage_words[f'OCR ({kind})']} | {s.coverage_words[kind]} | "
            f"{share(s, kind)} |" + (f" {share(ref, kind)} |" if ref else "")
        )
    w("", f"{s.no_ocr_text} images have no OCR words and no coverage share.", "")
    for kind, hist in s.coverage.items():
        if hist.n:
            w.chart(
                fixed_bins_chart(
                    "coverage-" + kind.replace(" ", "-"),
                    f"OCR coverage per image ({kind})",
                    "coverage (%)",
                    hist,
                    "images",
                    0,
                    scale=100,
                )
            )
    conf = s.confidence
    if conf.n:
        w(
            f"OCR confidence: {conf.n} lines, mean {conf.mean():.3f}"
            + (f" (reference: {ref.confidence.mean():.3f})" if ref and ref.confidence.n else "")
            + ".",
            "",
        )
        w.chart(
            fixed_bins_chart(
                "ocr-confidence", "OCR line confidence", "confidence", conf, "OCR lines", 2
            )
        )


def _sources(w: Writer, s: DatasetStats, ref: DatasetStats | None) -> None:
    w("## Sources and domains", "")
    if not s.sources:
        w(
            "The manifest has no source/domain column (looked for: "
            + ", ".join(f"`{c}`" for c in ("source", "domain", "dataset", "kind", "category"))
            + ").",
            "",
        )
    for column, counts in s.sources.items():
        w(f"Images by manifest column `{column}`:", "")
        w.chart(
            counts_chart(
                f"source-{column}",
                f"Images by {column}",
                column,
                counts,
                "images",
                ref.sources.get(column, Counter()) if ref else None,
            )
        )


def _languages(w: Writer, s: DatasetStats, ref: DatasetStats | None) -> None:
    w(
        "## Languages",
        "",
        "By script; generated Latin-script texts of 8+ words also by their share of common "
        "English words, as the `language` filter judges (OCR text, often a few names and "
        "numbers, by script alone):",
        "",
    )
    for kind, counts in s.languages.items():
        if counts:
            w.chart(
                counts_chart(
                    "language-" + kind.replace(" ", "-").lower(),
                    f"Language of each {kind}",
                    "language",
                    counts,
                    "texts",
                    ref.languages[kind] if ref else None,
                )
            )


def _duplicates(w: Writer, s: DatasetStats, ref: DatasetStats | None) -> None:
    w(
        "## Duplicates",
        "",
        "Texts that repeat an earlier one word for word (case and "
        "punctuation ignored). Duplicate images are rejected at ingest (`duplicate_image` above); "
        "the filter's `exact_duplicate` / `near_duplicate` drops are counted above.",
        "",
    )
    w(
        "| text | n | repeats | share |" + (" reference share |" if ref else ""),
        "|---|---:|---:|---:|" + ("---:|" if ref else ""),
    )
    for kind, d in s.duplicates.items():
        other = ref.duplicates[kind] if ref else None
        w(
            f"| {kind} | {d.n} | {d.repeats} | {_pct(d.repeats, d.n):.1f} % |"
            + (f" {_pct(other.repeats, other.n):.1f} % |" if other else "")
        )
    w("")


def _scores(w: Writer, s: DatasetStats, build: Build) -> None:
    w("## Scores (mIFD, FFD)", "")
    if not build.present[layout.SCORES]:
        w("scores.jsonl is absent (run `llavar2 score`).", "")
        return
    for name, hist in s.scores.items():
        w(
            f"{name}: {hist.n} duos scored"
            + (f", mean {hist.mean():.3f}" if hist.n else "")
            + f"; {s.unscorable[name]} unscorable.",
            "",
        )
        if hist.n:
            w.chart(fixed_bins_chart(f"score-{name}", f"{name} per duo", name, hist, "duos", 1))
    if s.unscorable_terms:
        w("| unscorable term: reason | duos |", "|---|---:|")
        for key, n in sorted(s.unscorable_terms.items()):
            w(f"| {key} | {n} |")
        w("")


def _human_eval(w: Writer, build: Build) -> None:
    """The human-eval reports of this build (``llavar2 human-eval analyze`` lists them in
    ``human_eval.json``), linked with their headline figures."""
    path = build.out / layout.HUMAN_EVAL_LINKS
    if not path.is_file():
        return
    w(
        "## Human evaluation",
        "",
        "| report | raters | duo tasks | acceptable | weighted | alpha (correctness) |",
        "|---|---|---:|---:|---:|---:|",
    )

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.1f}%"

    for e in json.loads(path.read_text(encoding="utf-8")).get("reports", []):
        link = os.path.relpath(e["report"], build.out / "report")
        alpha = "–" if e.get("alpha_correctness") is None else f"{e['alpha_correctness']:.3f}"
        w(
            f"| [{link}]({link}) | {', '.join(e['raters'])} | {e['duo_tasks']} | "
            f"{pct(e['acceptable'])} | {pct(e['acceptable_weighted'])} | {alpha} |"
        )
    w("")


def sections(
    build: Build, s: DatasetStats, ref: DatasetStats | None, ref_path: Path | None
) -> Writer:
    w = Writer()
    w(f"# Dataset report: {build.out.name}", "")
    w(
        f"Build folder: `{build.out}`" + (f"; reference: `{ref_path}`" if ref_path else "") + ".",
        "Each chart is followed by the table of the values it plots"
        + ("; with a reference, categories are compared as shares (%)." if ref else "."),
        "",
        "Browse the images: [browser/index.html](browser/index.html).",
        "",
    )
    _files(w, build)
    _stages(w, s, ref, build.filtered, build.present[layout.SCORES])
    _rejects_and_drops(w, s, ref, build)
    _lengths(w, s, ref)
    _types(w, s, ref, build.filtered)
    _ocr(w, s, ref)
    _sources(w, s, ref)
    _languages(w, s, ref)
    _duplicates(w, s, ref)
    _scores(w, s, build)
    _human_eval(w, build)
    return w
