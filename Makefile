# Conveniences around the two README commands; `scripts/test` is the test command CI runs.
PYTHON ?= python3
BIN    := .venv/bin

.DEFAULT_GOAL := help
.PHONY: help install check fmt test test-pg run

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

install: ## Create .venv and install the project with dev extras
	@test -x $(BIN)/python || $(PYTHON) -m venv .venv
	$(BIN)/python -m pip install -e '.[dev]'
	@touch .venv/.installed

check: ## Every gate and the whole suite (same as scripts/test)
	./scripts/test

fmt: install ## Format and autofix
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

test: install ## Run the tests only
	$(BIN)/pytest

test-pg: install ## Run only the PostgreSQL / PgBouncer tests
	$(BIN)/pytest -m "postgres or pgbouncer"

run: install ## Serve on the embedded SQLite default
	$(BIN)/todo serve
