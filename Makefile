# The two commands the README promises:
#   make run   set up everything (venv, install, migrations, demo data, search index) and serve the app
#   make test  set up everything the suite needs and run ruff, mypy, import-linter and pytest
# Both are safe to repeat; set-up steps are skipped when their inputs have not changed.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install lint typecheck imports pytest clean demo serve node

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %d.%d); set PYTHON=/path/to/python3.11" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/tarjotin db upgrade
	$(BIN)/tarjotin demo load
	$(BIN)/tarjotin serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

imports: install
	$(BIN)/lint-imports

# Front-end packages pinned in package-lock.json (axe-core for the browser tests; htmx and Leaflet are
# vendored from them into web/static/vendor by scripts/vendor_static.sh). Skipped when unchanged.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $(NODE_STAMP)

node: $(NODE_STAMP)

pytest: install node
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck imports pytest

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
