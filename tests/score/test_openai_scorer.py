"""The ``openai`` scorer against the local test server playing a vLLM server (real HTTP, the
real ``openai`` client). Expected losses come from this file's own implementation of the toy
model that ``llavar2.testing.fake_openai`` documents (tokenizer, chat template, log-probability
rule), not from the server's functions."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import shutil
import threading
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app
from llavar2.errors import RunIncomplete, UsageError
from llavar2.jsonl import read_jsonl
from llavar2.records import ConversationSet, DuoScores
from llavar2.score.base import SCORERS, LossRequest, Message, Part
from llavar2.score.duo import duo_requests as terms_of
from llavar2.score.scorers.openai_logprobs import tokenize_url
from llavar2.testing.fake_openai import TOKENIZE_PATH, FakeChatServer, Fault

KEY_ENV = "LLAVAR2_TEST_OPENAI_KEY"  # what the api_key fixture sets
IMAGE = sorted(samples.IMAGES_DIR.iterdir())[0]

# -- the toy model, as fake_openai's documentation states it -------------------------------

BOS, IM_START, IM_END, IMAGE_TOKEN, N_IMAGE_TOKENS = 1, 2, 3, 4, 8


def toy_pieces(text: str) -> list[str]:
    """A newline; or spaces/tabs with the word after them; or trailing spaces/tabs."""
    pieces, i = [], 0
    while i < len(text):
        if text[i] == "\n":
            pieces.append("\n")
            i += 1
            continue
        j = i
        while j < len(text) and text[j] != "\n" and text[j].isspace():
            j += 1
        k = j
        while k < len(text) and not text[k].isspace():
            k += 1
        pieces.append(text[i:k])
        i = k
    return pieces


def toy_ids(text: str) -> list[int]:
    return [
        16 + int(hashlib.sha256(p.encode()).hexdigest()[:8], 16) % (32000 - 16)
        for p in toy_pieces(text)
    ]


def toy_logprob(prev: int, token: int) -> float:
    return -(1 + ((prev * 7919 + token * 104729) % 1000) / 250)


def reference(request: LossRequest) -> tuple[float, int]:
    """L(X | C) by hand: the prompt the toy template makes, each token marked X or not (test
    texts have no outer whitespace for the template to trim)."""
    tokens, is_x = [BOS], [False]

    def add(ids: list[int], x: bool = False) -> None:
        tokens.extend(ids)
        is_x.extend([x] * len(ids))

    for message in request.messages:
        add([IM_START] + toy_ids(message.role) + toy_ids("\n"))
        for i, part in enumerate(message.parts):
            if i:
                add(toy_ids("\n"))
            add([IMAGE_TOKEN] * N_IMAGE_TOKENS if part.image else toy_ids(part.text), part.scored)
        add([IM_END] + toy_ids("\n"))
    losses = [-toy_logprob(tokens[i - 1], tokens[i]) for i in range(1, len(tokens)) if is_x[i]]
    return sum(losses) / len(losses), len(losses)


# -- requests --------------------------------------------------------------------------------


def chat(*messages: tuple[str, list[Part]], image=None) -> LossRequest:
    return LossRequest(tuple(Message(role, tuple(parts)) for role, parts in messages), image)


def x(text: str) -> Part:
    return Part(text, scored=True)


def c(text: str) -> Part:
    return Part(text)


PICTURE = Part(image=True)
Q = "What is the total on the receipt?"
A = "The total is 42.50 dollars, printed at the bottom."
QS = "Why is that the total?"
AS = "It is the last line of the receipt, under the word TOTAL."


def duo_requests() -> list[LossRequest]:
    """The shapes of IFD, VFD and FFD: L(A|Q), L(A), L(Q,A|I), L(Q,A), L(Qs,As|I,Qe,Ae)."""
    return [
        chat(("user", [c(Q)]), ("assistant", [x(A)])),
        chat(("assistant", [x(A)])),
        chat(("user", [PICTURE, x(Q)]), ("assistant", [x(A)]), image=IMAGE),
        chat(("user", [x(Q)]), ("assistant", [x(A)])),
        chat(
            ("user", [PICTURE, c(Q)]),
            ("assistant", [c(A)]),
            ("user", [x(QS)]),
            ("assistant", [x(AS)]),
            image=IMAGE,
        ),
    ]


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def servers(chat_server):
    return chat_server


@pytest.fixture
def scorer(tmp_path, api_key):
    """``scorer(server, **options)``: an openai scorer of that server, closed after the test."""
    made = []

    def make(server: FakeChatServer, **options):
        settings = {
            "base_url": server.url,
            "api_key_env": KEY_ENV,
            "timeout": 5.0,
            "backoff_base": 0.01,
            "backoff_max": 0.05,
            "concurrency": 4,
            **options,
        }
        made.append(SCORERS.get("openai")("toy-vlm", **settings))
        return made[-1]

    yield make
    for s in made:
        s.close()


def assert_reference(losses, requests):
    for loss, request in zip(losses, requests, strict=True):
        expected, n = reference(request)
        assert loss.unscorable is None, loss.detail
        assert loss.n_tokens == n
        assert loss.loss == pytest.approx(expected, rel=1e-12)


# -- tests -----------------------------------------------------------------------------------


def test_losses_equal_the_toy_models_text_only_and_with_the_image(servers, scorer):
    server = servers()
    requests = duo_requests()
    s = scorer(server)
    assert s.name == "openai:toy-vlm"
    losses = s.losses(requests)
    assert_reference(losses, requests)
    assert len({round(loss.loss, 9) for loss in losses}) > 1  # not one constant

    chats = [r.body for r in server.requests if r.path != TOKENIZE_PATH]
    distinct = {
        tuple((m.role, tuple((p.image, p.text) for p in m.parts)) for m in r.messages)
        for r in requests
    }  # the chats, whichever of their parts are scored
    assert len(chats) == len(distinct) == 4  # L(A|Q) and L(Q,A) share one prompt
    assert all(
        b["max_tokens"] == 1 and b["prompt_logprobs"] == 0 and b["add_generation_prompt"] is False
        for b in chats
    )
    urls = [
        p["image_url"]["url"]
        for b in chats
        for m in b["messages"]
        if isinstance(m["content"], list)
        for p in m["content"]
        if p["type"] == "image_url"
    ]
    assert len(urls) == 2 and all(u.startswith("data:image/") for u in urls)
    sent = Image.open(io.BytesIO(base64.b64decode(urls[0].split(",", 1)[1])))
    with Image.open(IMAGE) as original:
        assert sent.size == original.size or max(sent.size) == 1024


def test_only_xs_tokens_count_whatever_the_context(servers, scorer):
    s = scorer(servers())
    contexts = [
        [("user", [c("Hi")])],
        [("system", [c("You read receipts. " * 30)]), ("user", [c(Q + " Answer briefly.")])],
        # the context quotes X itself: X is still the answer, found from the end
        [("user", [c(f"OCR text: {A}"), c(Q)])],
    ]
    requests = [chat(*context, ("assistant", [x(A)])) for context in contexts]
    losses = s.losses(requests)
    assert_reference(losses, requests)
    assert {loss.n_tokens for loss in losses} == {len(toy_ids(A))}
    assert len({loss.loss for loss in losses}) == 1


def test_multi_part_x_averages_over_both_parts(servers, scorer):
    s = scorer(servers())
    both, question, answer = s.losses(
        [
            chat(("user", [PICTURE, x(Q)]), ("assistant", [x(A)]), image=IMAGE),
            chat(("user", [PICTURE, x(Q)]), ("assistant", [c(A)]), image=IMAGE),
            chat(("user", [PICTURE, c(Q)]), ("assistant", [x(A)]), image=IMAGE),
        ]
    )
    assert both.n_tokens == question.n_tokens + answer.n_tokens == len(toy_ids(Q + " " + A))
    assert both.loss == pytest.approx(
        (question.loss * question.n_tokens + answer.loss * answer.n_tokens) / both.n_tokens
    )


def test_faults_recover_to_the_same_numbers(servers, scorer):
    kinds = itertools.cycle(
        [
            Fault(status=429, retry_after="0.3"),
            Fault(status=500),
            Fault(delay=0.8),
            Fault(body="{not json"),
            Fault(drop=True),
        ]
    )
    given: dict[str, Fault] = {}  # request body hash → the fault its first attempt got
    lock = threading.Lock()

    def first_attempts_fail(request):
        if request.attempt > 1:
            return None
        with lock:
            given[request.key] = next(kinds)
            return given[request.key]

    server = servers(faults=first_attempts_fail)
    s = scorer(server, timeout=0.4)
    requests = duo_requests()
    assert_reference(s.losses(requests), requests)
    assert set(s.usage.failed_attempts) == {
        "429",
        "500",
        "timeout",
        "malformed_response",
        "connection",
    }
    arrivals: dict[str, list[float]] = {}
    for r in server.requests:
        arrivals.setdefault(r.key, []).append(r.arrived)
    assert all(len(times) == 2 for times in arrivals.values())  # each failed once, then passed
    told_to_wait = [key for key, fault in given.items() if fault.retry_after]
    assert told_to_wait
    # backoff alone is under 0.05 s here: a retry 0.3 s later is Retry-After's doing
    assert all(arrivals[key][1] - arrivals[key][0] >= 0.3 for key in told_to_wait)


def test_a_prompt_over_the_context_is_too_long_and_the_rest_is_scored(servers, scorer):
    s = scorer(servers(max_model_len=60))
    fits = chat(("user", [c(Q)]), ("assistant", [x(A)]))
    too_long = chat(("user", [c("word " * 80 + Q)]), ("assistant", [x(A)]))
    scored, refused = s.losses([fits, too_long])
    assert_reference([scored], [fits])
    assert (refused.loss, refused.unscorable) == (None, "too_long")
    assert "maximum context length" in refused.detail


def test_an_image_over_max_pixels_is_unscorable_too_many_pixels(servers, scorer):
    requests = duo_requests()
    losses = scorer(servers(), max_pixels=100).losses(requests)
    over = [loss for loss, r in zip(losses, requests) if r.has_image]
    assert over and all(
        loss.unscorable == "too_many_pixels" and "limit 100" in loss.detail for loss in over
    )
    assert_reference(
        [loss for loss in losses if loss not in over], [r for r in requests if not r.has_image]
    )


def test_a_refused_request_is_unscorable_and_asked_again_next_run(tmp_path, servers, scorer):
    def refuse_images(request):
        if "data:image/" in str(request.body):
            return Fault(status=400, message="this model takes no images")
        return None

    server = servers(faults=refuse_images)
    requests = duo_requests()
    losses = scorer(server, cache=tmp_path / "scores.sqlite3").losses(requests)
    refused = [loss for loss, r in zip(losses, requests) if r.has_image]
    assert refused and all(
        loss.unscorable == "request_failed"
        and "HTTP 400" in loss.detail
        and "takes no images" in loss.detail
        for loss in refused
    )
    assert_reference(
        [loss for loss in losses if loss not in refused], [r for r in requests if not r.has_image]
    )
    server.faults = None
    again = scorer(server, cache=tmp_path / "scores.sqlite3")
    assert_reference(again.losses(requests), requests)
    assert again.report()["cache_hits"] == len(requests) - len(refused)


def test_an_x_the_template_changes_is_unscorable_not_guessed(servers, scorer):
    s = scorer(servers())
    # The toy template trims a message's content, as Llama 3's does: "  A" alone is not the
    # tokens the prompt holds.
    (loss,) = s.losses([chat(("user", [c(Q)]), ("assistant", [x("   " + A)]))])
    assert (loss.loss, loss.unscorable) == (None, "x_not_found")
    assert "scored text" in loss.detail and "not found" in loss.detail
    (nothing,) = s.losses([chat(("user", [c(Q)]))])
    assert nothing.unscorable == "empty"


def test_a_rerun_with_the_cache_sends_nothing(tmp_path, servers, scorer):
    server = servers()
    requests = duo_requests()
    first = scorer(server, cache=tmp_path / "scores.sqlite3").losses(requests)
    sent = len(server.requests)
    assert sent > 0
    again = scorer(server, cache=tmp_path / "scores.sqlite3")
    assert again.losses(requests) == first
    assert len(server.requests) == sent
    assert again.report()["requests"] == 0 and again.report()["cache_hits"] == len(requests)


def test_cached_scores_of_one_server_are_not_taken_for_anothers(tmp_path, servers, scorer):
    requests = duo_requests()
    scorer(servers(), cache=tmp_path / "scores.sqlite3").losses(requests)
    other = servers()  # may serve another model under the same name
    again = scorer(other, cache=tmp_path / "scores.sqlite3")
    assert_reference(again.losses(requests), requests)
    assert other.requests and again.report()["cache_hits"] == 0


def test_the_key_is_never_written_or_shown(tmp_path, servers, scorer, api_key):
    server = servers()
    s = scorer(server, cache=tmp_path / "scores.sqlite3")
    s.losses(duo_requests())
    s.close()
    assert all(r.authorization == f"Bearer {api_key}" for r in server.requests)
    for path in tmp_path.iterdir():
        assert api_key.encode() not in path.read_bytes(), path

    def echo(status):
        return lambda request: Fault(status=status, message=f"bad: {request.authorization}")

    with pytest.raises(UsageError) as refused:
        scorer(servers(faults=echo(401))).losses(duo_requests()[:1])
    assert "API key" in str(refused.value) and KEY_ENV in str(refused.value)
    with pytest.raises(RunIncomplete) as failing:
        scorer(servers(faults=echo(500)), max_attempts=2).losses(duo_requests()[:1])
    for error in (refused.value, failing.value):
        assert "bad: Bearer" in str(error) and api_key not in str(error)


def test_a_server_without_prompt_logprobs_is_a_usage_error(servers, scorer):
    plain = {
        "id": "x",
        "object": "chat.completion",
        "model": "toy-vlm",
        "usage": {},
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
    }
    server = servers(
        faults=lambda r: Fault(body=json.dumps(plain)) if r.path != TOKENIZE_PATH else None
    )
    with pytest.raises(UsageError, match="no prompt_logprobs.*vLLM"):
        scorer(server).losses(duo_requests()[:1])


def test_tokenize_sits_at_the_servers_root():
    assert tokenize_url("http://gpu:8000/v1") == "http://gpu:8000/tokenize"
    assert tokenize_url("https://host/proxy/v1/") == "https://host/proxy/tokenize"


def test_llavar2_score_with_the_openai_scorer_then_filter(
    build, tmp_path, servers, api_key, monkeypatch
):
    """The CLI end to end: every duo's six terms equal the toy model's, a rerun is answered from
    the cache, and ``llavar2 filter`` selects on these scores."""
    out = tmp_path / "out"
    shutil.copytree(
        build, out, ignore=shutil.ignore_patterns("scores.jsonl", "kept.jsonl", "dropped.jsonl")
    )
    monkeypatch.setenv("LLAVAR2_CACHE_DIR", str(tmp_path / "cache"))
    server = servers()
    command = [
        "score",
        str(out),
        "--scorer",
        "openai:toy-vlm",
        "--base-url",
        server.url,
        "--api-key-env",
        KEY_ENV,
        "--no-progress",
    ]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    images = json.loads((out / "build.json").read_text())["images_dir"]
    scores = {(s.id, s.duo): s for s in read_jsonl(out / "scores.jsonl", DuoScores)}
    n = 0
    for conv in read_jsonl(out / "conversations.jsonl", ConversationSet):
        for k, duo in enumerate(conv.duos):
            got = scores[(conv.id, k)]
            assert got.context == "image" and got.unscorable == {}
            for term, request in terms_of(duo, "image", Path(images) / conv.image).items():
                assert got.losses[term] == pytest.approx(reference(request)[0], rel=1e-12)
            assert got.ifd == pytest.approx(got.losses["A|Q"] / got.losses["A"], rel=1e-12)
            assert got.mifd == pytest.approx(got.ifd * got.vfd, rel=1e-12)
            n += 1
    assert n == len(scores) > 0
    assert f"{n} duo conversations scored" in result.output

    (out / "scores.jsonl").unlink()
    sent = len(server.requests)
    again = CliRunner().invoke(app, command)
    assert again.exit_code == 0, again.output
    assert len(server.requests) == sent  # all from the cache
    assert "0 requests" in again.output
    assert {(s.id, s.duo): s for s in read_jsonl(out / "scores.jsonl", DuoScores)} == scores

    result = CliRunner().invoke(app, ["filter", str(out), "--mifd-max", "1", "--ffd-max", "1"])
    assert result.exit_code == 0, result.output
    kept = {(c["id"], k) for c in read_jsonl(out / "kept.jsonl") for k in range(len(c["duos"]))}
    dropped = {(d["id"], d["duo"]) for d in read_jsonl(out / "dropped.jsonl")}
    assert not kept & dropped and kept | dropped == set(scores)
    for key in dropped:
        assert scores[key].mifd > 1 or scores[key].ffd > 1
    for key in kept:
        assert scores[key].mifd <= 1 and scores[key].ffd <= 1
