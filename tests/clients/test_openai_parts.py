"""The pieces of the shared OpenAI-compatible client on their own: ordered concurrency, the
response cache, images as data URLs, Retry-After, prices, budget."""

import asyncio
import base64
import io
import json
import random
import time
from email.utils import formatdate

import pytest
from PIL import Image

from llavar2.clients.openai import (
    ResponseCache,
    Usage,
    cache_key,
    data_url,
    public_url,
    server_address,
)
from llavar2.clients.openai.ordered import ordered_map
from llavar2.clients.openai.retry import retry_after
from llavar2.clients.openai.usage import load_prices, price_of
from llavar2.errors import RunIncomplete, UsageError


def test_ordered_map_keeps_input_order_and_bounds_the_window():
    loop = asyncio.new_event_loop()
    rng = random.Random(3)
    running = peak = 0

    async def work(i):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(rng.uniform(0, 0.005))
        running -= 1
        return i * i

    assert list(ordered_map(loop, work, range(60), window=8)) == [i * i for i in range(60)]
    assert 1 < peak <= 8
    loop.close()


def test_ordered_map_raises_in_turn_and_cancels_the_rest():
    loop = asyncio.new_event_loop()
    started, cancelled = [], []

    async def work(i):
        started.append(i)
        try:
            await asyncio.sleep(0 if i < 3 else 10)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise
        if i == 2:
            raise RunIncomplete("budget")
        return i

    results = ordered_map(loop, work, iter(range(100)), window=5)
    assert [next(results), next(results)] == [0, 1]
    with pytest.raises(RunIncomplete):
        next(results)
    assert max(started) < 100 and sorted(cancelled) == [i for i in started if i > 2]
    loop.close()


def test_response_cache_survives_reopening(tmp_path):
    path = tmp_path / "c" / "replies.sqlite3"
    key = cache_key("m", [{"role": "user", "content": "hi"}], {"temperature": 0})
    cache = ResponseCache(path)
    assert cache.get(key) is None
    cache.put(key, {"content": "hello"})
    assert cache.get(key) == {"content": "hello"}  # visible before its batch is committed
    cache.close()
    assert ResponseCache(path).get(key) == {"content": "hello"}


def test_cache_key_covers_model_messages_and_parameters():
    base = cache_key("m", [{"role": "user", "content": "a"}], {"t": 0})
    assert base == cache_key("m", [{"role": "user", "content": "a"}], {"t": 0})
    assert (
        len(
            {
                base,
                cache_key("n", [{"role": "user", "content": "a"}], {"t": 0}),
                cache_key("m", [{"role": "user", "content": "b"}], {"t": 0}),
                cache_key("m", [{"role": "user", "content": "a"}], {"t": 1}),
            }
        )
        == 4
    )


def test_cache_key_covers_the_server_and_the_response_format():
    def key(server, fmt):
        return cache_key(
            "m", [{"role": "user", "content": "a"}], {"t": 0}, server=server, response_format=fmt
        )

    keys = {
        key(s, f)
        for s in ("http://a:8000/v1", "http://b:8000/v1")
        for f in ("json_schema", "json_object", "none")
    }
    assert len(keys) == 6
    assert key("http://a:8000/v1", "none") == key("http://a:8000/v1", "none")


def test_server_address_is_the_clients_real_target(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert server_address(None) == "https://api.openai.com/v1"
    assert server_address("http://user:pw@host:8000/v1/?k=1") == "http://host:8000/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://proxy:9/v1")
    assert server_address(None) == "http://proxy:9/v1"


def test_an_unusable_cache_file_is_a_usage_error(tmp_path):
    path = tmp_path / "replies.sqlite3"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(UsageError, match="response cache"):
        ResponseCache(path)


def decoded(url):
    header, payload = url.split(",", 1)
    return header, Image.open(io.BytesIO(base64.b64decode(payload)))


def test_data_urls_send_small_images_as_they_are_and_downscale_big_ones(tmp_path):
    small = tmp_path / "small.jpg"
    Image.new("RGB", (300, 200), "red").save(small)
    url = data_url(small, 512, 10**8)
    assert url == "data:image/jpeg;base64," + base64.b64encode(small.read_bytes()).decode()
    big = tmp_path / "big.png"
    Image.new("RGBA", (2000, 1000), "blue").save(big)
    header, image = decoded(data_url(big, 512, 10**8))
    assert header == "data:image/png;base64" and image.size == (512, 256)
    bmp = tmp_path / "scan.bmp"
    Image.new("L", (100, 50), 128).save(bmp)
    header, image = decoded(data_url(bmp, 512, 10**8))
    assert header == "data:image/png;base64" and image.size == (100, 50)


def test_retry_after_forms():
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    later = retry_after({"retry-after": formatdate(time.time() + 30, usegmt=True)})
    assert 25 < later <= 31
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


def test_prices(tmp_path):
    prices = load_prices()
    assert price_of("gpt-4o-2024-08-06", prices) == (
        "gpt-4o-2024-08-06",
        {"input": 2.5, "output": 10.0},
    )
    assert price_of("gpt-4o-mini-2024-07-18", prices)[0] == "gpt-4o-mini-2024-07-18"
    assert price_of("llava-13b", prices) is None
    extra = tmp_path / "prices.json"
    extra.write_text(json.dumps({"models": {"llava-13b": {"input": 0.1, "output": 0.2}}}))
    usage = Usage(
        "llava-13b", load_prices(extra), prompt_tokens=1_000_000, completion_tokens=500_000
    )
    assert usage.report()["cost_usd"] == pytest.approx(0.2)
    extra.write_text(json.dumps({"models": {"x": {"input": "free"}}}))
    with pytest.raises(UsageError, match="'x'"):
        load_prices(extra)


def test_a_dated_snapshot_has_its_own_price_not_its_aliases():
    prices = load_prices()
    usage = Usage("gpt-4o-2024-05-13", prices, prompt_tokens=1_000_000, completion_tokens=1_000_000)
    report = usage.report()
    assert report["price_per_1m_tokens"] == {
        "model": "gpt-4o-2024-05-13",
        "input": 5.0,
        "output": 15.0,
    }
    assert report["cost_usd"] == pytest.approx(20.0)  # not gpt-4o's 2.5 + 10


@pytest.mark.parametrize("model", ["gpt-4o-2099-01-01", "gpt-4o-mini-2099-01-01", "gpt-4o-x"])
def test_an_unknown_snapshot_gets_no_price_rather_than_a_guess(model):
    usage = Usage(model, load_prices(), prompt_tokens=1000, completion_tokens=1000)
    report = usage.report()
    assert report["cost_usd"] is None and report["price_per_1m_tokens"] is None


def test_budget_counts_requests_and_tokens():
    usage = Usage("m", {}, max_requests=2)
    usage.before_request()
    usage.before_request()
    with pytest.raises(RunIncomplete, match="--max-requests 2"):
        usage.before_request()
    usage = Usage("m", {}, max_tokens_total=100)
    usage.before_request()
    usage.prompt_tokens, usage.completion_tokens = 90, 10
    with pytest.raises(RunIncomplete, match="--max-tokens-total 100"):
        usage.before_request()
    assert usage.requests == 1


def test_public_url_drops_credentials():
    assert (
        public_url("https://user:pw@host.example:8443/v1?key=abc") == "https://host.example:8443/v1"
    )
    assert public_url(None) is None
