"""Budget ledger: atomic reservations across threads and processes, alerts once, periods and users apart."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sqlite3
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.config import BudgetLimits, CostOptimization
from core.errors import BudgetExceeded
from core.gateway.budget import (
    EPSILON_USD,
    BudgetLedger,
    BudgetLimitExceeded,
    Reservation,
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


# ----------------------------------------------------------------------------------------------------
# Storage: running totals, migration, connections
# ----------------------------------------------------------------------------------------------------

SCHEMA_1 = """
CREATE TABLE reservations (
    id TEXT PRIMARY KEY, request_id TEXT NOT NULL, user_id TEXT, day TEXT NOT NULL, month TEXT NOT NULL,
    estimate_usd REAL NOT NULL CHECK (estimate_usd >= 0), actual_usd REAL,
    status TEXT NOT NULL CHECK (status IN ('reserved', 'settled', 'released')), created_at TEXT NOT NULL
);
CREATE INDEX reservations_by_month ON reservations (month, user_id);
CREATE INDEX reservations_open ON reservations (status, created_at);
CREATE TABLE alerts (
    scope TEXT NOT NULL, scope_id TEXT NOT NULL, period TEXT NOT NULL, period_key TEXT NOT NULL,
    threshold REAL NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (scope, scope_id, period, period_key, threshold)
);
PRAGMA user_version = 1;
PRAGMA journal_mode = WAL;
"""

ALL_LIMITS = CostOptimization(
    daily_limit=5.0,
    monthly_limit=40.0,
    users={"alice": BudgetLimits(daily_limit=2.0, monthly_limit=15.0), "bob": BudgetLimits(daily_limit=3.0)},
)


def scanned(path: Path, user_id: str | None, day: str, month: str) -> list[float]:
    """Spent (settled + in flight) per agency day, agency month, user day, user month, by a full scan."""
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT day, user_id, status, estimate_usd, actual_usd FROM reservations WHERE month = ?",
            (month,),
        ).fetchall()
    out = [0.0, 0.0, 0.0, 0.0]
    for row_day, row_user, status, estimate, actual in rows:
        amount = {"settled": actual or 0.0, "reserved": estimate}.get(status, 0.0)
        mine = user_id is not None and row_user == user_id
        out[0] += amount if row_day == day else 0.0
        out[1] += amount
        out[2] += amount if row_day == day and mine else 0.0
        out[3] += amount if mine else 0.0
    return out


def assert_totals_match_a_scan(path: Path) -> None:
    """Every totals row equals the SUM it replaces, and no settled (scope, period) lacks one."""
    with closing(sqlite3.connect(path)) as conn:
        totals = {tuple(r[:4]): r[4] for r in conn.execute("SELECT * FROM totals")}
        sums: dict[tuple[str, str, str, str], float] = {}
        for day, month, user, actual in conn.execute(
            "SELECT day, month, user_id, actual_usd FROM reservations WHERE status = 'settled'"
        ):
            keys = [("agency", "agency", "day", day), ("agency", "agency", "month", month)]
            if user is not None:
                keys += [("user", user, "day", day), ("user", user, "month", month)]
            for key in keys:
                sums[key] = sums.get(key, 0.0) + (actual or 0.0)
    for key in sums.keys() | totals.keys():
        assert totals.get(key, 0.0) == pytest.approx(sums.get(key, 0.0), abs=1e-9), key


def assert_state_matches_a_scan(ledger: BudgetLedger, user_id: str | None) -> None:
    state = ledger.state(user_id)
    now = ledger._now()
    expected = scanned(ledger.path, user_id, now.strftime("%Y-%m-%d"), now.strftime("%Y-%m"))
    index = {("agency", "day"): 0, ("agency", "month"): 1, ("user", "day"): 2, ("user", "month"): 3}
    assert state.limits, "ALL_LIMITS applies to every user"
    for limit in state.limits:
        assert limit.spent == pytest.approx(expected[index[(limit.scope, limit.period)]], abs=1e-9), limit


def test_totals_follow_every_lifecycle_step_and_direct_writes_across_days_and_months(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 29, 20, 0, tzinfo=UTC))
    path = tmp_path / "budget.db"
    ledger = BudgetLedger(path, ALL_LIMITS, clock=clock)
    rng = random.Random(7)
    open_: list[Reservation] = []
    closed: list[Reservation] = []
    manual: list[str] = []
    users = [None, "alice", "bob", "carol"]
    for step in range(300):
        op = rng.choice(["reserve"] * 4 + ["reconcile", "release", "again", "stale", "sql", "tick"])
        if op == "reserve":
            with suppress(BudgetExceeded):
                estimate = round(rng.uniform(0, 0.6), 4)
                open_.append(ledger.reserve(estimate, request_id=f"r{step}", user_id=rng.choice(users)))
        elif op in ("reconcile", "release") and open_:
            reservation = open_.pop(rng.randrange(len(open_)))
            if op == "reconcile":  # sometimes above the estimate: recorded as is
                ledger.reconcile(reservation, round(reservation.estimate_usd * rng.uniform(0, 1.3), 6))
            else:
                ledger.release(reservation)
            closed.append(reservation)
        elif op == "again" and closed:  # idempotent reconcile/release, or settling a released call
            reservation = rng.choice(closed)
            if rng.random() < 0.5:
                ledger.reconcile(reservation, 0.05)
            else:
                ledger.release(reservation)
        elif op == "stale":  # the reservations it settles stay in open_: reconciling them is a no-op
            ledger.settle_stale(timedelta(hours=rng.choice([1, 6, 30])))
        elif op == "sql":  # an older process or a manual fix writing the table directly
            day, month = clock.now.strftime("%Y-%m-%d"), clock.now.strftime("%Y-%m")
            with closing(sqlite3.connect(path)) as conn, conn:
                conn.execute(
                    "INSERT INTO reservations VALUES (?, 'manual', ?, ?, ?, 0.1, 0.1, 'settled', ?)",
                    (f"m{step}", rng.choice(users), day, month, clock.now.isoformat()),
                )
                manual.append(f"m{step}")
                fix = rng.choice(manual)
                conn.execute("UPDATE reservations SET actual_usd = actual_usd / 2 WHERE id = ?", (fix,))
                if len(manual) > 2:
                    conn.execute("DELETE FROM reservations WHERE id = ?", (manual.pop(0),))
        else:
            clock.now += timedelta(hours=rng.choice([1, 3, 11]))
        for user in users:
            assert_state_matches_a_scan(ledger, user)
    assert clock.now.month == 12, "the walk should cross a month boundary"
    assert_totals_match_a_scan(path)


def write_schema_1_ledger(path: Path) -> None:
    """A budget.db as schema 1 left it: reservations in every state, two months, three users."""
    rows = []
    rng = random.Random(3)
    for i in range(400):
        when = datetime(2026, 10, 20, tzinfo=UTC) + timedelta(hours=i * 2.5)
        status = rng.choice(["settled", "settled", "settled", "released", "reserved"])
        estimate = round(rng.uniform(0.001, 0.05), 4)
        actual = {"settled": round(estimate * 0.9, 6), "released": 0.0, "reserved": None}[status]
        rows.append(
            (
                f"old{i}",
                f"q{i}",
                rng.choice([None, "alice", "bob"]),
                when.strftime("%Y-%m-%d"),
                when.strftime("%Y-%m"),
                estimate,
                actual,
                status,
                when.isoformat(),
            )
        )
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(SCHEMA_1)
        with conn:
            conn.executemany("INSERT INTO reservations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_a_schema_1_ledger_is_migrated_with_totals_built_from_its_reservations_even_when_opened_at_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "budget.db"
    write_schema_1_ledger(path)
    barrier = threading.Barrier(4, timeout=WAIT_S)

    def open_ledger(_: int) -> BudgetLedger:  # four processes' worth of ledgers racing to migrate
        barrier.wait()
        return BudgetLedger(path, ALL_LIMITS, clock=fixed_clock)

    with ThreadPoolExecutor(max_workers=4) as pool:
        ledgers = [f.result(timeout=WAIT_S) for f in [pool.submit(open_ledger, i) for i in range(4)]]
    ledger = BudgetLedger(path, ALL_LIMITS, clock=fixed_clock)  # and once more after

    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM totals").fetchone()[0] > 0
    assert_totals_match_a_scan(path)
    for user in (None, "alice", "bob"):
        assert_state_matches_a_scan(ledgers[0], user)

    # The migrated money counts against the limits, and the ledger carries on keeping totals exact.
    month_spent = ledger.state(None).limits[1].spent
    assert month_spent > 1.0
    just_above = BudgetLedger(path, CostOptimization(monthly_limit=month_spent + 0.01), clock=fixed_clock)
    with pytest.raises(BudgetLimitExceeded, match="this month's agency budget"):
        just_above.reserve(0.02, request_id="over", user_id=None)
    just_above.release(just_above.reserve(0.005, request_id="fits", user_id=None))
    ledger.reconcile(ledger.reserve(0.5, request_id="new", user_id="alice"), 0.4)
    assert ledger.settle_stale(timedelta(hours=1)) > 0  # schema 1's open reservations
    assert_totals_match_a_scan(path)
    assert_state_matches_a_scan(ledger, "alice")


def test_ledgers_opening_a_new_file_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    """Switching a new file to WAL ignores busy_timeout; the ledger retries it instead of failing."""
    cfg = CostOptimization(daily_limit=1.0)
    for trial in range(25):
        path = tmp_path / f"budget-{trial}.db"
        barrier = threading.Barrier(6, timeout=WAIT_S)

        def open_ledger(i: int, path: Path = path, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            ledger = BudgetLedger(path, cfg, clock=fixed_clock)
            ledger.reconcile(ledger.reserve(0.1, request_id=f"r{i}", user_id=None), 0.1)

        with ThreadPoolExecutor(max_workers=6) as pool:
            for future in [pool.submit(open_ledger, i) for i in range(6)]:
                future.result(timeout=WAIT_S)
        assert settled_total(path, "2026-11-26") == pytest.approx(0.6)


def test_state_reserve_and_reconcile_do_not_grow_with_the_months_calls(tmp_path: Path) -> None:
    """Counts SQLite virtual-machine steps (deterministic, unlike timings) with 0 and 3,000 settled calls."""

    def steps(prior: int) -> tuple[int, int, int]:
        path = tmp_path / f"budget-{prior}.db"
        ledger = BudgetLedger(path, ALL_LIMITS, clock=fixed_clock)
        with closing(sqlite3.connect(path)) as conn, conn:
            conn.executemany(
                "INSERT INTO reservations VALUES (?, 'seed', ?, ?, '2026-11', 0.001, 0.001, 'settled', '')",
                [(f"s{i}", [None, "alice"][i % 2], f"2026-11-{1 + i % 26:02d}") for i in range(prior)],
            )
        ledger.reconcile(ledger.reserve(0.001, request_id="warm", user_id="alice"), 0.001)
        count = [0]

        def tick() -> int:
            count[0] += 1
            return 0

        ledger._conn().set_progress_handler(tick, 1)
        ledger.state("alice")
        after_state = count[0]
        reservation = ledger.reserve(0.001, request_id="r", user_id="alice")
        after_reserve = count[0]
        ledger.reconcile(reservation, 0.001)
        return after_state, after_reserve - after_state, count[0] - after_reserve

    small, large = steps(0), steps(3000)
    assert large == small, f"VM steps with 0 vs 3000 settled calls this month: {small} vs {large}"


def test_each_thread_reuses_one_connection_closed_when_the_thread_ends(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path / "budget.db", CostOptimization(daily_limit=1.0), clock=fixed_clock)
    main = ledger._conn()
    seen: list[sqlite3.Connection] = []

    def work() -> None:
        ledger.reconcile(ledger.reserve(0.1, request_id="t", user_id=None), 0.1)
        first = ledger._conn()
        ledger.state(None)
        assert ledger._conn() is first
        seen.append(first)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(WAIT_S)
    assert seen and seen[0] is not main
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        seen[0].execute("SELECT 1")
    assert ledger._conn() is main
    assert ledger.state(None).limits[0].spent == pytest.approx(0.1)


def test_a_refusal_or_an_interrupted_write_leaves_no_write_lock_behind(tmp_path: Path) -> None:
    cfg = CostOptimization(daily_limit=1.0)
    first = BudgetLedger(tmp_path / "budget.db", cfg, clock=fixed_clock)
    other = BudgetLedger(tmp_path / "budget.db", cfg, clock=fixed_clock, busy_timeout_s=0.2)
    with pytest.raises(BudgetLimitExceeded):
        first.reserve(2.0, request_id="too-big", user_id=None)
    other.reconcile(other.reserve(0.1, request_id="o1", user_id=None), 0.1)  # not locked out

    first._conn().execute("BEGIN IMMEDIATE")  # as if a write had been interrupted before its ROLLBACK
    first.reconcile(first.reserve(0.2, request_id="f1", user_id=None), 0.2)
    other.reconcile(other.reserve(0.1, request_id="o2", user_id=None), 0.1)
    assert first.state(None).limits[0].spent == pytest.approx(0.4)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_children_open_their_own_connections_and_the_limit_still_holds(tmp_path: Path) -> None:
    limit = 0.6
    path = tmp_path / "budget.db"
    ledger = BudgetLedger(path, CostOptimization(daily_limit=limit), clock=fixed_clock)
    results = [one_call(ledger, random.Random(0), "parent-before-fork")]
    helper_ready, helper_go = threading.Event(), threading.Event()
    helper_results: list[dict] = []

    def helper() -> None:  # a parent thread whose connection is open when the children fork
        ledger.state(None)
        helper_ready.set()
        helper_go.wait(WAIT_S)
        helper_results.extend(
            one_call(ledger, random.Random(500 + i), f"parent-helper-{i}") for i in range(10)
        )

    thread = threading.Thread(target=helper)
    thread.start()
    assert helper_ready.wait(WAIT_S)

    children: list[tuple[int, Path]] = []
    for worker in range(3):
        out = tmp_path / f"child-{worker}.json"
        pid = os.fork()
        if pid == 0:  # the child: never return into pytest
            code = 1
            try:
                inherited = ledger._local.conn
                own = ledger._conn()
                assert inherited is not None and inherited.pid != os.getpid() and inherited.conn is not own
                rng = random.Random(100 + worker)
                calls = [one_call(ledger, rng, f"c{worker}-{i}") for i in range(15)]
                for call in calls:
                    call["alerts"] = [a.model_dump_json() for a in call["alerts"]]
                out.write_text(json.dumps(calls))
                code = 0
            finally:
                os._exit(code)
        children.append((pid, out))
    helper_go.set()
    results += [one_call(ledger, random.Random(900 + i), f"parent-main-{i}") for i in range(10)]
    thread.join(WAIT_S)
    results += helper_results
    for pid, out in children:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, f"child {pid} failed"
        for call in json.loads(out.read_text()):
            call["alerts"] = [BudgetEvent.model_validate_json(a) for a in call["alerts"]]
            results.append(call)

    assert len(results) == 1 + 10 + 10 + 45
    assert_limit_held(path, results, limit)
    total = settled_total(path, "2026-11-26")
    assert_alerts_once([a for r in results for a in r["alerts"]], total, limit)
    assert ledger.state(None).limits[0].spent == pytest.approx(total)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert_totals_match_a_scan(path)
