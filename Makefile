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

# Starts everything it measures itself, on loopback: Teams and Slack load, the core's
# commands, the weekly analysis; several minutes. BENCH_BASE=<rev> also measures the core's
# commands at that revision (before/after in the same run). Then how often the suggested KR is
# the one members chose, on the demo team's history and a generated one.
# The weekly fan-out on 3 workers over PostgreSQL (TEST_DATABASE_URL or BENCH_DATABASE_URL):
# at 10,000 members the minimum alone is 8 minutes for Slack, 3 for Teams, per run.
FANOUT_MEMBERS ?= 10000
bench: $(STAMP)
	$(BIN)/python bench/bench_load.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_commands.py --count 200 $(if $(BENCH_BASE),--base $(BENCH_BASE))
	$(BIN)/python bench/bench_analysis.py --channels 200 --repeat 2 --cycle-weeks 13
	$(BIN)/python bench/bench_analysis.py --channels 200 --repeat 2 --cycle-weeks 52
	$(BIN)/python bench/bench_webhooks.py --count 200
	$(BIN)/python bench/bench_dashboard.py --repeat 30
	$(BIN)/python bench/bench_suggestions.py
	$(BIN)/python bench/bench_fanout.py --members $(FANOUT_MEMBERS)

# ruff over the code and tests; mypy strict over bot/, adapters/ and storage/ (pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check bot adapters storage tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) okrbot-demo.db*
