"""Whole runs: a budget stops a build cleanly and a rerun finishes it; a server that refuses
response_format gets instructions instead; a refused key stops the run before anything is
written."""

import pytest

from llavar2.errors import UsageError
from llavar2.jsonl import read_jsonl
from llavar2.testing.fake_openai import Fault


def ids(path):
    return [r["id"] for r in read_jsonl(path)] if path.exists() else []


def test_a_spent_budget_stops_cleanly_and_a_rerun_finishes(
    tmp_path, chat_server, openai_build, manifest
):
    server = chat_server()
    captions = manifest(4)
    out = tmp_path / "out"
    first = openai_build(server, captions, out, max_requests=3)
    assert "--max-requests 3" in first["incomplete"] and "rerun" in first["incomplete"]
    assert first["generation"]["requests"] == len(server.requests) == 3
    images = ids(out / "images.jsonl")
    done = ids(out / "captions.jsonl")
    assert done == images[: len(done)] and len(done) <= 3  # a prefix, in order
    assert ids(out / "conversations.jsonl") == [] and ids(out / "rejects.jsonl") == []

    second = openai_build(server, captions, out)
    assert second["incomplete"] is None and second["resumed"] is True
    assert ids(out / "captions.jsonl") == ids(out / "conversations.jsonl") == images
    assert len(server.requests) == 8  # every reply paid for once
    assert second["generation"]["cache_hits"] == 3 - len(done)


def test_token_budget(tmp_path, chat_server, openai_build, manifest):
    server = chat_server()
    summary = openai_build(server, manifest(3), tmp_path / "out", max_tokens_total=1, concurrency=1)
    assert "--max-tokens-total 1" in summary["incomplete"]
    assert len(server.requests) == 1


def test_refused_response_format_falls_back_to_instructions(
    tmp_path, chat_server, openai_build, manifest, caplog
):
    server = chat_server(refuse_response_format=True)
    summary = openai_build(server, manifest(2), tmp_path / "out", concurrency=1)
    assert summary["incomplete"] is None and summary["counts"]["rejects"] == 0
    assert summary["generation"]["response_format"] == "none"
    formats = [r.body.get("response_format", {}).get("type") for r in server.requests]
    assert formats[0] == "json_schema" and set(formats) == {"json_schema", "json_object", None}
    first_plain = formats.index(None)
    assert all(f is None for f in formats[first_plain:])
    for record in read_jsonl(tmp_path / "out" / "conversations.jsonl"):
        assert record["provenance"]["params"]["response_format"] == "none"
    assert "refused response_format json_schema" in caplog.text


@pytest.mark.parametrize("status", [401, 404])
def test_a_refused_key_or_unknown_model_stops_the_run(
    tmp_path, chat_server, openai_build, manifest, api_key, status
):
    server = chat_server(
        faults=lambda r: Fault(status=status, message=f"rejected: {r.authorization}")
    )
    out = tmp_path / "out"
    with pytest.raises(UsageError, match=f"HTTP {status}") as error:
        openai_build(server, manifest(2), out)
    assert api_key not in str(error.value) and "[redacted]" in str(error.value)
    assert ids(out / "captions.jsonl") == [] and ids(out / "rejects.jsonl") == []


def test_a_bad_request_rejects_only_its_item(tmp_path, chat_server, openai_build, manifest):
    rows = manifest(3)
    bad_caption = next(read_jsonl(rows))["caption"]
    server = chat_server(
        faults=lambda r: (
            Fault(status=400, message="image too large") if r.human_caption == bad_caption else None
        )
    )
    summary = openai_build(server, rows, tmp_path / "out")
    (reject,) = read_jsonl(tmp_path / "out" / "rejects.jsonl")
    assert (reject["stage"], reject["reason"]) == ("enrich", "request_failed")
    assert "HTTP 400" in reject["detail"] and "image too large" in reject["detail"]
    assert summary["counts"]["captions"] == summary["counts"]["conversation_images"] == 2


def test_qa_of_an_image_is_asked_while_enrich_goes_on(
    tmp_path, chat_server, openai_build, manifest
):
    # Concurrency 2 keeps 4 items per stage started: enrich of the 12th image can only start
    # once qa has finished its first items, whatever the timing.
    server = chat_server()
    out = tmp_path / "out"
    summary = openai_build(server, manifest(12), out, concurrency=2)
    assert summary["incomplete"] is None
    stages = [r.stage for r in server.requests]
    assert stages.index("qa") < len(stages) - 1 - stages[::-1].index("enrich")
    images = ids(out / "images.jsonl")
    assert ids(out / "captions.jsonl") == images
    conversations = ids(out / "conversations.jsonl")
    assert conversations == [i for i in images if i in set(conversations)]  # in input order
    assert len(conversations) + summary["counts"]["rejects"] == len(images)


def test_the_response_cache_does_not_answer_for_another_server(
    tmp_path, chat_server, openai_build, manifest
):
    """One cache file, two servers serving a model under the same name: the second build asks
    its own server instead of taking the first server's replies."""
    first, second = chat_server(), chat_server()
    captions = manifest(2)
    a = openai_build(first, captions, tmp_path / "a")
    assert a["generation"]["cache_hits"] == 0 and len(first.requests) == 4
    again = openai_build(first, captions, tmp_path / "a2")  # same server: all from the cache
    assert again["generation"]["cache_hits"] == 4 and len(first.requests) == 4
    b = openai_build(second, captions, tmp_path / "b")
    assert b["generation"]["cache_hits"] == 0 and len(second.requests) == 4


def test_the_response_cache_keys_the_response_format(tmp_path, chat_server, openai_build, manifest):
    server = chat_server()
    captions = manifest(1)
    openai_build(server, captions, tmp_path / "a")
    sent = len(server.requests)
    other = openai_build(server, captions, tmp_path / "b", response_format="json_object")
    assert other["generation"]["cache_hits"] == 0 and len(server.requests) == 2 * sent
    formats = {r.body.get("response_format", {}).get("type") for r in server.requests[sent:]}
    assert formats == {"json_object"}


def test_a_build_resumed_against_another_server_is_refused(
    tmp_path, chat_server, openai_build, manifest
):
    first, second = chat_server(), chat_server()
    captions = manifest(2)
    out = tmp_path / "out"
    openai_build(first, captions, out, max_requests=1)
    with pytest.raises(UsageError, match="base_url|server"):
        openai_build(second, captions, out)
