# Two entry points, used by the README's Quick start and by CI.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup demo test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

# Set up, then ingest the bundled corpus into facts.db and print a summary.
demo: setup
	$(BIN)/python cli.py ingest corpus/ --db facts.db

lint: setup
	$(BIN)/ruff check .

# Set up, then run the linter and the whole test suite.
test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q
