# Two commands do all set-up on a fresh machine:
#   make run   -> creates .venv, installs newsqa, launches the Streamlit app (embedded Chroma, offline model)
#   make test  -> creates .venv, installs newsqa + test tools (+ Debian chromium for the browser test), runs pytest
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test test-all test-server lint bench browser-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch is pinned to 2.13.0 in pyproject.toml: this machine serves its CPU build from local disk.
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: browser tests will be skipped"; }

test: $(STAMP) browser-deps
	$(PY) -m tests.chroma_server -- $(PY) -m pytest -m "not slow" -q

test-all: $(STAMP) browser-deps
	$(PY) -m tests.chroma_server -- $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check rag ingest app.py tests
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m rag bench
