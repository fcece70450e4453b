# The two set-up commands of a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run build test test-deps assets lint clean

$(BIN)/hcn-ld: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## Build the graph from data/, validate it, serve it on http://$(HOST):$(PORT)/
run: build
	$(BIN)/hcn-ld serve --host $(HOST) --port $(PORT)

build: $(BIN)/hcn-ld assets
	$(BIN)/hcn-ld build

## Browser assets vendored into the package (YASGUI for the query UI; npm, pinned, idempotent)
assets:
	bash scripts/vendor-yasgui.sh

## Install everything the tests need, then run the whole suite
test: $(BIN)/hcn-ld assets test-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## Debian packages, npm assets and servers the tests need (scripts/test-deps/*.sh)
test-deps:
	@for script in scripts/test-deps/*.sh; do [ -e "$$script" ] || continue; echo "== $$script"; bash "$$script" || exit 1; done

lint: $(BIN)/hcn-ld
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var .pytest_cache
