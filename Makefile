# Madoguchi: `make up` runs the whole kit, `make test` proves it.
# Every target bootstraps what is missing first (Debian packages as root, uv, the Python
# environment from uv.lock, front-end assets from package-lock.json, compiled translations).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON ?= python3.11
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

# uv uses the machine's Python 3.11 and never downloads one.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system

# Debian packages: fonts and libraries for PDF certificates; a browser and PDF tools for tests.
UP_DEBS := fontconfig fonts-ipaexfont-gothic fonts-ipaexfont-mincho libharfbuzz-subset0 \
           libpango-1.0-0 libpangoft2-1.0-0
TEST_DEBS := chromium poppler-utils

PYPROJECTS := pyproject.toml shared/pyproject.toml $(wildcard services/*/pyproject.toml)
PO_FILES := $(wildcard shared/src/govkit/translations/*/LC_MESSAGES/messages.po \
                       services/*/src/*/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
ASSET_SOURCES := $(wildcard shared/assets/*.mjs shared/assets/*/*)
CSS := shared/src/govkit/static/madoguchi.css
# Unit and integration tests run in one pytest worker per core (pytest-xdist), a test file
# per worker at a time so its module fixtures are built once. `make test TEST_WORKERS=0` runs
# them in one process.
TEST_WORKERS ?= auto
UNIT_TESTS := $(BIN)/pytest shared services -n $(TEST_WORKERS) --dist loadfile

.PHONY: help up test lint fmt reset bootstrap debs test-debs test-unit test-acceptance \
        test-docker translations bench-startup bench-certificates bench-idp bench-exchange \
        bench-residence

help:  ## show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

up: bootstrap  ## run the whole kit (Ctrl-C stops it); first run creates var/
	@exec $(BIN)/kit up

test: bootstrap test-debs  ## lint, unit, integration and acceptance tests (what CI runs)
	@echo "• ruff"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@echo "• translations"
	@$(BIN)/kit i18n check
	@$(MAKE) test-docker
	@echo "• unit and integration tests"
	@$(UNIT_TESTS)
	@echo "• acceptance tests (the running kit in Chromium)"
	@$(BIN)/pytest features

test-unit: bootstrap  ## unit and integration tests only
	@$(UNIT_TESTS)

test-acceptance: bootstrap test-debs  ## the BDD suite only (pytest -m <journey> to narrow it)
	@$(BIN)/pytest features

test-docker: bootstrap  ## validate docker/compose.yaml and docker/Dockerfile offline
	@echo "• docker files"
	@$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker/compose.yaml
	@$(BIN)/hadolint --config docker/hadolint.yaml docker/Dockerfile
	@echo "  hadolint ok -- docker/Dockerfile"

lint: bootstrap  ## ruff check and format check
	@$(BIN)/ruff check . && $(BIN)/ruff format --check .

fmt: bootstrap  ## format and fix what ruff can
	@$(BIN)/ruff format . && $(BIN)/ruff check --fix .

translations: bootstrap  ## refresh the catalogues from the sources (then translate the new strings)
	@$(BIN)/kit i18n extract

bench-certificates: bootstrap  ## issue and verify certificates: kit pipeline vs library defaults
	@$(BIN)/python bench/bench_certificates.py

bench-exchange: bootstrap  ## one JSON POST direct vs through two security servers; RSS over 100k messages
	@scripts/ensure-debs --required wrk
	@$(BIN)/python bench/bench_exchange.py

bench-idp: bootstrap  ## token endpoint and discovery: the kit's IdP vs node-oidc-provider (npm)
	@scripts/ensure-debs --required wrk
	@$(BIN)/python bench/bench_idp.py

bench-residence: bootstrap  ## 50 simulated residents run the certificate journey at once: journeys/minute, issue-step p95
	@$(BIN)/python bench/bench_residence.py

bench-startup: bootstrap  ## time a second `make up` against one fresh interpreter per service
	@$(BIN)/python bench/bench_startup.py

reset: bootstrap  ## delete var/ (databases, keys, logs): the next `make up` starts afresh
	@$(BIN)/kit reset

bootstrap: debs $(VENV)/.synced $(CSS) $(MO_FILES)

debs:
	@scripts/ensure-debs $(UP_DEBS)

test-debs:
	@scripts/ensure-debs --required $(TEST_DEBS)

$(UV):
	@echo "• Installing uv $(UV_VERSION) into $(TOOLS)/"
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) 2>&1 \
		| grep -v 'is ignored' || true
	@test -x $(UV)

$(VENV)/.synced: uv.lock $(PYPROJECTS) | $(UV)
	@echo "• Installing Python packages from uv.lock"
	@$(UV) sync --locked --quiet
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "• Installing front-end packages from package-lock.json"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CSS): node_modules/.installed $(ASSET_SOURCES)
	@echo "• Building front-end assets"
	@npm run --silent build

%.mo: %.po $(VENV)/.synced
	@$(BIN)/pybabel -q compile -l ja -i $< -o $@
	@test -s $@
