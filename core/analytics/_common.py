"""What the dashboard modules share: frozen result models and reading DuckDB's missing values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

__all__ = ["is_na", "utc_today"]


def utc_today() -> date:
    return datetime.now(UTC).date()


def is_na(value: Any) -> bool:
    """None, NaN, NaT or pd.NA (a list is never "missing")."""
    import pandas as pd

    untyped: Any = pd  # pd.isna's overloads are partly untyped
    return value is None or (bool(pd.api.types.is_scalar(value)) and bool(untyped.isna(value)))
