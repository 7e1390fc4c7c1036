import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's ~/.cache/llavar2."""
    monkeypatch.setenv("LLAVAR2_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "llavar2-cache"))
