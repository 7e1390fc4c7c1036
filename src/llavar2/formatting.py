"""Numbers as the Markdown reports write them ("–" where there is no value)."""

from __future__ import annotations


def pct(x: float | None) -> str:
    """A share as a percentage with one decimal: 0.1234 → "12.3%"."""
    return "–" if x is None else f"{100 * x:.1f}%"


def num(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"
