"""Retrying HTTP calls to OpenAI-compatible servers (the chat client and the scorer).

An attempt that times out, loses its connection, gets a 408/409/429/5xx or an unreadable reply
is tried again after an exponential backoff with "equal jitter", or after the server's
``Retry-After``; other statuses mean something about the request or the run, which the
caller's ``status_error`` decides (it raises). After ``max_attempts`` failures in a row the run
stops with ``RunIncomplete``: rerunning the command continues it.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import openai

from ...errors import RunIncomplete
from .usage import Usage

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_AFTER_CAP = 600.0  # seconds: a longer Retry-After is taken as this
RETRIED_STATUS = {408, 409, 429}  # and every 5xx
FATAL_STATUS = {
    401: "the server refused the API key",
    403: "the API key may not do this",
    404: "the server does not know this model or endpoint",
}


class MalformedResponse(Exception):
    """A 2xx reply that is not what the endpoint returns (retried: proxies garble replies)."""


def retry_after(headers: Any) -> float | None:
    """Seconds a 429/503 asks us to wait: ``retry-after-ms``, or ``Retry-After`` as seconds or
    as an HTTP date."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            pass
    value = headers.get("retry-after")
    try:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


def is_retried(status: int) -> bool:
    return status in RETRIED_STATUS or status >= 500


def backoff_delay(attempt: int, retry_after_s: float | None, base: float, cap: float) -> float:
    if retry_after_s is not None:
        return min(retry_after_s, RETRY_AFTER_CAP)
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter"


async def with_retries(
    send: Callable[[], Awaitable[T]],
    *,
    usage: Usage,
    max_attempts: int,
    timeout: float,
    backoff_base: float,
    backoff_max: float,
    status_error: Callable[[openai.APIStatusError], str],
    redact: Callable[[str], str],
    where: str = "",
) -> T:
    """``await send()`` until it succeeds, as the module docstring says. ``status_error``
    returns why a retried status failed (for the log and the final error) or raises."""
    kind = why = ""
    for attempt in range(1, max_attempts + 1):
        wait = None
        try:
            return await send()
        except openai.APITimeoutError:
            kind, why = "timeout", f"no reply within {timeout:g} s"
        except openai.APIConnectionError as e:
            kind, why = "connection", str(e.__cause__ or e)
        except openai.APIStatusError as e:
            kind, why = str(e.status_code), status_error(e)
            wait = retry_after(e.response.headers)
        except (MalformedResponse, json.JSONDecodeError, openai.APIResponseValidationError) as e:
            kind, why = "malformed_response", str(e)
        usage.failed_attempts[kind] += 1
        if attempt < max_attempts:
            usage.retries += 1
            delay = backoff_delay(attempt, wait, backoff_base, backoff_max)
            logger.debug("attempt %d failed (%s); retrying in %.2f s", attempt, kind, delay)
            await asyncio.sleep(delay)
    raise RunIncomplete(
        redact(
            f"the server failed {max_attempts} attempts in a row{where}, "
            f"the last with {kind}: {why}"
        )
    )
