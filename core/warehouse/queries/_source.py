"""Where a query runs: a ``Warehouse`` (flush, ingest, lock, one query) or a DuckDB connection already held
(inside ``Warehouse.connect()``, or a raw one in a benchmark)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeAlias, cast

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from core.warehouse._store import Warehouse

__all__ = ["Source", "day_start", "first_row", "records", "run"]

Source: TypeAlias = "Warehouse | duckdb.DuckDBPyConnection"


def run(source: Source, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
    """``sql`` (``?`` placeholders) on ``source``, as a DataFrame."""
    import duckdb

    if isinstance(source, duckdb.DuckDBPyConnection):
        return source.execute(sql, params).df()
    return source.query(sql, params)


def day_start(day: date) -> datetime:
    """Midnight (UTC, naive as the warehouse stores it) of ``day``."""
    return datetime(day.year, day.month, day.day)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A query's rows as dicts (column -> value; pandas gives no value types)."""
    untyped: Any = frame  # pandas gives to_dict no value types
    return cast("list[dict[str, Any]]", untyped.to_dict("records"))


def first_row(frame: pd.DataFrame) -> dict[str, Any]:
    """The first row of a one-row answer (an aggregate without GROUP BY)."""
    return records(frame.head(1))[0]
