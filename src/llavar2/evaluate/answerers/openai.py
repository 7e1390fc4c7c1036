"""``openai:MODEL``: an OpenAI-compatible vision endpoint, asked through the shared client
(``llavar2.clients.openai``: bounded concurrency, SQLite response cache, retries with backoff and
``Retry-After``, request/token budget). One user message: the image, then the prompt, as
lmms-eval sends it; no system prompt, plain-text replies (no response_format)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from ...clients.openai import ChatSession, image_reference
from ...errors import ItemRejected, UsageError
from . import ANSWERERS, AnswererOptions, Question


@ANSWERERS.register(
    "openai", help="an OpenAI-compatible vision endpoint: openai:MODEL with --base-url"
)
class OpenAIAnswerer:
    needs_ocr = False

    def __init__(self, model: str, options: AnswererOptions):
        if not model:
            raise UsageError("--model openai:MODEL needs a model name")
        if options.openai is None:
            raise UsageError("--model openai:MODEL needs the client settings")
        self.config = options.openai.model_copy(
            update={
                "model": model,
                "response_format": "none",
                "max_reply_tokens": options.max_new_tokens,
            }
        )
        self.name = f"openai:{model}"
        self._session = ChatSession(self.config, 0, options.max_pixels)
        self.usage = self._session.usage
        self._client = self._session.client

    def settings(self) -> dict[str, Any]:
        """What decides the answers (the run key: a resumed run must not mix in others'); the
        server too, since two servers may serve different models under one name."""
        return {
            "model": self.config.model,
            "server": self._client.server,
            "response_format": self.config.response_format,
            "temperature": self.config.temperature,
            "max_reply_tokens": self.config.max_reply_tokens,
            "image_max_side": self.config.image_max_side,
            "image_detail": self.config.image_detail,
        }

    async def _ask(self, q: Question) -> str | ItemRejected:
        sha = hashlib.sha256(q.image.read_bytes()).hexdigest()
        image = {
            "type": "image_url",
            "image_url": {
                "url": image_reference(sha, self.config.image_max_side),
                "detail": self.config.image_detail,
            },
        }
        messages = [{"role": "user", "content": [image, {"type": "text", "text": q.prompt}]}]
        try:
            reply = await self._client.complete(messages, "answer", {}, q.image)
        except ItemRejected as e:
            return e
        if reply.refusal:
            return ItemRejected("model_refused", self._client.redact(reply.refusal))
        return reply.content.strip()

    def answer_all(self, questions: Iterable[Question]) -> Iterator[str | ItemRejected]:
        return self._session.run_ordered(self._ask, questions)

    def report(self) -> dict[str, Any]:
        return self._session.report()

    def close(self) -> None:
        self._session.close()
