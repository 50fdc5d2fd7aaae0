# One command to run, one to test. Both build .venv from pyproject.toml + constraints.txt first.
PYTHON ?= $(shell command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-e2e test-all lint format bench conformance clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12+ is needed (pyenv install 3.12, or set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@# Without SITE_URL, e-mailed links and client configs point at the address served here.
	@site="$${SITE_URL:-http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)}"; \
	echo "Serving on $(HOST):$(PORT); links in e-mails and client configs use $$site"; \
	SITE_URL="$$site" $(BIN)/uvicorn orderdesk_admin.asgi:application --host $(HOST) --port $(PORT) --lifespan on --no-proxy-headers

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-e2e: $(STAMP)
	$(BIN)/python -m pytest -q -m e2e -p no:randomly $(PYTEST_ARGS)

test-all: test test-e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

conformance: $(STAMP)
	$(BIN)/python scripts/mcp_conformance.py

clean:
	rm -rf $(VENV) var/staticfiles
