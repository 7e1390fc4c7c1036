"""llavar2 filter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from ..layout import DROPPED, FILTER_REPORT, KEPT, SCORES
from . import options as opt
from .common import checked_settings, comma_list, console, print_table, usage_error, usage_errors
from .late import Defaults, Late, LateHelp, attribute, described, field_default, late

if TYPE_CHECKING:
    from ..filter.config import ScoreName

FILTER = Defaults("llavar2.filter.config:FilterConfig")
SELECTION = Defaults("llavar2.filter.config:ScoreSelection")
RULES_PANEL = "Rule filters"
SCORES_PANEL = "Score selection (needs OUT/scores.jsonl)"


def _rule(name: str, parameter: str) -> Any:
    """The default of a filter rule's parameter (a field of the rule's class)."""
    return Late(lambda: field_default(attribute("llavar2.filter.rules:RULES").get(name), parameter))


def _selection(name: str) -> Any:
    """The default of a score selection setting, as the option is written ("none": unset)."""

    def text() -> str:
        value = getattr(SELECTION, name)()
        return "none" if value is None else f"{value:g}" if isinstance(value, float) else value

    return Late(text)


def _limit(option: str, value: str) -> float | None:
    """A score threshold: a number, or "none" for no threshold."""
    if value.strip().lower() == "none":
        return None
    try:
        return float(value)
    except ValueError:
        raise usage_error(f"{option} {value!r}: give a number or none") from None


def _rules(help: str | None = None, **settings: Any) -> Any:
    return typer.Option(help=help, rich_help_panel=RULES_PANEL, **settings)


def _scores(help: str, *names: str, **settings: Any) -> Any:
    return typer.Option(*names, help=help, rich_help_panel=SCORES_PANEL, **settings)


def filter(
    out: Annotated[Path, typer.Argument(help="A build folder.")],
    rules: Annotated[
        str,
        _rules(
            LateHelp(
                "Rule filters to apply, in order (the first that fires gives the reason): {}.",
                described("llavar2.filter.rules:RULES"),
            )
        ),
    ] = late(lambda: ",".join(FILTER.rules())),
    min_question_words: Annotated[int, _rules(min=0)] = _rule("length", "min_question_words"),
    min_explanation_words: Annotated[int, _rules(min=0)] = _rule("length", "min_explanation_words"),
    max_answer_words: Annotated[int, _rules("Longest extractive answer.", min=1)] = _rule(
        "length", "max_answer_words"
    ),
    max_turn_words: Annotated[int, _rules(min=1)] = _rule("length", "max_turn_words"),
    near_dup_threshold: Annotated[
        float,
        _rules(
            "Estimated Jaccard similarity (word shingles) at which a duo is a near duplicate of "
            "an earlier one.",
            min=0.01,
            max=1.0,
        ),
    ] = _rule("near_duplicate", "threshold"),
    shingle: Annotated[int, _rules("Words per shingle.", min=1)] = _rule(
        "near_duplicate", "shingle"
    ),
    num_perm: Annotated[int, _rules("MinHash permutations.", min=1)] = _rule(
        "near_duplicate", "num_perm"
    ),
    seed: Annotated[int, _rules("MinHash seed.")] = _rule("near_duplicate", "seed"),
    min_latin: Annotated[float, _rules("Least share of Latin letters.", min=0, max=1)] = _rule(
        "language", "min_latin"
    ),
    min_common_share: Annotated[
        float,
        _rules("Least share of common English words (texts of 8+ words).", min=0, max=1),
    ] = _rule("language", "min_common_share"),
    grounding: Annotated[str, opt.grounding(RULES_PANEL)] = _rule("grounding", "mode"),
    grounding_min_score: Annotated[float, opt.grounding_min_score(RULES_PANEL)] = _rule(
        "grounding", "min_score"
    ),
    mifd_max: Annotated[str, _scores("Drop mIFD above this (none: no threshold).")] = _selection(
        "mifd_max"
    ),
    ffd_max: Annotated[str, _scores("Drop FFD above this (none: no threshold).")] = _selection(
        "ffd_max"
    ),
    ifd_max: Annotated[str, _scores("Drop IFD above this.")] = _selection("ifd_max"),
    vfd_max: Annotated[str, _scores("Drop VFD above this.")] = _selection("vfd_max"),
    top_k: Annotated[int | None, _scores("Then keep the best N.", min=0)] = None,
    top_fraction: Annotated[
        float | None, _scores("Then keep the best fraction, in (0, 1] (rounded down).")
    ] = None,
    rank_by: Annotated[
        str,
        _scores(
            "Score that ranks for --top-k / --top-fraction (mifd, ffd, ifd or vfd; lower is "
            "better)."
        ),
    ] = _selection("rank_by"),
    keep_unscorable: Annotated[
        bool, _scores("Keep duos whose needed score is None.", "--keep-unscorable")
    ] = False,
    progress: opt.Progress = True,
) -> None:
    """Rule filters, then score thresholds, then top-k: OUT/kept.jsonl, OUT/dropped.jsonl
    (each dropped duo with its reason) and OUT/filter_report.json."""
    from ..filter.config import FilterConfig, ScoreSelection
    from ..filter.stage import run

    if not out.is_dir():
        raise usage_error(f"{out} is not a folder")
    with checked_settings(as_options=False):
        cfg = FilterConfig(
            rules=comma_list(rules),
            rule_params={
                "length": {
                    "min_question_words": min_question_words,
                    "min_explanation_words": min_explanation_words,
                    "max_answer_words": max_answer_words,
                    "max_turn_words": max_turn_words,
                },
                "near_duplicate": {
                    "threshold": near_dup_threshold,
                    "shingle": shingle,
                    "num_perm": num_perm,
                    "seed": seed,
                },
                "language": {"min_latin": min_latin, "min_common_share": min_common_share},
                "grounding": {"mode": grounding, "min_score": grounding_min_score},
            },
            scores=ScoreSelection(
                mifd_max=_limit("--mifd-max", mifd_max),
                ffd_max=_limit("--ffd-max", ffd_max),
                ifd_max=_limit("--ifd-max", ifd_max),
                vfd_max=_limit("--vfd-max", vfd_max),
                top_k=top_k,
                top_fraction=top_fraction,
                rank_by=cast("ScoreName", rank_by),  # validated by ScoreSelection
                keep_unscorable=keep_unscorable,
            ),
        )
    with usage_errors():
        report = run(out, cfg, progress=progress)
    if report["scores"] is None:
        console.print(
            f"no {SCORES} in {out}: the rule filters alone were applied "
            "(run llavar2 score first to select by mIFD / FFD)"
        )
    elif missing := report["scores"]["duos_without_scores"]:
        console.print(
            f"[yellow]{missing} duos have no line in {SCORES}[/yellow] "
            "(dropped as unscorable unless --keep-unscorable)"
        )
    dropped = report["dropped"]
    print_table(
        f"llavar2 filter → {out}",
        ["reason", "duos"],
        [[f"dropped: {reason}", str(n)] for reason, n in dropped["by_reason"].items()]
        + [
            ["input", str(report["input"]["duos"])],
            ["kept", str(report["kept"]["duos"])],
            ["dropped", str(dropped["duos"])],
        ],
        right={"duos"},
    )
    console.print(f"kept → {out / KEPT}; dropped → {out / DROPPED}; report → {out / FILTER_REPORT}")
