"""Reads of ``budget_events``: the alerts, downgrades and refusals the gateway's budgets logged."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.warehouse.queries._source import Source, day_start, run

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["budget_alerts"]


def budget_alerts(source: Source, *, since: date | None = None, limit: int = 100) -> pd.DataFrame:
    """Budget events, newest first: created_at, scope, scope_id, period, period_key, kind (alert, downgrade,
    refused), threshold, spent_usd, limit_usd, message."""
    where, params = ("WHERE created_at >= ?", [day_start(since)]) if since else ("", [])
    return run(
        source,
        f"""SELECT created_at, scope, scope_id, period, period_key, kind, threshold, spent_usd, limit_usd,
               message
        FROM budget_events {where} ORDER BY created_at DESC LIMIT ?""",
        [*params, max(1, limit)],
    )
