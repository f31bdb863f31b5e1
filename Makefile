# Every target creates .venv at the repo root from the pins when it is missing or older than them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench index lint clean

$(STAMP): requirements.txt requirements-dev.txt
	@set -e; \
	if [ ! -x $(PY) ]; then \
		$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "citebot needs Python 3.11 (set PYTHON=python3.11)"'; \
		echo "+ $(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(STAMP)
	$(PY) -m bot run

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/run.py
	$(PY) bench/discord_bench.py
	$(PY) bench/token_store.py
	$(PY) bench/build_size.py
	$(PY) bench/bad_input.py

index: $(STAMP)
	$(PY) -m bot index

lint: $(STAMP)
	$(VENV)/bin/ruff check bot index tests bench
	$(VENV)/bin/hadolint --failure-threshold error Dockerfile

clean:
	rm -rf $(VENV) .index .pytest_cache .ruff_cache
