"""What another routing policy would have cost: the last days' answered requests re-routed by the
``Selector`` under a changed configuration and re-priced from their recorded tokens.

It lives next to the selector it re-runs; the requests come from ``core.warehouse.queries`` (imported when
``what_if`` runs: the warehouse package imports ``core.routing`` for ``UserPreferences``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.config import Settings, TaskTypeConfig, WorkflowConfig
from core.errors import RoutingError, ValidationError
from core.models import ModelInfo, Registry
from core.routing._selector import RouteRequest, Selector
from core.routing.preferences import UserPreferences

if TYPE_CHECKING:
    import pandas as pd

    from core.warehouse import Warehouse

__all__ = ["WHAT_IF_LIMITATIONS", "RoutingPolicy", "WhatIfResult", "WhatIfRow", "what_if"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class RoutingPolicy(BaseModel):
    """Changes to the configured routing, for ``what_if``. None / empty keeps what the configuration says.

    ``routine_model``/``complex_model``/``fallback_model`` replace every workflow's default, complex-task and
    fallback model; ``task_models`` pins tasks to a model; ``ignore_rules`` drops the routing rules;
    ``performance_preference`` and ``cost_threshold`` act as everyone's preferences.
    """

    model_config = _FROZEN

    routine_model: str | None = None
    complex_model: str | None = None
    fallback_model: str | None = None
    task_models: dict[str, str] = Field(default_factory=dict)
    complex_threshold: float | None = Field(default=None, ge=0, le=1)
    ignore_rules: bool = False
    performance_preference: Literal["cost", "speed", "quality"] | None = None
    cost_threshold: float | None = Field(default=None, ge=0)

    @property
    def is_current(self) -> bool:
        return self == RoutingPolicy()

    def describe(self) -> str:
        parts = [
            f"routine tasks → {self.routine_model}" if self.routine_model else "",
            f"complex tasks → {self.complex_model}" if self.complex_model else "",
            f"fallback → {self.fallback_model}" if self.fallback_model else "",
            *(f"{t} → {m}" for t, m in sorted(self.task_models.items())),
            f"complexity threshold {self.complex_threshold:.2f}"
            if self.complex_threshold is not None
            else "",
            "no routing rules" if self.ignore_rules else "",
            f"prefer {self.performance_preference}" if self.performance_preference else "",
            f"at most ${self.cost_threshold:.4f} per request" if self.cost_threshold is not None else "",
        ]
        return "; ".join(p for p in parts if p) or "the current configuration"


class WhatIfRow(BaseModel):
    """Requests of one task with the same model actually used, and the model each policy picks for them."""

    model_config = _FROZEN

    task_type: str
    actual_model: str
    baseline_model: str | None  # what the current configuration picks for them now (None: nothing can)
    scenario_model: str | None
    requests: int
    actual_usd: float
    baseline_usd: float
    scenario_usd: float


class WhatIfResult(BaseModel):
    """The last ``days`` days' answered requests re-priced under the current routing (``baseline_usd``) and
    under ``policy`` (``scenario_usd``); ``actual_usd`` is what every request in the window really cost.

    Cache hits and failed requests keep their actual cost in all three figures (``unchanged_usd``).
    """

    model_config = _FROZEN

    since: date
    until: date
    days: int
    policy: RoutingPolicy
    requests: int
    repriced: int
    cache_hits: int
    failed: int
    unroutable: int  # answered requests for which the scenario finds no model (kept at their actual cost)
    actual_usd: float
    baseline_usd: float
    scenario_usd: float
    unchanged_usd: float
    rows: list[WhatIfRow]
    notes: list[str]

    @property
    def saving_vs_baseline_usd(self) -> float:
        return self.baseline_usd - self.scenario_usd

    @property
    def saving_vs_actual_usd(self) -> float:
        return self.actual_usd - self.scenario_usd

    def by_task(self) -> pd.DataFrame:
        """task_type, requests, actual_usd, baseline_usd, scenario_usd, scenario_models."""
        import pandas as pd

        frame = self.frame()
        if frame.empty:
            return pd.DataFrame(
                columns=[
                    "task_type",
                    "requests",
                    "actual_usd",
                    "baseline_usd",
                    "scenario_usd",
                    "scenario_models",
                ]
            )
        untyped: Any = frame  # pandas' groupby is untyped
        by_task: Any = untyped.groupby("task_type", as_index=False)
        grouped: pd.DataFrame = by_task.agg(
            requests=("requests", "sum"),
            actual_usd=("actual_usd", "sum"),
            baseline_usd=("baseline_usd", "sum"),
            scenario_usd=("scenario_usd", "sum"),
            scenario_models=("scenario_model", _joined_models),
        )
        return grouped.sort_values("actual_usd", ascending=False, ignore_index=True)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [r.model_dump() for r in self.rows],
            columns=list(WhatIfRow.model_fields),
        )


def _joined_models(models: Iterable[object]) -> str:
    return ", ".join(sorted({str(m) for m in models if m}))


WHAT_IF_LIMITATIONS: tuple[str, ...] = (
    "Prompts are not stored, so each request is routed on a stand-in prompt of its recorded length and its "
    "task: keyword rules never match and 'auto' tasks are judged on length alone.",
    "The recorded prompt, completion and cache tokens are priced with the other model's prices; a different "
    "model would have answered at a different length and cached differently.",
    "Budgets are left out (no downgrades), and models whose provider has no key are assumed available.",
)

# Prompts are grouped in ~15% size buckets: the selector only looks at size through the complexity score,
# the context window and the cost estimate, and pricing is linear in the summed tokens.
_BUCKET = math.log(1.15)


def _stand_in(prompt_tokens: float) -> str:
    """A prompt of about ``prompt_tokens`` tokens (~0.75 words each), capped where the heuristic saturates."""
    words = min(max(1, round(prompt_tokens * 0.75)), 600)
    return " ".join(["word"] * words)


def _check_policy(policy: RoutingPolicy, registry: Registry, settings: Settings) -> None:
    problems: list[str] = []
    refs = [
        ("routine_model", policy.routine_model),
        ("complex_model", policy.complex_model),
        ("fallback_model", policy.fallback_model),
        *((f"task_models.{t}", m) for t, m in policy.task_models.items()),
    ]
    for where, ref in refs:
        if ref is not None and registry.find(ref) is None:
            problems.append(f"{where} = {ref!r} is not a configured model")
    known = {*settings.routing.task_types, settings.routing.default_task}
    unknown = sorted(set(policy.task_models) - known)
    if unknown:
        problems.append(f"task_models names unknown task(s) {', '.join(unknown)}")
    if problems:
        raise ValidationError(
            f"The what-if policy is invalid: {'; '.join(problems)}.",
            hint=f"Known models: {', '.join(sorted(m.id for m in registry.models))}.",
        )


def _policy_settings(settings: Settings, policy: RoutingPolicy, tasks: Sequence[str]) -> Settings:
    """``settings`` with the policy applied (frozen models copied), and every task seen in the data known."""
    wf_update = {
        k: v
        for k, v in (
            ("default_model", policy.routine_model),
            ("complex_tasks_model", policy.complex_model),
            ("fallback_model", policy.fallback_model),
        )
        if v is not None
    }
    workflows = dict(settings.workflows) or {"travel_planning": WorkflowConfig()}
    workflows = {name: wf.model_copy(update=wf_update) for name, wf in workflows.items()}
    task_types = dict(settings.routing.task_types)
    for task in tasks:
        if task not in task_types and task != settings.routing.default_task:
            task_types[task] = TaskTypeConfig(workflow=next(iter(workflows)))
    for task, model in policy.task_models.items():
        task_types[task] = task_types.get(task, TaskTypeConfig()).model_copy(update={"model": model})
    routing_update: dict[str, Any] = {"task_types": task_types}
    if policy.ignore_rules:
        routing_update["rules"] = []
    if policy.complex_threshold is not None:
        routing_update["complex_threshold"] = policy.complex_threshold
    return settings.model_copy(
        update={"workflows": workflows, "routing": settings.routing.model_copy(update=routing_update)}
    )


def _all_enabled(registry: Registry) -> Registry:
    return Registry(
        m if m.enabled else m.model_copy(update={"enabled": True, "disabled_reason": None})
        for m in registry.models
    )


def what_if(
    warehouse: Warehouse,
    settings: Settings,
    registry: Registry,
    policy: RoutingPolicy,
    *,
    days: int = 30,
    today: date | None = None,
) -> WhatIfResult:
    """Re-price the answered requests of the last ``days`` days (ending today, UTC) under ``policy``.

    Each group of requests (task, model used, prompt size) is routed by ``core.routing.Selector`` with the
    policy's settings on a stand-in prompt of the recorded size (prompts are not stored; see
    ``WHAT_IF_LIMITATIONS``) and priced with the registry from the recorded tokens. The same is done with the
    current settings, so ``baseline_usd`` vs ``scenario_usd`` compares like with like.
    """
    if not 1 <= days <= 366:
        raise ValidationError(f"days = {days}: give 1 to 366 days.", hint="Fix: e.g. 30 for the last month.")
    _check_policy(policy, registry, settings)
    until = today or datetime.now(UTC).date()
    since = until - timedelta(days=days - 1)
    from core.warehouse import queries

    groups = queries.what_if_groups(warehouse, since, until, _BUCKET)
    tasks = sorted({str(g["task_type"]) for g in groups})

    models = _all_enabled(registry)
    perf = warehouse.performance()
    baseline = Selector(_policy_settings(settings, RoutingPolicy(), tasks), models)
    scenario = Selector(_policy_settings(settings, policy, tasks), models)
    prefs = None
    if policy.performance_preference is not None or policy.cost_threshold is not None:
        prefs = UserPreferences(
            user_id="what-if",
            performance_preference=policy.performance_preference or "quality",
            cost_threshold=policy.cost_threshold,
        )

    def route(selector: Selector, task: str, avg_prompt: float, p: int, c: int, cr: int, cw: int,
              preferences: UserPreferences | None) -> tuple[str | None, float | None]:  # fmt: skip
        request = RouteRequest(prompt=_stand_in(avg_prompt), prompt_tokens=max(1, round(avg_prompt)))
        try:
            decision = selector.select(task, request, None, preferences, perf)
        except RoutingError:
            return None, None
        info: ModelInfo = models.get(decision.model)
        return info.id, info.price.cost(p, c, cr, cw)

    rows: list[WhatIfRow] = []
    requests = repriced = cache_hits = failed = unroutable = 0
    actual = baseline_total = scenario_total = unchanged = 0.0
    merged: dict[tuple[str, str, str | None, str | None], list[float]] = {}
    for g in groups:
        n, cost = int(g["requests"]), float(g["actual_usd"])
        requests += n
        actual += cost
        if g["outcome"] != "ok":
            unchanged += cost
            if g["outcome"] == "cache_hit":
                cache_hits += n
            else:
                failed += n
            continue
        task, used = str(g["task_type"]), str(g["model"])
        tokens = (int(g["p"]), int(g["c"]), int(g["cr"]), int(g["cw"]))
        b_model, b_cost = route(baseline, task, float(g["avg_p"]), *tokens, None)
        s_model, s_cost = route(scenario, task, float(g["avg_p"]), *tokens, prefs)
        if s_cost is None:
            unroutable += n
        repriced += n
        b_cost = cost if b_cost is None else b_cost
        s_cost = cost if s_cost is None else s_cost
        baseline_total += b_cost
        scenario_total += s_cost
        acc = merged.setdefault((task, used, b_model, s_model), [0, 0.0, 0.0, 0.0])
        acc[0] += n
        acc[1] += cost
        acc[2] += b_cost
        acc[3] += s_cost
    for (task, used, b_model, s_model), (n, a, b, s) in sorted(merged.items(), key=lambda kv: -kv[1][1]):
        rows.append(
            WhatIfRow(
                task_type=task,
                actual_model=used,
                baseline_model=b_model,
                scenario_model=s_model,
                requests=int(n),
                actual_usd=a,
                baseline_usd=b,
                scenario_usd=s,
            )
        )
    notes: list[str] = list(WHAT_IF_LIMITATIONS)
    unknown_tasks = [
        t for t in tasks if t not in settings.routing.task_types and t != settings.routing.default_task
    ]
    if unknown_tasks:
        notes.append(
            f"Task(s) {', '.join(unknown_tasks)} are not in routing.task_types; they were routed as 'auto'."
        )
    if unroutable:
        notes.append(f"{unroutable} request(s) found no model under the policy and keep their actual cost.")
    return WhatIfResult(
        since=since,
        until=until,
        days=days,
        policy=policy,
        requests=requests,
        repriced=repriced,
        cache_hits=cache_hits,
        failed=failed,
        unroutable=unroutable,
        actual_usd=actual,
        baseline_usd=baseline_total + unchanged,
        scenario_usd=scenario_total + unchanged,
        unchanged_usd=unchanged,
        rows=rows,
        notes=notes,
    )
