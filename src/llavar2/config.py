"""Typed configuration of a build (what the CLI and the runners share)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .imaging import DEFAULT_MAX_PIXELS
from .ocr.base import DEFAULT_ENGINE
from .ocr.gate import DEFAULT_LANGUAGE, check_language
from .paths import default_cache_dir
from .text.grounding import DEFAULT_MIN_SCORE, DEFAULT_MODE, GroundingMode

__all__ = ["BuildConfig", "OpenAIConfig", "ResponseFormat", "default_cache_dir"]


ResponseFormat = Literal["json_schema", "json_object", "none"]


class OpenAIConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    base_url: str | None = None  # None: the client's default (api.openai.com)
    api_key_env: str = "OPENAI_API_KEY"  # the NAME of the variable; the key is never stored
    concurrency: int = Field(default=16, ge=1)  # requests in flight at once
    timeout: float = Field(default=120.0, gt=0)  # seconds per request attempt
    max_requests: int | None = Field(default=None, ge=0)  # HTTP requests this run, retries too
    max_tokens_total: int | None = Field(default=None, ge=0)  # prompt + completion, this run
    image_max_side: int = Field(default=1024, ge=16)  # longer side after downscaling, pixels
    image_detail: Literal["auto", "low", "high"] = "auto"
    temperature: float = Field(default=0.2, ge=0)
    max_reply_tokens: int = Field(default=2048, ge=1)
    response_format: ResponseFormat = "json_schema"  # a server that refuses it gets a simpler one
    max_attempts: int = Field(default=6, ge=1)  # per request, the first one included
    backoff_base: float = Field(default=1.0, ge=0)  # seconds; doubles per retry, jittered
    backoff_max: float = Field(default=60.0, ge=0)
    prices: Path | None = None  # JSON price table merged over the bundled one
    cache: Path | None = None  # response cache file (SQLite); None: no cache

    def record_settings(self) -> dict[str, Any]:
        """What decides the records (a resumed build must not change it): the server too, as
        the client resolves it (two servers may serve other models under one name)."""
        from .clients.openai.urls import server_address  # not at import: loads openai

        return {
            "model": self.model,
            "server": server_address(self.base_url),
            "response_format": self.response_format,
            "image_max_side": self.image_max_side,
            "image_detail": self.image_detail,
            "temperature": self.temperature,
            "max_reply_tokens": self.max_reply_tokens,
        }


class BuildConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    images_dir: Path
    captions: Path
    out: Path
    backend: str = "offline"
    engine: str = DEFAULT_ENGINE
    language: str = DEFAULT_LANGUAGE  # language of the images' text, for the OCR quality gate
    workers: int = Field(default=1, ge=1)
    seed: int = 0
    n_duos: int = Field(default=4, ge=1)
    grounding: GroundingMode = DEFAULT_MODE  # how an extractive answer must match the OCR text
    grounding_min_score: float = Field(default=DEFAULT_MIN_SCORE, gt=0.5, le=1.0)
    max_pixels: int = Field(default=DEFAULT_MAX_PIXELS, ge=1)
    cache_dir: Path | None = Field(default_factory=default_cache_dir)  # None: no OCR cache
    progress: bool = True
    openai: OpenAIConfig | None = None  # options of --backend openai

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        return check_language(value)
