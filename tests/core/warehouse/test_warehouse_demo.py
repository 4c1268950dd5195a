"""The demo history: long enough, varied, labelled, priced from the tokens, and safe to seed twice."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from warehouse_helpers import PRICES

from core.config import load_settings
from core.errors import ValidationError
from core.warehouse import Warehouse
from core.warehouse.demo import DEMO_MODELS, DEMO_TASKS, demo_cost, seed_usage

END = date(2026, 11, 20)
CONFIG = Path(__file__).parents[3] / "config" / "travelops.yml"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, int, pd.DataFrame]:
    wh = Warehouse(tmp_path_factory.mktemp("demo"))
    added = seed_usage(wh, PRICES, days=120, end=END)
    return wh, added, wh.query("SELECT * FROM model_usage")


def test_the_demo_history_spans_at_least_ninety_days_up_to_the_end_day(
    seeded: tuple[Warehouse, int, pd.DataFrame],
) -> None:
    _, added, rows = seeded
    days = pd.to_datetime(rows["created_at"]).dt.date
    assert added == len(rows) > 5000
    assert days.nunique() == 120 and days.max() == END and days.min() == END - timedelta(days=119)
    assert rows["is_demo"].all() and rows["id"].is_unique


def test_the_demo_history_has_several_providers_models_tasks_and_users(
    seeded: tuple[Warehouse, int, pd.DataFrame],
) -> None:
    _, _, rows = seeded
    models = set(rows["model_provider"] + "/" + rows["model_name"])
    assert models == set(DEMO_MODELS)
    assert set(rows["model_provider"]) == {"anthropic", "openai", "offline"}
    assert set(rows["task_type"]) == set(DEMO_TASKS)
    assert rows["user_id"].nunique() == 4


def test_demo_task_types_are_the_configured_ones() -> None:
    assert set(DEMO_TASKS) == set(load_settings(CONFIG, environ={}).routing.task_types)


def test_the_demo_history_has_errors_fallbacks_cache_hits_and_some_quality_scores(
    seeded: tuple[Warehouse, int, pd.DataFrame],
) -> None:
    _, _, rows = seeded
    errors = rows[rows["status"] == "error"]
    assert 0.01 < len(errors) / len(rows) < 0.1
    assert "RateLimitError" in set(errors["error_class"])
    fallbacks = rows[rows["fallback_from"].notna()]
    assert len(fallbacks) > 0 and (fallbacks["attempt"] == 2).all()
    assert set(fallbacks["request_id"]) <= set(errors["request_id"])
    hits = rows[rows["status"] == "cache_hit"]
    assert len(hits) > 0 and hits["cache_hit"].all() and (hits["cost_usd"] == 0).all()
    ok = rows[rows["status"] == "ok"]
    assert 0.2 < ok["quality_score"].notna().mean() < 0.4
    assert ok["quality_score"].dropna().between(0, 1).all()


def test_weekdays_are_busier_than_weekends(seeded: tuple[Warehouse, int, pd.DataFrame]) -> None:
    _, _, rows = seeded
    per_day = pd.to_datetime(rows["created_at"]).dt.normalize().value_counts()
    weekend = per_day[per_day.index.dayofweek >= 5]
    weekday = per_day[per_day.index.dayofweek < 5]
    assert weekday.mean() > 2 * weekend.mean()


def test_every_demo_cost_is_its_tokens_times_the_given_prices(
    seeded: tuple[Warehouse, int, pd.DataFrame],
) -> None:
    _, _, rows = seeded
    for r in rows.itertuples():
        price = PRICES[f"{r.model_provider}/{r.model_name}"]
        uncached = r.prompt_tokens - r.cache_read_tokens - r.cache_write_tokens
        expected = (
            uncached * price.input
            + r.cache_read_tokens * price.cache_read
            + r.cache_write_tokens * price.cache_write
            + r.completion_tokens * price.output
        )
        assert r.cost_usd == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert r.tokens_used == r.prompt_tokens + r.completion_tokens
        assert uncached >= 0
    assert (rows["cache_read_tokens"] > 0).any() and (rows["cache_write_tokens"] > 0).any()
    assert rows["cost_usd"].sum() > 0


def test_demo_cost_matches_the_registry_price_formula() -> None:
    from core.models import Price

    price = Price(input=3e-6, output=15e-6, cache_read=0.3e-6, cache_write=3.75e-6)
    assert demo_cost(price, 1000, 200, 600, 100) == pytest.approx(price.cost(1000, 200, 600, 100))


def test_seeding_again_adds_nothing_and_a_later_window_adds_only_new_days(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "a")
    added = seed_usage(wh, PRICES, days=100, end=END)
    assert seed_usage(wh, PRICES, days=100, end=END) == 0
    later = seed_usage(wh, PRICES, days=100, end=END + timedelta(days=3))
    only_new_days = seed_usage(Warehouse(tmp_path / "b"), PRICES, days=3, end=END + timedelta(days=3))
    assert later == only_new_days > 0
    assert wh.query("SELECT count(*) AS n FROM model_usage")["n"][0] == added + later


def test_seeding_without_a_price_for_a_demo_model_says_which_one(tmp_path: Path) -> None:
    prices = {k: v for k, v in PRICES.items() if k != "openai/gpt-4.1"}
    with pytest.raises(ValidationError, match=r"No price for demo model\(s\) openai/gpt-4.1"):
        seed_usage(Warehouse(tmp_path), prices)


def test_the_dashboard_queries_work_on_the_demo_history(seeded: tuple[Warehouse, int, pd.DataFrame]) -> None:
    from core.warehouse import cost_by_day, p95_by_task

    wh, _, rows = seeded
    costs = cost_by_day(wh)
    assert costs["cost_usd"].sum() == pytest.approx(rows["cost_usd"].sum())
    assert len(p95_by_task(wh)) > 20
    summary = wh.usage_summary()
    assert summary.calls == len(rows) and len(summary.by_user) == 4
