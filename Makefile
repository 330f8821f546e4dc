# Placeholder Makefile; `make check` is the test command CI runs (.ci/run).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help install check fmt test test-pg run

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## Create .venv and install the project with dev extras

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "error: $(PYTHON) must be Python 3.11+" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $@

check: install ## Format check, lint, types, import contracts, tests with coverage
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest --cov --cov-report=term-missing

fmt: install ## Format and autofix
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

test: install ## Run the tests
	$(BIN)/pytest

test-pg: install ## Run only the PostgreSQL / PgBouncer tests
	$(BIN)/pytest -m "postgres or pgbouncer"

run: install ## Serve the app
	$(BIN)/todo serve
