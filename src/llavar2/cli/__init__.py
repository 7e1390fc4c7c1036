"""Command line: ``llavar2 build | ocr | score | filter | export | report | evaluate | robustness |
demo``.

Exit status: 0 when every input was used, 3 when some inputs were rejected and the rest were
built (see OUT/rejects.jsonl), 2 for unusable arguments, 4 when a build stopped early (budget
spent, server unavailable) and the same command continues it.

One module per command; ``options`` declares the options several commands share, ``common``
what they do alike (exit statuses, usage errors, tables). Nothing heavy is imported here: each
command imports its stage when it runs, and its help reads registries only when shown (``late``).
"""

from __future__ import annotations

import typer

from . import (
    audit,
    build,
    demo,
    evaluate,
    export,
    filter,
    human_eval,
    judge,
    ocr,
    report,
    robustness,
    score,
    validate,
)
from .late import Command

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Build LLaVAR-2-style instruction data from text-rich images.",
)
for command in (
    build.build,
    ocr.ocr,
    score.score,
    filter.filter,
    export.export,
    report.report,
    evaluate.evaluate,
    robustness.robustness,
    demo.demo,
    judge.judge,
    audit.audit,
):
    app.command(cls=Command)(command)
app.add_typer(human_eval.app, name="human-eval")
app.add_typer(validate.app, name="validate")

__all__ = ["app"]
