"""Where llavar2 keeps its caches. A module of its own, so that a command that needs only this
(``llavar2 evaluate`` on files, say) does not import the build configuration's dependencies."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$LLAVAR2_CACHE_DIR``, else ``$XDG_CACHE_HOME/llavar2``, else ``~/.cache/llavar2``."""
    if env := os.environ.get("LLAVAR2_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llavar2"
