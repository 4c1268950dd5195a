"""The filter widgets' choices: every value present in the warehouse, and the days it covers."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core._common import FrozenModel, as_date
from core.analytics._common import is_na
from core.warehouse import queries

if TYPE_CHECKING:
    from core.warehouse import Warehouse

__all__ = ["FilterOptions", "filter_options"]


class FilterOptions(FrozenModel):
    """What the filter widgets offer: every value present in the warehouse, and the days it covers."""

    rows: int
    first_day: date | None
    last_day: date | None
    tasks: list[str]
    providers: list[str]
    users: list[str]
    models: list[str]

    @property
    def empty(self) -> bool:
        return self.rows == 0


def filter_options(warehouse: Warehouse) -> FilterOptions:
    row = queries.filter_values(warehouse)
    n = int(row["n"])

    def values(name: str) -> list[str]:
        raw = row[name]
        return sorted(str(v) for v in raw) if n and raw is not None and not is_na(raw) else []

    return FilterOptions(
        rows=n,
        first_day=as_date(row["first_day"]) if n else None,
        last_day=as_date(row["last_day"]) if n else None,
        tasks=values("tasks"),
        providers=values("providers"),
        users=values("users"),
        models=values("models"),
    )
