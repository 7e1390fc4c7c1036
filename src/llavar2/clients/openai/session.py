"""One run's connection to an OpenAI-compatible chat endpoint, as the generation backend, the
evaluation answerer and the judge use it: the API key read from its variable, the usage
counters, the response cache, an event loop with the ``ChatClient`` made in it (its connection
pool belongs to that loop), and ordered concurrent mapping over items."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Any, TypeVar

from ...config import OpenAIConfig
from ...errors import UsageError
from .cache import ResponseCache
from .client import ChatClient
from .ordered import ordered_map
from .urls import public_url
from .usage import Usage, load_prices

# Items started per request slot: while one item waits (a retry, a slow reply) the next ones
# already go, and the images encoded ahead stay at most twice the concurrency in memory.
WINDOW_PER_SLOT = 2

T = TypeVar("T")
R = TypeVar("R")


class ChatSession:
    """``usage``: counters (and budget) to share with other sessions of the run; by default
    the session's own."""

    def __init__(
        self, config: OpenAIConfig, seed: int, max_pixels: int, usage: Usage | None = None
    ):
        api_key = os.environ.get(config.api_key_env, "")
        if not api_key:
            raise UsageError(
                f"the API key variable {config.api_key_env} is not set; export it, or name "
                "another with --api-key-env (for a server without keys, set it to any value)"
            )
        self.config = config
        if usage is None:
            prices = load_prices(config.prices)
            usage = Usage(config.model, prices, config.max_requests, config.max_tokens_total)
        self.usage = usage
        self._cache = ResponseCache(config.cache) if config.cache is not None else None
        self._loop = asyncio.new_event_loop()
        self.client: ChatClient = self._loop.run_until_complete(
            self._make_client(api_key, seed, max_pixels)
        )

    async def _make_client(self, api_key: str, seed: int, max_pixels: int) -> ChatClient:
        return ChatClient(self.config, api_key, self.usage, self._cache, seed, max_pixels)

    def run_ordered(
        self, func: Callable[[T], Coroutine[Any, Any, R]], items: Iterable[T]
    ) -> Iterator[R]:
        """``func`` over the items, ``concurrency`` at a time, results in input order."""
        return ordered_map(self._loop, func, items, self.config.concurrency * WINDOW_PER_SLOT)

    def report(self) -> dict[str, Any]:
        return {
            "base_url": public_url(self.config.base_url),
            "cache": str(self.config.cache) if self.config.cache else None,
            **self.usage.report(),
        }

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.run_until_complete(self.client.aclose())
        self._loop.close()
        if self._cache is not None:
            self._cache.close()
