# ServiceScore — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/servicescore
ADDR ?= 127.0.0.1:8000
SCALE ?= small
SEED ?= 42
PYTEST_ARGS ?=

.PHONY: help setup demo serve test test-pg test-contract test-browser lint messages clean

help:
	@echo "make demo          set up, build the demo company and serve it on http://$(ADDR)"
	@echo "make test          the whole suite on SQLite"
	@echo "make test-pg       the same suite on PostgreSQL (installs and starts it when missing)"
	@echo "make test-contract Schemathesis against the API on PostgreSQL (a few minutes)"
	@echo "make test-browser  browser tests in headless Chromium"
	@echo "make lint | serve | messages | clean"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project or the lock file changes.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -c requirements.lock -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end packages are copied from node_modules into static/vendor: no CDN at run time.
src/servicescore/static/vendor/.copied: node_modules/.installed scripts/vendor.sh
	bash scripts/vendor.sh
	touch $@

# A first .env from .env.example with a generated SECRET_KEY: with DEBUG off the server refuses
# to start without one. Never overwritten once it exists.
.env:
	sed "s/^SECRET_KEY=change-me$$/SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')/" \
		.env.example > $@

setup: $(VENV)/.installed src/servicescore/static/vendor/.copied .env

demo: setup
	$(BIN)/servicescore migrate --no-input -v0
	$(BIN)/servicescore collectstatic --no-input -v0
	$(BIN)/servicescore demo --scale $(SCALE) --seed $(SEED)
	$(BIN)/servicescore serve $(ADDR)

serve: setup
	$(BIN)/servicescore migrate --no-input -v0
	$(BIN)/servicescore collectstatic --no-input -v0
	$(BIN)/servicescore serve $(ADDR)

test: setup
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-pg: setup
	bash scripts/services-up.sh postgresql
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

# Any 5xx or answer outside /api/openapi.json fails; see scripts/schemathesis.sh.
test-contract: setup
	bash scripts/services-up.sh postgresql
	PG_SERVER=$(patsubst %/,%,$(dir $(PG_URL))) bash scripts/schemathesis.sh

test-browser: setup
	$(BIN)/pytest -q -m browser tests/browser $(PYTEST_ARGS)

# ruff, then the layer order of docs/architecture.md (import-linter, contract in pyproject.toml).
lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache

messages: setup
	cd src/servicescore && SERVICESCORE_HOME=$(CURDIR) ../../$(BIN)/django-admin makemessages -l zh_Hans -l en --no-obsolete --settings=servicescore.settings
	cd src/servicescore && SERVICESCORE_HOME=$(CURDIR) ../../$(BIN)/django-admin compilemessages --settings=servicescore.settings

clean:
	rm -rf $(VENV) node_modules src/servicescore/static/vendor var/staticfiles
