"""Outcome tables from the warehouse's ``benchmark_results``: one row per case, "good" = score ≥ quality threshold.

``benchmark_results`` has no prompt column (``output`` is the model's answer, not the question), so the prompt text
of each case must come from the benchmark's case files: CSVs with ``case_id`` and ``prompt`` columns, passed as
``--cases``. Without them we refuse to train rather than train on something that is not the prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ValidationError
from core.routing._outcomes import OutcomeTable, csv_files

if TYPE_CHECKING:
    from core.warehouse import Warehouse

__all__ = ["warehouse_outcomes"]


def _case_prompts(paths: Sequence[Path]) -> dict[str, str]:
    import csv
    import sys

    csv.field_size_limit(sys.maxsize)
    out: dict[str, str] = {}
    for path in csv_files(paths):
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            cols = reader.fieldnames or []
            if "case_id" not in cols or "prompt" not in cols:
                raise ValidationError(
                    f"{path} needs columns 'case_id' and 'prompt'. Columns found: {', '.join(map(repr, cols))}.",
                )
            for row in reader:
                out[row["case_id"]] = row["prompt"]
    return out


def warehouse_outcomes(
    warehouse: Warehouse,
    *,
    task: str,
    weak: str,
    strong: str,
    quality_threshold: float,
    cases: Sequence[Path],
) -> OutcomeTable:
    """Pivot benchmark results of ``task`` to one row per case scored by both models (mean score over runs)."""
    from core.warehouse import queries  # the warehouse package imports core.routing

    scores: dict[str, dict[str, float]] = {}
    for row in queries.pair_scores(warehouse, task, weak, strong):
        scores.setdefault(str(row["case_id"]), {})[str(row["model"])] = float(row["score"])
    both = sorted(c for c, m in scores.items() if weak in m and strong in m)
    if not both:
        seen = sorted({m for v in scores.values() for m in v})
        raise ValidationError(
            f"No benchmark case of task '{task}' was scored for both '{weak}' and '{strong}'. "
            f"Models with results for this task: {', '.join(seen) or '(none)'}.",
            hint="Run the benchmark for both models on this task first, or check the model names.",
        )
    if not cases:
        raise ValidationError(
            f"Found {len(both)} cases of task '{task}' scored for both models, but benchmark_results stores no "
            "prompt text (its 'output' column is the model's answer).",
            hint="Pass --cases with the benchmark's case file(s): CSV with columns case_id,prompt.",
        )
    prompts = _case_prompts(cases)
    missing = [c for c in both if c not in prompts]
    if missing:
        raise ValidationError(
            f"{len(missing)} of {len(both)} cases have no prompt in the --cases files, e.g. {', '.join(missing[:5])}.",
            hint="Pass the case files that define these case ids.",
        )
    return OutcomeTable(
        prompts=[prompts[c] for c in both],
        weak=[scores[c][weak] >= quality_threshold for c in both],
        strong=[scores[c][strong] >= quality_threshold for c in both],
        groups=[task] * len(both),
        sources=[f"warehouse:benchmark_results task={task}"],
    )
