"""A benchmark cell, (task, case, model): its call, its score, its result; and a run's cells in this process.

Shared by the runner (``core.bench._runner``), which plans a run and stores its results, and the worker
processes (``core.bench._workers``), which run their share of the cells with ``run_cell``. The runner imports
the workers; the workers import this module, never the runner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from core.bench._scorers import Score, combine, rubric_score, score_answer
from core.errors import TravelOpsError

if TYPE_CHECKING:
    from pathlib import Path

    from core.bench._suites import Case, TaskSpec
    from core.gateway import Gateway

__all__ = [
    "CallOutcome",
    "Caller",
    "CellResult",
    "RunState",
    "cell_id",
    "gateway_caller",
    "run_cell",
    "run_cells_in_process",
]


class CallOutcome(BaseModel):
    """What one model call returned, as the runner needs it."""

    model_config = ConfigDict(frozen=True)
    text: str
    model: str
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


Caller = Callable[[list[dict[str, str]], str, str, int], Awaitable[CallOutcome]]
"""``caller(messages, routing_task, model, max_tokens)``: the runner's one way out; the Gateway by default."""


class CellResult(BaseModel):
    """One (task, case, model) result: a ``benchmark_results`` row."""

    model_config = ConfigDict(frozen=True)
    id: str
    run_id: str
    task_type: str
    case_id: str
    model: str
    score: float | None
    cost_usd: float
    latency_ms: float
    prompt_tokens: int
    completion_tokens: int
    output: str
    explanation: str
    created_at: datetime


def cell_id(run_id: str, case: Case, model: str) -> str:
    return f"{run_id}|{case.id}|{model}"


def gateway_caller(gateway: Gateway, run_id: str) -> Caller:
    """Calls through the Gateway: explicit model, no cache, no fallbacks (a cell measures one model)."""
    from core.gateway import CallContext

    context = CallContext(session_id=run_id, user_id="bench")

    async def call(
        messages: list[dict[str, str]], routing_task: str, model: str, max_tokens: int
    ) -> CallOutcome:
        r = await gateway.acomplete(
            messages, task=routing_task, model=model, use_cache=False, max_tokens=max_tokens, context=context
        )
        last = r.attempts[-1] if r.attempts else None
        return CallOutcome(
            text=r.text,
            model=r.model,
            cost_usd=r.cost_usd,
            latency_ms=r.latency_ms,
            prompt_tokens=last.prompt_tokens if last else 0,
            completion_tokens=last.completion_tokens if last else 0,
        )

    return call


class RunState:
    """A run's running totals: money spent against the budget, cells run and failed, the first errors."""

    def __init__(self, spent: float, budget: float | None) -> None:
        self.spent = spent
        self.budget = budget
        self.stopped = False
        self.ran = 0
        self.failed = 0
        self.errors: list[str] = []

    def over_budget(self) -> bool:
        if self.budget is not None and self.spent >= self.budget:
            self.stopped = True
        return self.stopped


async def run_cells_in_process(
    pending: list[tuple[TaskSpec, Case, str]],
    run_id: str,
    routing: Mapping[str, str],
    caller: Caller,
    concurrency: int,
    journal: Path,
    state: RunState,
    progress: bool,
    gateway: Gateway | None,
    judge_model: str | None,
) -> None:
    from tqdm.auto import tqdm

    semaphore = asyncio.Semaphore(concurrency)
    bar = tqdm(total=len(pending), desc="bench", unit="cell", disable=not progress, leave=False)
    with journal.open("a", encoding="utf-8") as out:

        async def one(spec: TaskSpec, case: Case, model: str) -> None:
            async with semaphore:
                if state.over_budget():
                    return
                cell = await run_cell(
                    spec, case, model, run_id, routing[spec.name], caller, gateway, judge_model
                )
            if isinstance(cell, str):
                state.failed += 1
                state.errors.append(cell)
            else:
                # One write of a whole line, flushed to the OS: survives SIGKILL of this process.
                out.write(cell.model_dump_json() + "\n")
                out.flush()
                state.spent += cell.cost_usd
                state.ran += 1
            bar.update(1)

        try:
            await asyncio.gather(*(one(*c) for c in pending))
        finally:
            bar.close()


async def run_cell(
    spec: TaskSpec,
    case: Case,
    model: str,
    run_id: str,
    routing_task: str,
    caller: Caller,
    gateway: Gateway | None,
    judge_model: str | None,
) -> CellResult | str:
    messages = spec.messages(case)
    try:
        out = await caller(messages, routing_task, model, spec.max_tokens)
    except TravelOpsError as e:
        return f"{case.id} × {model}: {e.message}"
    score = score_answer(out.text, case.scorers)
    cost = out.cost_usd
    if judge_model is not None and gateway is not None and case.rubric:
        try:
            judged, result = await rubric_score(
                gateway,
                judge_model,
                messages[-1]["content"],
                out.text,
                case.rubric,
                routing_task=routing_task,
            )
        except TravelOpsError as e:
            judged, cost_add = Score(value=0.0, explanation=f"judge failed: {e.message}"), 0.0
        else:
            cost_add = result.cost_usd
        cost += cost_add
        score = combine([(score, 2.0), (judged, 1.0)])
    return CellResult(
        id=cell_id(run_id, case, model),
        run_id=run_id,
        task_type=routing_task,
        case_id=case.id,
        model=model,
        score=score.value,
        cost_usd=cost,
        latency_ms=out.latency_ms,
        prompt_tokens=out.prompt_tokens,
        completion_tokens=out.completion_tokens,
        output=out.text,
        explanation=score.explanation,
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
