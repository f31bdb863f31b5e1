# Every target creates .venv at the repo root from the pins when it is missing or older than them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The bundled model exported to ONNX (what serving runs), made once from the installed weights.
ONNX := $(VENV)/share/citebot/onnx/all-MiniLM-L6-v2/citebot-onnx.json

.PHONY: run test test-fast bench index lint clean

$(STAMP): requirements.txt requirements-build.txt requirements-dev.txt
	@set -e; \
	if [ ! -x $(PY) ]; then \
		$(PYTHON) -c 'import sys; sys.exit(None if sys.version_info[:2] == (3, 11) else f"citebot needs Python 3.11, not {sys.version.split()[0]}: set PYTHON=python3.11")'; \
		echo "+ $(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(ONNX): $(STAMP) index/export/__init__.py
	$(PY) -m index.export --force

run: $(ONNX)
	$(PY) -m bot run

# Parallel workers (pytest-xdist); loadgroup keeps the tests of a module-scoped fixture (a bot
# process, a built index) on one worker (tests/xdist_schedule.py). On 2 cores 3 workers measured
# fastest: 2 leave a core idle while tests wait on their processes, 4 spend more CPU than they save
# (docs/testing.md). `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= 3
# Python may cache compiled modules even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# without the cache every worker rewrites every test module's asserts and every bot process compiles
# bot/ and index/ again (docs/testing.md).
TEST_ENV := PYTHONDONTWRITEBYTECODE=

test: $(ONNX)
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

# Everything but the tests marked `model` (they load the embedding model) or `process` (they start one).
# In one process: each worker would collect every test again, which costs more than it saves here.
test-fast: $(ONNX)
	$(TEST_ENV) $(PY) -m pytest -m "not model and not process"

bench: $(ONNX)
	$(PY) bench/run.py
	$(PY) bench/onnx_bench.py
	$(PY) bench/latency.py
	$(PY) bench/startup_bench.py --runs 3
	$(PY) bench/discord_bench.py
	$(PY) bench/discord_bench.py --backend sentence-transformers --threads $$(nproc)
	$(PY) bench/slack_bench.py
	$(PY) bench/formats_bench.py
	$(PY) bench/db_bench.py
	$(PY) bench/slack_replicas_bench.py
	$(PY) bench/shard_bench.py
	$(PY) bench/token_store.py
	$(PY) bench/build_size.py --batches
	$(PY) bench/sentence_vectors.py
	$(PY) bench/build_size.py
	$(PY) bench/bad_input.py
	nice $(PY) bench/incremental.py
	nice $(PY) bench/hot_reload.py
	$(PY) bench/report_bench.py

index: $(ONNX)
	$(PY) -m bot index

lint: $(STAMP)
	$(VENV)/bin/ruff check bot index tests bench
	$(VENV)/bin/hadolint --failure-threshold error Dockerfile

clean:
	rm -rf $(VENV) .index .pytest_cache .ruff_cache
	find bot index tests bench -name __pycache__ -type d -prune -exec rm -rf {} +
