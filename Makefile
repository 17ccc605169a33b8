# Set-up and everyday commands; see README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# Inside the project's workspace the datasets sit read-only in ../shared; use them
# (never the network) unless the caller already chose other locations.
SHARED := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED)),)
export SCHEDBENCH_DATA_DIR ?= $(SHARED)/icml24
export AIGVERSE_BENCHMARK_CACHE ?= $(SHARED)/epfl
endif

.PHONY: install test test-all lint table1 clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install -e ".[dev,gurobi,cplex]"

test:
	$(BIN)/pytest -m "not slow"

test-all:
	$(BIN)/pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

table1:
	$(BIN)/python -m schedbench.datasets.table1

clean:
	rm -rf .pytest_cache .ruff_cache build *.egg-info
