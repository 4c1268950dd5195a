"""What the warehouse answers with: typed, frozen results (no DataFrames where a caller needs numbers)."""

from __future__ import annotations

from datetime import date

from core._common import FrozenModel

__all__ = ["PerformanceStats", "Period", "UsageRow", "UsageSummary"]


class PerformanceStats(FrozenModel):
    """How one model does on one task type, from ``model_performance``.

    ``calls`` counts attempts that reached the model (status ok or error; cache hits excluded). Cost and
    latency figures are per attempt; ``success_rate`` is ok / calls. ``avg_quality`` pools agent feedback,
    scores logged with the call and benchmark scores (``quality_samples`` of them), or None without any.
    """

    calls: int
    success_rate: float
    avg_cost: float
    avg_ms: float
    p50_ms: float
    p95_ms: float
    avg_quality: float | None
    quality_samples: int


class UsageRow(FrozenModel):
    """One line of a usage breakdown. ``key`` is the model id, task type or user id (None: no user recorded).

    ``calls`` counts every row (cache hits included); latency percentiles and ``error_rate`` are over the
    attempts that reached a model (ok + error).
    """

    key: str | None
    calls: int
    errors: int
    cache_hits: int
    cost_usd: float
    tokens: int
    p50_ms: float | None
    p95_ms: float | None
    error_rate: float


class Period(FrozenModel):
    """The days a summary covers: ``start`` is the ``since`` asked for (else the first day with data),
    ``end`` the last day with data. Both None when there is no data."""

    start: date | None
    end: date | None


class UsageSummary(FrozenModel):
    period: Period
    calls: int
    errors: int
    cache_hits: int
    total_cost_usd: float
    tokens: int
    by_model: list[UsageRow]
    by_task: list[UsageRow]
    by_user: list[UsageRow]
