"""Fixtures for the warehouse tests: real DuckDB files and spool folders in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.warehouse import Warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    wh = Warehouse(tmp_path / "data", lock_timeout_s=10, seal_interval_s=0.2)
    yield wh
    wh.close()
