"""The runner against the fake provider over real HTTP: ranking, warehouse rows, budget, resume, bad input."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from bench_helpers import BAD, GOOD, MID, configure_fake, settings_for, write_config, write_ranking_cases

from core.bench import journal_path, latest_run_id, load_cases, results_frame, run_benchmark, score_matrix
from core.errors import ValidationError
from core.testing import FakeProvider
from core.warehouse import Warehouse

HERE = Path(__file__).parent


def test_the_score_matrix_is_the_mean_per_task_and_model_with_missing_scores_left_out() -> None:
    results = pd.DataFrame(
        {
            "bench_task": ["b", "b", "a", "a", "a", "b"],
            "model": ["m2", "m2", "m1", "m1", "m2", "m1"],
            "score": [1.0, None, 0.2, 0.7, None, 0.0],
        }
    )
    matrix = score_matrix(results)
    assert matrix["a"]["m1"] == 0.45 and matrix["b"] == {"m1": 0.0, "m2": 1.0}
    assert math.isnan(matrix["a"]["m2"])  # no score at all: NaN, as pandas' mean gives
    # The same cells, in the same order, with the same means as pandas' groupby.
    grouped = results.groupby(["bench_task", "model"], as_index=False)["score"].mean()
    pandas = [(t, m, round(v, 4)) for t, m, v in grouped.itertuples(index=False, name=None)]
    ours = [(t, m, v) for t in matrix for m, v in matrix[t].items()]
    assert [row[:2] for row in ours] == [row[:2] for row in pandas]
    assert [row[2] for row in ours] == pytest.approx([row[2] for row in pandas], nan_ok=True)
    assert score_matrix(results.iloc[0:0]) == {}


def test_the_latest_run_is_the_one_started_last_and_none_before_any(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "wh")
    assert latest_run_id(warehouse) is None
    with warehouse.connect() as con:
        for run_id, started in (("r-old", "2026-01-01"), ("r-new", "2026-03-01"), ("r-mid", "2026-02-01")):
            con.execute(
                "INSERT INTO benchmark_runs VALUES (?, ?::TIMESTAMP, NULL, '{}', 'finished')",
                [run_id, started],
            )
    assert latest_run_id(warehouse) == "r-new"


def test_models_of_known_quality_rank_as_expected_and_feed_model_performance(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    configure_fake(fake_provider)
    settings = settings_for(tmp_path, fake_provider.base_url)
    cases = write_ranking_cases(tmp_path / "cases")
    summary = run_benchmark(
        settings, ["destination_questions"], [GOOD, MID, BAD], cases_dir=cases, concurrency=4, progress=False
    )
    assert summary.status == "finished" and summary.cells_run == 18 and summary.cells_failed == 0
    row = summary.scores["destination_questions"]
    assert row[GOOD] == 1 and row[MID] == pytest.approx(1 / 3, abs=1e-3) and row[BAD] == 0
    assert summary.cost_usd > 0

    warehouse = Warehouse.from_settings(settings)
    results = results_frame(warehouse, summary.run_id)
    assert len(results) == 18 and set(results["task_type"]) == {"general"}
    assert (results["prompt_tokens"] > 0).all() and (results["output"].str.len() > 0).all()
    perf = warehouse.performance()
    quality = {model: perf[(model, "general")].avg_quality for model in (GOOD, MID, BAD)}
    assert quality[GOOD] > quality[MID] > quality[BAD]
    runs = warehouse.query(
        "SELECT status, finished_at FROM benchmark_runs WHERE run_id = ?", [summary.run_id]
    )
    assert runs["status"].tolist() == ["finished"] and runs["finished_at"].notna().all()


def test_the_cost_cap_stops_the_run_cleanly_and_a_rerun_continues(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    configure_fake(fake_provider)
    settings = settings_for(tmp_path, fake_provider.base_url)
    cases = write_ranking_cases(tmp_path / "cases", n=10)
    first = run_benchmark(
        settings,
        ["destination_questions"],
        [GOOD],
        cases_dir=cases,
        concurrency=1,
        budget_usd=0.0003,
        progress=False,
        run_id="capped",
    )
    assert first.status == "stopped_budget" and 0 < first.cells_run < 10
    assert first.cost_usd >= 0.0003 and any("budget" in n for n in first.notes)
    second = run_benchmark(
        settings,
        ["destination_questions"],
        [GOOD],
        cases_dir=cases,
        concurrency=1,
        budget_usd=1.0,
        progress=False,
        run_id="capped",
    )
    assert second.status == "finished" and second.cells_skipped == first.cells_run
    assert second.cells_run == 10 - first.cells_run


def test_a_rubric_judge_is_called_through_the_gateway_and_its_cost_counts(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    configure_fake(fake_provider)
    fake_provider.configure("mid", reply="SCORE: 8\nAccurate and short.")
    settings = settings_for(tmp_path, fake_provider.base_url)
    cases = write_ranking_cases(tmp_path / "cases", n=2)
    text = (
        (cases / "destination_questions.jsonl")
        .read_text()
        .replace('"scorers"', '"rubric": "Be right.", "scorers"')
    )
    (cases / "destination_questions.jsonl").write_text(text)
    summary = run_benchmark(
        settings, ["destination_questions"], [GOOD], cases_dir=cases, judge_model=MID, progress=False
    )
    results = results_frame(Warehouse.from_settings(settings), summary.run_id)
    # includes = 1 (weight 2), judge = 0.8 (weight 1)
    assert results["score"].tolist() == pytest.approx([(2 + 0.8) / 3] * 2)
    assert results["explanation"].str.contains("judge lab/mid").all()
    assert fake_provider.stats().count("mid") == 2


def test_unknown_task_lists_the_known_ones(tmp_path: Path, fake_provider: FakeProvider) -> None:
    settings = settings_for(tmp_path, fake_provider.base_url)
    with pytest.raises(
        ValidationError, match=r"Unknown benchmark task 'visa_magic'\. Known: intake_extraction, "
    ):
        run_benchmark(settings, ["visa_magic"], [GOOD], progress=False)


def test_unknown_model_lists_the_known_ones(tmp_path: Path, fake_provider: FakeProvider) -> None:
    settings = settings_for(tmp_path, fake_provider.base_url)
    with pytest.raises(ValidationError, match=r"Unknown model 'gpt-x'\. Known: lab/bad, lab/good, lab/mid"):
        run_benchmark(settings, ["pricing_arithmetic"], ["gpt-x"], progress=False)


def test_a_budget_of_zero_is_refused(tmp_path: Path, fake_provider: FakeProvider) -> None:
    settings = settings_for(tmp_path, fake_provider.base_url)
    with pytest.raises(ValidationError, match="budget must be more than 0 USD, got 0"):
        run_benchmark(settings, ["pricing_arithmetic"], [GOOD], budget_usd=0, progress=False)


def test_an_empty_case_file_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "pricing_arithmetic.jsonl").write_text("\n")
    with pytest.raises(ValidationError, match=r"pricing_arithmetic\.jsonl has no benchmark cases"):
        load_cases("pricing_arithmetic", tmp_path)


def test_a_malformed_case_line_is_named_with_file_and_line(tmp_path: Path) -> None:
    good = (Path("data/bench/pricing_arithmetic.jsonl").read_text().splitlines())[0]
    (tmp_path / "pricing_arithmetic.jsonl").write_text(good + '\n{"id": "x", "task": "pricing_arithmetic"}\n')
    with pytest.raises(
        ValidationError, match=r"pricing_arithmetic\.jsonl, line 2: invalid benchmark case: inputs"
    ):
        load_cases("pricing_arithmetic", tmp_path)
    (tmp_path / "pricing_arithmetic.jsonl").write_text(good + "\n{not json\n")
    with pytest.raises(ValidationError, match=r"line 2: invalid benchmark case: not valid JSON"):
        load_cases("pricing_arithmetic", tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_killed_with_sigkill_and_resumed_ends_with_the_same_results(
    tmp_path: Path, workers: int
) -> None:
    with FakeProvider.start() as fake:
        configure_fake(fake, latency_ms=60)
        cases = write_ranking_cases(tmp_path / "cases", n=12)
        # The uninterrupted reference run, in its own data folder.
        (tmp_path / "ref").mkdir()
        ref_settings = settings_for(tmp_path / "ref", fake.base_url)
        ref = run_benchmark(
            ref_settings,
            ["destination_questions"],
            [GOOD, MID, BAD],
            cases_dir=cases,
            concurrency=2,
            run_id="r1",
            progress=False,
        )
        # The same run in a child process, killed once some cells are in its journal.
        (tmp_path / "killed").mkdir()
        config = write_config(tmp_path / "killed", fake.base_url)
        settings = settings_for(tmp_path / "killed", fake.base_url)
        journal = journal_path(settings.data_dir, "r1")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parents[2]), str(HERE)])}
        child = subprocess.Popen(
            [sys.executable, str(HERE / "_child.py"), str(config), str(cases), "r1", str(workers)], env=env
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            if journal.exists() and journal.read_text().count("\n") >= 6:
                break
            time.sleep(0.02)
        assert child.poll() is None, "the child finished before it could be killed; raise the latency"
        descendants = psutil.Process(child.pid).children(recursive=True)
        assert len(descendants) >= (2 if workers > 1 else 0)  # the fork server and its workers
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        # Its worker processes notice and end too, after at most the calls in flight.
        _, alive = psutil.wait_procs(descendants, timeout=15)
        assert not alive, alive
        done_before = journal.read_text().count("\n")
        assert 6 <= done_before < 36

        resumed = run_benchmark(
            settings,
            ["destination_questions"],
            [GOOD, MID, BAD],
            cases_dir=cases,
            concurrency=2,
            run_id="r1",
            progress=False,
        )
        assert resumed.cells_skipped >= 6 and resumed.cells_skipped + resumed.cells_run == 36
        cols = ["case_id", "model", "task_type", "score"]
        got = results_frame(Warehouse.from_settings(settings), "r1")[cols].reset_index(drop=True)
        want = results_frame(Warehouse.from_settings(ref_settings), "r1")[cols].reset_index(drop=True)
        assert len(got) == 36 and got.equals(want)
        assert resumed.scores == ref.scores
