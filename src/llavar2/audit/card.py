"""The dataset card, filled from an audit: ``OUT/croissant.json`` (Croissant 1.0 JSON-LD with
the Responsible-AI vocabulary, RAI 1.0) and ``OUT/dataset_card.md`` (in the style of the
LLaVAR-2 card: what it is, how it was made, its risks and limits)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from ..formatting import pct
from ..imaging import file_sha256
from ..jsonl import write_json_atomic
from ..layout import CAPTIONS, CONVERSATIONS, CROISSANT, DATASET_CARD
from .report_files import largest_text

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "samplingRate": "cr:samplingRate",
    "equivalentProperty": "cr:equivalentProperty",
}
CONFORMS_TO = ["http://mlcommons.org/croissant/1.0", "http://mlcommons.org/croissant/RAI/1.0"]
# The record files a card describes (JSON Lines), with the fields it declares of each: field
# name → the top-level key it is read from (a JSON Lines file is read as a table of columns).
RECORD_SETS = {
    CAPTIONS: (
        "captions",
        {
            "id": "id",
            "image": "image",
            "human_caption": "human_caption",
            "enriched_caption": "caption",
        },
    ),
    CONVERSATIONS: ("conversations", {"id": "id", "image": "image"}),
}


_NO_SKEW = "No skew beyond the audit's tolerances was found."
_NOT_COMPARED = (
    "No reference or target was given: representativeness was not measured, and "
    "no category is half or more of a dimension, nor any filter drop flagged."
)


def biases(audit: dict[str, Any]) -> list[str]:
    """Plain statements of the skews the audit measured."""
    out = []
    for dim, e in audit["dimensions"].items():
        vs = e.get("vs_reference") or e.get("vs_target")
        if vs and vs["misrepresented"] and vs["jsd"] is not None:
            listed = ", ".join(
                f"{m['category']} {m['status']}-represented "
                f"({pct(m['share'])} vs {pct(m['reference_share'])})"
                for m in vs["misrepresented"][:3]
            )
            more = len(vs["misrepresented"]) - 3
            out.append(
                f"{dim}: JSD {vs['jsd']:.3f} bits from the "
                f"{'reference' if 'vs_reference' in e else 'target'}; {listed}"
                + (f" and {more} more" if more > 0 else "")
                + "."
            )
        elif e["largest"] and e["largest"]["share"] >= 0.5 and len(e["shares"]) > 1:
            out.append(
                f"{dim}: {largest_text(e['largest'], ' is ')} of the {e['unit']}s"
                f" (effective number of categories "
                f"{e['effective_number']:.2f})."
            )
    for dim, f in (audit["filtering"] or {}).items():
        for category, g in f["groups"].items():
            if g["flagged"]:
                ratio = g["ratio_vs_rest"]
                out.append(
                    f"filtering by {dim}: {category} duos were dropped at "
                    f"{pct(g['rate'])}, "
                    + (
                        f"{ratio:.2f}× the rate of the rest."
                        if ratio is not None
                        else "while the rest lost none."
                    )
                )
    if audit["eval"]:
        for dim, s in audit["eval"]["by"].items():
            gap = s["largest_gap"]
            if gap:
                out.append(
                    f"model {audit['eval']['model']} by {dim}: {gap['low']} scores "
                    f"{gap['difference']:.3f} below {gap['high']} "
                    f"({audit['eval']['metric']})."
                )
    return out


def limitations(audit: dict[str, Any]) -> list[str]:
    dims = audit["dimensions"]
    langs = dims["language"]["shares"]
    return [
        "Questions, answers and enriched captions are generated from OCR text and the human "
        "caption; OCR misreads can reach them (the quality gate keeps flagged lines out).",
        "Language shares: "
        + ", ".join(f"{k} {pct(v)}" for k, v in sorted(langs.items(), key=lambda t: -t[1])[:5])
        + ".",
        "Identity-term counts use an English word list; other languages are not counted.",
    ]


def croissant(out: Path, audit: dict[str, Any], license: str | None = None) -> dict[str, Any]:
    pii = audit["personal_data"]
    distribution, record_sets = [], []
    for name, (set_name, fields) in RECORD_SETS.items():
        path = out / name
        if not path.is_file():
            continue
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": name,
                "name": name,
                "contentUrl": name,
                "encodingFormat": "application/jsonlines",
                "sha256": file_sha256(path),
            }
        )
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": set_name,
                "name": set_name,
                "field": [
                    {
                        "@type": "cr:Field",
                        "@id": f"{set_name}/{field}",
                        "name": field,
                        "dataType": "sc:Text",
                        "source": {"fileObject": {"@id": name}, "extract": {"column": column}},
                    }
                    for field, column in fields.items()
                ],
            }
        )
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": out.resolve().name,
        "version": "1.0.0",
        "datePublished": date.today().isoformat(),  # of this card
        **({"license": license} if license else {}),
        "description": (
            f"LLaVAR-2-style instruction data built with llavar2: {audit['images']} "
            f"text-rich images with enriched captions and {audit['duos']} duo "
            "conversations (an extractive question, then a self-explain question)."
        ),
        "distribution": distribution,
        "recordSet": record_sets,
        "rai:dataCollection": "Images and human captions supplied by the user; text read by "
        "OCR; captions and conversations generated from them.",
        "rai:hasSyntheticData": True,
        "rai:dataBiases": biases(audit) or [_NO_SKEW if audit["reference"] else _NOT_COMPARED],
        "rai:dataLimitations": limitations(audit),
        "rai:personalSensitiveInformation": (
            f"{pii['items_with_pii']} of {pii['items_scanned']} images' OCR text hold e-mail "
            "addresses, phone numbers or card-like numbers ("
            + (", ".join(f"{k}: {n}" for k, n in pii["matches"].items()) or "none")
            + "); listed, masked, in audit/audit.md for review."
        ),
        "rai:dataUseCases": "Instruction tuning and evaluation of vision-language models on "
        "text-rich images.",
        "rai:dataPreprocessingProtocol": [
            "OCR with a quality gate",
            "generation",
            "mIFD/FFD scoring and rule filters" if audit["filtered"] else "not filtered",
        ],
    }


def dataset_card(audit: dict[str, Any]) -> str:
    dims = audit["dimensions"]
    lines = [
        f"# Dataset card: {Path(audit['build']).name}",
        "",
        "## Summary",
        "",
        f"{audit['images']} text-rich images with human and detail-enriched captions and "
        f"{audit['duos']} duo conversations (an extractive question answered from the "
        "image's text, then a question asking the model to explain), built with llavar2 in "
        "the manner of LLaVAR-2.",
        "",
        "## Composition",
        "",
        "| dimension | largest share | effective number |",
        "|---|---|---|",
    ]
    for dim, e in dims.items():
        lines.append(f"| {dim} | {largest_text(e['largest'])} | {e['effective_number']:.2f} |")
    lines += ["", "## Data risks", "", "### Bias and representativeness", ""]
    lines += [f"- {b}" for b in biases(audit)] or [
        f"- {_NO_SKEW if audit['reference'] else _NOT_COMPARED}"
    ]
    lines += ["", "### Limitations", ""] + [f"- {x}" for x in limitations(audit)]
    pii = audit["personal_data"]
    lines += [
        "",
        "### Personal information",
        "",
        f"{pii['items_with_pii']} of {pii['items_scanned']} images' OCR text hold "
        "personal-data patterns (e-mail, phone, card-like numbers); see audit/audit.md.",
        "",
        "### Synthetic data",
        "",
        "Enriched captions, questions and answers are generated; the images and human "
        "captions are not.",
        "",
        "Full audit: [audit/audit.md](audit/audit.md); machine-readable card: "
        "[croissant.json](croissant.json).",
    ]
    return "\n".join(lines) + "\n"


def write_cards(out: Path, audit: dict[str, Any], license: str | None = None) -> None:
    write_json_atomic(out / CROISSANT, croissant(out, audit, license))
    (out / DATASET_CARD).write_text(dataset_card(audit), encoding="utf-8")
