"""A build through the openai backend against a server that fails in every way the issue names:
every input ends as exactly one kept record or one reject with its reason, retries honour
Retry-After, and a rerun is served from the response cache without a single request."""

import json
import logging
from collections import Counter

import pytest

from llavar2 import samples
from llavar2.jsonl import read_jsonl
from llavar2.testing.fake_openai import Fault
from llavar2.testing.scripted_model import scripted_reply

ROWS = [json.loads(line) for line in samples.CAPTIONS.read_text().splitlines()][:11]
CAPTION = {i: row["caption"] for i, row in enumerate(ROWS)}
UNGROUNDED_DUO = {
    "type": "text",
    "question": "Who painted the poster?",
    "answer": "Vincent van Gogh",
    "explain_question": "How do you know?",
    "explain_answer": "The signature says Vincent van Gogh.",
}


def fault_plan(request):
    """Faults by image (row) and stage; row 0 and the other stages are answered normally."""
    row = next((i for i, c in CAPTION.items() if c == request.human_caption), None)
    first = request.attempt == 1
    plan = {
        (1, "enrich"): Fault(status=429, retry_after="1") if first else None,
        (2, "enrich"): Fault(status=500) if request.attempt <= 2 else None,
        (3, "qa"): Fault(status=503) if first else None,
        (4, "enrich"): Fault(delay=2.5) if first else None,  # longer than the 1.5 s timeout
        (5, "qa"): Fault(drop=True) if first else None,
        (6, "enrich"): Fault(body="<html>502 Bad Gateway</html>") if first else None,
        # Content faults: the reply itself is bad; the repair request is a new request.
        (7, "enrich"): None if request.is_repair else Fault(content="Sure! Here is a caption."),
        (8, "qa"): Fault(content=json.dumps({"duos": [{"question": "What?"}]})),
        (10, "qa"): Fault(content=json.dumps({"duos": [UNGROUNDED_DUO]})),
    }
    if (row, request.stage) == (9, "qa"):  # one ungrounded duo among grounded ones
        duos = json.loads(scripted_reply(request.body))["duos"]
        return Fault(content=json.dumps({"duos": [UNGROUNDED_DUO, *duos[:2]]}))
    return plan.get((row, request.stage))


def outcomes(out, stage, kept_file):
    kept = [r["id"] for r in read_jsonl(out / kept_file)]
    rejected = [r["id"] for r in read_jsonl(out / "rejects.jsonl") if r["stage"] == stage]
    return kept, rejected


def without_time(records):
    for record in records:
        record.get("provenance", {}).pop("created_at", None)
    return records


@pytest.mark.slow
def test_faults_end_as_one_record_or_one_reject_each_and_a_rerun_costs_nothing(
    tmp_path, chat_server, openai_build, manifest, api_key, caplog
):
    caplog.set_level(logging.DEBUG)  # every logger, the client's and httpx's included
    server = chat_server(faults=fault_plan)
    captions_file = manifest(ROWS)
    summary = openai_build(server, captions_file, tmp_path / "out", timeout=1.5)
    out = tmp_path / "out"

    image_ids = [r["id"] for r in read_jsonl(out / "images.jsonl")]
    assert len(image_ids) == len(ROWS)
    by_row = dict(enumerate(image_ids))
    # Every input: exactly one outcome per stage, none lost, none duplicated, in input order.
    captions, enrich_rejects = outcomes(out, "enrich", "captions.jsonl")
    assert enrich_rejects == [] and captions == image_ids
    conversations, qa_rejects = outcomes(out, "qa", "conversations.jsonl")
    assert sorted(conversations + qa_rejects) == sorted(image_ids)
    assert len(set(conversations + qa_rejects)) == len(image_ids)
    assert conversations == [i for i in image_ids if i not in qa_rejects]

    rejects = {r["id"]: r for r in read_jsonl(out / "rejects.jsonl")}
    assert set(rejects) == {by_row[8], by_row[10]}
    invalid = rejects[by_row[8]]
    assert invalid["reason"] == "invalid_output"
    assert "does not match the schema" in invalid["detail"] and "repair" in invalid["detail"]
    assert len(invalid["raw_output"]) == 2  # the reply and the repaired reply, both kept
    dropped_all = rejects[by_row[10]]
    assert dropped_all["reason"] == "no_kept_duos"
    assert "ungrounded_answer" in dropped_all["detail"]
    assert "Vincent van Gogh" in dropped_all["raw_output"][0]

    sets = {r["id"]: r for r in read_jsonl(out / "conversations.jsonl")}
    mixed = sets[by_row[9]]
    assert [d["reason"] for d in mixed["dropped"]] == ["ungrounded_answer"]
    assert len(mixed["duos"]) == 2
    repaired = {r["id"]: r for r in read_jsonl(out / "captions.jsonl")}[by_row[7]]
    assert repaired["provenance"]["raw_output"] == "Sure! Here is a caption."
    assert repaired["provenance"]["params"]["requests"] == 2
    assert repaired["human_caption"] in repaired["caption"]

    # The server saw each faulty request again, and the 429's retry came after Retry-After.
    attempts = Counter()
    arrivals: dict[tuple, list[float]] = {}
    for request in server.requests:
        row = next(i for i, c in CAPTION.items() if c == request.human_caption)
        attempts[row, request.stage, request.is_repair] += 1
        arrivals.setdefault((row, request.stage, request.is_repair), []).append(request.arrived)
    assert attempts[1, "enrich", False] == 2
    first, second = arrivals[1, "enrich", False]
    assert second - first >= 1.0
    assert attempts[2, "enrich", False] == 3
    for key in [(3, "qa", False), (4, "enrich", False), (5, "qa", False), (6, "enrich", False)]:
        assert attempts[key] == 2, key
    assert attempts[7, "enrich", True] == attempts[8, "qa", True] == 1
    generation = summary["generation"]
    assert generation["requests"] == len(server.requests)
    errors = generation["failed_attempts"]
    for kind, n in {
        "429": 1,
        "500": 2,
        "503": 1,
        "timeout": 1,
        "connection": 1,
        "malformed_response": 1,
    }.items():
        assert errors.get(kind, 0) >= n, (kind, errors)
    assert generation["prompt_tokens"] > 0 and generation["completion_tokens"] > 0
    assert summary["counts"]["dropped_duo_reasons"] == {"ungrounded_answer": 1}
    assert summary["incomplete"] is None
    assert all(r.authorization == f"Bearer {api_key}" for r in server.requests)
    assert api_key not in caplog.text

    # Same build into a new folder, same cache: zero requests, identical records.
    sent = len(server.requests)
    again = openai_build(server, captions_file, tmp_path / "again", timeout=1.5)
    assert len(server.requests) == sent
    assert again["generation"]["requests"] == 0
    # Every reply the first run received (all requests but the failed attempts) is reused.
    assert again["generation"]["cache_hits"] == sent - sum(errors.values())
    for name in ["captions.jsonl", "conversations.jsonl", "rejects.jsonl"]:
        assert without_time(list(read_jsonl(tmp_path / "again" / name))) == without_time(
            list(read_jsonl(out / name))
        ), name
