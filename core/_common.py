"""Small building blocks every package shares: one frozen record base, one clock, one date coercion."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["FrozenModel", "as_date", "utcnow"]


class FrozenModel(BaseModel):
    """A record that is never changed after it is made, and refuses fields it does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def utcnow() -> datetime:
    """Now, as an aware UTC datetime: the one clock of stored timestamps."""
    return datetime.now(UTC)


def as_date(value: Any) -> date | None:
    """A calendar date from a date, a datetime, an ISO string (its first ten characters) or a missing value
    (None, NaN, NaT, pandas' NA: None)."""
    if value is None or type(value).__name__ == "NAType":  # pandas.NA: its comparisons answer NA, not a bool
        return None
    if value != value:  # NaN and NaT are not equal to themselves
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)[:10]).date()
