# Two commands matter: `make plan` and `make test`. Both build .venv from a lock when it is missing
# or older than the lock, so a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
STACK ?= dev
# requirements.lock: everything (program, clients, dev tools; about 1.2 GB). requirements-plan.lock:
# what `validate` and `plan` import (PyYAML, jsonschema, jsonschema-rs), a subset of it at the same
# versions, so installing the full lock over it only adds packages. One stamp per lock.
STAMP := $(VENV)/.installed
PLAN_STAMP := $(VENV)/.installed-plan

.PHONY: setup setup-plan plan validate test lint bench lock clean

setup: $(STAMP)

# What validate, plan and diff need: the pull request's checks install only this.
setup-plan: $(PLAN_STAMP)

# $(1): the lock to install. Not --quiet: the full lock takes a minute, and pip's lines show how far it is.
define install_lock
	@echo "==> $(VENV): installing $(1) ($$(grep -c '^[a-z]' $(1)) packages)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes --no-deps -r $(1)
	@echo "==> $(VENV): installing svcaccounts itself (editable)"
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
endef

# The full install satisfies the plan lock too (its subset), so it renews both stamps.
$(STAMP): requirements.lock pyproject.toml
	$(call install_lock,requirements.lock)
	touch $(STAMP) $(PLAN_STAMP)

$(PLAN_STAMP): requirements-plan.lock pyproject.toml
	$(call install_lock,requirements-plan.lock)
	touch $(PLAN_STAMP)

# The main job, offline: validate everything, then show what `pulumi up --stack $(STACK)` would manage.
plan: $(PLAN_STAMP)
	$(BIN)/svcaccounts validate
	$(BIN)/svcaccounts plan --stack $(STACK)

validate: $(PLAN_STAMP)
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

# Regenerates both locks (needs the registry): requirements.lock from pyproject.toml with every
# extra and requirements-dev.in; requirements-plan.lock from pyproject.toml's dependencies and
# requirements-plan.in, constrained to requirements.lock's versions.
UV_COMPILE := .lock-venv/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 --universal --no-header
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet uv
	$(UV_COMPILE) --all-extras -o requirements.lock pyproject.toml requirements-dev.in
	$(UV_COMPILE) --constraint requirements.lock -o requirements-plan.lock pyproject.toml requirements-plan.in
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/out
