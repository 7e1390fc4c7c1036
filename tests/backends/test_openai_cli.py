"""``llavar2 build --backend openai`` from the command line: flags, exit statuses, and an API
key that appears in no file, log line or message, even when the server echoes it back."""

import logging
import os

import pytest
from typer.testing import CliRunner

from llavar2 import samples
from llavar2.cli import app
from llavar2.jsonl import read_jsonl
from llavar2.testing.fake_openai import Fault

runner = CliRunner()
KEY_ENV = "LLAVAR2_TEST_OPENAI_KEY"  # what the api_key fixture sets


def build_args(captions, out, *extra):
    return [
        "build",
        "--images",
        str(samples.IMAGES_DIR),
        "--captions",
        str(captions),
        "--out",
        str(out),
        "--no-progress",
        *extra,
    ]


def openai_args(server, model, *extra):
    """Replies are cached in the session's cache folder (beside its OCR results): a model name
    of each test's own keeps one test's replies from answering another's requests."""
    return [
        "--backend",
        "openai",
        "--model",
        model,
        "--base-url",
        server.url,
        "--api-key-env",
        KEY_ENV,
        "--timeout",
        "5",
        *extra,
    ]


def files_under(*folders):
    for folder in folders:
        for root, _, names in os.walk(folder):
            for name in names:
                yield os.path.join(root, name)


def test_the_key_is_never_written_or_shown(tmp_path, chat_server, manifest, api_key, caplog):
    caplog.set_level(logging.DEBUG)
    rows = list(read_jsonl(manifest(3)))
    echo = {rows[0]["caption"]: 400, rows[1]["caption"]: 500}

    def echoing_server(request):  # error messages that quote the Authorization header
        status = echo.get(request.human_caption)
        if status and request.stage == "enrich" and request.attempt == 1:
            return Fault(status=status, message=f"bad request from {request.authorization}")
        return None

    server = chat_server(faults=echoing_server)
    cache = os.environ["LLAVAR2_CACHE_DIR"]  # the session's: OCR results are there already
    out = tmp_path / "out"
    result = runner.invoke(
        app, build_args(tmp_path / "captions.jsonl", out, *openai_args(server, "fake-secrets"))
    )
    assert result.exit_code == 3, result.output  # the 400 rejected one image
    (reject,) = read_jsonl(out / "rejects.jsonl")
    assert reject["reason"] == "request_failed" and "[redacted]" in reject["detail"]
    assert "cost (USD)" in result.output and "requests" in result.output

    refused = chat_server(faults=lambda r: Fault(status=401, message=f"{r.authorization} no"))
    result_401 = runner.invoke(
        app,
        build_args(
            tmp_path / "captions.jsonl", tmp_path / "out401", *openai_args(refused, "fake-refused")
        ),
    )
    assert result_401.exit_code == 2
    assert "refused the API key" in result_401.output

    secret = api_key.encode()
    written = list(files_under(out, cache, tmp_path / "out401"))
    assert any(path.endswith("responses.sqlite3") for path in written)
    for path in written:
        with open(path, "rb") as f:
            assert secret not in f.read(), path
    for text in (result.output, result_401.output, caplog.text):
        assert api_key not in text
    assert all(r.authorization == f"Bearer {api_key}" for r in server.requests)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "gpt-4o"], "--model: only with --backend openai"),
        (["--backend", "openai"], "--backend openai needs --model"),
        (["--backend", "openai", "--model", "m", "--image-detail", "ultra"], "--image-detail"),
        (
            ["--backend", "openai", "--model", "m", "--api-key-env", "LLAVAR2_NO_SUCH_VARIABLE"],
            "LLAVAR2_NO_SUCH_VARIABLE is not set",
        ),
        (["--backend", "openai", "--model", "m", "--prices", "missing.json"], "--prices"),
    ],
)
def test_unusable_openai_arguments_exit_2(tmp_path, manifest, args, message):
    result = runner.invoke(app, build_args(manifest(1), tmp_path / "out", *args))
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out" / "captions.jsonl").exists()


def test_a_budget_stop_exits_4_and_the_same_command_continues(
    tmp_path, chat_server, manifest, api_key
):
    server = chat_server()
    args = build_args(manifest(2), tmp_path / "out", *openai_args(server, "fake-budget"))
    stopped = runner.invoke(app, [*args, "--max-requests", "1"])
    assert stopped.exit_code == 4, stopped.output
    assert "rerun the same command" in " ".join(stopped.output.split())
    finished = runner.invoke(app, args)
    assert finished.exit_code == 0, finished.output
    assert len(list(read_jsonl(tmp_path / "out" / "conversations.jsonl"))) == 2
    # Another model would mix two models' records in one build: refused.
    other = runner.invoke(app, [*args, "--model", "another-model"])
    assert other.exit_code == 2 and "other openai" in " ".join(other.output.split())
