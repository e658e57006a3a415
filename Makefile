# VanThu developer commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
SOURCES := core accounts audit documents meetings signing
CATALOGS := core/translations

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

.PHONY: install
install: $(VENV)/.installed translations ## Create .venv and install VanThu with its test tools

.PHONY: translations
translations: $(VENV)/.installed ## Compile the message catalogues (.po -> .mo)
	$(BIN)/pybabel compile -d $(CATALOGS)

.PHONY: translations-update
translations-update: $(VENV)/.installed ## Extract UI strings and merge them into the catalogues
	$(BIN)/pybabel extract -F $(CATALOGS)/babel.cfg -k N_ -k _l -o $(CATALOGS)/messages.pot \
		--no-location --sort-output $(SOURCES) templates
	$(BIN)/pybabel update -i $(CATALOGS)/messages.pot -d $(CATALOGS) --no-fuzzy-matching

.PHONY: migrate
migrate: install ## Bring the database schema up to date
	$(BIN)/vanthu db upgrade

.PHONY: run
run: migrate ## Serve on http://127.0.0.1:$(PORT) with demo data (SQLite by default)
	$(BIN)/vanthu demo
	$(BIN)/vanthu mail status
	VANTHU_COOKIE_SECURE=0 $(BIN)/vanthu run --host 127.0.0.1 --port $(PORT)

.PHONY: test
test: install ## Run the whole test suite (SQLite; PostgreSQL with VANTHU_TEST_DATABASE_URL)
	$(BIN)/python -m pytest

.PHONY: lint
lint: install ## ruff (lint and format) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(SOURCES) wsgi.py

.PHONY: format
format: install ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: bench
bench: install ## Run every benchmark in bench/ (each prints one JSON line)
	@for script in bench/[!_]*.py; do $(BIN)/python $$script || exit 1; done

.PHONY: clean
clean: ## Remove the virtualenv and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
