"""Rollups, summaries, dashboard queries, preferences and feedback, against numbers worked out by hand."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from warehouse_helpers import usage

from core.errors import ValidationError
from core.routing.preferences import UserPreferences
from core.warehouse import PerformanceStats, Period, UsageRow, Warehouse, cost_by_day, p95_by_task

HAIKU = "anthropic/claude-haiku-4-5"
MINI = "openai/gpt-4.1-mini"
DAY = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def seed_small(wh: Warehouse) -> None:
    """Six attempts: haiku ok x3 (one rated later), an error that falls back to mini, and a cache hit."""
    wh.record(usage("r1", at=DAY, response_time_ms=100, cost_usd=0.01, tokens_used=100, quality_score=0.8,
                    user_id="maria"))  # fmt: skip
    wh.record(usage("r2", at=DAY, response_time_ms=200, cost_usd=0.02, tokens_used=200, user_id="maria"))
    wh.record(usage("r3", at=DAY, response_time_ms=300, cost_usd=0.03, tokens_used=300, quality_score=0.6,
                    user_id="tom"))  # fmt: skip
    wh.record(usage("r4", at=DAY, response_time_ms=400, status="error", error_class="RateLimitError",
                    user_id="maria"))  # fmt: skip
    wh.record(usage("r4", model=MINI, at=DAY, attempt=2, response_time_ms=250, cost_usd=0.005, tokens_used=50,
                    fallback_from=HAIKU, user_id="maria"))  # fmt: skip
    wh.record(usage("r5", at=DAY, response_time_ms=5, status="cache_hit", cache_hit=True))
    wh.record_feedback("r2", 0.2, "maria")
    wh.record_feedback("r2", 1.0, "maria")  # the latest rating of a request wins
    wh.record_feedback("r4", 0.5, "maria")  # applies to the successful attempt (mini), not the error
    with wh.connect() as con:
        con.executemany(
            "INSERT INTO benchmark_results (id, run_id, task_type, case_id, model, score) "
            "VALUES (?, 'run1', ?, ?, ?, ?)",
            [("b1", "trip_summary", "c1", HAIKU, 0.9), ("b2", "proposal", "c1", "openai/gpt-4.1", 0.7)],
        )


def test_performance_pools_usage_feedback_and_benchmark_scores_per_model_and_task(
    warehouse: Warehouse,
) -> None:
    seed_small(warehouse)
    warehouse.refresh_performance()
    perf = warehouse.performance()

    assert set(perf) == {(HAIKU, "trip_summary"), (MINI, "trip_summary")}  # benchmark-only pairs have no row
    haiku = perf[(HAIKU, "trip_summary")]
    # attempts 100, 200, 300 (ok) and 400 (error); the cache hit is left out
    assert haiku.calls == 4 and haiku.success_rate == 0.75
    assert haiku.avg_cost == pytest.approx(0.015) and haiku.avg_ms == 250
    assert haiku.p50_ms == 250 and haiku.p95_ms == pytest.approx(385)  # 300 + 0.85 * (400 - 300)
    # 0.8 (logged), 1.0 (latest rating of r2), 0.6 (logged), 0.9 (benchmark)
    assert haiku.avg_quality == pytest.approx((0.8 + 1.0 + 0.6 + 0.9) / 4) and haiku.quality_samples == 4
    assert perf[(MINI, "trip_summary")] == PerformanceStats(
        calls=1, success_rate=1.0, avg_cost=0.005, avg_ms=250, p50_ms=250, p95_ms=250, avg_quality=0.5,
        quality_samples=1,
    )  # fmt: skip


def test_model_performance_keeps_the_original_columns_with_the_full_model_id(warehouse: Warehouse) -> None:
    seed_small(warehouse)
    warehouse.refresh_performance()
    row = warehouse.query(
        "SELECT id, model_name, model_provider, avg_response_time, avg_cost, avg_quality, success_rate, "
        "last_updated FROM model_performance WHERE model_name = ?",
        [MINI],
    ).iloc[0]
    assert row["id"] == f"{MINI}|trip_summary" and row["model_provider"] == "openai"
    assert row["avg_response_time"] == 250 and row["success_rate"] == 1.0
    assert abs(row["last_updated"] - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)


def test_refreshing_twice_rebuilds_rather_than_appends(warehouse: Warehouse) -> None:
    seed_small(warehouse)
    warehouse.refresh_performance()
    warehouse.record(usage("r6", at=DAY, response_time_ms=500, cost_usd=0.05))
    warehouse.refresh_performance()
    assert len(warehouse.query("SELECT * FROM model_performance")) == 2
    assert warehouse.performance()[(HAIKU, "trip_summary")].calls == 5


def test_usage_summary_counts_totals_and_breaks_down_by_model_task_and_user(warehouse: Warehouse) -> None:
    seed_small(warehouse)
    summary = warehouse.usage_summary()

    assert summary.period == Period(start=date(2026, 11, 2), end=date(2026, 11, 2))
    assert (summary.calls, summary.errors, summary.cache_hits, summary.tokens) == (6, 1, 1, 650)
    assert summary.total_cost_usd == pytest.approx(0.065)
    haiku, mini = summary.by_model
    assert haiku.key == HAIKU and mini.key == MINI  # most expensive first
    assert (haiku.calls, haiku.errors, haiku.cache_hits) == (5, 1, 1)
    assert haiku.cost_usd == pytest.approx(0.06) and haiku.error_rate == 0.25
    assert haiku.p50_ms == 250 and haiku.p95_ms == pytest.approx(385)
    [task] = summary.by_task
    assert task.key == "trip_summary" and task.calls == 6 and task.error_rate == pytest.approx(1 / 5)
    assert task.p95_ms == pytest.approx(380)  # 100 200 250 300 400: 300 + 0.8 * 100
    by_user = {row.key: row for row in summary.by_user}
    assert set(by_user) == {"maria", "tom", None}
    assert by_user["maria"].calls == 4 and by_user["maria"].cost_usd == pytest.approx(0.035)
    assert by_user[None] == UsageRow(
        key=None,
        calls=1,
        errors=0,
        cache_hits=1,
        cost_usd=0.0,
        tokens=0,
        p50_ms=None,
        p95_ms=None,
        error_rate=0.0,
    )


def test_usage_summary_since_a_day_leaves_older_rows_out(warehouse: Warehouse) -> None:
    warehouse.record(usage("old", at=DAY - timedelta(days=3), cost_usd=1.0))
    warehouse.record(usage("new", at=DAY, cost_usd=0.5))
    summary = warehouse.usage_summary(since=date(2026, 11, 1))
    assert summary.period == Period(start=date(2026, 11, 1), end=date(2026, 11, 2))
    assert (summary.calls, summary.total_cost_usd) == (1, 0.5)


def test_an_empty_warehouse_has_an_empty_summary(warehouse: Warehouse) -> None:
    summary = warehouse.usage_summary()
    assert summary.period == Period(start=None, end=None)
    assert (summary.calls, summary.total_cost_usd, summary.by_model) == (0, 0.0, [])


def test_cost_by_day_sums_cost_per_model_per_utc_day(warehouse: Warehouse) -> None:
    warehouse.record(usage("a", at=datetime(2026, 11, 1, 23, 30, tzinfo=UTC), cost_usd=0.25))
    warehouse.record(usage("b", at=datetime(2026, 11, 2, 0, 30, tzinfo=UTC), cost_usd=0.5))
    warehouse.record(usage("c", at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC), cost_usd=0.25))
    warehouse.record(usage("d", model=MINI, at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC), cost_usd=0.125))
    rows = cost_by_day(warehouse)
    got = [(str(r.day)[:10], r.model, r.calls, r.cost_usd) for r in rows.itertuples()]
    assert got == [
        ("2026-11-01", HAIKU, 1, 0.25),
        ("2026-11-02", HAIKU, 2, 0.75),
        ("2026-11-02", MINI, 1, 0.125),
    ]
    assert len(cost_by_day(warehouse, since=date(2026, 11, 2))) == 2


def test_p95_by_task_runs_the_same_on_a_connection_and_leaves_cache_hits_out(warehouse: Warehouse) -> None:
    for i in range(1, 21):
        warehouse.record(usage(f"r{i}", at=DAY, response_time_ms=float(i * 10)))
    warehouse.record(usage("hit", at=DAY, response_time_ms=10_000, status="cache_hit", cache_hit=True))
    via_warehouse = p95_by_task(warehouse)
    with warehouse.connect() as con:
        via_connection = p95_by_task(con)
    assert via_warehouse.equals(via_connection)
    row = via_warehouse.iloc[0]
    assert (row["model"], row["task_type"], row["calls"]) == (HAIKU, "trip_summary", 20)
    assert row["p95_ms"] == pytest.approx(190 + 0.05 * 10)  # position 19 * 0.95 = 18.05


def test_preferences_round_trip_and_keep_their_creation_time(warehouse: Warehouse) -> None:
    assert warehouse.get_preferences("maria") is None
    prefs = UserPreferences(
        user_id="maria", preferred_model=HAIKU, cost_threshold=0.02, performance_preference="cost",
        fallback_models=[MINI, "offline/drafter"],
    )  # fmt: skip
    warehouse.set_preferences(prefs)
    first = warehouse.get_preferences("maria")
    assert first is not None
    assert first.model_dump(exclude={"created_at", "updated_at"}) == prefs.model_dump(
        exclude={"created_at", "updated_at"}
    )
    assert first.created_at is not None and first.created_at.tzinfo is UTC

    warehouse.set_preferences(
        prefs.model_copy(update={"performance_preference": "speed", "fallback_models": []})
    )
    second = warehouse.get_preferences("maria")
    assert second is not None and second.performance_preference == "speed" and second.fallback_models == []
    assert second.created_at == first.created_at
    assert (
        second.updated_at is not None
        and first.updated_at is not None
        and second.updated_at >= first.updated_at
    )


@pytest.mark.parametrize("score", [-0.1, 1.5, math.nan, True, "0.5"])
def test_feedback_outside_zero_to_one_is_refused_with_a_hint(warehouse: Warehouse, score: object) -> None:
    with pytest.raises(ValidationError, match="between 0 and 1") as caught:
        warehouse.record_feedback("r1", score, "maria")  # type: ignore[arg-type]
    assert "e.g. 0.8" in str(caught.value)


def test_feedback_is_stored_with_who_gave_it(warehouse: Warehouse) -> None:
    warehouse.record_feedback("r1", 1, "maria")
    warehouse.record_feedback("r1", 0.25)
    with warehouse.connect() as con:
        rows = con.execute(
            "SELECT request_id, score, user_id FROM quality_feedback ORDER BY score"
        ).fetchall()
    assert rows == [("r1", 0.25, None), ("r1", 1.0, "maria")]
