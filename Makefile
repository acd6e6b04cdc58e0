# Two commands do all the set-up: `make demo` runs the product, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/okrbot console --demo --db "$(CURDIR)/okrbot-demo.db"

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Starts everything it measures itself, on loopback (Teams, then Slack rows); about three minutes.
bench: $(STAMP)
	$(BIN)/python bench/bench_load.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot adapters storage tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) okrbot-demo.db*
