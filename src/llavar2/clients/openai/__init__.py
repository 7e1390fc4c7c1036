"""The client of OpenAI-compatible servers that generation, scoring, answering and judging share.

* ``ChatSession``: one run's chat completions (key, budget, response cache, retries, the
  response_format fallback, ordered concurrent mapping over items); ``ChatClient`` is its
  ``client``, ``ChatReply`` what it returns.
* ``image_reference`` stands for an image in cached messages; ``data_url`` is what is sent.
* The parts for a client of other endpoints (the scorer's prompt log-probabilities):
  ``ConnectionPool``, ``with_retries`` (with ``is_retried``, ``FATAL_STATUS`` and
  ``MalformedResponse``), ``ResponseCache`` and ``cache_key``, ``Usage``, and the server's
  address as summaries show it (``public_url``) and as cache keys name it
  (``server_address``).
"""

from .cache import ResponseCache, cache_key
from .client import ChatClient, ChatReply
from .images import data_url, image_reference
from .pool import ConnectionPool
from .retry import FATAL_STATUS, MalformedResponse, is_retried, with_retries
from .session import ChatSession
from .urls import public_url, server_address
from .usage import Usage

__all__ = [
    "FATAL_STATUS",
    "ChatClient",
    "ChatReply",
    "ChatSession",
    "ConnectionPool",
    "MalformedResponse",
    "ResponseCache",
    "Usage",
    "cache_key",
    "data_url",
    "image_reference",
    "is_retried",
    "public_url",
    "server_address",
    "with_retries",
]
