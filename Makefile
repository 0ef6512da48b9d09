# Two commands a user needs: `make demo` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The peers sagedeck is compared with and must stay compatible with (AWS CLI v1, awslogs):
# their own venv, because awscli pins a botocore that aiobotocore does not accept.
PEERS := .venv-peers
PEERS_STAMP := $(PEERS)/.installed

.PHONY: demo test lint typecheck pytest bench bench-smoke screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,demo]'
	touch $(STAMP)

$(PEERS_STAMP):
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/bin/python -m pip install --quiet 'awscli>=1.40,<2' 'awslogs>=0.15'
	touch $(PEERS_STAMP)

demo: $(STAMP)
	$(BIN)/sagedeck --demo

test: $(STAMP) $(PEERS_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(STAMP) $(PEERS_STAMP)
	$(BIN)/pytest -q

bench: $(STAMP) $(PEERS_STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP)
	$(BIN)/python -m sagedeck.devtools.screenshots screenshots

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .pytest_cache .ruff_cache
