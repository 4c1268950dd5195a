"""The dashboards' queries against a real DuckDB warehouse in tmp_path, with figures worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.analytics import (
    NO_USER,
    UsageFilter,
    budget_alerts,
    budget_status,
    cache_savings,
    expensive_requests,
    filter_options,
    latency_by_model,
    model_catalog,
    month_forecast,
    outcome_rates,
    outcome_summary,
    quality_matrix,
    spend_by_day,
)
from core.config import CostOptimization, Settings, load_settings
from core.errors import ValidationError
from core.models import Registry
from core.routing import RoutingPolicy, what_if
from core.warehouse import BudgetEvent, UsageEvent, Warehouse

TODAY = date(2026, 11, 20)
NOON = datetime(2026, 11, 20, 12, tzinfo=UTC)
CHEAP, STRONG = "lab/cheap", "lab/strong"


def event(request_id: str, model: str = CHEAP, *, at: datetime = NOON, **fields: Any) -> UsageEvent:
    provider, _, name = model.partition("/")
    data: dict[str, Any] = {"model_provider": provider, "model_name": name, "task_type": "summary"}
    return UsageEvent.model_validate(data | {"request_id": request_id, "created_at": at, **fields})


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    wh = Warehouse(tmp_path / "data", lock_timeout_s=10, seal_interval_s=0.2)
    yield wh
    wh.close()


def record(wh: Warehouse, *events: UsageEvent) -> None:
    for e in events:
        wh.record(e)


# ------------------------------------------------------------------------------------------------------ filters


def test_an_empty_warehouse_has_no_filter_values_and_no_spend(warehouse: Warehouse) -> None:
    options = filter_options(warehouse)
    assert options.empty and options.tasks == [] and options.first_day is None
    assert spend_by_day(warehouse, "model").empty
    assert outcome_summary(warehouse).requests == 0
    assert cache_savings(warehouse).hits == 0


def test_model_ids_read_the_same_whether_a_row_stores_the_bare_name_or_the_full_id(
    warehouse: Warehouse,
) -> None:
    record(
        warehouse,
        event("r1", cost_usd=0.25),  # demo style: model_name "cheap"
        event("r2", model_name="lab/cheap", cost_usd=0.5),  # gateway style: model_name "lab/cheap"
    )
    df = spend_by_day(warehouse, "model")
    assert df[["key", "calls", "cost_usd"]].to_dict("records") == [
        {"key": CHEAP, "calls": 2, "cost_usd": 0.75}
    ]
    assert filter_options(warehouse).models == [CHEAP]


def test_spend_by_day_stacks_by_user_and_filters_by_day_task_provider_and_user(warehouse: Warehouse) -> None:
    day1, day2 = NOON - timedelta(days=1), NOON
    record(
        warehouse,
        event("a", at=day1, user_id="maria", cost_usd=1.0),
        event("b", at=day2, user_id="maria", cost_usd=2.0, task_type="proposal"),
        event("c", at=day2, user_id="tom", cost_usd=4.0),
        event("d", at=day2, cost_usd=8.0, model_provider="other", model_name="m"),
    )
    df = spend_by_day(warehouse, "user")
    assert {(r["day"].date(), r["key"]): r["cost_usd"] for r in df.to_dict("records")} == {
        (TODAY - timedelta(days=1), "maria"): 1.0,
        (TODAY, "maria"): 2.0,
        (TODAY, "tom"): 4.0,
        (TODAY, NO_USER): 8.0,
    }
    only_today = spend_by_day(warehouse, "task", UsageFilter(since=TODAY, until=TODAY, providers=("lab",)))
    assert dict(zip(only_today["key"], only_today["cost_usd"], strict=True)) == {
        "proposal": 2.0,
        "summary": 4.0,
    }
    maria = spend_by_day(warehouse, "provider", UsageFilter(users=("maria",), tasks=("summary",)))
    assert maria["cost_usd"].tolist() == [1.0]
    nobody = spend_by_day(warehouse, "provider", UsageFilter(users=(NO_USER,)))
    assert nobody[["key", "cost_usd"]].to_dict("records") == [{"key": "other", "cost_usd": 8.0}]


def test_an_unknown_dimension_is_refused_with_the_known_ones(warehouse: Warehouse) -> None:
    with pytest.raises(ValidationError, match="model, provider, task, user"):
        spend_by_day(warehouse, "colour")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------------ budgets


def test_budget_status_adds_up_today_and_the_month_and_forecasts_at_the_recent_daily_rate(
    warehouse: Warehouse,
) -> None:
    record(
        warehouse,
        event("today", cost_usd=3.0),
        event("yesterday", at=NOON - timedelta(days=1), cost_usd=10.0),
        event("early", at=datetime(2026, 11, 8, 9, tzinfo=UTC), cost_usd=4.0),
        event("last-month", at=datetime(2026, 10, 31, 9, tzinfo=UTC), cost_usd=100.0),  # outside the 14 days
    )
    status = budget_status(warehouse, CostOptimization(daily_limit=5, monthly_limit=200), today=TODAY)
    assert status.spent_today_usd == 3.0
    assert status.daily_share == pytest.approx(0.6)
    assert status.month == "2026-11" and status.spent_month_usd == pytest.approx(17.0)
    assert status.run_rate_usd == pytest.approx(14.0 / 14)  # Nov 6..19: 10 + 4
    assert status.days_left == 10
    # 14 spent before today, today ends at least at the rate (3 > 1), then 10 days at 1/day
    assert status.forecast_month_usd == pytest.approx(14 + 3 + 10)
    assert status.forecast_share == pytest.approx(27 / 200) and not status.forecast_over_budget

    curve = month_forecast(warehouse, status)
    actual = curve[curve["kind"] == "actual"]
    projected = curve[curve["kind"] == "forecast"]
    assert len(actual) == 20 and actual["cumulative_usd"].iloc[-1] == pytest.approx(17.0)
    assert projected["cumulative_usd"].iloc[-1] == pytest.approx(27.0)
    assert projected["day"].iloc[-1] == date(2026, 11, 30)
    assert set(curve["monthly_limit_usd"]) == {200}


def test_without_limits_or_history_the_forecast_runs_at_todays_spend(warehouse: Warehouse) -> None:
    record(warehouse, event("only", cost_usd=2.0))
    status = budget_status(warehouse, CostOptimization(), today=TODAY)
    assert status.daily_share is None and status.monthly_share is None and status.forecast_share is None
    assert status.run_rate_usd == 2.0 and status.forecast_month_usd == pytest.approx(2.0 + 2.0 * 10)


def test_budget_alerts_come_newest_first(warehouse: Warehouse) -> None:
    for hours, kind in ((1, "alert"), (2, "downgrade")):
        warehouse.record(
            BudgetEvent(
                created_at=NOON + timedelta(hours=hours),
                scope="agency",
                scope_id="a",
                period="day",
                period_key="2026-11-20",
                kind=kind,  # type: ignore[arg-type]
                spent_usd=1,
                limit_usd=2,
                message=kind,
            )
        )
    assert budget_alerts(warehouse)["kind"].tolist() == ["downgrade", "alert"]


# ------------------------------------------------------------------------------------------------------ requests


def test_expensive_requests_sum_every_attempt_and_name_the_last_model(warehouse: Warehouse) -> None:
    record(
        warehouse,
        event("big", cost_usd=0.5, status="error", error_class="Timeout", tokens_used=10),
        event("big", STRONG, attempt=2, cost_usd=2.0, fallback_from=CHEAP, tokens_used=90),
        event("small", cost_usd=1.0),
    )
    top = expensive_requests(warehouse, limit=5)
    assert top[["request_id", "model", "status", "attempts", "tokens", "cost_usd"]].to_dict("records") == [
        {"request_id": "big", "model": STRONG, "status": "ok", "attempts": 2, "tokens": 100, "cost_usd": 2.5},
        {"request_id": "small", "model": CHEAP, "status": "ok", "attempts": 1, "tokens": 0, "cost_usd": 1.0},
    ]


def test_cache_hits_are_priced_by_their_request_then_the_model_task_average_then_the_model(
    warehouse: Warehouse,
) -> None:
    hit = {"status": "cache_hit", "cache_hit": True}
    record(
        warehouse,
        event("r1", cost_usd=0.3),
        event("r1", **hit),  # same request answered before: 0.3
        event("r2", cost_usd=0.1),
        event("h2", **hit),  # cheap x summary average: (0.3 + 0.1) / 2
        event("p1", cost_usd=0.9, task_type="proposal"),
        event("h3", STRONG, cost_usd=0.0, task_type="proposal", **hit),  # strong never answered: unpriced
    )
    saved = cache_savings(warehouse)
    assert saved.hits == 3
    assert saved.saved_usd == pytest.approx(0.3 + 0.2)
    assert (saved.from_same_request, saved.from_model_task_average, saved.unpriced) == (1, 1, 1)
    record(warehouse, event("h4", task_type="other", **hit))  # no cheap x other answer: cheap's overall mean
    assert cache_savings(warehouse, UsageFilter(tasks=("other",))).saved_usd == pytest.approx(
        (0.3 + 0.1 + 0.9) / 3
    )


def test_the_top_requests_rank_on_every_attempt_summed_with_ties_by_request_id(warehouse: Warehouse) -> None:
    record(
        warehouse,
        event("split", cost_usd=0.4, status="error", error_class="Timeout"),
        event("split", STRONG, attempt=2, cost_usd=0.4),  # 0.8 in all, though no attempt tops 0.5
        event("b-tie", cost_usd=0.5),
        event("a-tie", cost_usd=0.5),
        event("cheap", cost_usd=0.1),
    )
    top = expensive_requests(warehouse, limit=3)
    assert top[["request_id", "model", "attempts", "cost_usd"]].to_dict("records") == [
        {"request_id": "split", "model": STRONG, "attempts": 2, "cost_usd": 0.8},
        {"request_id": "a-tie", "model": CHEAP, "attempts": 1, "cost_usd": 0.5},
        {"request_id": "b-tie", "model": CHEAP, "attempts": 1, "cost_usd": 0.5},
    ]


def test_a_hit_is_priced_at_its_requests_first_success_and_a_model_mean_weighs_every_attempt(
    warehouse: Warehouse,
) -> None:
    hit = {"status": "cache_hit", "cache_hit": True}
    record(
        warehouse,
        event("r1", attempt=2, cost_usd=0.7),
        event("r1", attempt=1, cost_usd=0.2),  # the first successful attempt, though recorded second
        event("r1", attempt=3, **hit),
        event("a1", cost_usd=0.1, task_type="other"),
        event(
            "a2", model_name="lab/cheap", cost_usd=0.6, task_type="other"
        ),  # the same model, spelled in full
        event("h1", task_type="new", **hit),  # cheap never answered "new": mean of 0.7, 0.2, 0.1, 0.6
    )
    saved = cache_savings(warehouse)
    assert (saved.hits, saved.from_same_request, saved.from_model_average) == (2, 1, 1)
    assert saved.saved_usd == pytest.approx(0.2 + (0.7 + 0.2 + 0.1 + 0.6) / 4)
    assert cache_savings(warehouse, UsageFilter(tasks=("new",))).saved_usd == pytest.approx(0.4)


def test_latency_percentiles_per_model_leave_cache_hits_out(warehouse: Warehouse) -> None:
    record(
        warehouse,
        *(event(f"r{i}", response_time_ms=float(ms)) for i, ms in enumerate((100, 200, 300, 400, 500))),
        event("hit", response_time_ms=1.0, status="cache_hit", cache_hit=True),
    )
    [row] = latency_by_model(warehouse).to_dict("records")
    assert row["attempts"] == 5 and row["avg_ms"] == 300
    assert (row["p50_ms"], row["p95_ms"], row["p99_ms"]) == pytest.approx((300, 480, 496))


def test_outcomes_count_requests_fallbacks_failures_and_attempt_errors(warehouse: Warehouse) -> None:
    record(
        warehouse,
        event("ok"),
        event("fb", status="error", error_class="RateLimitError"),
        event("fb", STRONG, attempt=2, fallback_from=CHEAP),
        event("dead", status="error", error_class="Timeout"),
        event("dead", attempt=2, status="error", error_class="Timeout"),
        event("hit", status="cache_hit", cache_hit=True),
    )
    summary = outcome_summary(warehouse)
    assert (summary.requests, summary.answered, summary.cached, summary.failed, summary.fell_back) == (
        4,
        2,
        1,
        1,
        1,
    )
    assert summary.success_rate == 0.75 and summary.fallback_rate == 0.25
    assert (summary.attempts, summary.attempt_errors) == (5, 3)

    rates = {r["model"]: r for r in outcome_rates(warehouse).to_dict("records")}
    assert rates[CHEAP]["requests"] == 4 and rates[CHEAP]["errors"] == 3 and rates[CHEAP]["attempts"] == 4
    assert rates[CHEAP]["error_rate"] == 0.75
    assert rates[CHEAP]["success_rate"] == 0.75 and rates[CHEAP]["fallback_rate"] == 0.25
    assert rates[STRONG]["requests"] == 0 and rates[STRONG]["ok"] == 1


def test_quality_pools_ratings_logged_scores_and_benchmarks_per_model_and_task(warehouse: Warehouse) -> None:
    record(
        warehouse,
        event("a", quality_score=0.4, user_id="maria"),
        event("b", quality_score=0.6, user_id="tom"),
        event("c", user_id="maria"),  # no score at all: not counted
    )
    warehouse.record_feedback("a", 1.0)  # the agent's rating replaces the logged 0.4
    with warehouse.connect() as con:
        con.execute(
            "INSERT INTO benchmark_results (id, run_id, task_type, case_id, model, score, created_at) "
            "VALUES ('x', 'run', 'summary', 'c1', ?, 0.5, ?)",
            [CHEAP, NOON.replace(tzinfo=None)],
        )
    [row] = quality_matrix(warehouse).to_dict("records")
    assert row["avg_quality"] == pytest.approx((1.0 + 0.6 + 0.5) / 3)
    assert (row["samples"], row["feedback_samples"], row["logged_samples"], row["benchmark_samples"]) == (
        3,
        1,
        1,
        1,
    )
    [maria] = quality_matrix(warehouse, UsageFilter(users=("maria",))).to_dict("records")
    assert maria["avg_quality"] == 1.0 and maria["benchmark_samples"] == 0  # benchmarks have no user
    assert quality_matrix(warehouse, UsageFilter(since=TODAY + timedelta(days=1))).empty


# ------------------------------------------------------------------------------------------------------ catalog


def _settings(tmp_path: Path, extra: str = "") -> Settings:
    config = tmp_path / "travelops.yml"
    config.write_text(
        f"""data_dir: data
models:
  providers:
    lab:
      kind: openai_compatible
      api_base: http://127.0.0.1:9/v1
      models:
        - {{name: cheap, input_cost_per_token: 1.0e-6, output_cost_per_token: 2.0e-6}}
        - {{name: strong, input_cost_per_token: 1.0e-5, output_cost_per_token: 3.0e-5}}
    locked:
      kind: openai_compatible
      api_base: http://127.0.0.1:9/v1
      api_key: ${{TRAVELOPS_TEST_UNSET_KEY}}
      models: [{{name: pricey, input_cost_per_token: 1.0e-4, output_cost_per_token: 1.0e-4}}]
workflows:
  travel_planning: {{default_model: lab/cheap, complex_tasks_model: lab/strong}}
routing:
  task_types:
    summary: {{complexity: routine}}
    plan: {{complexity: complex}}
{extra}""",
        encoding="utf-8",
    )
    return load_settings(config, environ={})


def test_the_model_catalog_labels_the_offline_drafter_and_shows_what_was_measured(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    settings = _settings(tmp_path)
    record(warehouse, event("a", response_time_ms=200, quality_score=0.9))
    warehouse.refresh_performance()
    catalog = model_catalog(Registry.from_settings(settings), warehouse).set_index("id")
    assert catalog.loc["offline/drafter", "label"].endswith("(offline drafter, no AI model)")
    assert catalog.loc[CHEAP, "measured_calls"] == 1 and catalog.loc[CHEAP, "quality"] == 0.9
    assert catalog.loc[CHEAP, "input_per_mtok"] == pytest.approx(1.0)
    assert catalog.loc["locked/pricey", "status"] == "disabled: TRAVELOPS_TEST_UNSET_KEY is not set"


# ------------------------------------------------------------------------------------------------------ what-if


def _what_if_history(wh: Warehouse) -> None:
    at = NOON - timedelta(days=2)
    record(
        wh,
        # two routine requests answered by the strong model: 1000 in / 100 out each
        event("s1", STRONG, at=at, prompt_tokens=1000, completion_tokens=100, cost_usd=0.013),
        event("s2", STRONG, at=at, prompt_tokens=1000, completion_tokens=100, cost_usd=0.013),
        # a complex request answered by the strong model after the cheap one failed: 2000 in / 500 out
        event("p1", at=at, task_type="plan", status="error", error_class="Timeout", cost_usd=0.0),
        event(
            "p1",
            STRONG,
            at=at,
            task_type="plan",
            attempt=2,
            prompt_tokens=2000,
            completion_tokens=500,
            cost_usd=0.035,
            fallback_from=CHEAP,
        ),
        event("hit", at=at, status="cache_hit", cache_hit=True),
        event("dead", at=at, status="error", error_class="Timeout", cost_usd=0.001),
        event("old", STRONG, at=NOON - timedelta(days=40), prompt_tokens=1000, cost_usd=9.0),  # out of window
    )


def test_what_if_reprices_answered_requests_under_the_current_and_the_other_policy(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    settings = _settings(tmp_path)
    registry = Registry.from_settings(settings)
    _what_if_history(warehouse)

    result = what_if(warehouse, settings, registry, RoutingPolicy(complex_model=CHEAP), days=30, today=TODAY)

    assert (result.requests, result.repriced, result.cache_hits, result.failed) == (5, 3, 1, 1)
    assert result.actual_usd == pytest.approx(0.013 * 2 + 0.035 + 0.001)
    cheap = lambda p, c: p * 1e-6 + c * 2e-6  # noqa: E731
    strong = lambda p, c: p * 1e-5 + c * 3e-5  # noqa: E731
    # now: summaries go to cheap, the plan to strong; what-if: everything to cheap. Failed keeps its $0.001.
    assert result.baseline_usd == pytest.approx(2 * cheap(1000, 100) + strong(2000, 500) + 0.001)
    assert result.scenario_usd == pytest.approx(2 * cheap(1000, 100) + cheap(2000, 500) + 0.001)
    assert result.saving_vs_baseline_usd == pytest.approx(strong(2000, 500) - cheap(2000, 500))
    rows = {(r.task_type, r.scenario_model): r.requests for r in result.rows}
    assert rows == {("summary", CHEAP): 2, ("plan", CHEAP): 1}
    by_task = result.by_task().set_index("task_type")
    assert by_task.loc["plan", "scenario_models"] == CHEAP
    assert any("Prompts are not stored" in n for n in result.notes)


def test_what_if_assumes_providers_without_keys_are_available_and_checks_the_policy(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    settings = _settings(tmp_path)
    registry = Registry.from_settings(settings)
    _what_if_history(warehouse)
    result = what_if(
        warehouse, settings, registry, RoutingPolicy(routine_model="locked/pricey"), days=30, today=TODAY
    )
    assert {r.scenario_model for r in result.rows if r.task_type == "summary"} == {"locked/pricey"}

    with pytest.raises(ValidationError, match="routine_model = 'nope/x' is not a configured model"):
        what_if(warehouse, settings, registry, RoutingPolicy(routine_model="nope/x"), today=TODAY)
    with pytest.raises(ValidationError, match="unknown task"):
        what_if(warehouse, settings, registry, RoutingPolicy(task_models={"nope": CHEAP}), today=TODAY)


def test_what_if_routes_tasks_the_config_does_not_know_and_says_so(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    settings = _settings(tmp_path)
    record(
        warehouse,
        event("x", STRONG, at=NOON, task_type="legacy_task", prompt_tokens=100, completion_tokens=10),
    )
    result = what_if(warehouse, settings, Registry.from_settings(settings), RoutingPolicy(), today=TODAY)
    assert result.repriced == 1
    assert any("legacy_task" in n and "'auto'" in n for n in result.notes)


def test_a_cost_cap_per_request_moves_big_requests_off_the_expensive_model(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    settings = _settings(tmp_path)
    _what_if_history(warehouse)
    policy = RoutingPolicy(cost_threshold=0.01)
    result = what_if(warehouse, settings, Registry.from_settings(settings), policy, today=TODAY)
    plan = [r for r in result.rows if r.task_type == "plan"]
    assert [r.baseline_model for r in plan] == [STRONG]
    assert [r.scenario_model for r in plan] != [STRONG]
    assert "at most $0.0100 per request" in policy.describe()
