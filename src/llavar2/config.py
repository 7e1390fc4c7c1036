"""Typed configuration of a build (what the CLI and the runners share)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .ingest import DEFAULT_MAX_PIXELS


def default_cache_dir() -> Path:
    """``$LLAVAR2_CACHE_DIR``, else ``$XDG_CACHE_HOME/llavar2``, else ``~/.cache/llavar2``."""
    if env := os.environ.get("LLAVAR2_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llavar2"


class BuildConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    images_dir: Path
    captions: Path
    out: Path
    backend: str = "offline"
    engine: str = "rapidocr"
    workers: int = Field(default=1, ge=1)
    seed: int = 0
    n_duos: int = Field(default=4, ge=1)
    max_pixels: int = Field(default=DEFAULT_MAX_PIXELS, ge=1)
    cache_dir: Path | None = Field(default_factory=default_cache_dir)  # None: no OCR cache
    progress: bool = True
