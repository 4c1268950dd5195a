"""Budget ledger: atomic reservations across threads and processes, alerts once, periods and users apart."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.config import BudgetLimits, CostOptimization
from core.errors import BudgetExceeded
from core.gateway.budget import (
    EPSILON_USD,
    BudgetLedger,
    BudgetLimitExceeded,
    record_downgrade,
    record_refusal,
)
from core.warehouse.events import BudgetEvent

FIXED_NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WAIT_S = 120  # every pool wait is bounded


def fixed_clock() -> datetime:
    """Module-level so spawned processes can unpickle it."""
    return FIXED_NOW


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def settled_total(path: Path, day: str) -> float:
    with closing(sqlite3.connect(path)) as conn:
        total = conn.execute(
            "SELECT COALESCE(SUM(actual_usd), 0) FROM reservations WHERE day = ? AND status = 'settled'",
            (day,),
        ).fetchone()[0]
        open_ = conn.execute("SELECT COUNT(*) FROM reservations WHERE status = 'reserved'").fetchone()[0]
    assert open_ == 0, "every reservation should be settled or released at the end"
    return float(total)


def one_call(ledger: BudgetLedger, rng: random.Random, request_id: str, user_id: str | None = None) -> dict:
    """Reserve a random estimate, 'spend' a random actual <= estimate, reconcile."""
    estimate = round(rng.uniform(0.01, 0.05), 4)
    actual = round(estimate * rng.uniform(0.5, 1.0), 6)
    try:
        reservation = ledger.reserve(estimate, request_id=request_id, user_id=user_id)
    except BudgetExceeded as e:
        return {"ok": False, "estimate": estimate, "message": str(e), "alerts": []}
    alerts = ledger.reconcile(reservation, actual)
    return {"ok": True, "estimate": estimate, "actual": actual, "message": "", "alerts": alerts}


def process_worker(path: str, cfg_json: str, worker: int, calls: int) -> list[dict]:
    ledger = BudgetLedger(Path(path), CostOptimization.model_validate_json(cfg_json), clock=fixed_clock)
    rng = random.Random(1000 + worker)
    out = [one_call(ledger, rng, f"p{worker}-{i}") for i in range(calls)]
    for result in out:  # BudgetEvent crosses the process boundary as JSON
        result["alerts"] = [a.model_dump_json() for a in result["alerts"]]
    return out


def assert_limit_held(path: Path, results: list[dict], limit: float) -> float:
    total = settled_total(path, FIXED_NOW.strftime("%Y-%m-%d"))
    overshoot = total - limit
    max_estimate = max(r["estimate"] for r in results)
    assert total <= limit + max_estimate
    assert overshoot <= EPSILON_USD, f"settled ${total:.6f} passed the ${limit} limit by ${overshoot:.6f}"
    refused = [r for r in results if not r["ok"]]
    assert refused, "the demand was sized to exceed the limit; some calls must be refused"
    for r in refused:
        assert "today's agency budget" in r["message"]
        assert f"daily limit ${limit:.2f}, $" in r["message"]
        assert "raise cost_optimization.daily_limit in config/travelops.yml" in r["message"]
    return overshoot


def assert_alerts_once(alerts: list[BudgetEvent], total: float, limit: float) -> None:
    fired = Counter((a.scope, a.period, a.threshold) for a in alerts)
    assert all(n == 1 for n in fired.values()), fired
    for threshold in (0.5, 0.8, 1.0):
        crossed = total + EPSILON_USD >= threshold * limit
        assert fired[("agency", "day", threshold)] == int(crossed), (threshold, total, fired)


# ----------------------------------------------------------------------------------------------------
# Concurrency
# ----------------------------------------------------------------------------------------------------


def test_fifty_concurrent_threads_never_settle_more_than_the_daily_limit(tmp_path: Path) -> None:
    limit = 0.5  # 50 calls x ~$0.03 ask for ~3x the limit
    ledger = BudgetLedger(tmp_path / "budget.db", CostOptimization(daily_limit=limit), clock=fixed_clock)
    barrier = threading.Barrier(50, timeout=WAIT_S)

    def call(i: int) -> dict:
        barrier.wait()
        return one_call(ledger, random.Random(i), f"t{i}")

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = [f.result(timeout=WAIT_S) for f in [pool.submit(call, i) for i in range(50)]]

    assert_limit_held(tmp_path / "budget.db", results, limit)
    total = settled_total(tmp_path / "budget.db", "2026-11-26")
    assert_alerts_once([a for r in results for a in r["alerts"]], total, limit)


@pytest.mark.slow
def test_four_spawned_processes_never_settle_more_than_the_daily_limit(tmp_path: Path) -> None:
    limit = 0.6
    cfg = CostOptimization(daily_limit=limit)
    path = tmp_path / "budget.db"
    BudgetLedger(path, cfg, clock=fixed_clock)  # create the schema once, as the app would
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(process_worker, str(path), cfg.model_dump_json(), w, 15) for w in range(4)]
        results = [r for f in futures for r in f.result(timeout=WAIT_S)]

    assert len(results) == 60
    assert_limit_held(path, results, limit)
    alerts = [BudgetEvent.model_validate_json(a) for r in results for a in r["alerts"]]
    assert_alerts_once(alerts, settled_total(path, "2026-11-26"), limit)


def test_alerts_at_fifty_eighty_and_hundred_percent_fire_exactly_once_under_concurrency(
    tmp_path: Path,
) -> None:
    ledger = BudgetLedger(tmp_path / "budget.db", CostOptimization(daily_limit=1.0), clock=fixed_clock)
    barrier = threading.Barrier(50, timeout=WAIT_S)

    def call(i: int) -> list[BudgetEvent]:
        barrier.wait()
        try:
            reservation = ledger.reserve(0.1, request_id=f"a{i}", user_id=None)
        except BudgetExceeded:
            return []
        return ledger.reconcile(reservation, 0.1)  # actual == estimate: exactly 10 calls fit

    with ThreadPoolExecutor(max_workers=50) as pool:
        alerts = [a for f in [pool.submit(call, i) for i in range(50)] for a in f.result(timeout=WAIT_S)]

    assert sorted(a.threshold for a in alerts if a.threshold is not None) == [0.5, 0.8, 1.0]
    assert {(a.kind, a.scope, a.scope_id, a.period, a.period_key) for a in alerts} == {
        ("alert", "agency", "agency", "day", "2026-11-26")
    }
    assert "80% of today's agency budget used" in next(a.message for a in alerts if a.threshold == 0.8)
    assert ledger.state(None).share_left == pytest.approx(0.0)


# ----------------------------------------------------------------------------------------------------
# Periods, users, state
# ----------------------------------------------------------------------------------------------------


def test_a_new_day_resets_the_daily_budget_but_not_the_monthly_one(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 29, 23, 59, tzinfo=UTC))
    ledger = BudgetLedger(
        tmp_path / "budget.db", CostOptimization(daily_limit=1.0, monthly_limit=1.5), clock=clock
    )
    ledger.reconcile(ledger.reserve(1.0, request_id="r1", user_id=None), 1.0)
    with pytest.raises(BudgetExceeded, match="today's agency budget"):
        ledger.reserve(0.1, request_id="r2", user_id=None)

    clock.now += timedelta(minutes=2)  # 2026-11-30 00:01
    ledger.reconcile(ledger.reserve(0.5, request_id="r3", user_id=None), 0.5)
    with pytest.raises(BudgetExceeded, match="this month's agency budget") as exc:
        ledger.reserve(0.1, request_id="r4", user_id=None)
    assert "cost_optimization.monthly_limit" in str(exc.value)
    assert ledger.state(None).describe() == "0% of this month's budget left"

    clock.now += timedelta(days=1)  # 2026-12-01: a new month too
    assert ledger.state(None).share_left == 1.0
    ledger.reserve(1.0, request_id="r5", user_id=None)


def test_one_users_limit_is_independent_of_another_users(tmp_path: Path) -> None:
    cfg = CostOptimization(
        users={"alice": BudgetLimits(daily_limit=1.0), "bob": BudgetLimits(daily_limit=1.0)}
    )
    ledger = BudgetLedger(tmp_path / "budget.db", cfg, clock=fixed_clock)
    ledger.reconcile(ledger.reserve(0.9, request_id="a1", user_id="alice"), 0.9)

    with pytest.raises(BudgetLimitExceeded) as exc:
        ledger.reserve(0.2, request_id="a2", user_id="alice")
    assert "the daily budget of user 'alice'" in str(exc.value)
    assert "raise cost_optimization.users.alice.daily_limit in config/travelops.yml" in str(exc.value)

    ledger.reserve(0.9, request_id="b1", user_id="bob")
    ledger.reserve(0.5, request_id="c1", user_id="carol")  # no limit of her own, no agency limit
    assert ledger.state("bob").describe() == "10% of your daily budget left"
    assert ledger.state("carol").share_left is None
    assert ledger.state("carol").describe() == "No budget limit set"


def test_state_names_the_tightest_limit_and_counts_calls_in_flight(tmp_path: Path) -> None:
    cfg = CostOptimization(
        daily_limit=10.0, monthly_limit=100.0, users={"alice": BudgetLimits(daily_limit=2.0)}
    )
    ledger = BudgetLedger(tmp_path / "budget.db", cfg, clock=fixed_clock)
    ledger.reconcile(ledger.reserve(3.0, request_id="r1", user_id=None), 2.0)
    ledger.reserve(4.2, request_id="r2", user_id=None)  # in flight: counted at its estimate

    agency = ledger.state(None)
    assert [(s.scope, s.period, s.spent) for s in agency.limits] == [
        ("agency", "day", pytest.approx(6.2)),
        ("agency", "month", pytest.approx(6.2)),
    ]
    assert agency.describe() == "38% of today's budget left"

    ledger.reserve(1.6, request_id="r3", user_id="alice")  # alice: 20% left, agency today: 22% left
    assert ledger.state("alice").describe() == "20% of your daily budget left"


def test_a_call_that_fits_the_limit_exactly_is_allowed(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path / "budget.db", CostOptimization(daily_limit=0.3), clock=fixed_clock)
    for i in range(3):  # 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floats
        ledger.reconcile(ledger.reserve(0.1, request_id=f"r{i}", user_id=None), 0.1)
    with pytest.raises(BudgetExceeded):
        ledger.reserve(0.0001, request_id="r3", user_id=None)


# ----------------------------------------------------------------------------------------------------
# Reservation lifecycle
# ----------------------------------------------------------------------------------------------------


def test_release_gives_the_money_back_and_is_idempotent(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path / "budget.db", CostOptimization(daily_limit=1.0), clock=fixed_clock)
    reservation = ledger.reserve(1.0, request_id="r1", user_id=None)
    with pytest.raises(BudgetExceeded):
        ledger.reserve(0.5, request_id="r2", user_id=None)
    ledger.release(reservation)
    ledger.release(reservation)
    assert ledger.state(None).share_left == 1.0
    ledger.reserve(0.5, request_id="r2", user_id=None)


def test_reconciling_twice_changes_nothing_and_returns_no_new_alerts(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path / "budget.db", CostOptimization(daily_limit=1.0), clock=fixed_clock)
    reservation = ledger.reserve(0.6, request_id="r1", user_id=None)
    first = ledger.reconcile(reservation, 0.6)
    assert [a.threshold for a in first] == [0.5]
    assert ledger.reconcile(reservation, 0.9) == []
    assert ledger.state(None).limits[0].spent == pytest.approx(0.6)


def test_alerts_are_not_returned_when_budget_alerts_is_off(tmp_path: Path) -> None:
    cfg = CostOptimization(daily_limit=1.0, budget_alerts=False)
    ledger = BudgetLedger(tmp_path / "budget.db", cfg, clock=fixed_clock)
    assert ledger.reconcile(ledger.reserve(1.0, request_id="r1", user_id=None), 1.0) == []


def test_alerts_fire_once_even_for_a_second_ledger_on_the_same_file(tmp_path: Path) -> None:
    cfg = CostOptimization(daily_limit=1.0)
    first = BudgetLedger(tmp_path / "budget.db", cfg, clock=fixed_clock)
    second = BudgetLedger(tmp_path / "budget.db", cfg, clock=fixed_clock)
    assert [
        a.threshold for a in first.reconcile(first.reserve(0.55, request_id="r1", user_id=None), 0.55)
    ] == [0.5]
    jumped = second.reconcile(second.reserve(0.3, request_id="r2", user_id=None), 0.3)
    assert [a.threshold for a in jumped] == [0.8]


@pytest.mark.parametrize("bad", [-0.01, float("nan"), float("inf")])
def test_a_negative_or_non_finite_estimate_is_a_clear_value_error(tmp_path: Path, bad: float) -> None:
    ledger = BudgetLedger(tmp_path / "budget.db", CostOptimization(daily_limit=1.0), clock=fixed_clock)
    with pytest.raises(ValueError, match="estimate_usd must be a finite number >= 0"):
        ledger.reserve(bad, request_id="r1", user_id=None)


def test_a_reservation_from_another_ledger_file_is_rejected(tmp_path: Path) -> None:
    cfg = CostOptimization(daily_limit=1.0)
    reservation = BudgetLedger(tmp_path / "a.db", cfg).reserve(0.1, request_id="r1", user_id=None)
    with pytest.raises(ValueError, match="is not in this ledger"):
        BudgetLedger(tmp_path / "b.db", cfg).reconcile(reservation, 0.1)


def test_stale_reservations_are_settled_at_their_estimate(tmp_path: Path) -> None:
    clock = Clock(FIXED_NOW)
    ledger = BudgetLedger(tmp_path / "budget.db", CostOptimization(daily_limit=1.0), clock=clock)
    ledger.reserve(0.4, request_id="crashed", user_id=None)
    clock.now += timedelta(hours=2)
    ledger.reserve(0.1, request_id="live", user_id=None)
    assert ledger.settle_stale(timedelta(hours=1)) == 1
    assert ledger.state(None).limits[0].spent == pytest.approx(0.5)


# ----------------------------------------------------------------------------------------------------
# Events
# ----------------------------------------------------------------------------------------------------


def test_a_refusal_becomes_a_budget_event_naming_the_limit(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path / "budget.db", CostOptimization(daily_limit=0.1), clock=fixed_clock)
    with pytest.raises(BudgetLimitExceeded) as exc:
        ledger.reserve(0.2, request_id="r1", user_id="alice")
    event = record_refusal(exc.value, at=FIXED_NOW)
    assert (event.kind, event.scope, event.period, event.period_key) == (
        "refused",
        "agency",
        "day",
        "2026-11-26",
    )
    assert (event.limit_usd, event.spent_usd) == (0.1, 0.0)
    assert "request r1" in event.message


def test_a_downgrade_event_names_the_tightest_limit(tmp_path: Path) -> None:
    cfg = CostOptimization(daily_limit=10.0, users={"alice": BudgetLimits(monthly_limit=1.0)})
    ledger = BudgetLedger(tmp_path / "budget.db", cfg, clock=fixed_clock)
    ledger.reconcile(ledger.reserve(0.9, request_id="r1", user_id="alice"), 0.9)
    event = record_downgrade(ledger.state("alice"), from_model="a/big", to_model="a/small")
    assert (event.kind, event.scope, event.scope_id, event.period) == ("downgrade", "user", "alice", "month")
    assert event.message == "Downgraded a/big → a/small: 10% of your monthly budget left."
    with pytest.raises(ValueError, match="no limit is configured"):
        record_downgrade(ledger.state("bob").model_copy(update={"limits": ()}), from_model="x", to_model="y")
