"""What every command shares: the console, the exit statuses, and how a usage problem (bad
option, unknown name, unusable input) becomes exit status 2 with one line saying why."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from ..errors import RunIncomplete, UsageError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from ..runners.ray_session import RayConfig

EXIT_USAGE, EXIT_REJECTS, EXIT_INCOMPLETE = 2, 3, 4  # 0: every input was used

console = Console(stderr=True)  # messages; tables go to stdout


def usage_error(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(EXIT_USAGE)


@contextmanager
def usage_errors(*also: type[Exception]) -> Iterator[None]:
    """A UsageError (an unknown registry name among them) or one of ``also`` exits 2 with its
    message."""
    caught: tuple[type[Exception], ...] = (UsageError, *also)
    try:
        yield
    except caught as e:
        raise usage_error(str(e)) from None


def incomplete(message: str) -> typer.Exit:
    """A run stopped early but cleanly (budget spent, server unavailable): exit 4."""
    console.print(f"[yellow]incomplete:[/yellow] {message}")
    return typer.Exit(EXIT_INCOMPLETE)


@contextmanager
def resumable(kept: str) -> Iterator[None]:
    """A RunIncomplete (budget spent, the server kept failing) exits 4: the ``kept`` (e.g.
    "scores") made so far stay, and the same command continues."""
    try:
        yield
    except RunIncomplete as e:
        raise incomplete(
            f"{e}; the {kept} so far are kept, run the same command again to continue"
        ) from None


@contextmanager
def checked_settings(*, as_options: bool = True) -> Iterator[None]:
    """Settings (a pydantic model) that refuse the values given exit 2, naming each problem."""
    from pydantic import ValidationError

    try:
        yield
    except ValidationError as e:
        raise usage_error(_problems(e, as_options=as_options)) from None


def comma_list(value: str | None) -> list[str]:
    """``"a, b,,c"`` → ``["a", "b", "c"]``."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _problems(error: ValidationError, *, as_options: bool = True) -> str:
    """A settings model's errors on one line: ``--field-name: message; ...`` (its fields are
    options of the same names), or with the fields' dotted paths."""
    return "; ".join(
        (
            "--" + "-".join(map(str, err["loc"])).replace("_", "-")
            if as_options
            else ".".join(map(str, err["loc"]))
        )
        + f": {err['msg']}"
        for err in error.errors()
    )


def print_table(
    title: str, headers: list[str], rows: list[list[str]], right: Collection[str] = ()
) -> None:
    """A table on stdout; the columns named in ``right`` (numbers) are right-justified."""
    table = Table(title=title)
    for header in headers:
        table.add_column(header, justify="right" if header in right else "left")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def print_metrics(title: str, metrics: dict[str, Any]) -> None:
    print_table(
        title,
        ["metric", "score", "reference"],
        [[name, f"{m['score']:.4f}", m["reference"]] for name, m in metrics.items()],
        right={"score"},
    )


RUNNERS = ("local", "ray")


def ray_config(runner: str, ray_address: str | None, **given: Any) -> RayConfig | None:
    """The Ray settings of ``--runner ray`` (``given``: those set, None for the others); None
    for the local runner."""
    if runner not in RUNNERS:
        raise usage_error(f"--runner {runner!r}: expected {' or '.join(RUNNERS)}")
    if runner == "local":
        if ray_address is not None:
            raise usage_error("--ray-address: only with --runner ray")
        return None
    from ..runners.ray_session import RayConfig

    return RayConfig(address=ray_address, **{k: v for k, v in given.items() if v is not None})


def checked_language(language: str) -> str:
    """--language checked against the OCR quality gate's languages."""
    from ..ocr.gate import check_language

    try:
        return check_language(language)
    except ValueError as e:
        raise usage_error(f"--language: {e}") from None
