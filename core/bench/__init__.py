"""Benchmarks per task: suites with cases in ``data/bench/``, scorers, and a resumable runner that feeds routing.

Notebooks and ``travelops bench run`` call these; the rest of the package is private.
"""

from core.bench._analysis import (
    cost_report,
    disagreements,
    frontier_figure,
    latency_figure,
    model_summary,
    recommend,
    routing_rules,
    routing_rules_yaml,
    score_matrix_figure,
)
from core.bench._cells import CallOutcome, CellResult
from core.bench._runner import (
    RunSummary,
    journal_path,
    latest_run_id,
    new_run_id,
    results_frame,
    run_benchmark,
    score_matrix,
)
from core.bench._scorers import (
    Score,
    ScorerSpec,
    combine,
    constraint_score,
    extract_json,
    field_score,
    includes_score,
    json_schema_score,
    numeric_score,
    rubric_score,
    score_answer,
)
from core.bench._suites import DEFAULT_CASES_DIR, TASKS, Case, TaskSpec, load_cases, task_spec
from core.bench._workers import auto_workers, prepare_workers

__all__ = [
    "DEFAULT_CASES_DIR",
    "TASKS",
    "CallOutcome",
    "Case",
    "CellResult",
    "RunSummary",
    "Score",
    "ScorerSpec",
    "TaskSpec",
    "auto_workers",
    "combine",
    "constraint_score",
    "cost_report",
    "disagreements",
    "extract_json",
    "field_score",
    "frontier_figure",
    "includes_score",
    "journal_path",
    "json_schema_score",
    "latency_figure",
    "latest_run_id",
    "load_cases",
    "model_summary",
    "new_run_id",
    "numeric_score",
    "prepare_workers",
    "recommend",
    "results_frame",
    "routing_rules",
    "routing_rules_yaml",
    "rubric_score",
    "run_benchmark",
    "score_answer",
    "score_matrix",
    "score_matrix_figure",
    "task_spec",
]
