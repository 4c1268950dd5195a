"""The runner with worker processes: same results as one process, every usage row kept, cost cap, rate limits
shared out, a killed worker or parent loses nothing. Real fork-server workers against the fake provider."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from bench_helpers import BAD, GOOD, MID, configure_fake, settings_for, write_ranking_cases

from core.bench import journal_path, results_frame, run_benchmark
from core.bench._workers import auto_workers
from core.errors import TravelOpsError, ValidationError
from core.models import Registry
from core.testing import FakeProvider
from core.warehouse import Warehouse

COLS = ["case_id", "model", "task_type", "score", "prompt_tokens", "completion_tokens"]


def _run(settings, cases: Path, *, workers: int, run_id: str, **kw):  # type: ignore[no-untyped-def]
    return run_benchmark(
        settings,
        ["destination_questions"],
        [GOOD, MID, BAD],
        cases_dir=cases,
        concurrency=kw.pop("concurrency", 4),
        run_id=run_id,
        progress=False,
        workers=workers,
        **kw,
    )


def _frame(settings, run_id: str):  # type: ignore[no-untyped-def]
    df = results_frame(Warehouse.from_settings(settings), run_id)[COLS]
    return df.sort_values(["case_id", "model"]).reset_index(drop=True)


def test_two_workers_give_the_results_of_one_process_and_keep_every_usage_row(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    configure_fake(fake_provider)
    cases = write_ranking_cases(tmp_path / "cases", n=12)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one_settings = settings_for(tmp_path / "one", fake_provider.base_url)
    two_settings = settings_for(tmp_path / "two", fake_provider.base_url)
    one = _run(one_settings, cases, workers=1, run_id="w")
    two = _run(two_settings, cases, workers=2, run_id="w")

    assert two.status == "finished" and two.cells_run == 36 and two.cells_failed == 0
    assert two.scores == one.scores
    assert two.cost_usd == pytest.approx(one.cost_usd)
    assert _frame(two_settings, "w").equals(_frame(one_settings, "w"))
    # Each worker's Gateway wrote its usage rows to its own spool segment; the warehouse has all of them.
    usage = Warehouse.from_settings(two_settings).query(
        "SELECT model_provider || '/' || model_name AS model, count(*) AS n, sum(cost_usd) AS cost "
        "FROM model_usage WHERE session_id = 'w' GROUP BY 1 ORDER BY 1"
    )
    assert usage["n"].tolist() == [12, 12, 12]
    assert usage["cost"].sum() == pytest.approx(two.cost_usd)
    # The journal has one line per cell, written by the parent alone.
    assert journal_path(two_settings.data_dir, "w").read_text().count("\n") == 36


def test_the_cost_cap_stops_the_workers_cleanly_and_a_rerun_continues(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    configure_fake(fake_provider, latency_ms=20)
    settings = settings_for(tmp_path, fake_provider.base_url)
    cases = write_ranking_cases(tmp_path / "cases", n=20)
    first = _run(settings, cases, workers=2, run_id="capped", budget_usd=0.0006, concurrency=2)
    assert first.status == "stopped_budget" and 0 < first.cells_run < 60
    assert first.cost_usd >= 0.0006 and any("budget" in n for n in first.notes)
    calls = fake_provider.stats().total
    again = _run(settings, cases, workers=2, run_id="capped", budget_usd=0.0006)
    assert again.status == "stopped_budget" and again.cells_run == 0  # already at the cap: no paid call
    assert fake_provider.stats().total == calls
    second = _run(settings, cases, workers=2, run_id="capped", budget_usd=1.0)
    assert second.status == "finished" and second.cells_skipped == first.cells_run
    assert second.cells_run == 60 - first.cells_run


def test_rate_limits_are_shared_out_between_workers(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "http://127.0.0.1:9/v1")
    lab = [m for m in Registry.from_settings(settings).models if m.provider == "lab"]
    limited = Registry(
        m.model_copy(update={"rpm": rpm, "tpm": tpm})
        for m, rpm, tpm in zip(lab, (60, 1, None), (100_000, None, 7), strict=True)
    )
    shared = limited.with_rate_limit_share(4)
    assert [(m.rpm, m.tpm) for m in shared.models] == [(15, 25_000), (1, None), (None, 1)]
    assert limited.with_rate_limit_share(1) is limited


def test_worker_count_is_checked_and_chosen_sensibly(
    tmp_path: Path, fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_fake(fake_provider)
    settings = settings_for(tmp_path, fake_provider.base_url)
    cases = write_ranking_cases(tmp_path / "cases", n=2)
    with pytest.raises(ValidationError, match="--workers must be at least 1"):
        _run(settings, cases, workers=0, run_id="x")
    # more workers than calls in flight: the concurrency limit holds (one call per worker at most)
    capped = _run(settings, cases, workers=8, run_id="y", concurrency=2)
    assert capped.status == "finished" and capped.cells_run == 6
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(ValidationError, match="worker processes run on Linux only"):
        _run(settings, cases, workers=2, run_id="z")
    assert auto_workers(concurrency=1, cells=10_000) == 1  # sequential stays in-process
    assert auto_workers(concurrency=16, cells=10) == 1  # too little work to share
    assert 1 <= auto_workers(concurrency=16, cells=10_000) <= (psutil.cpu_count() or 1)


@pytest.mark.slow
def test_a_killed_worker_stops_the_run_with_a_clear_error_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    with FakeProvider.start() as fake:
        configure_fake(fake, latency_ms=80)
        settings = settings_for(tmp_path, fake.base_url)
        cases = write_ranking_cases(tmp_path / "cases", n=20)
        journal = journal_path(settings.data_dir, "k")
        outcome: dict[str, object] = {}

        def run() -> None:
            try:
                outcome["summary"] = _run(settings, cases, workers=2, run_id="k", concurrency=2)
            except TravelOpsError as e:
                outcome["error"] = e

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 60
        victim = None
        while time.monotonic() < deadline and victim is None:
            lines = journal.read_text().count("\n") if journal.exists() else 0
            # The fork server is our child; the workers are its children.
            workers = [p for c in psutil.Process().children() for p in c.children() if c.pid != fake.pid]
            if lines >= 4 and workers:
                victim = workers[0]
            time.sleep(0.02)
        assert victim is not None, "no worker seen in time"
        victim.kill()
        thread.join(timeout=60)
        error = outcome.get("error")
        assert isinstance(error, TravelOpsError), outcome
        assert "exit code -9" in error.message and "--run-id k" in error.hint
        done = journal.read_text().count("\n")
        assert 4 <= done < 60

        again = _run(settings, cases, workers=2, run_id="k", concurrency=4)
        assert again.status == "finished" and again.cells_skipped == done
        assert again.cells_skipped + again.cells_run == 60
        assert len(results_frame(Warehouse.from_settings(settings), "k")) == 60
        assert again.scores["destination_questions"][GOOD] == 1


def test_the_fork_server_warm_up_names_modules_that_exist() -> None:
    """The warm-up skips a module it cannot import (a litellm upgrade may move one): this notices it instead,
    before every worker's first call quietly pays for the lazy import again."""
    import importlib.util

    from core.bench import _warmup
    from core.bench._workers import _PRELOAD

    assert "core.bench._warmup" in _PRELOAD
    missing = [name for name in _warmup._LAZY if importlib.util.find_spec(name) is None]
    assert missing == []
