"""The costs dashboard's cache figure: what the response cache saved. (Spend by day and the costliest
requests are plain tables: ``core.warehouse.queries`` answers them.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core._common import FrozenModel
from core.warehouse import queries
from core.warehouse.queries import ALL, UsageFilter

if TYPE_CHECKING:
    from core.warehouse import Warehouse

__all__ = ["CacheSavings", "CacheSavingsRow", "cache_savings"]


class CacheSavingsRow(FrozenModel):
    model: str
    hits: int
    saved_usd: float


class CacheSavings(FrozenModel):
    """What the response cache saved: each cache hit priced at what its request would have cost.

    The price of a hit is, in order: the same request's first successful attempt, else the average successful
    attempt of that model on that task, else of that model on any task. ``unpriced`` hits had none of these
    (and count as 0).
    """

    hits: int
    saved_usd: float
    from_same_request: int
    from_model_task_average: int
    from_model_average: int
    unpriced: int
    by_model: list[CacheSavingsRow]


def cache_savings(warehouse: Warehouse, flt: UsageFilter = ALL) -> CacheSavings:
    records = queries.cache_savings_by_model(warehouse, flt)
    rows = [
        CacheSavingsRow(model=str(r["model"]), hits=int(r["hits"]), saved_usd=float(r["saved_usd"]))
        for r in records
    ]
    hits = sum(r.hits for r in rows)
    same, task_avg, model_avg = (
        sum(int(r[c]) for r in records) for c in ("same_request", "model_task", "model_avg")
    )
    return CacheSavings(
        hits=hits,
        saved_usd=sum(r.saved_usd for r in rows),
        from_same_request=same,
        from_model_task_average=task_avg,
        from_model_average=model_avg,
        unpriced=hits - same - task_avg - model_avg,
        by_model=rows,
    )
