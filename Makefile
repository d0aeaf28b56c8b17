# Two commands on a fresh machine: `make run` (the main job) and `make test` (the test suite).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

$(STAMP): pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	touch $(STAMP)

# ministack (an AWS emulator the endpoint tests run as a subprocess) pins a botocore of its own, so it
# lives in a venv of its own inside $(VENV), pinned by requirements-ministack.lock.
MINISTACK_VENV := $(VENV)/ministack
MINISTACK_STAMP := $(MINISTACK_VENV)/.installed-stamp

$(MINISTACK_STAMP): requirements-ministack.lock $(STAMP)
	python3 -m venv $(MINISTACK_VENV)
	$(MINISTACK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-ministack.lock
	touch $(MINISTACK_STAMP)

.PHONY: install run test lint bench
install: $(STAMP) $(MINISTACK_STAMP)

run: $(STAMP)
	$(VENV)/bin/saas-harness run --json .harness/run-summary.json

test: $(STAMP) $(MINISTACK_STAMP)
	$(PY) -m pytest -q -n auto

# Python folders to lint; ones not (yet) in the tree are skipped rather than failing the run.
LINT_DIRS := $(wildcard harness stack scenarios loadtests tests)

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/mypy harness

bench: $(STAMP)
	$(VENV)/bin/saas-harness bench edge --json .harness/bench-edge.json
