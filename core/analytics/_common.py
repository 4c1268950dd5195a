"""What the dashboard modules share: frozen result models and reading DuckDB's missing values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["Frozen", "as_date", "is_na", "utc_today"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def utc_today() -> date:
    return datetime.now(UTC).date()


def is_na(value: Any) -> bool:
    """None, NaN, NaT or pd.NA (a list is never "missing")."""
    import pandas as pd

    untyped: Any = pd  # pd.isna's overloads are partly untyped
    return value is None or (bool(pd.api.types.is_scalar(value)) and bool(untyped.isna(value)))


def as_date(value: Any) -> date | None:
    if value is None or is_na(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)[:10]).date()
