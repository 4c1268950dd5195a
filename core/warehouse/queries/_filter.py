"""``UsageFilter``: which ``model_usage`` rows a dashboard looks at, and the SQL that selects them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from core.warehouse._schema import MODEL_ID_SQL
from core.warehouse.queries._source import day_start

__all__ = ["ALL", "DIMENSIONS", "NO_USER", "Dimension", "UsageFilter"]

Dimension = Literal["model", "provider", "task", "user"]

NO_USER: Final = "(no user)"
# The SQL of each dimension over model_usage columns.
DIMENSIONS: Mapping[str, str] = {
    "model": MODEL_ID_SQL,
    "provider": "model_provider",
    "task": "task_type",
    "user": f"coalesce(user_id, '{NO_USER}')",
}
_USAGE_COLUMNS: Mapping[str, str | None] = {
    "task": "task_type",
    "provider": "model_provider",
    "user": DIMENSIONS["user"],
    "model": MODEL_ID_SQL,
}
# benchmark_results rows have no user: a user filter leaves them out.
BENCH_COLUMNS: Mapping[str, str | None] = {
    "task": "task_type",
    "provider": "split_part(model, '/', 1)",
    "user": None,
    "model": "model",
}


class UsageFilter(BaseModel):
    """Which ``model_usage`` rows a dashboard looks at. Empty tuples mean "all"; days are inclusive (UTC)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    since: date | None = None
    until: date | None = None
    tasks: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    users: tuple[str, ...] = ()  # NO_USER selects rows without a user
    models: tuple[str, ...] = ()  # "provider/name"

    def sql(self, *extra: str, columns: Mapping[str, str | None] | None = None) -> tuple[str, list[object]]:
        """``WHERE ...`` over model_usage columns (and ``extra`` conditions), with its parameters.

        ``columns`` names another table's column per filter ("task", "provider", "user", "model"; each needs a
        ``created_at``); a filter whose column is None matches no row of it when set."""
        columns = columns or _USAGE_COLUMNS
        clauses: list[str] = [*extra]
        params: list[object] = []
        if self.since is not None:
            clauses.append("created_at >= ?")
            params.append(day_start(self.since))
        if self.until is not None:
            clauses.append("created_at < ?")
            params.append(day_start(self.until + timedelta(days=1)))
        for values, key in (
            (self.tasks, "task"),
            (self.providers, "provider"),
            (self.users, "user"),
            (self.models, "model"),
        ):
            if not values:
                continue
            if (column := columns[key]) is None:
                clauses.append("false")
            else:
                clauses.append(f"list_contains(?::VARCHAR[], {column})")
                params.append(list(values))
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params

    def filtered_cte(self, *extra: str) -> tuple[str, list[object]]:
        """``filtered AS (...)``: the rows this filter selects, with a ``model`` column ("provider/name")."""
        where, params = self.sql(*extra)
        return f"filtered AS (SELECT *, {MODEL_ID_SQL} AS model FROM model_usage {where})", params


ALL: Final = UsageFilter()
