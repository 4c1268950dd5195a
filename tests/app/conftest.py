"""App fixtures: real data folders in tmp_path (the demo seed, or nothing), a config file pointing at them, and
Streamlit's process-wide caches cleared around every test so no resource leaks from one folder to the next.

The demo folder is seeded once per session (a small agency and a few weeks of usage) and copied for each
test, so tests that write never see each other's changes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from app_helpers import AppEnv, write_config

from core.config import load_settings

DEMO_CLIENTS = 6
DEMO_DAYS = 21


def _clear_streamlit_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No provider keys, no data-dir or secret-key overrides from the caller's shell; empty Streamlit caches."""
    for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "TRAVELOPS_DATA_DIR", "TRAVELOPS_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    _clear_streamlit_caches()
    yield
    _clear_streamlit_caches()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the demo agency (small) and demo usage, seeded once for the session."""
    from core.models import Registry
    from core.travel.demo import seed_demo_agency
    from core.warehouse import BudgetEvent, Warehouse
    from core.warehouse.demo import seed_usage

    root = tmp_path_factory.mktemp("demo-template")
    data = root / "data"
    settings = load_settings(write_config(root, data), environ={})
    seed_demo_agency(settings, clients=DEMO_CLIENTS, agents=2)
    warehouse = Warehouse.from_settings(settings)
    seed_usage(warehouse, Registry.from_settings(settings).prices(), days=DEMO_DAYS)
    now = datetime.now(UTC)
    warehouse.record(
        BudgetEvent(
            scope="agency",
            scope_id="demo-agency",
            period="day",
            period_key=f"{now:%Y-%m-%d}",
            kind="alert",
            threshold=0.8,
            spent_usd=40.0,
            limit_usd=50.0,
            message="80% of today's budget spent ($40.00 of $50.00)",
        )
    )
    warehouse.flush()
    warehouse.refresh_performance()
    warehouse.close()
    return data


@pytest.fixture
def demo_env(tmp_path: Path, demo_template: Path, monkeypatch: pytest.MonkeyPatch) -> AppEnv:
    data = tmp_path / "data"
    shutil.copytree(demo_template, data, ignore=shutil.ignore_patterns("*.lock", "spool"))
    config = write_config(tmp_path, data)
    monkeypatch.setenv("TRAVELOPS_CONFIG", str(config))
    return AppEnv(data_dir=data, config=config)


@pytest.fixture
def empty_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppEnv:
    data = tmp_path / "empty-data"
    config = write_config(tmp_path, data)
    monkeypatch.setenv("TRAVELOPS_CONFIG", str(config))
    return AppEnv(data_dir=data, config=config)
