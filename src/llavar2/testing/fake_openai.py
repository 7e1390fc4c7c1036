"""A local OpenAI-compatible chat server for tests and benchmarks: ``POST /v1/chat/completions``
answered by ``scripted_reply`` after a fixed latency, with faults injected per request (error
statuses with ``Retry-After``, slow replies, dropped connections, malformed bodies, chosen reply
text). It records every request it receives, so tests can count them and time retries.

It also plays a vLLM server for scoring (the ``openai`` scorer): ``POST /tokenize`` and chat
completions with ``prompt_logprobs``, answered by a toy model (``toy_tokens``,
``toy_chat_tokens``, ``toy_logprob`` below) whose every number a test can recompute by hand.
A prompt longer than ``max_model_len`` is refused with vLLM's 400 "maximum context length".

Listens on 127.0.0.1 only. Run standalone (the benchmark does, to keep its CPU apart):
``python -m llavar2.testing.fake_openai --latency 0.3`` prints its base URL, then serves until
killed; ``GET /stats`` returns the request count.

For evaluation runs (``llavar2 evaluate``), ``FakeChatServer(answerer=eval_reply)`` answers
each question by ``eval_answer``: a rule of the prompt text and the image bytes that a test can
apply to the same inputs to know every answer in advance.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .scripted_model import block, scripted_reply, stage_of, user_text

CHAT_PATH = "/v1/chat/completions"
TOKENIZE_PATH = "/tokenize"  # vLLM serves it at the root, beside /v1


@dataclass(frozen=True)
class Fault:
    """How to answer one request instead of (or on top of) the scripted reply."""

    status: int = 200  # another status answers with an OpenAI-style error body
    retry_after: str | None = None  # Retry-After header of an error answer
    delay: float = 0.0  # seconds to wait before answering, on top of the latency
    drop: bool = False  # close the connection without answering
    body: str | None = None  # raw response body (e.g. not JSON) instead of a completion
    content: str | None = None  # the model's reply text instead of the scripted one
    message: str = "injected fault"  # error message of an error answer


@dataclass
class Request:
    """One request as the server saw it."""

    body: dict[str, Any]
    key: str  # hash of the body: retries of the same request share it
    attempt: int  # 1 the first time this body arrives, 2 for its first retry, ...
    arrived: float  # time.monotonic()
    authorization: str | None
    path: str = CHAT_PATH
    stage: str = field(init=False)
    human_caption: str = field(init=False)
    ocr_text: str = field(init=False)
    is_repair: bool = field(init=False)

    def __post_init__(self) -> None:
        messages = self.body.get("messages", [])
        text = user_text(messages)
        self.stage = stage_of(self.body)
        self.human_caption = block(text, "human_caption")
        self.ocr_text = block(text, "ocr_text")
        self.is_repair = sum(m.get("role") == "user" for m in messages) > 1


FaultPlan = Callable[[Request], "Fault | None"]


class FakeChatServer:
    def __init__(
        self,
        latency: float = 0.0,
        faults: FaultPlan | None = None,
        refuse_response_format: bool = False,
        max_model_len: int = 4096,
        answerer: Callable[[dict[str, Any]], str] | None = None,
    ):
        self.latency = latency
        self.answerer = answerer or scripted_reply  # the reply text of a chat completion
        self.faults = faults
        self.refuse_response_format = refuse_response_format
        self.max_model_len = max_model_len  # of the toy model, prompt and completion together
        self.requests: list[Request] = []
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the server is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeChatServer:
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(
        self, body: dict[str, Any], authorization: str | None, path: str = CHAT_PATH
    ) -> Request:
        key = hashlib.sha256(json.dumps([path, body], sort_keys=True).encode()).hexdigest()
        with self._lock:
            self._seen[key] = attempt = self._seen.get(key, 0) + 1
            request = Request(body, key, attempt, time.monotonic(), authorization, path)
            self.requests.append(request)
        return request

    def answer(
        self, body: dict[str, Any], authorization: str | None, path: str = CHAT_PATH
    ) -> tuple[int, dict[str, str], str | None]:
        """(status, headers, body text or None to drop the connection), after the wait."""
        request = self.record(body, authorization, path)
        fault = (self.faults(request) if self.faults else None) or Fault()
        time.sleep(self.latency + fault.delay)
        if fault.drop:
            return 0, {}, None
        if self.refuse_response_format and "response_format" in body:
            return 400, {}, _error("response_format is not supported by this server", 400)
        if fault.status != 200:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return fault.status, headers, _error(fault.message, fault.status)
        if fault.body is not None:
            return 200, {}, fault.body
        if path == TOKENIZE_PATH:
            return self._tokenize(body)
        if "prompt_logprobs" in body:
            return self._scored(body)
        content = fault.content if fault.content is not None else self.answerer(body)
        return 200, {}, json.dumps(_completion(body, content))

    def _tokenize(self, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        """vLLM's ``/tokenize``: ``prompt`` (BOS first unless ``add_special_tokens`` is false)
        or ``messages`` through the toy chat template."""
        if "messages" in body:
            tokens = toy_chat_tokens(body["messages"], body.get("add_generation_prompt", True))
        else:
            tokens = toy_tokens(str(body.get("prompt", "")))
            if body.get("add_special_tokens", True):
                tokens = [BOS, *tokens]
        return (
            200,
            {},
            json.dumps(
                {"count": len(tokens), "max_model_len": self.max_model_len, "tokens": tokens}
            ),
        )

    def _scored(self, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        """A chat completion with vLLM's ``prompt_logprobs``: per prompt position after the
        first, the prompt token and its log-probability (all vLLM lists for prompt_logprobs=0;
        the toy model has no top-k to add)."""
        tokens = toy_chat_tokens(body.get("messages", []), body.get("add_generation_prompt", True))
        max_tokens = int(body.get("max_tokens") or 16)
        if len(tokens) + max_tokens > self.max_model_len:
            return (
                400,
                {},
                _error(  # vLLM's wording
                    f"This model's maximum context length is {self.max_model_len} tokens. However, "
                    f"you requested {len(tokens) + max_tokens} tokens ({len(tokens)} in the "
                    f"messages, {max_tokens} in the completion). Please reduce the length of the "
                    "messages or completion.",
                    400,
                ),
            )
        prompt_logprobs: list[dict[str, Any] | None] = [None]
        prompt_logprobs += [
            {str(token): {"logprob": toy_logprob(prev, token), "rank": None, "decoded_token": ""}}
            for prev, token in zip(tokens, tokens[1:])
        ]
        completion = _completion(body, "ok")
        completion["usage"]["prompt_tokens"] = len(tokens)
        completion["prompt_logprobs"] = prompt_logprobs
        if body.get("return_token_ids"):
            completion["prompt_token_ids"] = tokens
        return 200, {}, json.dumps(completion)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"requests": len(self.requests)}


def eval_answer(prompt: str, image: bytes) -> str:
    """The evaluation rule: the last word of the question (the first prompt line ending in
    "?", else the last line), as it is when the first byte of the image's SHA-256 is even, else
    reversed."""
    lines = [line.strip() for line in prompt.splitlines() if line.strip()]
    question = next((line for line in lines if line.endswith("?")), lines[-1] if lines else "")
    words = question.rstrip("?. ").split()
    word = words[-1] if words else ""
    return word if hashlib.sha256(image).digest()[0] % 2 == 0 else word[::-1]


def eval_reply(body: dict[str, Any]) -> str:
    """``eval_answer`` of a request: its text parts joined, its (first) data-URL image."""
    image = b""
    for part in body["messages"][-1]["content"]:
        if part.get("type") == "image_url":
            image = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
            break
    return eval_answer(user_text(body.get("messages", [])), image)


def _error(message: str, status: int) -> str:
    return json.dumps({"error": {"message": message, "type": "fake_error", "code": status}})


def _prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """About 4 characters a token, and 85 an image (OpenAI's price of a low-detail image)."""
    chars = images = 0
    for message in messages:
        content = message.get("content")
        parts = content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
        for part in parts:
            if part.get("type") == "image_url":
                images += 1
            else:
                chars += len(str(part.get("text", "")))
    return chars // 4 + 85 * images


def _completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    prompt_tokens = _prompt_tokens(body.get("messages", []))
    completion_tokens = len(content) // 4 + 1
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", ""),
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


# -- the toy model of the scoring endpoints ----------------------------------------------------
#
# Tokens: a text is cut into pieces, each a newline, or a run of spaces/tabs with the word
# (non-space run) after it, or trailing spaces/tabs; a piece's id is TEXT_IDS_FROM plus the first
# 4 bytes of its UTF-8 SHA-256 (big-endian) modulo (VOCAB - TEXT_IDS_FROM).
# Chat template (ChatML-like; it trims each message's content, as Llama 3's template does):
#   BOS, then per message: IM_START, tokens(role), tokens("\n"), content, IM_END, tokens("\n");
#   then, with add_generation_prompt, IM_START, tokens("assistant"), tokens("\n").
#   A list content joins its parts with "\n" (as vLLM does for string templates); an image part
#   becomes IMAGE_TOKENS tokens IMAGE.
# Log-probability of ``token`` after ``prev``:
#   -(1 + ((prev * 7919 + token * 104729) % 1000) / 250), between -1 and -5 nats.

BOS, IM_START, IM_END, IMAGE = 1, 2, 3, 4
IMAGE_TOKENS = 8
TEXT_IDS_FROM = 16
VOCAB = 32000
_PIECES = re.compile(r"\n|[^\S\n]*\S+|[^\S\n]+")
_IMAGE_MARK = "\ue000"  # stands for an image part while the content is joined and trimmed


def toy_tokens(text: str) -> list[int]:
    return [
        TEXT_IDS_FROM
        + int.from_bytes(hashlib.sha256(piece.encode()).digest()[:4], "big")
        % (VOCAB - TEXT_IDS_FROM)
        for piece in _PIECES.findall(text)
    ]


def toy_logprob(prev: int, token: int) -> float:
    return -(1 + ((prev * 7919 + token * 104729) % 1000) / 250)


def _content_tokens(content: Any) -> list[int]:
    parts = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
    joined = "\n".join(
        _IMAGE_MARK if p.get("type") == "image_url" else str(p.get("text", "")) for p in parts
    ).strip()
    tokens: list[int] = []
    for i, text in enumerate(joined.split(_IMAGE_MARK)):
        tokens += ([IMAGE] * IMAGE_TOKENS if i else []) + toy_tokens(text)
    return tokens


def toy_chat_tokens(messages: list[dict[str, Any]], add_generation_prompt: bool) -> list[int]:
    newline = toy_tokens("\n")
    tokens = [BOS]
    for message in messages:
        tokens += [
            IM_START,
            *toy_tokens(str(message.get("role", ""))),
            *newline,
            *_content_tokens(message.get("content")),
            IM_END,
            *newline,
        ]
    if add_generation_prompt:
        tokens += [IM_START, *toy_tokens("assistant"), *newline]
    return tokens


def _handler(server: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers and the client expect
        # Headers and body leave in two writes: with Nagle's algorithm on, the body waits for
        # the client's delayed ACK of the headers (about 40 ms on Linux), as no real server has.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            if self.path == "/stats":
                self._send(200, {}, json.dumps(server.stats()))
            else:
                self._send(404, {}, _error(f"no route {self.path}", 404))

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path not in (CHAT_PATH, TOKENIZE_PATH):
                self._send(404, {}, _error(f"no route {self.path}", 404))
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(400, {}, _error("the request body is not JSON", 400))
                return
            status, headers, text = server.answer(
                body, self.headers.get("Authorization"), self.path
            )
            if text is None:  # a dropped connection: no status line at all
                self.close_connection = True
                return
            self._send(status, headers, text)

        def _send(self, status: int, headers: dict[str, str], text: str) -> None:
            data = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog: many clients connect at once


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    args = parser.parse_args(argv)
    server = FakeChatServer(latency=args.latency).start()
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
