"""Where a query runs: a ``Warehouse`` (flush, ingest, lock, one query) or a DuckDB connection already held
(inside ``Warehouse.connect()``, or a raw one in a benchmark)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from core.warehouse._store import Warehouse

__all__ = ["Source", "day_start", "run"]

Source: TypeAlias = "Warehouse | duckdb.DuckDBPyConnection"


def run(source: Source, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    """``sql`` (``?`` placeholders) on ``source``, as a DataFrame."""
    import duckdb

    if isinstance(source, duckdb.DuckDBPyConnection):
        return source.execute(sql, params).df()
    return source.query(sql, params)


def day_start(day: date) -> datetime:
    """Midnight (UTC, naive as the warehouse stores it) of ``day``."""
    return datetime(day.year, day.month, day.day)
