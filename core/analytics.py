"""The dashboards' questions over the usage warehouse: spend against budgets, where the money goes, how fast and
how well each model answers, and what another routing policy would have cost.

Every function takes a ``Warehouse`` (it flushes, ingests and holds the lock for the length of one query) and
returns a DataFrame or a frozen pydantic model; none of them writes. Days are UTC, as the warehouse stores
them. ``UsageFilter`` narrows any of them by date, task, provider, user and model::

    from core.analytics import UsageFilter, budget_status, spend_by_day

    flt = UsageFilter(since=date(2026, 11, 1), tasks=("proposal",))
    spend_by_day(warehouse, "model", flt)        # day, key, calls, cost_usd
    budget_status(warehouse, settings.cost_optimization)

Model ids are "provider/name" whichever way a row spells them: demo rows keep the bare name in
``model_name``, the gateway's rows the full id (``MODEL_ID_SQL`` folds both).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.config import CostOptimization, Settings, TaskTypeConfig, WorkflowConfig
from core.errors import RoutingError, ValidationError
from core.models import ModelInfo, Registry, measured_by_model
from core.routing import RouteRequest, Selector, UserPreferences
from core.warehouse import Warehouse

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DIMENSIONS",
    "MODEL_ID_SQL",
    "NO_USER",
    "WHAT_IF_LIMITATIONS",
    "BudgetStatus",
    "CacheSavings",
    "Dimension",
    "FilterOptions",
    "OutcomeSummary",
    "RoutingPolicy",
    "UsageFilter",
    "WhatIfResult",
    "WhatIfRow",
    "budget_alerts",
    "budget_status",
    "cache_savings",
    "expensive_requests",
    "filter_options",
    "latency_by_model",
    "model_catalog",
    "month_forecast",
    "outcome_rates",
    "outcome_summary",
    "quality_matrix",
    "spend_by_day",
    "what_if",
]

Dimension = Literal["model", "provider", "task", "user"]

# "provider/name" for rows that store the bare name (demo, original system) and for rows that store the id.
MODEL_ID_SQL = (
    "CASE WHEN starts_with(model_name, model_provider || '/') THEN model_name "
    "ELSE model_provider || '/' || model_name END"
)
NO_USER = "(no user)"
DIMENSIONS: Mapping[str, str] = {
    "model": MODEL_ID_SQL,
    "provider": "model_provider",
    "task": "task_type",
    "user": f"coalesce(user_id, '{NO_USER}')",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _day(value: date) -> datetime:
    return datetime(value.year, value.month, value.day)


# ----------------------------------------------------------------------------------------------------------
# Filters
# ----------------------------------------------------------------------------------------------------------


_USAGE_COLUMNS: Mapping[str, str | None] = {
    "task": "task_type",
    "provider": "model_provider",
    "user": DIMENSIONS["user"],
    "model": MODEL_ID_SQL,
}
# benchmark_results rows have no user: a user filter leaves them out.
_BENCH_COLUMNS: Mapping[str, str | None] = {
    "task": "task_type",
    "provider": "split_part(model, '/', 1)",
    "user": None,
    "model": "model",
}


class UsageFilter(_Frozen):
    """Which ``model_usage`` rows a dashboard looks at. Empty tuples mean "all"; days are inclusive (UTC)."""

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
            params.append(_day(self.since))
        if self.until is not None:
            clauses.append("created_at < ?")
            params.append(_day(self.until + timedelta(days=1)))
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


_ALL = UsageFilter()


class FilterOptions(_Frozen):
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
    df = warehouse.query(
        f"""SELECT count(*) AS n, min(created_at)::DATE AS first_day, max(created_at)::DATE AS last_day,
               list(DISTINCT task_type) AS tasks, list(DISTINCT model_provider) AS providers,
               list(DISTINCT user_id) FILTER (WHERE user_id IS NOT NULL) AS users,
               list(DISTINCT {MODEL_ID_SQL}) AS models
        FROM model_usage"""
    )
    row = df.iloc[0]
    n = int(row["n"])

    def values(name: str) -> list[str]:
        raw = row[name]
        return sorted(str(v) for v in raw) if n and raw is not None and not _is_na(raw) else []

    return FilterOptions(
        rows=n,
        first_day=_as_date(row["first_day"]) if n else None,
        last_day=_as_date(row["last_day"]) if n else None,
        tasks=values("tasks"),
        providers=values("providers"),
        users=values("users"),
        models=values("models"),
    )


def _is_na(value: Any) -> bool:
    """None, NaN, NaT or pd.NA (a list is never "missing")."""
    import pandas as pd

    return value is None or (bool(pd.api.types.is_scalar(value)) and bool(pd.isna(value)))


def _as_date(value: Any) -> date | None:
    if value is None or _is_na(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)[:10]).date()


# ----------------------------------------------------------------------------------------------------------
# Spend and budgets
# ----------------------------------------------------------------------------------------------------------


class BudgetStatus(_Frozen):
    """Spend today and this month against the configured budgets, and where the month is heading.

    ``run_rate_usd`` is the mean spend per day over the last ``window_days`` full days (before today); the
    forecast assumes today ends at least at that rate and every day left in the month spends it.
    Shares are spend / limit (None without a limit).
    """

    today: date
    spent_today_usd: float
    daily_limit_usd: float | None
    daily_share: float | None
    month: str  # "2026-11"
    spent_month_usd: float
    monthly_limit_usd: float | None
    monthly_share: float | None
    run_rate_usd: float
    window_days: int
    days_in_month: int
    days_left: int  # after today
    forecast_month_usd: float
    forecast_share: float | None

    @property
    def has_spend(self) -> bool:
        return self.spent_month_usd > 0 or self.run_rate_usd > 0

    @property
    def forecast_over_budget(self) -> bool:
        return self.monthly_limit_usd is not None and self.forecast_month_usd > self.monthly_limit_usd


def _share(spent: float, limit: float | None) -> float | None:
    return None if not limit else spent / limit


def _daily_costs(warehouse: Warehouse, start: date, end: date) -> dict[date, float]:
    """Cost per UTC day from ``start`` to ``end`` inclusive (days without rows are absent)."""
    df = warehouse.query(
        "SELECT CAST(created_at AS DATE) AS day, sum(cost_usd) AS cost FROM model_usage "
        "WHERE created_at >= ? AND created_at < ? GROUP BY day",
        [_day(start), _day(end + timedelta(days=1))],
    )
    return {d: float(c) for d, c in zip(map(_as_date, df["day"]), df["cost"], strict=True) if d is not None}


def budget_status(
    warehouse: Warehouse, cost: CostOptimization, *, today: date | None = None, window_days: int = 14
) -> BudgetStatus:
    if window_days < 1:
        raise ValidationError(f"window_days = {window_days}: the run rate needs at least 1 day.")
    day = today or _utc_today()
    month_start = day.replace(day=1)
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    window_start = day - timedelta(days=window_days)
    by_day = _daily_costs(warehouse, min(month_start, window_start), day)
    spent_today = by_day.get(day, 0.0)
    spent_month = sum(c for d, c in by_day.items() if d >= month_start)
    full_days = [window_start + timedelta(days=i) for i in range(window_days)]
    history = [by_day.get(d, 0.0) for d in full_days]
    # A brand-new warehouse has no full day yet: today is all we know.
    rate = sum(history) / window_days if any(history) else spent_today
    days_left = days_in_month - day.day
    forecast = spent_month - spent_today + max(spent_today, rate) + rate * days_left
    return BudgetStatus(
        today=day,
        spent_today_usd=spent_today,
        daily_limit_usd=cost.daily_limit,
        daily_share=_share(spent_today, cost.daily_limit),
        month=f"{day:%Y-%m}",
        spent_month_usd=spent_month,
        monthly_limit_usd=cost.monthly_limit,
        monthly_share=_share(spent_month, cost.monthly_limit),
        run_rate_usd=rate,
        window_days=window_days,
        days_in_month=days_in_month,
        days_left=days_left,
        forecast_month_usd=forecast,
        forecast_share=_share(forecast, cost.monthly_limit),
    )


def month_forecast(warehouse: Warehouse, status: BudgetStatus) -> pd.DataFrame:
    """Cumulative spend over the month of ``status``: columns day, cumulative_usd, kind ("actual" up to
    today, "forecast" from today to month end), monthly_limit_usd."""
    import pandas as pd

    month_start = status.today.replace(day=1)
    by_day = _daily_costs(warehouse, month_start, status.today)
    rows: list[dict[str, object]] = []
    total = 0.0
    for i in range(status.today.day):
        d = month_start + timedelta(days=i)
        total += by_day.get(d, 0.0)
        rows.append({"day": d, "cumulative_usd": total, "kind": "actual"})
    projected = status.forecast_month_usd - status.run_rate_usd * status.days_left  # where today ends
    for i in range(status.days_left + 1):
        d = status.today + timedelta(days=i)
        rows.append({"day": d, "cumulative_usd": projected + status.run_rate_usd * i, "kind": "forecast"})
    df = pd.DataFrame(rows, columns=["day", "cumulative_usd", "kind"])
    df["monthly_limit_usd"] = status.monthly_limit_usd
    return df


def spend_by_day(warehouse: Warehouse, by: Dimension, flt: UsageFilter = _ALL) -> pd.DataFrame:
    """Cost and calls per UTC day per ``by`` value: columns day, key, calls, cost_usd (cache hits count as
    calls at zero cost)."""
    if by not in DIMENSIONS:
        raise ValidationError(f"Unknown dimension {by!r}.", hint=f"Fix: use one of {', '.join(DIMENSIONS)}.")
    where, params = flt.sql()
    return warehouse.query(
        f"""SELECT CAST(created_at AS DATE) AS day, {DIMENSIONS[by]} AS key, count(*) AS calls,
               coalesce(sum(cost_usd), 0) AS cost_usd
        FROM model_usage {where} GROUP BY ALL ORDER BY day, key""",
        params,
    )


def budget_alerts(warehouse: Warehouse, *, since: date | None = None, limit: int = 100) -> pd.DataFrame:
    """Budget events, newest first: created_at, scope, scope_id, period, period_key, kind (alert, downgrade,
    refused), threshold, spent_usd, limit_usd, message."""
    where, params = ("WHERE created_at >= ?", [_day(since)]) if since else ("", [])
    return warehouse.query(
        f"""SELECT created_at, scope, scope_id, period, period_key, kind, threshold, spent_usd, limit_usd,
               message
        FROM budget_events {where} ORDER BY created_at DESC LIMIT ?""",
        [*params, max(1, limit)],
    )


def expensive_requests(warehouse: Warehouse, flt: UsageFilter = _ALL, *, limit: int = 20) -> pd.DataFrame:
    """The costliest requests (every attempt of a request summed): request_id, created_at, task_type,
    user_id, trip_id, model (the last attempt's), status (the last attempt's), attempts, tokens, cost_usd,
    routing_reason."""
    # Two passes: the top ``limit`` requests on their summed cost alone (one cheap aggregate over every
    # request), then the full row only for those (10M rows, 2 cores, last 30 days: ~290 -> ~90 ms).
    cte, params = flt.filtered_cte()
    return warehouse.query(
        f"""WITH {cte},
        top AS (
            SELECT request_id FROM filtered GROUP BY request_id
            ORDER BY coalesce(sum(cost_usd), 0) DESC, request_id LIMIT ?
        )
        SELECT request_id, min(created_at) AS created_at, any_value(task_type) AS task_type,
               any_value(user_id) AS user_id, any_value(trip_id) AS trip_id,
               arg_max(model, attempt) AS model, arg_max(status, attempt) AS status, count(*) AS attempts,
               coalesce(sum(tokens_used), 0) AS tokens, coalesce(sum(cost_usd), 0) AS cost_usd,
               arg_max(routing_reason, attempt) AS routing_reason
        FROM filtered WHERE request_id IN (SELECT request_id FROM top)
        GROUP BY request_id ORDER BY cost_usd DESC, request_id""",
        [*params, max(1, limit)],
    )


class CacheSavingsRow(_Frozen):
    model: str
    hits: int
    saved_usd: float


class CacheSavings(_Frozen):
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


def cache_savings(warehouse: Warehouse, flt: UsageFilter = _ALL) -> CacheSavings:
    # The prices come from every successful attempt (the filter narrows the hits only). Nothing groups the
    # whole table on request_id: ``same`` reads only the hits' requests, and the averages are one pass grouped
    # on a hash of provider, name and task (as core.warehouse does), folded into model ids on the few groups
    # left (sum / count, so a model's average weighs its tasks by attempts as avg() did). 10M rows, 2 cores,
    # last 30 days: ~1,500 -> ~230 ms.
    cte, params = flt.filtered_cte("status = 'cache_hit'")
    df = warehouse.query(
        f"""WITH {cte},
        same AS (
            SELECT request_id, arg_min(cost_usd, attempt) AS cost FROM model_usage
            WHERE status = 'ok' AND request_id IN (SELECT request_id FROM filtered)
            GROUP BY request_id
        ),
        pairs AS (
            SELECT any_value(model_provider) AS model_provider, any_value(model_name) AS model_name,
                   any_value(task_type) AS task_type, sum(cost_usd) AS total, count(cost_usd) AS n
            FROM model_usage WHERE status = 'ok' GROUP BY hash(model_provider, model_name, task_type)
        ),
        by_task AS (
            SELECT {MODEL_ID_SQL} AS model, task_type, sum(total) AS total, sum(n) AS n
            FROM pairs GROUP BY ALL
        ),
        t AS (SELECT model, task_type, total / nullif(n, 0) AS cost FROM by_task),
        by_model AS (SELECT model, sum(total) / nullif(sum(n), 0) AS cost FROM by_task GROUP BY model)
        SELECT h.model, count(*) AS hits,
               coalesce(sum(coalesce(s.cost, t.cost, m.cost, 0)), 0) AS saved_usd,
               count(s.cost) AS same_request,
               count(*) FILTER (WHERE s.cost IS NULL AND t.cost IS NOT NULL) AS model_task,
               count(*) FILTER (WHERE s.cost IS NULL AND t.cost IS NULL AND m.cost IS NOT NULL) AS model_avg
        FROM filtered h
        LEFT JOIN same s ON s.request_id = h.request_id
        LEFT JOIN t ON t.model = h.model AND t.task_type = h.task_type
        LEFT JOIN by_model m ON m.model = h.model
        GROUP BY h.model ORDER BY saved_usd DESC, h.model""",
        params,
    )
    records = df.to_dict("records")
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


# ----------------------------------------------------------------------------------------------------------
# Latency, outcomes, quality
# ----------------------------------------------------------------------------------------------------------


def latency_by_model(warehouse: Warehouse, flt: UsageFilter = _ALL) -> pd.DataFrame:
    """Latency of attempts that reached a model (ok and error; cache hits left out): model, attempts,
    avg_ms, p50_ms, p95_ms, p99_ms — slowest p95 first."""
    cte, params = flt.filtered_cte("status <> 'cache_hit'")
    return warehouse.query(
        f"""WITH {cte}
        SELECT model, count(*) AS attempts, avg(response_time_ms) AS avg_ms,
               quantile_cont(response_time_ms, 0.5) AS p50_ms, quantile_cont(response_time_ms, 0.95) AS p95_ms,
               quantile_cont(response_time_ms, 0.99) AS p99_ms
        FROM filtered GROUP BY model ORDER BY p95_ms DESC, model""",
        params,
    )


_REQUESTS_CTE = """
requests AS (
    SELECT request_id, arg_min(model, attempt) AS first_model,
           bool_or(status = 'ok') AS answered, bool_or(status = 'cache_hit') AS cached,
           bool_or(fallback_from IS NOT NULL) AS fell_back
    FROM filtered GROUP BY request_id
)"""


class OutcomeSummary(_Frozen):
    """How requests ended. A request is one user-visible call: its attempts (retries, fallbacks) together.

    ``failed``: no attempt answered and no cache hit. ``fell_back``: a fallback model was tried. Rates are
    shares of ``requests`` (0 when there are none)."""

    requests: int
    answered: int
    cached: int
    failed: int
    fell_back: int
    attempts: int
    attempt_errors: int

    @property
    def success_rate(self) -> float:
        return (self.answered + self.cached) / self.requests if self.requests else 0.0

    @property
    def failure_rate(self) -> float:
        return self.failed / self.requests if self.requests else 0.0

    @property
    def fallback_rate(self) -> float:
        return self.fell_back / self.requests if self.requests else 0.0

    @property
    def attempt_error_rate(self) -> float:
        return self.attempt_errors / self.attempts if self.attempts else 0.0


def outcome_summary(warehouse: Warehouse, flt: UsageFilter = _ALL) -> OutcomeSummary:
    cte, params = flt.filtered_cte()
    df = warehouse.query(
        f"""WITH {cte}, {_REQUESTS_CTE},
        attempts AS (SELECT count(*) FILTER (WHERE status <> 'cache_hit') AS attempts,
                            count(*) FILTER (WHERE status = 'error') AS errors FROM filtered)
        SELECT count(*) AS requests, count(*) FILTER (WHERE answered) AS answered,
               count(*) FILTER (WHERE cached AND NOT answered) AS cached,
               count(*) FILTER (WHERE NOT answered AND NOT cached) AS failed,
               count(*) FILTER (WHERE fell_back) AS fell_back,
               any_value(a.attempts) AS attempts, any_value(a.errors) AS errors
        FROM requests, attempts a""",
        params,
    )
    r = df.iloc[0]

    def n(name: str) -> int:
        value = r[name]
        return 0 if value is None or _is_na(value) else int(value)

    return OutcomeSummary(
        requests=n("requests"),
        answered=n("answered"),
        cached=n("cached"),
        failed=n("failed"),
        fell_back=n("fell_back"),
        attempts=n("attempts"),
        attempt_errors=n("errors"),
    )


def outcome_rates(warehouse: Warehouse, flt: UsageFilter = _ALL) -> pd.DataFrame:
    """Per model: attempts, ok, errors, error_rate (errors / attempts that reached it); requests it was first
    choice for, success_rate and fallback_rate of those requests (answered or cached / fell back)."""
    cte, params = flt.filtered_cte()
    return warehouse.query(
        f"""WITH {cte}, {_REQUESTS_CTE},
        per_attempt AS (
            SELECT model, count(*) FILTER (WHERE status <> 'cache_hit') AS attempts,
                   count(*) FILTER (WHERE status = 'ok') AS ok, count(*) FILTER (WHERE status = 'error') AS errors,
                   count(*) FILTER (WHERE status = 'cache_hit') AS cache_hits
            FROM filtered GROUP BY model
        ),
        per_request AS (
            SELECT first_model AS model, count(*) AS requests,
                   count(*) FILTER (WHERE answered OR cached) AS succeeded,
                   count(*) FILTER (WHERE fell_back) AS fell_back
            FROM requests GROUP BY first_model
        )
        SELECT a.model, a.attempts, a.ok, a.errors, a.cache_hits,
               CASE WHEN a.attempts > 0 THEN a.errors / a.attempts ELSE 0 END AS error_rate,
               coalesce(r.requests, 0) AS requests,
               CASE WHEN r.requests > 0 THEN r.succeeded / r.requests END AS success_rate,
               CASE WHEN r.requests > 0 THEN r.fell_back / r.requests END AS fallback_rate
        FROM per_attempt a LEFT JOIN per_request r ON r.model = a.model
        ORDER BY a.model""",
        params,
    )


def quality_matrix(warehouse: Warehouse, flt: UsageFilter = _ALL) -> pd.DataFrame:
    """Mean quality (0..1) per model and task: model, task_type, avg_quality, samples, feedback_samples,
    logged_samples, benchmark_samples.

    A successful call counts with its latest agent rating (``quality_feedback``), else the score logged with
    it; benchmark results count too (by their day, task and provider; they have no user, so a user filter
    leaves them out)."""
    cte, params = flt.filtered_cte("status = 'ok'")
    bench_where, bench_params = flt.sql("score IS NOT NULL", columns=_BENCH_COLUMNS)
    return warehouse.query(
        f"""WITH {cte},
        feedback AS (SELECT request_id, arg_max(score, created_at) AS score FROM quality_feedback GROUP BY request_id),
        scored AS (
            SELECT f.model, f.task_type, coalesce(fb.score, f.quality_score) AS q,
                   CASE WHEN fb.score IS NOT NULL THEN 'feedback' ELSE 'logged' END AS source
            FROM filtered f LEFT JOIN feedback fb ON fb.request_id = f.request_id
            UNION ALL
            SELECT model, task_type, score AS q, 'benchmark' AS source
            FROM benchmark_results {bench_where}
        )
        SELECT model, task_type, avg(q) AS avg_quality, count(q) AS samples,
               count(q) FILTER (WHERE source = 'feedback') AS feedback_samples,
               count(q) FILTER (WHERE source = 'logged') AS logged_samples,
               count(q) FILTER (WHERE source = 'benchmark') AS benchmark_samples
        FROM scored WHERE q IS NOT NULL GROUP BY ALL ORDER BY model, task_type""",
        [*params, *bench_params],
    )


# ----------------------------------------------------------------------------------------------------------
# The model catalog
# ----------------------------------------------------------------------------------------------------------


def model_catalog(registry: Registry, warehouse: Warehouse) -> pd.DataFrame:
    """The registry as a table with what the warehouse measured (as of its last ``refresh_performance``):
    id, label, provider, kind, enabled, status, context_window, prices per million tokens, capabilities,
    measured calls, p50/p95 latency, success rate and quality. The offline drafter is labelled."""
    import pandas as pd

    measured = measured_by_model(warehouse.performance())
    rows: list[dict[str, object]] = []
    for info in sorted(registry.models, key=lambda m: (m.is_offline, m.id)):
        m = measured.get(info.id)
        rows.append(
            {
                "id": info.id,
                "label": info.label,
                "provider": info.provider,
                "kind": info.provider_kind,
                "enabled": info.enabled,
                "status": "ready" if info.enabled else f"disabled: {info.disabled_reason or 'by config'}",
                "context_window": info.context_window,
                "input_per_mtok": info.price.input * 1e6,
                "output_per_mtok": info.price.output * 1e6,
                "cache_read_per_mtok": info.price.cache_read * 1e6,
                "price_source": info.price.source,
                "capabilities": ", ".join(sorted(info.capabilities)),
                "rpm": info.rpm,
                "measured_calls": m.calls if m else 0,
                "p50_ms": m.p50_ms if m else None,
                "p95_ms": m.p95_ms if m else None,
                "success_rate": m.success_rate if m else None,
                "quality": m.avg_quality if m else None,
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------
# What-if: the last days' requests under another routing policy
# ----------------------------------------------------------------------------------------------------------


class RoutingPolicy(_Frozen):
    """Changes to the configured routing, for ``what_if``. None / empty keeps what the configuration says.

    ``routine_model``/``complex_model``/``fallback_model`` replace every workflow's default, complex-task and
    fallback model; ``task_models`` pins tasks to a model; ``ignore_rules`` drops the routing rules;
    ``performance_preference`` and ``cost_threshold`` act as everyone's preferences.
    """

    routine_model: str | None = None
    complex_model: str | None = None
    fallback_model: str | None = None
    task_models: dict[str, str] = Field(default_factory=dict)
    complex_threshold: float | None = Field(default=None, ge=0, le=1)
    ignore_rules: bool = False
    performance_preference: Literal["cost", "speed", "quality"] | None = None
    cost_threshold: float | None = Field(default=None, ge=0)

    @property
    def is_current(self) -> bool:
        return self == RoutingPolicy()

    def describe(self) -> str:
        parts = [
            f"routine tasks → {self.routine_model}" if self.routine_model else "",
            f"complex tasks → {self.complex_model}" if self.complex_model else "",
            f"fallback → {self.fallback_model}" if self.fallback_model else "",
            *(f"{t} → {m}" for t, m in sorted(self.task_models.items())),
            f"complexity threshold {self.complex_threshold:.2f}"
            if self.complex_threshold is not None
            else "",
            "no routing rules" if self.ignore_rules else "",
            f"prefer {self.performance_preference}" if self.performance_preference else "",
            f"at most ${self.cost_threshold:.4f} per request" if self.cost_threshold is not None else "",
        ]
        return "; ".join(p for p in parts if p) or "the current configuration"


class WhatIfRow(_Frozen):
    """Requests of one task with the same model actually used, and the model each policy picks for them."""

    task_type: str
    actual_model: str
    baseline_model: str | None  # what the current configuration picks for them now (None: nothing can)
    scenario_model: str | None
    requests: int
    actual_usd: float
    baseline_usd: float
    scenario_usd: float


class WhatIfResult(_Frozen):
    """The last ``days`` days' answered requests re-priced under the current routing (``baseline_usd``) and
    under ``policy`` (``scenario_usd``); ``actual_usd`` is what every request in the window really cost.

    Cache hits and failed requests keep their actual cost in all three figures (``unchanged_usd``).
    """

    since: date
    until: date
    days: int
    policy: RoutingPolicy
    requests: int
    repriced: int
    cache_hits: int
    failed: int
    unroutable: int  # answered requests for which the scenario finds no model (kept at their actual cost)
    actual_usd: float
    baseline_usd: float
    scenario_usd: float
    unchanged_usd: float
    rows: list[WhatIfRow]
    notes: list[str]

    @property
    def saving_vs_baseline_usd(self) -> float:
        return self.baseline_usd - self.scenario_usd

    @property
    def saving_vs_actual_usd(self) -> float:
        return self.actual_usd - self.scenario_usd

    def by_task(self) -> pd.DataFrame:
        """task_type, requests, actual_usd, baseline_usd, scenario_usd, scenario_models."""
        import pandas as pd

        frame = self.frame()
        if frame.empty:
            return pd.DataFrame(
                columns=[
                    "task_type",
                    "requests",
                    "actual_usd",
                    "baseline_usd",
                    "scenario_usd",
                    "scenario_models",
                ]
            )
        grouped = frame.groupby("task_type", as_index=False).agg(
            requests=("requests", "sum"),
            actual_usd=("actual_usd", "sum"),
            baseline_usd=("baseline_usd", "sum"),
            scenario_usd=("scenario_usd", "sum"),
            scenario_models=("scenario_model", lambda s: ", ".join(sorted({str(v) for v in s if v}))),
        )
        return grouped.sort_values("actual_usd", ascending=False, ignore_index=True)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [r.model_dump() for r in self.rows],
            columns=list(WhatIfRow.model_fields),
        )


WHAT_IF_LIMITATIONS: tuple[str, ...] = (
    "Prompts are not stored, so each request is routed on a stand-in prompt of its recorded length and its "
    "task: keyword rules never match and 'auto' tasks are judged on length alone.",
    "The recorded prompt, completion and cache tokens are priced with the other model's prices; a different "
    "model would have answered at a different length and cached differently.",
    "Budgets are left out (no downgrades), and models whose provider has no key are assumed available.",
)

# Prompts are grouped in ~15% size buckets: the selector only looks at size through the complexity score,
# the context window and the cost estimate, and pricing is linear in the summed tokens.
_BUCKET = math.log(1.15)
_WHAT_IF_SQL = """
WITH {cte},
req AS (
    SELECT request_id, any_value(task_type) AS task_type, coalesce(sum(cost_usd), 0) AS actual,
           bool_or(status = 'cache_hit') AS cached,
           arg_max(model, attempt) FILTER (WHERE status = 'ok') AS ok_model,
           arg_max(prompt_tokens, attempt) FILTER (WHERE status = 'ok') AS p,
           arg_max(completion_tokens, attempt) FILTER (WHERE status = 'ok') AS c,
           arg_max(cache_read_tokens, attempt) FILTER (WHERE status = 'ok') AS cr,
           arg_max(cache_write_tokens, attempt) FILTER (WHERE status = 'ok') AS cw
    FROM filtered GROUP BY request_id
)
SELECT task_type, coalesce(ok_model, '') AS model,
       CASE WHEN ok_model IS NOT NULL THEN 'ok' WHEN cached THEN 'cache_hit' ELSE 'failed' END AS outcome,
       CASE WHEN ok_model IS NULL THEN 0 ELSE CAST(round(ln(greatest(coalesce(p, 0), 1)) / ?) AS INTEGER) END AS bucket,
       count(*) AS requests, sum(actual) AS actual_usd,
       coalesce(sum(p), 0) AS p, coalesce(sum(c), 0) AS c, coalesce(sum(cr), 0) AS cr, coalesce(sum(cw), 0) AS cw,
       coalesce(avg(p), 0) AS avg_p
FROM req GROUP BY ALL
"""


def _stand_in(prompt_tokens: float) -> str:
    """A prompt of about ``prompt_tokens`` tokens (~0.75 words each), capped where the heuristic saturates."""
    words = min(max(1, round(prompt_tokens * 0.75)), 600)
    return " ".join(["word"] * words)


def _check_policy(policy: RoutingPolicy, registry: Registry, settings: Settings) -> None:
    problems: list[str] = []
    refs = [
        ("routine_model", policy.routine_model),
        ("complex_model", policy.complex_model),
        ("fallback_model", policy.fallback_model),
        *((f"task_models.{t}", m) for t, m in policy.task_models.items()),
    ]
    for where, ref in refs:
        if ref is not None and registry.find(ref) is None:
            problems.append(f"{where} = {ref!r} is not a configured model")
    known = {*settings.routing.task_types, settings.routing.default_task}
    unknown = sorted(set(policy.task_models) - known)
    if unknown:
        problems.append(f"task_models names unknown task(s) {', '.join(unknown)}")
    if problems:
        raise ValidationError(
            f"The what-if policy is invalid: {'; '.join(problems)}.",
            hint=f"Known models: {', '.join(sorted(m.id for m in registry.models))}.",
        )


def _policy_settings(settings: Settings, policy: RoutingPolicy, tasks: Sequence[str]) -> Settings:
    """``settings`` with the policy applied (frozen models copied), and every task seen in the data known."""
    wf_update = {
        k: v
        for k, v in (
            ("default_model", policy.routine_model),
            ("complex_tasks_model", policy.complex_model),
            ("fallback_model", policy.fallback_model),
        )
        if v is not None
    }
    workflows = dict(settings.workflows) or {"travel_planning": WorkflowConfig()}
    workflows = {name: wf.model_copy(update=wf_update) for name, wf in workflows.items()}
    task_types = dict(settings.routing.task_types)
    for task in tasks:
        if task not in task_types and task != settings.routing.default_task:
            task_types[task] = TaskTypeConfig(workflow=next(iter(workflows)))
    for task, model in policy.task_models.items():
        task_types[task] = task_types.get(task, TaskTypeConfig()).model_copy(update={"model": model})
    routing_update: dict[str, Any] = {"task_types": task_types}
    if policy.ignore_rules:
        routing_update["rules"] = []
    if policy.complex_threshold is not None:
        routing_update["complex_threshold"] = policy.complex_threshold
    return settings.model_copy(
        update={"workflows": workflows, "routing": settings.routing.model_copy(update=routing_update)}
    )


def _all_enabled(registry: Registry) -> Registry:
    return Registry(
        m if m.enabled else m.model_copy(update={"enabled": True, "disabled_reason": None})
        for m in registry.models
    )


def what_if(
    warehouse: Warehouse,
    settings: Settings,
    registry: Registry,
    policy: RoutingPolicy,
    *,
    days: int = 30,
    today: date | None = None,
) -> WhatIfResult:
    """Re-price the answered requests of the last ``days`` days (ending today, UTC) under ``policy``.

    Each group of requests (task, model used, prompt size) is routed by ``core.routing.Selector`` with the
    policy's settings on a stand-in prompt of the recorded size (prompts are not stored; see
    ``WHAT_IF_LIMITATIONS``) and priced with the registry from the recorded tokens. The same is done with the
    current settings, so ``baseline_usd`` vs ``scenario_usd`` compares like with like.
    """
    if not 1 <= days <= 366:
        raise ValidationError(f"days = {days}: give 1 to 366 days.", hint="Fix: e.g. 30 for the last month.")
    _check_policy(policy, registry, settings)
    until = today or _utc_today()
    since = until - timedelta(days=days - 1)
    cte, params = UsageFilter(since=since, until=until).filtered_cte()
    groups = warehouse.query(_WHAT_IF_SQL.format(cte=cte), [*params, _BUCKET]).to_dict("records")
    tasks = sorted({str(g["task_type"]) for g in groups})

    models = _all_enabled(registry)
    perf = warehouse.performance()
    baseline = Selector(_policy_settings(settings, RoutingPolicy(), tasks), models)
    scenario = Selector(_policy_settings(settings, policy, tasks), models)
    prefs = None
    if policy.performance_preference is not None or policy.cost_threshold is not None:
        prefs = UserPreferences(
            user_id="what-if",
            performance_preference=policy.performance_preference or "quality",
            cost_threshold=policy.cost_threshold,
        )

    def route(selector: Selector, task: str, avg_prompt: float, p: int, c: int, cr: int, cw: int,
              preferences: UserPreferences | None) -> tuple[str | None, float | None]:  # fmt: skip
        request = RouteRequest(prompt=_stand_in(avg_prompt), prompt_tokens=max(1, round(avg_prompt)))
        try:
            decision = selector.select(task, request, None, preferences, perf)
        except RoutingError:
            return None, None
        info: ModelInfo = models.get(decision.model)
        return info.id, info.price.cost(p, c, cr, cw)

    rows: list[WhatIfRow] = []
    requests = repriced = cache_hits = failed = unroutable = 0
    actual = baseline_total = scenario_total = unchanged = 0.0
    merged: dict[tuple[str, str, str | None, str | None], list[float]] = {}
    for g in groups:
        n, cost = int(g["requests"]), float(g["actual_usd"])
        requests += n
        actual += cost
        if g["outcome"] != "ok":
            unchanged += cost
            if g["outcome"] == "cache_hit":
                cache_hits += n
            else:
                failed += n
            continue
        task, used = str(g["task_type"]), str(g["model"])
        tokens = (int(g["p"]), int(g["c"]), int(g["cr"]), int(g["cw"]))
        b_model, b_cost = route(baseline, task, float(g["avg_p"]), *tokens, None)
        s_model, s_cost = route(scenario, task, float(g["avg_p"]), *tokens, prefs)
        if s_cost is None:
            unroutable += n
        repriced += n
        b_cost = cost if b_cost is None else b_cost
        s_cost = cost if s_cost is None else s_cost
        baseline_total += b_cost
        scenario_total += s_cost
        acc = merged.setdefault((task, used, b_model, s_model), [0, 0.0, 0.0, 0.0])
        acc[0] += n
        acc[1] += cost
        acc[2] += b_cost
        acc[3] += s_cost
    for (task, used, b_model, s_model), (n, a, b, s) in sorted(merged.items(), key=lambda kv: -kv[1][1]):
        rows.append(
            WhatIfRow(
                task_type=task,
                actual_model=used,
                baseline_model=b_model,
                scenario_model=s_model,
                requests=int(n),
                actual_usd=a,
                baseline_usd=b,
                scenario_usd=s,
            )
        )
    notes: list[str] = list(WHAT_IF_LIMITATIONS)
    unknown_tasks = [
        t for t in tasks if t not in settings.routing.task_types and t != settings.routing.default_task
    ]
    if unknown_tasks:
        notes.append(
            f"Task(s) {', '.join(unknown_tasks)} are not in routing.task_types; they were routed as 'auto'."
        )
    if unroutable:
        notes.append(f"{unroutable} request(s) found no model under the policy and keep their actual cost.")
    return WhatIfResult(
        since=since,
        until=until,
        days=days,
        policy=policy,
        requests=requests,
        repriced=repriced,
        cache_hits=cache_hits,
        failed=failed,
        unroutable=unroutable,
        actual_usd=actual,
        baseline_usd=baseline_total + unchanged,
        scenario_usd=scenario_total + unchanged,
        unchanged_usd=unchanged,
        rows=rows,
        notes=notes,
    )


# ----------------------------------------------------------------------------------------------------------
# MCP calls
# ----------------------------------------------------------------------------------------------------------


def mcp_call_stats(warehouse: Warehouse, since: date | None = None) -> pd.DataFrame:
    """Calls through the MCP manager per server and tool (from ``mcp_calls``, since a UTC day): server, tool,
    calls, ok, errors, cache_hits (fresh, within the TTL), stale_hits (last known good, served while the
    server was down), error_rate, cache_rate (both shares of calls), avg_ms, p50_ms, p95_ms (calls that
    reached an instance; cache answers left out), last_call. Busiest first."""
    where, params = ("WHERE created_at >= ?", [_day(since)]) if since is not None else ("", [])
    return warehouse.query(
        f"""SELECT server, tool, count(*) AS calls,
               count(*) FILTER (WHERE status = 'ok') AS ok,
               count(*) FILTER (WHERE status = 'error') AS errors,
               count(*) FILTER (WHERE status = 'cache') AS cache_hits,
               count(*) FILTER (WHERE status = 'stale') AS stale_hits,
               errors / count(*) AS error_rate,
               (cache_hits + stale_hits) / count(*) AS cache_rate,
               avg(latency_ms) FILTER (WHERE status IN ('ok', 'error')) AS avg_ms,
               quantile_cont(latency_ms, 0.5) FILTER (WHERE status IN ('ok', 'error')) AS p50_ms,
               quantile_cont(latency_ms, 0.95) FILTER (WHERE status IN ('ok', 'error')) AS p95_ms,
               max(created_at) AS last_call
        FROM mcp_calls {where} GROUP BY server, tool ORDER BY calls DESC, server, tool""",
        params,
    )
