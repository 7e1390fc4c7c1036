import os
import secrets

import pytest

from llavar2.testing.fake_openai import FakeChatServer


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Tests never read or write the user's ~/.cache/llavar2 (session-wide, so that
    module-scoped fixtures are covered too)."""
    old = os.environ.get("LLAVAR2_CACHE_DIR")
    os.environ["LLAVAR2_CACHE_DIR"] = str(tmp_path_factory.mktemp("llavar2-cache"))
    yield
    if old is None:
        os.environ.pop("LLAVAR2_CACHE_DIR", None)
    else:
        os.environ["LLAVAR2_CACHE_DIR"] = old


@pytest.fixture
def chat_server():
    """``chat_server(**options)`` starts a FakeChatServer; all are stopped after the test."""
    started: list[FakeChatServer] = []

    def start(**options) -> FakeChatServer:
        started.append(FakeChatServer(**options).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def api_key(monkeypatch) -> str:
    """A fresh secret in $LLAVAR2_TEST_OPENAI_KEY (tests check it is never written or shown)."""
    key = "sk-test-" + secrets.token_hex(16)
    monkeypatch.setenv("LLAVAR2_TEST_OPENAI_KEY", key)
    return key
