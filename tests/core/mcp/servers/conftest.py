"""Fixtures for our MCP servers' tests: settings over a data directory in tmp_path holding the sample agency,
built by the same seed code as the demo, and an in-process client bounded in time (see ``servers_helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from servers_helpers import ANCHOR

from core.config import Settings, load_settings
from core.security import Principal
from core.travel import TravelService
from core.travel.fixtures import SampleAgency, build_sample_agency


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "travelops.yml"
    path.write_text("data_dir: ./data\n", encoding="utf-8")
    return path


@pytest.fixture
def settings(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """No provider keys: the offline drafter answers. No research allow-list override."""
    for var in ("TRAVELOPS_RESEARCH_ALLOW", "TRAVELOPS_SECRET_KEY", "TRAVELOPS_DATA_DIR", "TRAVELOPS_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    return load_settings(config_file, environ={})


@pytest.fixture
def agency(settings: Settings) -> SampleAgency:
    """The sample agency (5 households, 8 trips across every status, workflows under way) in the data dir."""
    with TravelService.open(settings) as service:
        return build_sample_agency(service, Principal.default_admin(), clients=5, seed=1, anchor=ANCHOR)
