# Two commands on a fresh machine: `make run` and `make test`. Both set everything up first.
SHELL := /bin/bash
PY ?= python3
UV := $(PY) -m uv
export UV_COMPILE_BYTECODE := 1
export UV_FROZEN := 1
export LITELLM_LOCAL_MODEL_COST_MAP := True
export PYTHONDONTWRITEBYTECODE :=
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: setup run test bench lint format clean

# The environment: uv (from PyPI, into the user's Python) then the locked dependencies.
.venv/.installed: pyproject.toml uv.lock
	@$(PY) -m uv --version >/dev/null 2>&1 || $(PY) -m pip install --quiet "uv>=0.13,<0.14"
	$(UV) sync --frozen
	@touch $@

setup: .venv/.installed

run: setup
	$(UV) run travelops demo seed
	$(UV) run streamlit run app/main.py --server.address $(HOST) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: setup
	$(UV) run pytest

bench: setup
	@for b in bench/*.py; do echo "# $$b" >&2; $(UV) run python $$b || exit 1; done

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run pyright

format: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

clean:
	rm -rf .venv .pytest_cache .ruff_cache
