# Both targets set everything up from a machine with only Python, git and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint install clean chromium java

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's metadata changes. torch is pinned first to the CPU wheel (found
# through pip's configured find-links): a plain "torch" requirement would pull a CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,score,ray,train,lint]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/llavar2 demo --out llavar2-demo

# The report browser's tests open it in Debian's headless chromium.
chromium:
	command -v chromium >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

# The metric tests compare with the reference tools themselves: PTB tokenizer and METEOR 1.5
# are Java programs (pycocoevalcap's jars), so the tests need a Java runtime.
java:
	command -v java >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y default-jre-headless; }

# ruff (lint and format) and mypy, with the versions pinned in the lint extra.
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint chromium java
	$(BIN)/python -m pytest -q

# The quick loop while developing: everything but the tests marked slow (CI runs them all).
test-fast: $(STAMP) chromium java
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) llavar2-demo build *.egg-info
