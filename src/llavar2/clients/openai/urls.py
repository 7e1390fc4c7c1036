"""Server addresses as they may appear in summaries."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

# Where the openai client sends requests when neither base_url nor OPENAI_BASE_URL says.
DEFAULT_BASE_URL = "https://api.openai.com/v1"


def public_url(url: str | None) -> str | None:
    """``url`` without user info or query, which may carry credentials, for summaries."""
    if url is None:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def server_address(base_url: str | None) -> str:
    """The server that ``base_url`` makes the openai client talk to, in one form: the client's
    default when None (``OPENAI_BASE_URL``, else api.openai.com), without user info, query or
    trailing slash. It is part of every response cache key and of a run's settings: replies of
    one server are never taken for another's."""
    url = base_url
    if url is None:
        url = os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
    return (public_url(str(url)) or "").rstrip("/")
