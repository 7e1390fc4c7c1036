"""Server addresses as they may appear in summaries."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def public_url(url: str | None) -> str | None:
    """``url`` without user info or query, which may carry credentials, for summaries."""
    if url is None:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
