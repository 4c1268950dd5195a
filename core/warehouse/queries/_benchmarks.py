"""Reads of ``benchmark_runs`` and ``benchmark_results`` (the runner in ``core.bench`` writes them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.warehouse.queries._source import Source, records, run

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["latest_run_id", "pair_scores", "results_frame", "run_results"]


def run_results(source: Source, run_id: str) -> pd.DataFrame:
    """Every ``benchmark_results`` row of one run, as stored."""
    return run(source, "SELECT * FROM benchmark_results WHERE run_id = ?", [run_id])


def latest_run_id(source: Source) -> str | None:
    """The run started last, or None when there is none."""
    rows = records(run(source, "SELECT run_id FROM benchmark_runs ORDER BY started_at DESC LIMIT 1"))
    return str(rows[0]["run_id"]) if rows else None


def results_frame(source: Source, run_id: str | None = None) -> pd.DataFrame:
    """``benchmark_results`` (one run, or all) with ``bench_task`` recovered from ``case_id``."""
    where = "WHERE run_id = ?" if run_id else ""
    return run(
        source,
        f"SELECT regexp_replace(case_id, '-[0-9]+$', '') AS bench_task, * FROM benchmark_results {where} "
        "ORDER BY bench_task, case_id, model",
        [run_id] if run_id else None,
    )


def pair_scores(source: Source, task: str, first: str, second: str) -> list[dict[str, Any]]:
    """Mean score per case of ``task`` for two models (case_id, model, score); unscored cases left out."""
    return records(
        run(
            source,
            """SELECT case_id, model, avg(score) AS score
        FROM benchmark_results
        WHERE task_type = ? AND model IN (?, ?) AND case_id IS NOT NULL AND score IS NOT NULL
        GROUP BY case_id, model""",
            [task, first, second],
        )
    )
