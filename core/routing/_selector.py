"""The selector: task x complexity x budget x preference -> an explainable Decision. It never calls a model."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict, cast

from pydantic import BaseModel, ConfigDict, Field

from core.config import RouterConfig, Settings, TaskTypeConfig, WorkflowConfig
from core.errors import RoutingError
from core.models import Capability, ModelInfo, Registry
from core.routing.complexity import ComplexityEstimator, get_estimator
from core.routing.preferences import UserPreferences

if TYPE_CHECKING:
    from core.routing.learned import LearnedRouter

__all__ = [
    "BudgetView",
    "Decision",
    "PerformanceView",
    "RouteRequest",
    "RouterChoice",
    "Selector",
    "budget_threshold",
    "estimate_tokens",
]


class BudgetView(Protocol):
    """What the selector needs of a budget state (core.gateway.budget.BudgetState provides it)."""

    @property
    def share_left(self) -> float | None: ...

    def describe(self) -> str: ...


class PerformanceView(Protocol):
    """What the selector needs of measured performance per (model id, task)."""

    @property
    def avg_quality(self) -> float | None: ...

    @property
    def p50_ms(self) -> float | None: ...


class RouteRequest(BaseModel):
    """What the selector looks at: the prompt text, its size, and what the call needs."""

    model_config = ConfigDict(frozen=True)
    prompt: str
    prompt_tokens: int | None = None
    max_output_tokens: int | None = None
    needs: frozenset[Capability] = frozenset()
    user_id: str | None = None

    @classmethod
    def from_messages(cls, messages: Sequence[Mapping[str, Any]], **kw: Any) -> RouteRequest:
        text = "\n".join(_text(m.get("content")) for m in messages)
        last_user = next(
            (_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), text
        )
        return cls(prompt=last_user, prompt_tokens=estimate_tokens(text) + 4 * len(messages), **kw)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = cast("list[object]", content)
        return " ".join(
            str(cast("Mapping[str, object]", p).get("text", "")) for p in parts if isinstance(p, dict)
        )
    return "" if content is None else str(content)


def estimate_tokens(text: str) -> int:
    """~4 characters per token: cheap, provider-neutral, and an overestimate for English prose."""
    return max(1, math.ceil(len(text) / 4))


_Source = Literal["rule", "preference", "task", "workflow", "router", "fallback", "downgrade", "only-option"]


class Decision(BaseModel):
    """The chosen model, its ordered fallbacks, the estimated cost and a reason a person can read."""

    model_config = ConfigDict(frozen=True)
    task: str
    model: str
    fallbacks: list[str]
    estimated_cost_usd: float
    reason: str
    complexity: float
    complexity_label: Literal["routine", "complex"]
    source: _Source
    router_score: float | None = None  # the learned router's score, when one is configured for the task
    router_threshold: float | None = None  # the threshold it was compared with (after budget pressure)
    router_base_threshold: float | None = None  # the configured threshold, or the one read off strong_share
    router_strong_share: float | None = None  # the configured strong_share (None when a threshold is set)
    downgraded: bool = False
    budget_share_left: float | None = None
    prompt_tokens: int
    max_output_tokens: int
    skipped: dict[str, str] = Field(default_factory=dict)  # model id -> why it was not used


@dataclass(frozen=True)
class _Call:
    """One ``select`` call, sized (step 1): what every later step reads."""

    task: str
    tcfg: TaskTypeConfig
    request: RouteRequest
    budget: BudgetView | None
    share: float | None  # the budget's share left, read once
    preferences: UserPreferences | None
    perf: Mapping[tuple[str, str], PerformanceView]
    prompt_tokens: int
    max_out: int


@dataclass(frozen=True)
class _Complexity:
    """Step 2's verdict: the score, the label, why, and the router's choice when a router made it."""

    score: float
    label: Literal["routine", "complex"]
    why: str
    routed: RouterChoice | None

    def router_fields(self) -> _RouterFields:
        r = self.routed
        return {
            "router_score": r.score if r is not None else None,
            "router_threshold": r.threshold if r is not None else None,
            "router_base_threshold": r.base_threshold if r is not None else None,
            "router_strong_share": r.strong_share if r is not None else None,
        }


class _RouterFields(TypedDict):
    router_score: float | None
    router_threshold: float | None
    router_base_threshold: float | None
    router_strong_share: float | None


@dataclass(frozen=True)
class _Pick:
    """Step 6's choice: the model, the wish (or downgrade) that chose it, its estimated cost, the fallbacks after
    it, and the note on the budget."""

    model: ModelInfo
    why: str
    source: _Source
    downgraded: bool
    budget_note: str
    estimate_usd: float
    fallbacks: list[str]


class Selector:
    """Pick a model per request. Build once per process; ``select`` is pure and fast (no I/O)."""

    def __init__(
        self, settings: Settings, registry: Registry, estimator: ComplexityEstimator | None = None
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.estimator = estimator or get_estimator(settings.routing.complexity_estimator)
        self._rules = [
            (rule, [re.compile(rf"\b{re.escape(k.lower())}\b") for k in rule.keywords])
            for rule in settings.routing.rules
        ]

    def task_config(self, task: str) -> TaskTypeConfig:
        tasks = self.settings.routing.task_types
        if task in tasks:
            return tasks[task]
        if task == self.settings.routing.default_task:
            return TaskTypeConfig()
        known = sorted({*tasks, self.settings.routing.default_task})
        raise RoutingError(
            f"Unknown task type '{task}'. Known: {', '.join(known)}.",
            hint="Add it under routing.task_types in config/travelops.yml, or pass a known --task.",
        )

    def _workflow(self, name: str) -> WorkflowConfig:
        return self.settings.workflows.get(name) or next(
            iter(self.settings.workflows.values()), WorkflowConfig()
        )

    def select(
        self,
        task: str,
        request: RouteRequest,
        budget: BudgetView | None = None,
        preferences: UserPreferences | None = None,
        performance: Mapping[tuple[str, str], PerformanceView] | None = None,
    ) -> Decision:
        """Pick a model for one request, in seven steps:

        1. Size the call: the task's configuration, the budget share left, the tokens in and out.
        2. Judge its complexity: the learned router's pick when one is configured, else the estimator's score,
           unless the task's configuration fixes the label.
        3. List the wishes, in order and each with where it came from: rules, the user's preferred model, the
           task's model, the router's pick, the workflow's model for the label, the fallbacks.
        4. Resolve the wishes to models (once each), then add every other model by the user's preference.
        5. Drop what cannot serve this request, remembering why (nothing left: a RoutingError).
        6. Take the first usable model (the others are its fallbacks); when the budget is low, downgrade to the
           cheapest one whose measured quality is good enough.
        7. Explain the choice: the path from the first wish past the skipped ones, the estimate, the budget.
        """
        call = self._size(task, request, budget, preferences, performance)
        complexity = self._judge_complexity(call)
        ordered = self._candidates(call, self._wishes(call, complexity))
        usable, skipped = self._drop_unfit(call, ordered)
        pick = self._pick(call, usable)
        return Decision(
            task=task,
            model=pick.model.id,
            fallbacks=pick.fallbacks,
            estimated_cost_usd=pick.estimate_usd,
            reason=self._explain(ordered, skipped, pick),
            complexity=complexity.score,
            complexity_label=complexity.label,
            source=pick.source,
            downgraded=pick.downgraded,
            budget_share_left=call.share,
            **complexity.router_fields(),
            prompt_tokens=call.prompt_tokens,
            max_output_tokens=call.max_out,
            skipped=skipped,
        )

    # -- the seven steps of select ------------------------------------------------------------------------------

    def _size(
        self,
        task: str,
        request: RouteRequest,
        budget: BudgetView | None,
        preferences: UserPreferences | None,
        performance: Mapping[tuple[str, str], PerformanceView] | None,
    ) -> _Call:
        """Step 1: the call with its task configuration, budget share and token sizes worked out."""
        tcfg = self.task_config(task)
        return _Call(
            task=task,
            tcfg=tcfg,
            request=request,
            budget=budget,
            share=budget.share_left if budget is not None else None,
            preferences=preferences,
            perf=performance or {},
            prompt_tokens=request.prompt_tokens or estimate_tokens(request.prompt),
            max_out=request.max_output_tokens or tcfg.max_output_tokens,
        )

    def _judge_complexity(self, call: _Call) -> _Complexity:
        """Step 2: routine or complex, and why: the router decides when configured, else the task or the estimate."""
        task, tcfg = call.task, call.tcfg
        routed = self.route_with_router(task, call.request.prompt, call.share)
        if routed is not None:
            label: Literal["routine", "complex"] = "complex" if routed.strong else "routine"
            return _Complexity(score=routed.score, label=label, why=routed.why, routed=routed)
        cx = self.estimator.score(call.request.prompt, task)
        if tcfg.complexity == "auto":
            label = "complex" if cx.score >= self.settings.routing.complex_threshold else "routine"
            why = f"{task} looks {label} (complexity {cx.score:.2f}: {'; '.join(cx.reasons) or 'short'})"
        else:
            label = tcfg.complexity
            why = f"{task} is {label}"
        return _Complexity(score=cx.score, label=label, why=why, routed=None)

    def _wishes(self, call: _Call, complexity: _Complexity) -> list[tuple[str, str]]:
        """Step 3: the ordered wish list of model references, each with where it came from."""
        task, tcfg, prefs, routed = call.task, call.tcfg, call.preferences, complexity.routed
        wishes: list[tuple[str, str]] = []
        lowered = call.request.prompt.lower()
        for rule, patterns in self._rules:
            hit_task = task in rule.tasks
            hit_kw = next(
                (k for k, p in zip(rule.keywords, patterns, strict=True) if p.search(lowered)), None
            )
            if hit_task or hit_kw:
                what = f"task {task}" if hit_task else f"keyword '{hit_kw}'"
                wishes.append((rule.model, f"rule '{rule.name}' matched {what}"))
        if prefs and prefs.preferred_model:
            wishes.append((prefs.preferred_model, f"{prefs.user_id}'s preferred model"))
        if tcfg.model:
            wishes.append((tcfg.model, f"{task}'s configured model"))
        wf = self._workflow(tcfg.workflow)
        if routed is not None:
            wishes.append((routed.model, routed.why))
        first, second = (
            (wf.complex_tasks_model, wf.default_model)
            if complexity.label == "complex"
            else (wf.default_model, wf.complex_tasks_model)
        )
        if first:
            wishes.append((first, complexity.why))
        if wf.fallback_model:
            wishes.append((wf.fallback_model, "workflow fallback"))
        for fb in prefs.fallback_models if prefs else []:
            wishes.append((fb, "user's fallback"))
        if routed is not None:
            wishes.append((routed.other, "router's other model"))
        if second:
            wishes.append((second, "workflow's other model"))
        return wishes

    def _candidates(self, call: _Call, wishes: Iterable[tuple[str, str]]) -> list[tuple[ModelInfo, str]]:
        """Step 4: the wishes resolved to models, each once, then every other model by the user's preference."""
        ordered: list[tuple[ModelInfo, str]] = []
        seen: set[str] = set()
        for ref, why in wishes:
            info = self.registry.get(ref, where=f" ({why})")
            if info.id not in seen:
                seen.add(info.id)
                ordered.append((info, why))
        for info in self._rest_by_preference(seen, call):
            seen.add(info.id)
            ordered.append((info, "other enabled model"))
        return ordered

    def _drop_unfit(
        self, call: _Call, ordered: Sequence[tuple[ModelInfo, str]]
    ) -> tuple[list[tuple[ModelInfo, str]], dict[str, str]]:
        """Step 5: the candidates that can serve this request, and why each other one cannot."""
        skipped: dict[str, str] = {}
        usable: list[tuple[ModelInfo, str]] = []
        for info, why in ordered:
            problem = self._unfit(info, call)
            if problem:
                skipped[info.id] = problem
            else:
                usable.append((info, why))
        if not usable:
            detail = "; ".join(f"{k}: {v}" for k, v in skipped.items())
            raise RoutingError(
                f"No model can serve task '{call.task}': {detail}.",
                hint="Enable a provider (set its API key) or enable the offline drafter (models.providers.offline).",
            )
        return usable, skipped

    def _pick(self, call: _Call, usable: Sequence[tuple[ModelInfo, str]]) -> _Pick:
        """Step 6: the first usable model, or the cheapest good-enough one when the budget is low; the other usable
        models are its fallbacks."""
        task, budget, share = call.task, call.budget, call.share
        chosen, why = usable[0]
        source: _Source = _source(why)
        downgraded = False
        budget_note = f"; {budget.describe()}" if budget is not None and share is not None else ""
        cost_cfg = self.settings.cost_optimization
        if share is not None and cost_cfg.auto_downgrade and share < self.settings.routing.low_budget_share:
            cheaper = self._cheapest_good_enough(usable, call)
            if cheaper is not None and cheaper.id != chosen.id:
                q = call.perf[(cheaper.id, task)].avg_quality
                why = (
                    f"budget low ({budget.describe() if budget else ''}) → cheapest model with measured quality "
                    f"≥ {cost_cfg.quality_threshold:.2f} for {task} ({q:.2f})"
                )
                chosen, source, downgraded, budget_note = cheaper, "downgrade", True, ""
            elif cheaper is None:
                budget_note += (
                    f"; budget low but no model has measured quality ≥ {cost_cfg.quality_threshold:.2f} for {task},"
                    " so no downgrade"
                )
        if len(usable) == 1 and source not in ("rule", "preference", "downgrade"):
            source = "only-option"
        return _Pick(
            model=chosen,
            why=why,
            source=source,
            downgraded=downgraded,
            budget_note=budget_note,
            estimate_usd=chosen.estimate_cost(call.prompt_tokens, call.max_out),
            fallbacks=[i.id for i, _ in usable if i.id != chosen.id][: self.settings.gateway.max_fallbacks],
        )

    @staticmethod
    def _explain(ordered: Sequence[tuple[ModelInfo, str]], skipped: Mapping[str, str], pick: _Pick) -> str:
        """Step 7: the reason a person reads: first wish → up to two skipped models → the choice; the estimate."""
        passed: list[str] = []
        for info, _ in ordered:
            if info.id == pick.model.id:
                break
            if info.id in skipped:
                passed.append(f"{info.id} {skipped[info.id]}")
        lead = pick.why if pick.downgraded else ordered[0][1]
        path = " → ".join([lead, *passed[:2], pick.model.label])
        return f"{path}; est. ${pick.estimate_usd:.4f}{pick.budget_note}"

    # -- helpers of the steps --------------------------------------------------------------------------------------

    def router_config(self, task: str) -> RouterConfig | None:
        routers = self.settings.routing.routers
        return routers.get(task) or routers.get("*")

    def _router(self, cfg: RouterConfig) -> LearnedRouter:
        from core.routing._router_view import router_file
        from core.routing.learned import load_router

        return load_router(router_file(self.settings, cfg))  # cached per file: loaded once per process

    def route_with_router(
        self, task: str, prompt: str, budget_share_left: float | None
    ) -> RouterChoice | None:
        """The learned router's pick for this task (None when no router is configured for it)."""
        cfg = self.router_config(task)
        if cfg is None:
            return None
        router = self._router(cfg)
        base = (
            cfg.threshold
            if cfg.threshold is not None
            else router.threshold_for_share(cfg.strong_share or 0.0)
        )
        floor = 1.0 - self.settings.cost_optimization.quality_threshold
        threshold = budget_threshold(base, budget_share_left, cfg.budget_pressure, floor)
        score = router.strong_probability(prompt, task)
        strong = score >= threshold
        model, other = (cfg.strong, cfg.weak) if strong else (cfg.weak, cfg.strong)
        raised = f" (base {base:.2f}, raised by budget)" if threshold > base + 1e-9 else ""
        why = f"router score {score:.2f} {'≥' if strong else '<'} {threshold:.2f}{raised}"
        return RouterChoice(
            score=score,
            threshold=threshold,
            base_threshold=base,
            strong_share=cfg.strong_share,
            strong=strong,
            model=model,
            other=other,
            why=why,
        )

    def _unfit(self, info: ModelInfo, call: _Call) -> str | None:
        """Why this model cannot serve the call (None when it can)."""
        prompt_tokens, max_out, prefs = call.prompt_tokens, call.max_out, call.preferences
        if not info.enabled:
            return f"disabled: {info.disabled_reason}" if info.disabled_reason else "disabled"
        missing = call.request.needs - info.capabilities
        if missing:
            return f"lacks {', '.join(sorted(missing))}"
        if prompt_tokens + max_out > info.context_window:
            return f"context {info.context_window} < {prompt_tokens + max_out} tokens"
        if prefs and prefs.cost_threshold is not None:
            est = info.estimate_cost(prompt_tokens, max_out)
            if est > prefs.cost_threshold:
                return f"est. ${est:.4f} above {prefs.user_id}'s ${prefs.cost_threshold:.4f} per request"
        return None

    def _rest_by_preference(self, seen: set[str], call: _Call) -> Iterable[ModelInfo]:
        """The models not wished for: online ones by the user's preference (quality by default), offline last."""
        rest = [m for m in self.registry.models if m.id not in seen and not m.is_offline]
        prefs, perf, task = call.preferences, call.perf, call.task
        mode = prefs.performance_preference if prefs else "quality"

        def key(m: ModelInfo) -> tuple[float, ...]:
            cost = m.estimate_cost(call.prompt_tokens, call.max_out)
            p = perf.get((m.id, task))
            if mode == "cost":
                return (cost,)
            if mode == "speed":
                return (p.p50_ms if p and p.p50_ms is not None else math.inf, cost)
            quality = p.avg_quality if p and p.avg_quality is not None else -1.0
            return (-quality, -cost)

        yield from sorted(rest, key=key)
        yield from (m for m in self.registry.models if m.id not in seen and m.is_offline)

    def _cheapest_good_enough(self, usable: Sequence[tuple[ModelInfo, str]], call: _Call) -> ModelInfo | None:
        """The cheapest usable model whose measured quality for the task reaches the quality threshold."""
        threshold = self.settings.cost_optimization.quality_threshold
        good = [
            info
            for info, _ in usable
            if (p := call.perf.get((info.id, call.task))) is not None
            and p.avg_quality is not None
            and p.avg_quality >= threshold
        ]
        return min(good, key=lambda m: m.estimate_cost(call.prompt_tokens, call.max_out), default=None)


class RouterChoice(BaseModel):
    model_config = ConfigDict(frozen=True)
    score: float
    threshold: float
    base_threshold: float  # before budget pressure
    strong_share: float | None  # the configured share the base threshold was read from, if any
    strong: bool
    model: str
    other: str
    why: str


def budget_threshold(threshold: float, share_left: float | None, pressure: float, floor: float) -> float:
    """The router threshold once part of the day's budget is spent.

    threshold' = threshold + (1 - threshold) * spent * pressure, with spent = 1 - share_left in [0, 1]; but never
    above ``max(threshold, floor)``, where floor = 1 - cost_optimization.quality_threshold: a prompt whose estimated
    chance of needing the strong model is at least 1 - quality_threshold keeps going to the strong model however
    much budget is spent (and budget never lowers a configured threshold). No budget: the threshold unchanged.
    """
    if share_left is None:
        return threshold
    spent = min(max(1.0 - share_left, 0.0), 1.0)
    raised = threshold + (1.0 - threshold) * spent * pressure
    return min(raised, max(threshold, floor))


def _source(why: str) -> Literal["rule", "preference", "task", "workflow", "router", "fallback"]:
    if why.startswith("router score"):
        return "router"
    if why.startswith("rule "):
        return "rule"
    if "preferred" in why:
        return "preference"
    if "configured model" in why:
        return "task"
    if "fallback" in why or why == "other enabled model":
        return "fallback"
    return "workflow"
