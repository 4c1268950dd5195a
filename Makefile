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

.PHONY: setup run test bench lint format clean lab

# The environment: uv (from PyPI, into the user's Python) then the locked dependencies.
.venv/.installed: pyproject.toml uv.lock
	@$(PY) -m uv --version >/dev/null 2>&1 || $(PY) -m pip install --quiet "uv>=0.13,<0.14"
	$(UV) sync --frozen
	@touch $@

# System packages the tests need: Debian's Chromium for the browser tests (Playwright drives it; no browser
# download) and DejaVu fonts for PDFs. Installed with apt when missing (as root, or through sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.PHONY: system
system:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v crontab >/dev/null 2>&1 || [ ! -d /usr/share/fonts/truetype/dejavu ]; then \
		echo "Installing chromium, fonts-dejavu-core and cron with apt-get..."; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core cron >/dev/null \
		|| { echo "Could not install them: run 'apt-get install chromium fonts-dejavu-core cron' as root, then make test again." >&2; exit 1; }; \
	fi

setup: .venv/.installed

run: setup
	$(UV) run travelops demo seed
	$(UV) run streamlit run app/main.py --server.address $(HOST) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: setup system
	$(UV) run pytest

# JupyterLab for analysts, on the same core package (root needs --allow-root).
lab: setup
	$(UV) run jupyter lab --ip $(HOST) --no-browser --notebook-dir notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: setup
	@for b in bench/[!_]*.py; do echo "# $$b" >&2; $(UV) run python $$b || exit 1; done

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run pyright

format: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

clean:
	rm -rf .venv .pytest_cache .ruff_cache
