"""The openai backend against a real local HTTP server (llavar2.testing.fake_openai) through
the real ``openai`` client: builds of bundled sample images, with short timeouts and backoffs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llavar2 import samples
from llavar2.config import BuildConfig, OpenAIConfig
from llavar2.runners.local import build
from llavar2.testing.fake_openai import FakeChatServer

KEY_ENV = "LLAVAR2_TEST_OPENAI_KEY"


@pytest.fixture
def manifest(tmp_path):
    """``manifest(rows)``: a captions JSONL of ``rows``, or of the first ``rows`` samples."""

    def write(rows: list[dict] | int, name: str = "captions.jsonl") -> Path:
        if isinstance(rows, int):
            rows = [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()][:rows]
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return path

    return write


@pytest.fixture
def openai_build(tmp_path, api_key):
    """``openai_build(server, manifest, out)`` builds with the openai backend; OCR results come
    from the session's cache, replies go to ``tmp_path/replies.sqlite3`` unless ``cache`` says."""

    def run(
        server: FakeChatServer,
        manifest: Path,
        out: Path,
        images: Path = samples.IMAGES_DIR,
        **options,
    ) -> dict:
        settings = {
            "model": "fake-vlm",
            "base_url": server.url,
            "api_key_env": KEY_ENV,
            "cache": tmp_path / "replies.sqlite3",
            "timeout": 5.0,
            "backoff_base": 0.01,
            "backoff_max": 0.05,
            **options,
        }
        return build(
            BuildConfig(
                images_dir=images,
                captions=manifest,
                out=out,
                backend="openai",
                progress=False,
                openai=OpenAIConfig(**settings),
            )
        )

    return run
