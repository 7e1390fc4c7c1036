"""llavar2 audit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..layout import AUDIT_DIR, AUDIT_MD, CROISSANT, IMAGES
from . import options as opt
from .common import comma_list, console, usage_error, usage_errors
from .late import Defaults, late

AUDIT = Defaults("llavar2.audit.run:run_audit")


def audit(
    out: Annotated[Path, typer.Argument(help="A build folder.")],
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="Another build to compare the mix with."),
    ] = None,
    target: Annotated[
        Path | None,
        typer.Option(
            "--target",
            help='JSON of target shares: {"source": {"receipts": 0.3, ...}, ...}.',
        ),
    ] = None,
    eval_result: Annotated[
        Path | None,
        typer.Option(
            "--eval",
            help="A llavar2 evaluate result on this build's questions: scores by subgroup.",
        ),
    ] = None,
    by: Annotated[str, typer.Option(help="Subgroups of --eval (comma list of dimensions).")] = late(
        lambda: ",".join(AUDIT.by())
    ),
    tolerance: Annotated[
        float,
        typer.Option(
            min=0,
            max=1,
            help="A category whose share differs from the reference's by more is misrepresented.",
        ),
    ] = AUDIT.tolerance,
    flag_ratio: Annotated[
        float,
        typer.Option(
            min=1,
            help="A category dropped this many times as often as the rest (or as rarely), "
            "beyond chance, is flagged.",
        ),
    ] = AUDIT.flag_ratio,
    seed: opt.BootstrapSeed = AUDIT.seed,
    license: Annotated[
        str | None,
        typer.Option(
            "--license",
            help="The data's license (a URL or an SPDX id) for the dataset card; each audit "
            "writes the card anew.",
        ),
    ] = None,
    progress: opt.Progress = True,
) -> None:
    """Representativeness and bias audit: the build's mix (source, kind, script, language, text
    density, resolution, question and answer types) against a reference or target, what
    filtering dropped by group, identity-term mentions, personal data in OCR text, subgroup
    model gaps; OUT/audit/ and the dataset card (OUT/croissant.json, OUT/dataset_card.md)."""
    from ..audit.run import run_audit

    if not (out / IMAGES).is_file():
        raise usage_error(f"{out} is not a build folder (no {IMAGES})")
    if reference is not None and not (reference / IMAGES).is_file():
        raise usage_error(f"--reference {reference} is not a build folder")
    with usage_errors():
        result = run_audit(
            out,
            reference,
            target,
            eval_result,
            comma_list(by),
            tolerance,
            flag_ratio,
            seed,
            progress,
            license,
        )
    for dim, e in result["dimensions"].items():
        vs = e.get("vs_reference") or e.get("vs_target")
        if vs and vs["jsd"] is not None:
            console.print(
                f"{dim}: JSD {vs['jsd']:.3f} bits, {len(vs['misrepresented'])} misrepresented"
            )
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    flagged = [
        (dim, c)
        for dim, f in (result["filtering"] or {}).items()
        for c, g in f["groups"].items()
        if g["flagged"]
    ]
    if flagged:
        console.print("filtering dropped unevenly: " + ", ".join(f"{d}={c}" for d, c in flagged))
    pii = result["personal_data"]
    console.print(
        f"personal data in {pii['items_with_pii']} of {pii['items_scanned']} OCR "
        f"texts → {out / AUDIT_DIR / AUDIT_MD}, {out / CROISSANT}"
    )
