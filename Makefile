# Two commands on a fresh machine: `make run` (the main job) and `make test` (the test suite).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

$(STAMP): pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	touch $(STAMP)

# ministack (an AWS emulator: the endpoint tests start it as a subprocess, and --gateway native / the
# fidelity report use it) pins a botocore of its own, so it lives in a venv of its own inside $(VENV),
# pinned by requirements-ministack.lock with the Lambda runtime's boto3 and the layer's packages, since
# ministack runs functions with the python3 on its PATH.
MINISTACK_VENV := $(VENV)/ministack
MINISTACK_STAMP := $(MINISTACK_VENV)/.installed-stamp

$(MINISTACK_STAMP): requirements-ministack.lock $(STAMP)
	python3 -m venv $(MINISTACK_VENV)
	$(MINISTACK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-ministack.lock
	touch $(MINISTACK_STAMP)

.PHONY: install run test lint bench ministack fidelity isolation
install: $(STAMP) $(MINISTACK_STAMP)

ministack: $(MINISTACK_STAMP)

# docs/FIDELITY.md: the suites on ministack's own API Gateway beside the harness's data plane.
fidelity: $(STAMP) $(MINISTACK_STAMP)
	$(VENV)/bin/saas-harness fidelity --ministack --json .harness/fidelity.json --md docs/FIDELITY.md

run: $(STAMP)
	$(VENV)/bin/saas-harness run --json .harness/run-summary.json

# The CI recipes' job (.github/workflows/isolation.yml, ci/gitlab-ci.yml, .ci/run): the main job and the
# suites on the embedded target with the ci profile (JUnit XML in .harness/report/report.xml), then the
# HTML report (.harness/report.html). UPSTREAM=URL runs it in front of an external endpoint instead.
isolation: $(STAMP)
	$(VENV)/bin/saas-harness run --profile ci --json .harness/run-summary.json $(if $(UPSTREAM),--upstream $(UPSTREAM))
	$(VENV)/bin/saas-harness report --html .harness/report.html --markdown .harness/report-summary.md

test: $(STAMP) $(MINISTACK_STAMP)
	$(PY) -m pytest -q -n auto

# Python folders to lint; ones not (yet) in the tree are skipped rather than failing the run.
LINT_DIRS := $(wildcard harness stack scenarios loadtests tests)

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/mypy harness

bench: $(STAMP)
	$(VENV)/bin/saas-harness bench edge --json .harness/bench-edge.json
