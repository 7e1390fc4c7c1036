"""The ``openai`` scorer: ``L(X | C)`` from the prompt log-probabilities of a vLLM-compatible
OpenAI server (DESIGN §4).

Per request (vLLM's API; no other OpenAI-compatible server returns prompt log-probabilities):

1. The chat goes to ``/v1/chat/completions`` as messages, so that the server formats it with
   its model's own chat template and image placeholder tokens; the image as a base64 data URL
   part. ``prompt_logprobs=0`` asks for each prompt token's log-probability given the tokens
   before it, ``return_token_ids`` for the prompt's token ids (servers that do not know it
   leave it out, and then each position's single entry names its token),
   ``add_generation_prompt=false`` and ``max_tokens=1`` for as little work as possible past X.
2. Each text part from the first scored one to the end of the chat is tokenized alone
   (``POST /tokenize`` at the server's root, ``add_special_tokens=false``), and these token runs
   are found in the prompt's tokens in order, from the end: each run ends before the next one
   starts. The unscored runs after X are found too, so that text after X that repeats X's
   tokens cannot be taken for X.
3. ``L`` is the mean of -logprob over the positions of the scored runs only.

Within one ``losses`` call, requests with the same chat share one chat request (``L(A | Q)``
and ``L(Q, A)`` differ only in which parts are scored) and each distinct text is tokenized once.

A run that is not found exactly (the template changed the text, e.g. trimmed it, or the text's
tokens merge with the template's) makes the request unscorable (``x_not_found``): never a guess.
The server's refusal of a prompt over its context length makes it unscorable (``too_long``);
another 4xx refusal of one request, ``request_failed``.

Requests are sent with the parts of the shared client (``llavar2.clients.openai``): bounded
concurrency, retries with backoff and jitter on 429, 5xx, timeouts, dropped connections and
malformed replies (honouring ``Retry-After``), clear errors for 401/403/404, and a
content-addressed SQLite cache of the results, so that a rerun sends nothing. The API key is
read from the environment and never written anywhere.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import openai
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...clients.openai import (
    FATAL_STATUS,
    ConnectionPool,
    MalformedResponse,
    ResponseCache,
    Usage,
    cache_key,
    data_url,
    image_reference,
    is_retried,
    public_url,
    server_address,
    with_retries,
)
from ...errors import UsageError
from ...imaging import DEFAULT_MAX_PIXELS, TooManyPixels, file_sha256
from ..base import SCORERS, Loss, LossRequest, Part

PROTOCOL = "vllm-prompt-logprobs@1"  # in every cache key: a change of method changes the keys
CHAT_PARAMS = {
    "max_tokens": 1,
    "temperature": 0,
    "prompt_logprobs": 0,
    "add_generation_prompt": False,
    "return_token_ids": True,
}
# vLLM's refusals of a prompt over the context: the API server's and the engine's wording.
_TOO_LONG = re.compile(r"maximum context length|maximum model length", re.IGNORECASE)
T = TypeVar("T")
NO_KEY = "EMPTY"  # sent when the key variable is unset: vLLM without --api-key takes anything


class OpenAIScorerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)  # the model name the server serves
    base_url: str = Field(min_length=1)  # e.g. http://localhost:8000/v1
    api_key_env: str = "OPENAI_API_KEY"  # the NAME of the variable; the key is never stored
    concurrency: int = Field(default=16, ge=1)  # requests scored at once
    timeout: float = Field(default=120.0, gt=0)  # seconds per HTTP attempt
    max_attempts: int = Field(default=6, ge=1)  # per HTTP request, the first one included
    backoff_base: float = Field(default=1.0, ge=0)  # seconds; doubles per retry, jittered
    backoff_max: float = Field(default=60.0, ge=0)
    max_requests: int | None = Field(default=None, ge=0)  # HTTP requests this run, retries too
    image_max_side: int = Field(default=1024, ge=16)  # longer side after downscaling, pixels
    max_pixels: int = Field(default=DEFAULT_MAX_PIXELS, ge=1)
    supports_images: bool = True  # False for a text-only model: images go as their facts
    cache: Path | None = None  # results cache file (SQLite); None: no cache


class _TooLong(Exception):
    pass


class _Refused(Exception):
    """A 4xx answer that is about this request (not retried, not fatal to the run)."""


class _BadImage(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason  # bad_image or too_many_pixels


class _Batch:
    """What the requests of one ``losses`` call share: one chat request per distinct prompt
    (L(A | Q) and L(Q, A) send the same chat, with other parts scored) and one ``/tokenize``
    per distinct text."""

    def __init__(self) -> None:
        self.prompts: dict[str, asyncio.Future[tuple[list[int], list[float | None]]]] = {}
        self.tokens: dict[str, asyncio.Future[list[int]]] = {}


@SCORERS.register(
    "openai",
    help="a vLLM-compatible server's prompt log-probabilities; needs --base-url",
    arg="MODEL",
    needs_base_url=True,
)
def openai_scorer(model: str, **options: Any) -> OpenAILogprobScorer:
    try:
        config = OpenAIScorerConfig(model=model, **options)
    except ValidationError as e:
        raise UsageError(f"openai scorer options: {e}") from None
    return OpenAILogprobScorer(config)


def tokenize_url(base_url: str) -> str:
    """vLLM's ``/tokenize``, which sits at the server's root, beside ``/v1``."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    path = path[: -len("/v1")] if path.endswith("/v1") else path
    return urlunsplit((parts.scheme, parts.netloc, path + "/tokenize", "", ""))


def locate(tokens: Sequence[int], runs: Sequence[Sequence[int]]) -> tuple[list[int], int | None]:
    """The start of each run in ``tokens``, runs in order and apart, each found as late as the
    runs after it allow; with the index of the first run (from the end) that is not found."""
    starts: list[int] = []
    end = len(tokens)
    for index in range(len(runs) - 1, -1, -1):
        run = list(runs[index])
        if not run:
            starts.append(end)
            continue
        start = next(
            (s for s in range(end - len(run), -1, -1) if tokens[s : s + len(run)] == run), None
        )
        if start is None:
            return [], index
        starts.append(start)
        end = start
    return starts[::-1], None


class OpenAILogprobScorer:
    def __init__(self, config: OpenAIScorerConfig):
        self.config = config
        self.model = config.model
        self.name = f"openai:{config.model}"
        self.supports_images = config.supports_images
        self.usage = Usage(config.model, {}, config.max_requests)
        self._tokenize_url = tokenize_url(config.base_url)
        self._server = server_address(config.base_url)  # two servers may share a model name
        self._cache = ResponseCache(config.cache) if config.cache is not None else None
        self._loop = asyncio.new_event_loop()
        self._pool = self._loop.run_until_complete(self._make_pool())

    async def _make_pool(self) -> ConnectionPool:
        config = self.config
        key = os.environ.get(config.api_key_env, "") or NO_KEY
        return ConnectionPool(key, config.base_url, config.timeout, config.concurrency)

    # -- the Scorer protocol --------------------------------------------------------------

    def losses(self, requests: Sequence[LossRequest]) -> list[Loss]:
        return self._loop.run_until_complete(self._losses(list(requests)))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.run_until_complete(self._pool.aclose())
        self._loop.close()
        if self._cache is not None:
            self._cache.close()

    def report(self) -> dict[str, Any]:
        """This run's requests, for the summary."""
        usage = self.usage
        return {
            "scorer": self.name,
            "base_url": public_url(self.config.base_url),
            "cache": str(self.config.cache) if self.config.cache else None,
            "requests": usage.requests,
            "retries": usage.retries,
            "failed_attempts": dict(sorted(usage.failed_attempts.items())),
            "cache_hits": usage.cache_hits,
            "prompt_tokens": usage.prompt_tokens,
        }

    # -- one batch ------------------------------------------------------------------------

    async def _losses(self, requests: list[LossRequest]) -> list[Loss]:
        slots = asyncio.Semaphore(self.config.concurrency)
        batch = _Batch()

        async def one(request: LossRequest) -> Loss:
            async with slots:
                return await self._loss(request, batch)

        tasks = [asyncio.ensure_future(one(r)) for r in requests]
        try:
            return list(await asyncio.gather(*tasks))
        finally:  # after a failure, nothing of this batch goes on in the background
            pending: list[asyncio.Future[Any]] = [
                *tasks,
                *batch.prompts.values(),
                *batch.tokens.values(),
            ]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if self._cache is not None:
                self._cache.commit()

    async def _loss(self, request: LossRequest, batch: _Batch) -> Loss:
        texts = [p for m in request.messages for p in m.parts if not p.image]
        first = next((i for i, p in enumerate(texts) if p.scored), None)
        if first is None:
            return Loss(None, 0, "empty", "the request marks no text as scored (X)")
        if request.has_image and request.image is None:
            raise ValueError("a request with an image part needs its image file")
        try:
            reference = (
                image_reference(file_sha256(request.image), self.config.image_max_side)
                if request.has_image and request.image is not None
                else ""
            )
        except OSError as e:
            return Loss(None, 0, "bad_image", f"{request.image}: {e}")
        wire = _wire(request, reference)
        flags = [[p.scored for p in m.parts] for m in request.messages]
        key = cache_key(
            self.model,
            wire,
            {"protocol": PROTOCOL, "scored": flags, **CHAT_PARAMS},
            server=self._server,
        )
        if self._cache is not None and (hit := self._cache.get(key)) is not None:
            self.usage.cache_hits += 1
            return Loss(**hit)
        try:
            prompt = _shared(
                batch.prompts,
                cache_key(self.model, wire, CHAT_PARAMS),
                lambda: self._prompt(request),
            )
            tokens, logprobs = await prompt
            tail = texts[first:]
            runs = await asyncio.gather(
                *(_shared(batch.tokens, p.text, partial(self._tokens, p.text)) for p in tail)
            )
        # Not cached: what a fixed file or server setting would change.
        except _BadImage as e:
            return Loss(None, 0, e.reason, str(e))
        except _Refused as e:
            return Loss(None, 0, "request_failed", str(e))
        except _TooLong as e:
            loss = Loss(None, 0, "too_long", str(e))
        else:
            loss = _x_loss(tokens, logprobs, tail, runs)
        if self._cache is not None:
            self._cache.put(key, asdict(loss))
        return loss

    async def _prompt(self, request: LossRequest) -> tuple[list[int], list[float | None]]:
        """The prompt's tokens and log-probabilities, as the server formats ``request``."""
        url = ""
        if request.has_image and request.image is not None:
            args = (request.image, self.config.image_max_side, self.config.max_pixels)
            try:  # in a thread: decoding and downscaling a big image would stall the loop
                url = await asyncio.to_thread(data_url, *args)
            except TooManyPixels as e:
                raise _BadImage("too_many_pixels", f"{request.image}: {e}") from None
            except (OSError, ValueError) as e:
                raise _BadImage("bad_image", f"{request.image}: {e}") from None
        body = {"model": self.model, "messages": _wire(request, url), **CHAT_PARAMS}
        return await self._post("/chat/completions", body, _prompt_logprobs)

    async def _tokens(self, text: str) -> list[int]:
        body = {"model": self.model, "prompt": text, "add_special_tokens": False}
        return await self._post(self._tokenize_url, body, _token_list)

    # -- HTTP -----------------------------------------------------------------------------

    async def _post(self, url: str, body: dict[str, Any], parse: Callable[[Any], Any]) -> Any:
        """``parse`` of the JSON reply to ``body`` at ``url`` (relative to the base URL, or
        absolute), after as many attempts as a retryable failure needs."""
        config = self.config

        async def attempt() -> Any:
            self.usage.before_request()
            reply = await self._pool.post(url, body)
            result = parse(reply)
            if isinstance(reply, dict) and isinstance(reply.get("usage"), dict):
                self.usage.prompt_tokens += int(reply["usage"].get("prompt_tokens") or 0)
            return result

        return await with_retries(
            attempt,
            usage=self.usage,
            max_attempts=config.max_attempts,
            timeout=config.timeout,
            backoff_base=config.backoff_base,
            backoff_max=config.backoff_max,
            status_error=lambda e: self._status_error(e, url),
            redact=self._pool.redact,
            where=f" at {url}",
        )

    def _status_error(self, e: openai.APIStatusError, url: str) -> str:
        """Why a non-2xx answer was given, if it is worth retrying; otherwise raise what it
        means for the request or the run."""
        status, message = e.status_code, self._pool.redact(getattr(e, "message", "") or str(e))
        if is_retried(status):
            return message
        if _TOO_LONG.search(message):
            raise _TooLong(message) from None
        if status in FATAL_STATUS:
            hint = f" (the key is read from ${self.config.api_key_env})" if status < 404 else ""
            where = public_url(url if "://" in url else self.config.base_url.rstrip("/") + url)
            raise UsageError(
                f"{FATAL_STATUS[status]} (HTTP {status} from {where}){hint}: {message}"
            ) from None
        raise _Refused(f"HTTP {status}: {message}") from None


def _x_loss(
    tokens: list[int], logprobs: list[float | None], tail: list[Part], runs: Sequence[list[int]]
) -> Loss:
    """The mean -logprob over X's tokens, ``tail`` being the text parts from X's first on and
    ``runs`` their tokens alone."""
    if any(p.scored and not run for p, run in zip(tail, runs)):
        return Loss(None, 0, "empty", "a scored text has no tokens")
    starts, missing = locate(tokens, runs)
    if missing is not None:
        role = "scored text" if tail[missing].scored else "text after X"
        return Loss(
            None,
            0,
            "x_not_found",
            (
                f"the {role} {_clip(tail[missing].text)!r} ({len(runs[missing])} tokens alone) is "
                f"not found as these tokens, in order, in the {len(tokens)}-token prompt the "
                "server's chat template made (the template may change the text, e.g. trim it, or "
                "merge its tokens with the template's)"
            ),
        )
    values = [
        logprobs[s + i]
        for p, s, run in zip(tail, starts, runs)
        if p.scored
        for i in range(len(run))
    ]
    if any(v is None for v in values):
        return Loss(None, 0, "x_not_found", "X starts the prompt: no log-probability there")
    return Loss(-sum(v for v in values if v is not None) / len(values), len(values))


def _shared(
    memo: dict[str, asyncio.Future[T]], key: str, make: Callable[[], Awaitable[T]]
) -> asyncio.Future[T]:
    """One task per key for the whole batch, whoever asks first starts it."""
    if key not in memo:
        memo[key] = asyncio.ensure_future(make())
    return memo[key]


def _wire(request: LossRequest, image_url: str) -> list[dict[str, Any]]:
    """The chat as the server gets it; a lone text part goes as plain content."""
    messages = []
    for message in request.messages:
        parts = message.parts
        if len(parts) == 1 and not parts[0].image:
            content: Any = parts[0].text
        else:
            content = [
                {"type": "image_url", "image_url": {"url": image_url}}
                if p.image
                else {"type": "text", "text": p.text}
                for p in parts
            ]
        messages.append({"role": message.role, "content": content})
    return messages


def _prompt_logprobs(reply: Any) -> tuple[list[int], list[float | None]]:
    """The prompt's token ids (-1 where unknown) and their log-probabilities (None for the
    first) from a chat completion with ``prompt_logprobs``."""
    if not isinstance(reply, dict) or not isinstance(reply.get("choices"), list):
        raise MalformedResponse(f"not a chat completion: {str(reply)[:200]!r}")
    entries = reply.get("prompt_logprobs")
    if entries is None:
        raise UsageError(
            "the server returned no prompt_logprobs: the openai scorer needs a "
            "vLLM-compatible server (prompt_logprobs on chat completions)"
        )
    ids = reply.get("prompt_token_ids")
    if not isinstance(entries, list) or (
        ids is not None
        and not (
            isinstance(ids, list)
            and len(ids) == len(entries)
            and all(isinstance(t, int) for t in ids)
        )
    ):
        raise MalformedResponse("prompt_logprobs and prompt_token_ids do not match")
    tokens: list[int] = []
    values: list[float | None] = []
    for i, entry in enumerate(entries):
        if entry is None:
            tokens.append(ids[i] if ids is not None else -1)
            values.append(None)
            continue
        if not isinstance(entry, dict) or not entry:
            raise MalformedResponse(f"prompt_logprobs[{i}] is {str(entry)[:100]!r}")
        if ids is None and len(entry) > 1:
            raise UsageError(
                "the server lists several tokens per prompt position and no "
                "prompt_token_ids, so the prompt's own tokens are unknown"
            )
        key = str(ids[i]) if ids is not None else next(iter(entry))
        value = entry.get(key)
        value = value.get("logprob") if isinstance(value, dict) else value
        if not isinstance(value, (int, float)) or not key.lstrip("-").isdigit():
            raise MalformedResponse(f"prompt_logprobs[{i}] has no log-probability of its token")
        tokens.append(int(key))
        values.append(float(value))
    return tokens, values


def _token_list(reply: Any) -> list[int]:
    tokens = reply.get("tokens") if isinstance(reply, dict) else None
    if not isinstance(tokens, list) or not all(isinstance(t, int) for t in tokens):
        raise MalformedResponse(f"not a /tokenize reply: {str(reply)[:200]!r}")
    return tokens


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
