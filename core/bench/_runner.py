"""The benchmark runner: models × tasks × cases, concurrent, rate-limited by the Gateway, capped in cost, resumable.

Every finished cell is appended (one JSON line, flushed) to ``<data_dir>/bench/<run_id>.jsonl`` before anything
else happens, so a run killed even with SIGKILL loses at most the cells in flight. Starting again with the same run
id skips the cells already in that journal (or in ``benchmark_results``). At the end (and on Ctrl-C) the journal is
ingested into ``benchmark_results`` idempotently by id, and ``model_performance`` is refreshed so the selector uses
the measured quality at once.

Scores are stored under the *routing* task type each benchmark task measures (``TaskSpec.routing_task``), because
that is what the selector and ``model_performance`` key on; the benchmark task is the prefix of ``case_id``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import secrets
import sys
import time
from collections.abc import Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from core.bench._cells import Caller, CellResult, RunState, cell_id, gateway_caller, run_cells_in_process
from core.bench._suites import TASKS, TaskSpec, load_cases, task_spec
from core.bench._workers import auto_workers, run_cells_in_workers, workers_supported
from core.errors import ValidationError

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings
    from core.gateway import Gateway
    from core.warehouse import Warehouse

__all__ = [
    "RunSummary",
    "journal_path",
    "latest_run_id",
    "new_run_id",
    "results_frame",
    "run_benchmark",
    "score_matrix",
]

logger = logging.getLogger(__name__)
RunStatus = Literal["finished", "stopped_budget", "interrupted", "running"]


class RunSummary(BaseModel):
    """What a run did. ``scores``: mean score per benchmark task and model (this run, all its cells)."""

    run_id: str
    status: RunStatus
    cells_total: int
    cells_run: int
    cells_skipped: int
    cells_failed: int
    cost_usd: float
    wall_s: float
    journal: str
    scores: dict[str, dict[str, float]] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def render(self) -> str:
        lines = [
            f"Run {self.run_id}: {self.status}. {self.cells_run} cells run, {self.cells_skipped} already done, "
            f"{self.cells_failed} failed, of {self.cells_total}; ${self.cost_usd:.4f} in {self.wall_s:.1f} s.",
            *self.notes,
        ]
        models = sorted({m for row in self.scores.values() for m in row})
        if models:
            width = max(len(t) for t in self.scores)
            lines.append(" " * width + "  " + "  ".join(f"{m:>14}" for m in models))
            for task, row in self.scores.items():
                cells = "  ".join(f"{row[m]:>14.3f}" if m in row else f"{'-':>14}" for m in models)
                lines.append(f"{task:<{width}}  {cells}")
        return "\n".join(lines)


def new_run_id() -> str:
    return f"bench-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def journal_path(data_dir: Path, run_id: str) -> Path:
    return Path(data_dir) / "bench" / f"{run_id}.jsonl"


def _read_journal(path: Path) -> dict[str, CellResult]:
    """Cells already done; a line cut short by a kill (the last one) is ignored and its cell runs again."""
    done: dict[str, CellResult] = {}
    if not path.exists():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            cell = CellResult.model_validate_json(line)
        except ValueError:
            continue
        done[cell.id] = cell
    return done


def _bench_settings(settings: Settings) -> Settings:
    """The same settings with fallbacks off: a benchmark cell must be answered by the model it names."""
    return settings.model_copy(update={"gateway": settings.gateway.model_copy(update={"max_fallbacks": 0})})


def _validate(
    settings: Settings,
    tasks: Sequence[str],
    models: Sequence[str],
    budget_usd: float | None,
    concurrency: int,
) -> tuple[list[TaskSpec], list[str]]:
    from core.models import Registry

    if not tasks:
        raise ValidationError(f"No benchmark tasks given. Known: {', '.join(TASKS)}.")
    specs = [task_spec(t) for t in tasks]
    if not models:
        raise ValidationError(
            "No models given.", hint="Pass --models provider/name,... (see `travelops models`)."
        )
    registry = Registry.from_settings(settings)
    known = sorted(m.id for m in registry.models)
    ids: list[str] = []
    for ref in models:
        info = registry.find(ref)
        if info is None:
            raise ValidationError(
                f"Unknown model '{ref}'. Known: {', '.join(known) or '(none)'}.",
                hint="Add it under models.providers.<provider>.models in config/travelops.yml.",
            )
        if not info.enabled:
            raise ValidationError(
                f"Model '{info.id}' is disabled: {info.disabled_reason or 'provider disabled'}."
            )
        ids.append(info.id)
    if budget_usd is not None and budget_usd <= 0:
        raise ValidationError(
            f"The budget must be more than 0 USD, got {budget_usd:g}.",
            hint="Pass --budget-usd with a positive amount, or leave it out for no cap.",
        )
    if concurrency < 1:
        raise ValidationError(f"Concurrency must be at least 1, got {concurrency}.")
    return specs, ids


def run_benchmark(
    settings: Settings,
    tasks: Sequence[str],
    models: Sequence[str],
    *,
    samples: int | None = None,
    concurrency: int = 4,
    budget_usd: float | None = None,
    run_id: str | None = None,
    judge_model: str | None = None,
    cases_dir: Path | None = None,
    progress: bool = True,
    caller: Caller | None = None,
    warehouse: Warehouse | None = None,
    gateway: Gateway | None = None,
    refresh: bool = True,
    workers: int | None = None,
) -> RunSummary:
    """Run (or resume) a benchmark and store its results; see the module docstring.

    ``workers``: worker processes sharing the cells (see ``core.bench._workers``); None picks one per core
    for a large enough run through the Gateway, 1 runs everything in this process. A custom ``caller`` or
    ``gateway`` always runs in this process. Workers start from multiprocessing's fork server, which imports the
    calling script's ``__main__`` module: a script that calls this at top level needs an
    ``if __name__ == "__main__":`` guard (notebooks and ``travelops bench run`` need nothing).
    """
    specs, model_ids = _validate(settings, tasks, models, budget_usd, concurrency)
    if workers is not None and workers < 1:
        raise ValidationError(
            f"--workers must be at least 1, got {workers}.", hint="Use 1 to run in-process."
        )
    if samples is not None and samples < 1:
        raise ValidationError(f"--samples must be at least 1, got {samples}.")
    cases = {s.name: load_cases(s.name, cases_dir, limit=samples) for s in specs}
    run_id = run_id or new_run_id()
    notes: list[str] = []
    known_tasks = {*settings.routing.task_types, settings.routing.default_task}
    routing: dict[str, str] = {}
    for s in specs:
        routing[s.name] = s.routing_task if s.routing_task in known_tasks else settings.routing.default_task
        if routing[s.name] != s.routing_task:
            notes.append(
                f"Task type '{s.routing_task}' is not configured: {s.name} is measured as "
                f"'{routing[s.name]}' (add it under routing.task_types to keep them apart)."
            )
    in_process = caller is not None or gateway is not None
    if caller is None or warehouse is None:
        from core.gateway import Gateway

        gateway = gateway or Gateway.from_settings(_bench_settings(settings))
        warehouse = warehouse or gateway.warehouse
        if judge_model is not None:
            _validate(settings, [s.name for s in specs], [judge_model], None, 1)
        caller = caller or gateway_caller(gateway, run_id)
    assert warehouse is not None and caller is not None

    journal = journal_path(settings.data_dir, run_id)
    journal.parent.mkdir(parents=True, exist_ok=True)
    done = _read_journal(journal)
    done.update({c.id: c for c in _stored(warehouse, run_id)})
    cells = [(s, case, m) for s in specs for case in cases[s.name] for m in model_ids]
    pending = [c for c in cells if cell_id(run_id, c[1], c[2]) not in done]
    params = {
        "tasks": [s.name for s in specs],
        "models": model_ids,
        "samples": samples,
        "concurrency": concurrency,
        "budget_usd": budget_usd,
        "judge_model": judge_model,
    }
    _upsert_run(warehouse, run_id, params, "running", finished=False)

    state = RunState(spent=sum(c.cost_usd for c in done.values()), budget=budget_usd)
    if in_process:
        workers = 1
    else:
        if workers is None:
            workers = auto_workers(concurrency, len(pending))
        elif workers > 1 and not workers_supported():
            raise ValidationError(
                f"--workers {workers}: worker processes run on Linux only (this is {sys.platform}).",
                hint="Use --workers 1 (one process) here.",
            )
    started = time.perf_counter()
    status: RunStatus = "running"
    try:
        if workers > 1:
            run_cells_in_workers(
                pending,
                workers=workers,
                settings=_bench_settings(settings),
                run_id=run_id,
                routing=routing,
                concurrency=concurrency,
                judge_model=judge_model,
                journal=journal,
                state=state,
                progress=progress,
            )
        else:
            _run_sync(
                run_cells_in_process(
                    pending,
                    run_id,
                    routing,
                    caller,
                    concurrency,
                    journal,
                    state,
                    progress,
                    gateway,
                    judge_model,
                )
            )
        status = "stopped_budget" if state.stopped else "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        wall = time.perf_counter() - started
        _ingest_journal(warehouse, journal)
        _upsert_run(
            warehouse, run_id, params, status if status != "running" else "interrupted", finished=True
        )
        if refresh:
            warehouse.flush()
            warehouse.refresh_performance()
    if state.stopped:
        notes.append(f"Stopped at the ${budget_usd:g} budget; run again with the same --run-id to continue.")
    scores = score_matrix(results_frame(warehouse, run_id))
    return RunSummary(
        run_id=run_id,
        status=status,
        cells_total=len(cells),
        cells_run=state.ran,
        cells_skipped=len(cells) - len(pending),
        cells_failed=state.failed,
        cost_usd=state.spent,
        wall_s=wall,
        journal=str(journal),
        scores=scores,
        notes=notes + state.errors[:5],
    )


def _run_sync(coro: Coroutine[Any, Any, None]) -> None:
    """``asyncio.run``, or on a worker thread where a loop already runs (Jupyter kernels)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="travelops-bench") as pool:
        pool.submit(asyncio.run, coro).result()


# ------------------------------------------------------------------------------------------------ warehouse

_COLUMNS = list(CellResult.model_fields)


def _stored(warehouse: Warehouse, run_id: str) -> list[CellResult]:
    from core.warehouse import queries

    frame = queries.run_results(warehouse, run_id)
    untyped: Any = frame  # NaN (a missing score or token count) becomes None
    rows = queries.records(untyped.astype(object).where(frame.notna(), None))
    out: list[CellResult] = []
    for r in rows:
        r["output"] = r["output"] or ""
        r["explanation"] = r["explanation"] or ""
        for k in ("cost_usd", "latency_ms"):
            r[k] = r[k] or 0.0
        for k in ("prompt_tokens", "completion_tokens"):
            r[k] = int(r[k] or 0)
        out.append(CellResult.model_validate(r))
    return out


def _ingest_journal(warehouse: Warehouse, journal: Path) -> int:
    """Insert the journal's cells that ``benchmark_results`` lacks (by id). Returns how many were added."""
    cells = list(_read_journal(journal).values())
    if not cells:
        return 0
    import pandas as pd

    frame = pd.DataFrame([c.model_dump() for c in cells], columns=_COLUMNS)
    with warehouse.connect() as con:
        con.register("bench_cells", frame)  # dropped with the connection at the end of the block
        before = con.execute("SELECT count(*) FROM benchmark_results").fetchone()
        con.execute(
            f"INSERT INTO benchmark_results ({', '.join(_COLUMNS)}) SELECT {', '.join(_COLUMNS)} "
            "FROM bench_cells WHERE id NOT IN (SELECT id FROM benchmark_results)"
        ).fetchall()
        after = con.execute("SELECT count(*) FROM benchmark_results").fetchone()
    return int(after[0]) - int(before[0]) if before and after else 0


def _upsert_run(
    warehouse: Warehouse, run_id: str, params: Mapping[str, Any], status: str, *, finished: bool
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.connect() as con:
        exists = con.execute("SELECT 1 FROM benchmark_runs WHERE run_id = ?", [run_id]).fetchone()
        if exists is None:
            con.execute(
                "INSERT INTO benchmark_runs VALUES (?, ?, ?, ?, ?)",
                [run_id, now, now if finished else None, json.dumps(params), status],
            )
        else:
            con.execute(
                "UPDATE benchmark_runs SET params = ?, status = ?, finished_at = ? WHERE run_id = ?",
                [json.dumps(params), status, now if finished else None, run_id],
            )


def latest_run_id(warehouse: Warehouse) -> str | None:
    """The run started last, or None when there is none."""
    from core.warehouse import queries

    return queries.latest_run_id(warehouse)


def results_frame(warehouse: Warehouse, run_id: str | None = None) -> pd.DataFrame:
    """``benchmark_results`` (one run, or all) with ``bench_task`` recovered from ``case_id``."""
    from core.warehouse import queries

    return queries.results_frame(warehouse, run_id)


def score_matrix(results: pd.DataFrame) -> dict[str, dict[str, float]]:
    """{bench_task: {model: mean score}} from ``results_frame``; a missing score (NaN) is left out of the mean."""
    if results.empty:
        return {}
    columns = list(results.columns)
    at = [columns.index(c) for c in ("bench_task", "model", "score")]
    scores: dict[tuple[str, str], list[float]] = {}
    for row in results.itertuples(index=False, name=None):
        task, model, value = (row[i] for i in at)
        kept = scores.setdefault((str(task), str(model)), [])
        if value is not None and not math.isnan(value):
            kept.append(float(value))
    out: dict[str, dict[str, float]] = {}
    for (task, model), values in sorted(scores.items()):
        mean = math.fsum(values) / len(values) if values else math.nan
        out.setdefault(task, {})[model] = round(mean, 4)
    return out
