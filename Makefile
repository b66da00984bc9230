# The two commands of the README: `make letters` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup letters test lint docs bench clean

setup:
	bash scripts/setup.sh

# Set everything up, check the workspace and render the seed letters into letters/.
letters: setup
	$(BIN)/appeal-letters check
	$(BIN)/appeal-letters render --sender sender.example.yaml

# Lint, type-check and run the whole test suite.
test: setup lint
	$(BIN)/pytest

lint:
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/mypy src

# Regenerate docs/cli.md from the code.
docs:
	$(BIN)/python scripts/cli_reference.py

bench: setup
	$(BIN)/python bench/render.py

clean:
	rm -rf letters dist build .pytest_cache .mypy_cache .ruff_cache
