"""``openai:MODEL``: an OpenAI-compatible vision endpoint, asked through the generation
backend's ``ChatClient`` (bounded concurrency, SQLite response cache, retries with backoff and
``Retry-After``, request/token budget). One user message: the image, then the prompt, as
lmms-eval sends it; no system prompt, plain-text replies (no response_format)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterable, Iterator
from typing import Any

from ...backends.openai_api.cache import ResponseCache
from ...backends.openai_api.client import ChatClient
from ...backends.openai_api.images import image_reference
from ...backends.openai_api.ordered import ordered_map
from ...backends.openai_api.urls import public_url
from ...backends.openai_api.usage import Usage, load_prices
from ...errors import ItemRejected, UsageError
from ...imaging import DEFAULT_MAX_PIXELS
from . import ANSWERERS, AnswererOptions, Question

WINDOW_PER_SLOT = 2  # items started per request slot, as the generation backend does


@ANSWERERS.register("openai")
class OpenAIAnswerer:
    needs_ocr = False

    def __init__(self, model: str, options: AnswererOptions):
        if not model:
            raise UsageError("--model openai:MODEL needs a model name")
        if options.openai is None:
            raise UsageError("--model openai:MODEL needs the client settings")
        self.config = options.openai.model_copy(update={
            "model": model, "response_format": "none",
            "max_reply_tokens": options.max_new_tokens})
        self.name = f"openai:{model}"
        api_key = os.environ.get(self.config.api_key_env, "")
        if not api_key:
            raise UsageError(
                f"the API key variable {self.config.api_key_env} is not set; export it, or name "
                "another with --api-key-env (for a server without keys, set it to any value)")
        self.usage = Usage(model, load_prices(self.config.prices), self.config.max_requests,
                           self.config.max_tokens_total)
        self._cache = ResponseCache(self.config.cache) if self.config.cache else None
        self._loop = asyncio.new_event_loop()
        self._client = self._loop.run_until_complete(self._make_client(api_key))

    async def _make_client(self, api_key: str) -> ChatClient:  # its pool belongs to this loop
        return ChatClient(self.config, api_key, self.usage, self._cache, 0, DEFAULT_MAX_PIXELS)

    def settings(self) -> dict[str, Any]:
        return {"model": self.config.model, "temperature": self.config.temperature,
                "max_reply_tokens": self.config.max_reply_tokens,
                "image_max_side": self.config.image_max_side,
                "image_detail": self.config.image_detail}

    async def _ask(self, q: Question) -> str | ItemRejected:
        sha = hashlib.sha256(q.image.read_bytes()).hexdigest()
        image = {"type": "image_url", "image_url": {
            "url": image_reference(sha, self.config.image_max_side),
            "detail": self.config.image_detail}}
        messages = [{"role": "user", "content": [image, {"type": "text", "text": q.prompt}]}]
        try:
            reply = await self._client.complete(messages, "answer", {}, q.image)
        except ItemRejected as e:
            return e
        if reply.refusal:
            return ItemRejected("model_refused", self._client.redact(reply.refusal))
        return reply.content.strip()

    def answer_all(self, questions: Iterable[Question]) -> Iterator[str | ItemRejected]:
        return ordered_map(self._loop, self._ask, questions,
                           self.config.concurrency * WINDOW_PER_SLOT)

    def report(self) -> dict[str, Any]:
        return {"base_url": public_url(self.config.base_url),
                "cache": str(self.config.cache) if self.config.cache else None,
                **self.usage.report()}

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()
        if self._cache is not None:
            self._cache.close()
