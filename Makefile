# VanThu developer commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
SOURCES := core accounts audit documents meetings signing
CATALOGS := core/translations
NPM ?= npm
#: pdf.js's browser build, copied from node_modules (never committed; see .gitignore)
PDFJS := core/static/vendor/pdfjs
PDFJS_DIST := node_modules/pdfjs-dist

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
install: $(VENV)/.installed translations pdfjs ## Create .venv and install VanThu with its test tools

# Without npm VanThu still runs: PDFs are then shown by the browser's own viewer. CI must have it.
.PHONY: pdfjs
ifneq ($(shell command -v $(NPM) 2>/dev/null),)
pdfjs: $(PDFJS)/.installed ## Install pdf.js with npm (package-lock.json) and copy it into core/static
else
pdfjs:
	@if [ -n "$$CI" ]; then \
		echo "npm is missing: CI needs Node.js and npm to install pdf.js (the PDF reader)" >&2; exit 1; \
	fi
	@echo "npm not found: PDFs will open in the browser's own viewer. Install Node.js and npm"
	@echo "  (e.g. apt-get install nodejs npm) and run make again to read them with pdf.js:"
	@echo "  page by page on tablets, reopened at the page each reader reached."
endif

# The legacy build: the same API with polyfills, for the older browsers of office tablets.
$(PDFJS)/.installed: package-lock.json
	$(NPM) ci --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(PDFJS) && mkdir -p $(PDFJS)
	cp $(PDFJS_DIST)/legacy/build/pdf.min.mjs $(PDFJS_DIST)/legacy/build/pdf.worker.min.mjs \
		$(PDFJS_DIST)/LICENSE $(PDFJS)/
	cp -R $(PDFJS_DIST)/cmaps $(PDFJS_DIST)/standard_fonts $(PDFJS_DIST)/wasm $(PDFJS_DIST)/iccs \
		$(PDFJS)/
	touch $@

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
	@command -v $${VANTHU_SOFFICE:-soffice} >/dev/null 2>&1 || { \
		echo "LibreOffice (soffice) not found: clerks cannot make the PDF original here and"; \
		echo "  upload the PDF they export instead. Install it with"; \
		echo "  apt-get install libreoffice-writer-nogui fonts-liberation2 (or set VANTHU_SOFFICE)."; }
	$(BIN)/vanthu demo
	$(BIN)/vanthu mail status
	VANTHU_COOKIE_SECURE=0 $(BIN)/vanthu run --host 127.0.0.1 --port $(PORT)

.PHONY: test
# Under `faketime` (how we check the suite at the new year), libfaketime also shifts the monotonic
# clock, and then every timed wait on a lock (threading.Event.wait, a queue's get) never returns.
# Only the wall clock needs faking (tests/faketime_clock.py); without faketime this does nothing.
test: install ## Run the whole test suite (SQLite; PostgreSQL with VANTHU_TEST_DATABASE_URL)
	FAKETIME_DONT_FAKE_MONOTONIC=1 $(BIN)/python -m pytest

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
clean: ## Remove the virtualenv, node_modules, pdf.js and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info node_modules $(PDFJS)
