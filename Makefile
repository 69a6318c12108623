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

.PHONY: help setup demo serve test test-pg test-browser lint messages clean

help:
	@echo "make demo          set up, build the demo company and serve it on http://$(ADDR)"
	@echo "make test          the whole suite on SQLite"
	@echo "make test-pg       the same suite on PostgreSQL (installs and starts it when missing)"
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

setup: $(VENV)/.installed src/servicescore/static/vendor/.copied

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

test-browser: setup
	$(BIN)/pytest -q -m browser tests/browser $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests bench

messages: setup
	cd src/servicescore && ../../$(BIN)/django-admin makemessages -l zh_Hans -l en --no-obsolete --settings=servicescore.settings
	cd src/servicescore && ../../$(BIN)/django-admin compilemessages --settings=servicescore.settings

clean:
	rm -rf $(VENV) node_modules src/servicescore/static/vendor var/staticfiles
