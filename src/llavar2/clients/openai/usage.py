"""What a run spent: requests, retries, tokens and their cost, and the per-run budget."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ...errors import RunIncomplete, UsageError

Price = dict[str, float]  # {"input": $ per 1M prompt tokens, "output": $ per 1M completion tokens}


def load_prices(extra: Path | None = None) -> dict[str, Price]:
    """The bundled price table, with the models of ``extra`` (same layout) over it."""
    tables = [json.loads((resources.files(__package__) / "prices.json").read_text("utf-8"))]
    if extra is not None:
        try:
            tables.append(json.loads(Path(extra).read_text(encoding="utf-8")))
        except (OSError, ValueError) as e:
            raise UsageError(f"--prices {extra}: {e}") from None
    prices: dict[str, Price] = {}
    for table in tables:
        models = table.get("models") if isinstance(table, dict) else None
        if not isinstance(models, dict):
            raise UsageError('a price table is {"models": {"NAME": {"input": ..., "output": ...}}}')
        for name, price in models.items():
            if not (
                isinstance(price, dict)
                and {"input", "output"} <= set(price)
                and all(isinstance(price[k], (int, float)) for k in ("input", "output"))
            ):
                raise UsageError(f"price of {name!r} needs numeric 'input' and 'output'")
            prices[name] = {"input": float(price["input"]), "output": float(price["output"])}
    return prices


def price_of(model: str, prices: dict[str, Price]) -> tuple[str, Price] | None:
    """The entry of exactly ``model``, or None. Never the entry of a name it starts with: a
    dated snapshot is not priced as its alias (``gpt-4o-2024-05-13`` cost twice ``gpt-4o``),
    and a cost that may be wrong is worse than none."""
    return (model, prices[model]) if model in prices else None


@dataclass
class Usage:
    model: str
    prices: dict[str, Price]
    max_requests: int | None = None
    max_tokens_total: int | None = None
    requests: int = 0  # HTTP requests sent, retries included
    retries: int = 0
    failed_attempts: Counter[str] = field(default_factory=Counter)  # by what went wrong
    cache_hits: int = 0
    prompt_tokens: int = 0  # of replies received this run (what is billed)
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0  # of replies served from the cache (paid by an earlier run)
    cached_completion_tokens: int = 0

    def before_request(self) -> None:
        """Count one request, or stop the run if the budget does not allow it. Tokens are only
        known once a reply is in, so requests already in flight may end past the token budget."""
        if self.max_requests is not None and self.requests >= self.max_requests:
            raise RunIncomplete(f"request budget reached (--max-requests {self.max_requests})")
        if self.max_tokens_total is not None and self.tokens >= self.max_tokens_total:
            raise RunIncomplete(
                f"token budget reached (--max-tokens-total {self.max_tokens_total})"
            )
        self.requests += 1

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        found = price_of(self.model, self.prices)
        if found is None:
            return None
        price = found[1]
        return (prompt_tokens * price["input"] + completion_tokens * price["output"]) / 1e6

    def report(self) -> dict[str, Any]:
        found = price_of(self.model, self.prices)
        cost = self.cost(self.prompt_tokens, self.completion_tokens)
        return {
            "requests": self.requests,
            "retries": self.retries,
            "failed_attempts": dict(sorted(self.failed_attempts.items())),
            "cache_hits": self.cache_hits,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": None if cost is None else round(cost, 6),
            "price_per_1m_tokens": None if found is None else {"model": found[0], **found[1]},
            "from_cache": {
                "prompt_tokens": self.cached_prompt_tokens,
                "completion_tokens": self.cached_completion_tokens,
            },
            "budget": {
                "max_requests": self.max_requests,
                "max_tokens_total": self.max_tokens_total,
            },
        }

    def progress(self) -> dict[str, str]:
        """Short fields for the progress bar."""
        return {
            "tok": _short(self.tokens),
            "retries": str(self.retries),
            "cached": str(self.cache_hits),
        }


def _short(n: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)
