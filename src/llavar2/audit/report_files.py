"""The audit as Markdown and PNG charts (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..formatting import num, pct

MAX_ROWS = 12  # categories shown per table (the rest are in audit.json)


def _ci(ci: list[float] | tuple[float, float] | None, as_pct: bool = True) -> str:
    if not ci or ci[0] is None:
        return ""
    return f" [{pct(ci[0])}, {pct(ci[1])}]" if as_pct else f" [{ci[0]:.2f}, {ci[1]:.2f}]"


def largest_text(largest: dict[str, Any] | None, between: str = " ") -> str:
    """ "receipt 40.0%": the largest category and its share."""
    return f"{largest['category']}{between}{pct(largest['share'])}" if largest else "–"


def _against(entry: dict[str, Any]) -> dict[str, Any] | None:
    return entry.get("vs_reference") or entry.get("vs_target")


def _overview(audit: dict[str, Any]) -> list[str]:
    ref = audit["reference"]
    lines = [
        "| dimension | unit | categories | largest share | normalised entropy | "
        "effective number |" + (" JSD (bits) | smoothed KL | misrepresented |" if ref else ""),
        "|---|---|---|---|---|---|" + ("---|---|---|" if ref else ""),
    ]
    for dim, e in audit["dimensions"].items():
        row = (
            f"| {dim} | {e['unit']} | {len(e['shares'])} | {largest_text(e['largest'])} | "
            f"{num(e['normalised_entropy'])} | {num(e['effective_number'], 2)} |"
        )
        if ref:
            vs = _against(e)
            row += (
                f" {num(vs['jsd'])} | {num(vs['kl_smoothed'])} | "
                + (
                    ", ".join(
                        f"{m['category']} ({m['status']} {m['difference']:+.1%})"
                        for m in vs["misrepresented"][:4]
                    )
                    or "none"
                )
                + " |"
                if vs
                else " – | – | – |"
            )
        lines.append(row)
    return lines


def _shares(dim: str, e: dict[str, Any], plot: str | None) -> list[str]:
    vs = _against(e)
    lines = [f"### {dim}", ""] + ([f"![{dim}]({plot})", ""] if plot else [])
    lines += [
        "| category | share |" + (" reference | difference |" if vs else ""),
        "|---|---|" + ("---|---|" if vs else ""),
    ]
    ref_shares = vs["reference_shares"] if vs else {}
    categories = sorted(
        set(e["shares"]) | set(ref_shares),
        key=lambda c: (-max(e["shares"].get(c, 0), ref_shares.get(c, 0)), c),
    )
    for c in categories[:MAX_ROWS]:
        share, ref = e["shares"].get(c, 0.0), ref_shares.get(c, 0.0)
        lines.append(
            f"| {c} | {pct(share)} |" + (f" {pct(ref)} | {share - ref:+.1%} |" if vs else "")
        )
    if len(categories) > MAX_ROWS:
        lines.append(
            f"| … {len(categories) - MAX_ROWS} more in audit.json | |" + (" | |" if vs else "")
        )
    return lines + [""]


def _filtering(audit: dict[str, Any]) -> list[str]:
    f = audit["filtering"]
    lines = [
        "## Before and after filtering",
        "",
        "Each category's drop rate (duos `llavar2 filter` dropped, mIFD/FFD included, with "
        "a Wilson 95% interval) and its ratio to the drop rate of all other duos (Katz 95% "
        f"interval). Flagged (⚠): a ratio of at least {audit['flag_ratio']} or at most "
        f"1/{audit['flag_ratio']} whose interval excludes 1. JSD: how far the kept set's mix "
        "moved from the pool's.",
        "",
    ]
    drops = audit["filter_drops"]
    if drops:
        lines += ["Drop reasons: " + ", ".join(f"{k} {v}" for k, v in drops.items()) + ".", ""]
    for dim, d in f.items():
        if len(d["groups"]) < 2:  # one category: nothing to compare
            continue
        overall = d["overall"]
        lines += [
            f"### {dim}: JSD pool vs kept {num(d['jsd_pool_vs_kept'])}, overall drop rate "
            f"{pct(overall['rate'])}",
            "",
            "| category | pool | kept | drop rate | ratio vs rest | |",
            "|---|---|---|---|---|---|",
        ]
        for c, g in list(d["groups"].items())[:MAX_ROWS]:
            ratio = g["ratio_vs_rest"]
            lines.append(
                f"| {c} | {g['n']} | {g['n'] - g['dropped']} | {pct(g['rate'])}"
                f"{_ci(g['ci95'])} | {num(ratio, 2)}{_ci(g['ratio_ci95'], as_pct=False)}"
                f" | {'⚠' if g['flagged'] else ''} |"
            )
        lines.append("")
    return lines


def _identity(audit: dict[str, Any]) -> list[str]:
    ident = audit["identity"]
    lines = [
        "## Identity terms",
        "",
        "Mentions of person terms (gender, age, nationality, religion, disability; an "
        "English word list) in captions and answers, counted for review, and the words that "
        "co-occur with them most (nPMI over texts, pairs seen at least 5 times).",
        "",
        "| texts | with a mention |",
        "|---|---|",
    ]
    for kind, n in ident["texts"].items():
        lines.append(f"| {kind} | {ident['texts_with_mention'].get(kind, 0)} of {n} |")
    lines += ["", "| category | most mentioned |", "|---|---|"]
    for category, terms in ident["mentions"].items():
        top = sorted(terms.items(), key=lambda t: -t[1])[:8]
        lines.append(f"| {category} | " + ", ".join(f"{t} {n}" for t, n in top) + " |")
    if ident["npmi"]:
        lines += ["", "| term | co-occurring words (nPMI, count) |", "|---|---|"]
        for term, pairs in ident["npmi"].items():
            lines.append(
                f"| {term} | "
                + ", ".join(f"{p['word']} {p['npmi']:.2f} ({p['count']})" for p in pairs[:6])
                + " |"
            )
    return lines + [""]


def _personal(audit: dict[str, Any]) -> list[str]:
    p = audit["personal_data"]
    lines = [
        "## Personal data in OCR text",
        "",
        f"{p['items_with_pii']} of {p['items_scanned']} images' OCR text hold an e-mail "
        "address, a phone number or a card-like number (Luhn-valid): "
        + (
            ", ".join(f"{k} {n} in {p['items'][k]} images" for k, n in p["matches"].items())
            or "none"
        )
        + ". Listed for review (masked):",
        "",
    ]
    lines += [f"- {row['id']}: {row['kind']} `{row['masked']}`" for row in p["listed"]]
    return lines + [""]


def _eval(audit: dict[str, Any]) -> list[str]:
    ev = audit["eval"]
    lines = [
        "## Model scores by subgroup",
        "",
        f"`{ev['model']}`, {ev['metric']}, {ev['matched']} of {ev['items']} items matched "
        "to this build's duos; bootstrap 95% intervals. Gap: the highest subgroup mean "
        "minus the lowest; ratio: lowest / highest (fairlearn's between-groups "
        "difference and ratio).",
        "",
    ]
    for dim, s in ev["by"].items():
        gap = s["largest_gap"]
        lines += [
            f"### by {dim}"
            + (
                f": gap {gap['difference']:.3f}{_ci(gap['ci95'], False)}, "
                f"ratio {num(gap['ratio'], 2)} ({gap['low']} vs "
                f"{gap['high']})"
                if gap
                else ""
            ),
            "",
            "| subgroup | items | mean |",
            "|---|---|---|",
        ]
        for g, r in s["groups"].items():
            lines.append(f"| {g} | {r['n']} | {r['mean']:.3f}{_ci(r['ci95'], False)} |")
        lines.append("")
    return lines


def write_markdown(audit: dict[str, Any], plots: dict[str, Path], folder: Path) -> str:
    ref = audit["reference"]
    against = (
        f" Compared with {'reference build' if 'build' in ref else 'target'} "
        f"`{next(iter(ref.values()))}` (a category is misrepresented when its share "
        f"differs by more than {audit['tolerance']:.0%} of the whole)."
        if ref
        else ""
    )
    pool = (
        "Duo dimensions count every duo generated (the pool, before filtering: the kept "
        "set's mix is under *Before and after filtering*)."
        if audit["filtering"]
        else "Duo dimensions count every duo generated (the pool)."
    )
    lines = [
        "# Data audit",
        "",
        f"Build `{audit['build']}`: {audit['images']} images, {audit['duos']} duo "
        f"conversations.{against}",
        "",
    ]
    lines += [f"- **Warning**: {w}." for w in audit["warnings"]]
    lines += ["", "## Mix", "", pool, ""] + _overview(audit) + [""]
    for dim, e in audit["dimensions"].items():
        plot = plots.get(dim)
        lines += _shares(dim, e, str(plot.relative_to(folder)) if plot else None)
    if audit["filtering"]:
        lines += _filtering(audit)
    lines += _identity(audit) + _personal(audit)
    if audit["eval"]:
        lines += _eval(audit)
    return "\n".join(lines)


def write_plots(audit: dict[str, Any], folder: Path) -> dict[str, Path]:
    """One chart per dimension: its shares (beside the reference's), and when the build is
    filtered the drop rate per category with its interval."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a display
    import matplotlib.pyplot as plt
    import numpy as np

    written = {}
    for dim, e in audit["dimensions"].items():
        vs = _against(e)
        ref_shares = vs["reference_shares"] if vs else {}
        categories = sorted(
            set(e["shares"]) | set(ref_shares),
            key=lambda c: (-max(e["shares"].get(c, 0), ref_shares.get(c, 0)), c),
        )
        categories = categories[:MAX_ROWS]
        panels = 2 if audit["filtering"] else 1
        fig, axes = plt.subplots(
            1, panels, figsize=(5.2 * panels, 0.32 * len(categories) + 1.4), squeeze=False
        )
        y = np.arange(len(categories))
        ax = axes[0][0]
        ax.barh(
            y - (0.2 if vs else 0),
            [e["shares"].get(c, 0) for c in categories],
            height=0.4 if vs else 0.7,
            label="this build",
            color="#3182bd",
        )
        if vs:
            ax.barh(
                y + 0.2,
                [ref_shares.get(c, 0) for c in categories],
                height=0.4,
                label="reference" if "build" in (audit["reference"] or {}) else "target",
                color="#bdbdbd",
            )
            ax.legend(fontsize=7)
        ax.set_yticks(y, categories, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(f"share of {e['unit']}s", fontsize=8)
        ax.set_title(dim, fontsize=9)
        if panels == 2:
            groups = audit["filtering"][dim]["groups"]
            rates = [groups[c]["rate"] if c in groups else 0 for c in categories]
            lo = [r - groups[c]["ci95"][0] if c in groups else 0 for c, r in zip(categories, rates)]
            hi = [groups[c]["ci95"][1] - r if c in groups else 0 for c, r in zip(categories, rates)]
            ax2 = axes[0][1]
            ax2.barh(y, rates, xerr=[lo, hi], color="#e6550d", capsize=2)
            if audit["filtering"][dim]["overall"]["rate"] is not None:
                ax2.axvline(
                    audit["filtering"][dim]["overall"]["rate"], color="black", lw=0.8, ls="--"
                )
            ax2.set_yticks(y, categories, fontsize=7)
            ax2.invert_yaxis()
            ax2.set_xlabel("drop rate (95% CI; dashed: overall)", fontsize=8)
            ax2.set_title(f"{dim}: dropped by the filters", fontsize=9)
        fig.tight_layout()
        path = folder / f"{dim}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written[dim] = path
    return written
