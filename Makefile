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

# Debian chromium for the browser test. Installed when we are root; otherwise the browser tests skip,
# except under CI=true, where a missing dependency is an error (here, and again in the tests).
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then :; \
	elif [ "$$CI" = true ]; then echo "error: chromium could not be installed (CI=true)" >&2; exit 1; \
	else echo "chromium not installed: browser tests will be skipped"; fi

test: $(STAMP) browser-deps
	$(PY) -m tests.chroma_server -- $(PY) -m pytest -m "not slow" -q

test-all: $(STAMP) browser-deps
	$(PY) -m tests.chroma_server -- $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check rag ingest app.py tests
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m rag bench
