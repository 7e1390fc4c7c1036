"""Requests to one OpenAI-compatible server, sent through several ``openai`` clients in turn.

Each client has its own connection pool: a pool checks all of its connections on every request,
which at 64 connections took about a fifth of the CPU per request in
benchmarks/generation_throughput.py; 8 pools of 8 do not. The clients' own retries are off, so
that the caller counts, budgets and shows every attempt (``with_retries``).
"""

from __future__ import annotations

import itertools
from typing import Any

import openai

CONNECTIONS_PER_CLIENT = 8


class ConnectionPool:
    """Make it inside the event loop that uses it: the connections belong to that loop."""

    def __init__(self, api_key: str, base_url: str | None, timeout: float, concurrency: int):
        self._secret = api_key
        self._clients = [
            openai.AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
            for _ in range(-(-concurrency // CONNECTIONS_PER_CLIENT))
        ]
        self._turn = itertools.count()
        # Where the requests really go (the client applies OPENAI_BASE_URL and its default).
        self.base_url = str(self._clients[0].base_url)

    async def post(self, url: str, body: dict[str, Any]) -> Any:
        """The JSON reply to ``body`` at ``url`` (relative to the base URL, or absolute), as it
        came. The client's generic POST, as create() does it but without re-walking every
        message part against the client's TypedDicts and building its response model: together
        a third of the CPU per request in the benchmark."""
        client = self._clients[next(self._turn) % len(self._clients)]
        return await client.post(
            url,
            cast_to=object,
            body=body,
            options={"security": {"bearer_auth": True}},  # send the API key
        )

    def redact(self, text: str) -> str:
        """``text`` without the API key (servers may echo it in error messages). Keys shorter
        than 8 characters are placeholders of keyless local servers, not secrets."""
        return text.replace(self._secret, "[redacted]") if len(self._secret) >= 8 else text

    async def aclose(self) -> None:
        for client in self._clients:
            await client.close()
