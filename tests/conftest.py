import os

import pytest


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
