# Two commands matter: `make plan` and `make test`. Both build .venv from the lock when it is missing
# or older than the lock, so a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STACK ?= dev

.PHONY: setup plan validate test lint bench lock clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The main job, offline: validate everything, then show what `pulumi up --stack $(STACK)` would manage.
plan: $(STAMP)
	$(BIN)/svcaccounts validate
	$(BIN)/svcaccounts plan --stack $(STACK)

validate: $(STAMP)
	$(BIN)/svcaccounts validate

# The suite, then lint and types: a change that breaks either does not land.
test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(MAKE) --no-print-directory lint

# Prints the figures and writes them, with the machine and date, to bench/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python -m bench.run --write bench/RESULTS.md

lint: $(STAMP)
	$(BIN)/ruff check svcaccounts tests policies bench
	$(BIN)/mypy

# Regenerates requirements.lock from pyproject.toml and requirements-dev.in (needs the registry).
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet uv
	.lock-venv/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 --universal \
		--all-extras --no-header -o requirements.lock pyproject.toml requirements-dev.in
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/out
