# healthgap — the two commands a newcomer needs: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin

.PHONY: run test install dev system-deps bench-deps lint typecheck contracts pytest bench clean

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Runtime install (package + its data).
install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

# Development install: test tools, the Spark extra, the PHStatsMethods oracle.
dev: $(VENV)/.installed-dev
$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev,spark]"
	touch $@ $(VENV)/.installed

# Debian packages the tests and benchmarks need (Java for local Spark, Chromium for the
# website's browser tests and the reports' PDFs, poppler-utils to check those PDFs, openssl for
# the TLS test, wrk for the API load benchmark). Installed only when missing, so that the
# README's two commands leave a new machine able to run everything, benchmarks included.
system-deps:
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq default-jre-headless; }
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }
	@command -v openssl >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq openssl; }
	@command -v pdftoppm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq poppler-utils; }
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }

# The benchmarks need the same Debian packages (wrk drives the API load test).
bench-deps: system-deps

run: install
	$(BIN)/healthgap init
	$(BIN)/healthgap status

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: dev
	$(BIN)/mypy

contracts: dev
	$(BIN)/lint-imports

# pytest runs on two pytest-xdist workers (the machine has two cores), one test file per worker
# at a time; tests/conftest.py keeps the files that share local Spark or Synthetic London's
# engine runs on one worker, and starts them first. `make test PYTEST_ARGS=` runs in one process.
PYTEST_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder
pytest: dev system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

test: dev system-deps lint typecheck contracts pytest

bench: dev bench-deps
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache .hypothesis
