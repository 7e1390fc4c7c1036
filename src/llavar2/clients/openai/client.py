"""One chat completion with everything around it: the response cache, the concurrency limit,
retries with exponential backoff and jitter on 429, 5xx, timeouts, connection errors and
malformed responses (honouring ``Retry-After``), the run's budget, and a fallback for servers
that refuse ``response_format``.

The official ``openai`` client sends the requests; its own retries are off so that every
attempt is counted, budgeted and shown.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import openai

from ...config import OpenAIConfig, ResponseFormat
from ...errors import ItemRejected, UsageError
from .cache import ResponseCache, cache_key
from .images import data_url
from .pool import ConnectionPool
from .retry import FATAL_STATUS, MalformedResponse, is_retried, with_retries
from .urls import server_address
from .usage import Usage

logger = logging.getLogger(__name__)

INLINE_IMAGE_BYTES = 256 * 1024  # see _with_image
_DOWNGRADE: dict[str, ResponseFormat] = {"json_schema": "json_object", "json_object": "none"}


@dataclass(frozen=True)
class ChatReply:
    content: str
    refusal: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    response_format: str  # the structured-output mode the reply was asked with


class _FormatRefused(Exception):
    pass


class ChatClient:
    def __init__(
        self,
        config: OpenAIConfig,
        api_key: str,
        usage: Usage,
        cache: ResponseCache | None,
        seed: int,
        max_pixels: int,
    ):
        self.config = config
        self.usage = usage
        self.response_format: ResponseFormat = config.response_format
        self._cache = cache
        self._seed = seed
        self._max_pixels = max_pixels
        self._semaphore = asyncio.Semaphore(config.concurrency)
        self._pool = ConnectionPool(api_key, config.base_url, config.timeout, config.concurrency)
        self.server = server_address(self._pool.base_url)  # part of every cache key

    def redact(self, text: str) -> str:
        return self._pool.redact(text)

    def _params(self, mode: str, schema_name: str, schema: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_reply_tokens,
            "seed": self._seed,
        }
        if mode == "json_schema":
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": True},
            }
        elif mode == "json_object":
            params["response_format"] = {"type": "json_object"}
        return params

    async def complete(
        self, messages: list[dict[str, Any]], schema_name: str, schema: dict[str, Any], image: Path
    ) -> ChatReply:
        """The reply to ``messages``, whose image part holds a reference that ``image`` (its
        file) replaces when a request has to be sent."""
        while True:
            mode = self.response_format
            params = self._params(mode, schema_name, schema)
            key = cache_key(
                self.config.model, messages, params, server=self.server, response_format=mode
            )
            if self._cache is not None and (hit := self._cache.get(key)) is not None:
                reply = ChatReply(**hit)
                self.usage.cache_hits += 1
                self.usage.cached_prompt_tokens += reply.prompt_tokens
                self.usage.cached_completion_tokens += reply.completion_tokens
                return reply
            try:
                reply = await self._send(await self._with_image(messages, image), params, mode)
            except _FormatRefused:
                if self.response_format == mode:  # concurrent refusals downgrade once
                    self.response_format = _DOWNGRADE[mode]
                    logger.warning(
                        "the server refused response_format %s; asking with %s",
                        mode,
                        self.response_format,
                    )
                continue
            if self._cache is not None:
                self._cache.put(key, asdict(reply))
            self.usage.prompt_tokens += reply.prompt_tokens
            self.usage.completion_tokens += reply.completion_tokens
            return reply

    async def _with_image(
        self, messages: list[dict[str, Any]], image: Path
    ) -> list[dict[str, Any]]:
        args = (image, self.config.image_max_side, self._max_pixels)
        # Small files are encoded right here (a thread hop would cost more than the work);
        # large ones, which may need decoding and downscaling, in a thread, so that the loop
        # keeps serving the replies in flight meanwhile.
        big = image.stat().st_size > INLINE_IMAGE_BYTES
        url = await asyncio.to_thread(data_url, *args) if big else data_url(*args)

        def with_url(part: dict[str, Any]) -> dict[str, Any]:
            if part.get("type") != "image_url":
                return part
            return {**part, "image_url": {**part["image_url"], "url": url}}

        return [
            {**m, "content": [with_url(p) for p in m["content"]]}
            if isinstance(m["content"], list)
            else m
            for m in messages
        ]

    async def _send(
        self, messages: list[dict[str, Any]], params: dict[str, Any], mode: str
    ) -> ChatReply:
        config = self.config

        async def attempt() -> ChatReply:
            async with self._semaphore:
                self.usage.before_request()  # here: the replies received so far are counted
                completion = await self._pool.post(
                    "/chat/completions", {"model": config.model, "messages": messages, **params}
                )
                return self._reply(completion, mode)

        try:
            return await with_retries(
                attempt,
                usage=self.usage,
                max_attempts=config.max_attempts,
                timeout=config.timeout,
                backoff_base=config.backoff_base,
                backoff_max=config.backoff_max,
                redact=self.redact,
                status_error=lambda e: self._status_error(e, mode),
            )
        except openai.OpenAIError as e:  # anything else the client raises: this item
            raise ItemRejected("request_failed", self.redact(str(e))) from None

    def _status_error(self, e: openai.APIStatusError, mode: str) -> str:
        """Why a non-2xx answer was given, if it is worth retrying; otherwise raise what it
        means for the item or the run."""
        status, message = e.status_code, self.redact(getattr(e, "message", "") or str(e))
        if is_retried(status):
            return message
        if (
            status == 400
            and mode != "none"
            and ("response_format" in message or "json_schema" in message)
        ):
            raise _FormatRefused from None
        if status in FATAL_STATUS:
            raise UsageError(f"{FATAL_STATUS[status]} (HTTP {status}): {message}") from None
        raise ItemRejected("request_failed", f"HTTP {status}: {message}") from None

    @staticmethod
    def _reply(completion: Any, mode: str) -> ChatReply:
        """The parts of a chat completion (as JSON) that we use; checked by hand, which costs a
        fraction of building the client's response model."""
        choices = completion.get("choices") if isinstance(completion, dict) else None
        if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
            raise MalformedResponse(f"not a chat completion: {str(completion)[:200]!r}")
        message = choices[0].get("message")
        content = message.get("content") if isinstance(message, dict) else None
        refusal = message.get("refusal") if isinstance(message, dict) else None
        if not isinstance(content, str) and not (isinstance(refusal, str) and refusal):
            raise MalformedResponse("a chat completion without a message")
        usage = completion.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        return ChatReply(
            content=content if isinstance(content, str) else "",
            refusal=refusal if isinstance(refusal, str) and refusal else None,
            finish_reason=choices[0].get("finish_reason"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            response_format=mode,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
