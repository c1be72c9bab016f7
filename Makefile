# The README's two commands are `make serve` and `make test`; everything they need is installed here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test install bench lint

serve: install  ## install, migrate, seed the demo province and serve it at http://127.0.0.1:8000
	$(BIN)/ggzy db upgrade
	$(BIN)/ggzy demo
	$(BIN)/ggzy serve --host $(HOST) --port $(PORT)

test: install  ## the whole test suite, on SQLite and PostgreSQL
	$(BIN)/pytest -n 2 -p no:cacheprovider

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ggzy needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

bench: install  ## benchmarks: figures printed next to a reference measured in the same run
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check src tests bench
