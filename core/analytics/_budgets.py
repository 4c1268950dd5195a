"""The budget dashboard: spend today and this month against the configured limits, and where the month is
heading."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING

from core._common import FrozenModel, as_date
from core.analytics._common import utc_today
from core.errors import ValidationError
from core.warehouse import queries

if TYPE_CHECKING:
    import pandas as pd

    from core.config import CostOptimization
    from core.warehouse import Warehouse

__all__ = ["BudgetStatus", "budget_status", "month_forecast"]


class BudgetStatus(FrozenModel):
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
    rows = queries.daily_costs(warehouse, start, end)
    return {d: float(r["cost"]) for r in rows if (d := as_date(r["day"])) is not None}


def budget_status(
    warehouse: Warehouse, cost: CostOptimization, *, today: date | None = None, window_days: int = 14
) -> BudgetStatus:
    if window_days < 1:
        raise ValidationError(f"window_days = {window_days}: the run rate needs at least 1 day.")
    day = today or utc_today()
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
