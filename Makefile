# The two commands of the README: `make letters` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup letters test test-fast lint docs catalogs bench clean

setup:
	bash scripts/setup.sh

# Set everything up, check the workspace and render the seed letters into letters/.
letters: setup
	$(BIN)/appeal-letters check
	$(BIN)/appeal-letters render --sender sender.example.yaml

# Lint, type-check and run the whole test suite, one worker per core.
test: setup lint
	$(BIN)/pytest -n auto

# The same without the slow tests (killed and raced processes, the wheel): for the edit loop.
test-fast: lint
	$(BIN)/pytest -n auto -m "not slow"

lint:
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/mypy src

# Regenerate docs/cli.md from the code.
docs:
	$(BIN)/python scripts/cli_reference.py

# Extract the letter's fixed phrases and the page's words, update each language's catalogs,
# compile them.
LOCALES := src/appeal_letters/locale
LANGUAGES := fr es ru ar
catalogs:
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project appeal-letters \
		-o $(LOCALES)/messages.pot .
	for lang in $(LANGUAGES); do \
		$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -l $$lang \
			--no-fuzzy-matching --ignore-obsolete --width 100 || exit 1; \
	done
	$(BIN)/pybabel extract -F babel-web.cfg --no-location --sort-output --project appeal-letters \
		-o $(LOCALES)/web.pot .
	for lang in $(LANGUAGES); do \
		if [ -f $(LOCALES)/$$lang/LC_MESSAGES/web.po ]; then \
			$(BIN)/pybabel update -D web -i $(LOCALES)/web.pot -d $(LOCALES) -l $$lang \
				--no-fuzzy-matching --ignore-obsolete --width 100 || exit 1; \
		else \
			$(BIN)/pybabel init -D web -i $(LOCALES)/web.pot -d $(LOCALES) -l $$lang || exit 1; \
		fi; \
	done
	$(BIN)/pybabel compile -d $(LOCALES) --statistics
	$(BIN)/pybabel compile -D web -d $(LOCALES) --statistics

bench: setup
	$(BIN)/python bench/render.py

clean:
	rm -rf letters dist build .pytest_cache .mypy_cache .ruff_cache
