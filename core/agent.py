"""The agent loop: a task through the Gateway with MCP tools, bounded in model calls and in cost.

::

    agent = Agent(gateway, manager, max_steps=6, cost_cap_usd=0.05)
    run = agent.run("", [{"role": "user", "content": "Where are we with the Lisbon trip?"}],
                    step=2, context=CallContext(user_id="ana", trip_id="41"))
    run.answer, run.stopped, run.tool_calls, run.model_calls, run.cost_usd, run.latency_ms
    for piece in agent.stream("", messages, step=2, context=ctx):   # str pieces of the answer, then the AgentRun
        ...

How a run goes:

- **Tools.** The MCP tools of the running servers become the model's tools (OpenAI function format), named
  ``server__tool`` made safe for every provider (``^[a-zA-Z0-9_-]{1,64}$``) and mapped back on the way in.
  Which ones: ``allowed_tools`` when given (``get_anything`` matches that tool on any server,
  ``travel-db.get_anything`` on one), else the workflow step's ``tools`` when ``step`` is given, else every
  tool of every running server. Names no running server offers are left out with a note in the run.
- **Task.** ``task``; when it is empty, the step's ``task_type``; else the routing default task.
- **Loop.** One Gateway call per step. Each tool call it asks for is checked (arguments must be a JSON object,
  the tool must be one offered) and made through the manager; its result goes back as a ``tool`` message
  (truncated to ``max_result_chars``). Tool errors, bad arguments and unavailable tools go back to the model
  as tool messages too, so it can correct itself; the Gateway's ``ProviderError`` / ``BudgetExceeded``
  propagate. The run stops when the model answers without tool calls (``answered``), when ``max_steps`` model
  calls have been made and the last one still asked for tools (``max_steps``), or when the run's cost has
  passed ``cost_cap_usd`` (``cost_cap``). Tool calls asked for by a call that ends the run are not made (their
  results could never reach the model); the notes name them.
- **Offline drafter.** When the Gateway would answer with the offline drafter (no keys: it never asks for
  tools), the run first calls the allowed read-only tools whose required arguments can be filled from the
  context (``trip_id``, ``user_id``, ``agency_id``, the step) or that need none, and puts their results in the
  transcript, so the deterministic draft is built from real data.

Nothing new is stored: every model attempt is already a ``model_usage`` row (the Gateway) and every tool call
an ``mcp_calls`` row (the manager). Both carry the context's ``session_id`` — a run without one gets
``agent-<run_id>`` — so the rows of one run can be found together; ``AgentRun.model_calls`` lists the
request ids.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field

from core._common import FrozenModel
from core.errors import ToolUnavailable, TravelOpsError, ValidationError
from core.gateway import CallContext, Gateway, GatewayResult, StreamDelta
from core.mcp import CacheState, ToolInfo, ToolResult
from core.warehouse.events import new_id

if TYPE_CHECKING:
    from core.mcp import McpManager
    from core.travel.workflow import Step

__all__ = ["Agent", "AgentRun", "ModelCallRecord", "StopReason", "ToolCallRecord", "ToolCallStatus"]

StopReason = Literal["answered", "max_steps", "cost_cap"]
ToolCallStatus = Literal["ok", "tool_error", "invalid_arguments", "unknown_tool", "unavailable"]

_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
_MAX_NAME = 64
_MAX_DESCRIPTION = 1024
_RECORD_CHARS = 2000  # result text kept in a ToolCallRecord
_OFFLINE_TOOL_LIMIT = 8


class ToolCallRecord(FrozenModel):
    """One tool call the model asked for (``step`` 0: made before the first model call for the offline
    drafter), and what came of it."""

    call_id: str
    step: int
    name: str  # as the model saw it
    server: str | None  # None: the model named a tool it was not offered
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    raw_arguments: str | None = None  # the model's text, when it was not a JSON object
    status: ToolCallStatus
    is_error: bool
    result_text: str  # what the model was sent, truncated
    from_cache: CacheState = "none"
    latency_ms: float = 0.0
    instance: str | None = None


class ModelCallRecord(FrozenModel):
    """One Gateway call of the run (its attempts are ``model_usage`` rows with this ``request_id``)."""

    step: int
    request_id: str
    model: str
    model_label: str
    offline: bool
    why: str  # the routing decision's reason
    fallback_used: bool
    cache_hit: bool
    cost_usd: float
    latency_ms: float
    tool_calls: int


class AgentRun(FrozenModel):
    """What a run did: its answer, why it stopped, every tool and model call, cost and wall time."""

    run_id: str
    task: str
    workflow_step: int | None = None
    answer: str
    stopped: StopReason
    steps: int  # model calls made
    offline: bool  # the answer was drafted by the offline drafter
    cost_usd: float
    latency_ms: float
    tools: list[str]  # offered to the model, as server.tool
    tool_calls: list[ToolCallRecord]
    model_calls: list[ModelCallRecord]
    notes: list[str]
    messages: list[dict[str, Any]]  # the transcript, tool messages included, ready to continue


# ------------------------------------------------------------------------------------------------ tools


@dataclass(frozen=True)
class _Tool:
    name: str  # model-facing
    info: ToolInfo

    @property
    def qualified(self) -> str:
        return f"{self.info.server}.{self.info.name}"

    def schema(self) -> dict[str, Any]:
        parameters = dict(self.info.input_schema or {})
        parameters.setdefault("type", "object")
        if parameters.get("type") == "object":
            parameters.setdefault("properties", {})
        description = self.info.description or self.info.title or f"{self.info.name} ({self.info.server})"
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": description[:_MAX_DESCRIPTION],
                "parameters": parameters,
            },
        }


def _model_name(server: str, tool: str, taken: set[str]) -> str:
    base = _UNSAFE.sub("_", f"{server}__{tool}")[:_MAX_NAME]
    name, n = base, 2
    while name in taken:
        suffix = f"_{n}"
        name = base[: _MAX_NAME - len(suffix)] + suffix
        n += 1
    return name


def _select(
    available: Sequence[ToolInfo], wanted: Sequence[str] | None, source: str
) -> tuple[list[_Tool], list[str]]:
    """The tools to offer, named for the model, and notes on names nothing offers."""
    notes: list[str] = []
    chosen: list[ToolInfo] = []
    if wanted is None:
        chosen = list(available)
    else:
        servers = {t.server for t in available}
        missing: list[str] = []
        for name in dict.fromkeys(wanted):
            matches = [t for t in available if t.name == name]
            if not matches and "." in name:
                server, _, tool = name.partition(".")
                if server in servers:
                    matches = [t for t in available if t.server == server and t.name == tool]
            if not matches:
                missing.append(name)
            chosen.extend(m for m in matches if m not in chosen)
        if missing:
            offered = sorted(f"{t.server}.{t.name}" for t in available)
            notes.append(
                f"Left out tools named by {source} that no running MCP server offers: {', '.join(missing)}. "
                f"Offered: {', '.join(offered) or '(none: no server is running)'}."
            )
    taken: set[str] = set()
    tools: list[_Tool] = []
    for info in chosen:
        name = _model_name(info.server, info.name, taken)
        taken.add(name)
        tools.append(_Tool(name, info))
    return tools, notes


def _types(schema: Mapping[str, Any]) -> set[str]:
    """The JSON types a parameter schema allows (``type``, a list of them, or ``anyOf`` options)."""
    kind = schema.get("type")
    kinds = cast("list[Any]", kind) if isinstance(kind, list) else [kind]
    found = {k for k in kinds if isinstance(k, str)}
    options = schema.get("anyOf")
    for option in cast("list[Any]", options) if isinstance(options, list) else []:
        if isinstance(option, Mapping):
            found |= _types(cast("Mapping[str, Any]", option))
    return found


def _coerce(value: str | int, schema: Mapping[str, Any]) -> str | int | None:
    """``value`` as the schema's type (a context's trip id '41' for an integer parameter), None if it cannot be."""
    types = _types(schema)
    if not types or "string" in types:
        return str(value)
    if "integer" in types or "number" in types:
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _context_arguments(info: ToolInfo, ctx: CallContext) -> dict[str, Any] | None:
    """Arguments filled from the context, or None when a required one cannot be."""
    known: dict[str, str | int | None] = {
        "trip_id": ctx.trip_id,
        "user_id": ctx.user_id,
        "agency_id": ctx.agency_id,
        "workflow_step": ctx.workflow_step,
        "step": ctx.workflow_step,
    }
    schema = info.input_schema or {}
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required: list[str] = list(schema.get("required") or [])
    args: dict[str, Any] = {}
    for name, prop in properties.items():
        value = known.get(name)
        if value is None:
            continue
        coerced = _coerce(value, cast("Mapping[str, Any]", prop) if isinstance(prop, Mapping) else {})
        if coerced is not None:
            args[name] = coerced
    if any(name not in args for name in required):
        return None
    return args


# ------------------------------------------------------------------------------------------------ one run


@dataclass
class _Pending:
    """A tool call to make (``tool`` and ``arguments`` set) or to answer at once with ``problem``."""

    call_id: str
    step: int
    name: str
    tool: _Tool | None
    arguments: dict[str, Any]
    raw: str | None = None
    problem: str | None = None
    status: ToolCallStatus = "ok"


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… [{len(text) - limit} more characters cut]"


def _result_text(result: ToolResult) -> str:
    text = result.text
    if not text and result.structured is not None:
        text = json.dumps(result.structured, ensure_ascii=False, default=str)
    if result.is_error:
        text = f"The tool {result.server}.{result.tool} answered with an error: {text}"
    if result.from_cache == "stale":
        age = f"{result.age_s:.0f} s old" if result.age_s is not None else "of unknown age"
        text = f"[Stale result served from cache ({age}): the server is down.]\n{text}"
    return text


@dataclass
class _Run:
    agent: Agent
    run_id: str
    task: str
    step: int | None
    ctx: CallContext
    model: str | None
    tools: list[_Tool]
    notes: list[str]
    transcript: list[dict[str, Any]]
    t0: float = field(default_factory=time.perf_counter)
    tool_calls: list[ToolCallRecord] = field(default_factory=list[ToolCallRecord])
    model_calls: list[ModelCallRecord] = field(default_factory=list[ModelCallRecord])
    cost: float = 0.0
    answer: str = ""
    offline: bool = False
    stopped: StopReason | None = None

    @property
    def by_name(self) -> dict[str, _Tool]:
        return {t.name: t for t in self.tools}

    def schemas(self) -> list[dict[str, Any]] | None:
        return [t.schema() for t in self.tools] or None

    def request(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "context": self.ctx,
            "tools": self.schemas(),
            "max_tokens": self.agent.max_tokens,
            "model": self.model,
        }

    # -- the offline drafter's pre-fetch
    def offline_plan(self) -> list[_Pending]:
        plan: list[_Pending] = []
        unfillable: list[str] = []
        over: list[str] = []
        for tool in self.tools:
            if not tool.info.read_only:
                continue
            args = _context_arguments(tool.info, self.ctx)
            if args is None:
                unfillable.append(tool.qualified)
            elif len(plan) == _OFFLINE_TOOL_LIMIT:
                over.append(tool.qualified)
            else:
                plan.append(_Pending(f"offline_{len(plan) + 1}", 0, tool.name, tool, args))
        if plan:
            self.notes.append(
                "The Gateway chose the offline drafter, which never asks for tools: called the read-only tools "
                f"{', '.join(p.tool.qualified for p in plan if p.tool)} first and drafted from their results."
            )
            self.transcript.append(
                {"role": "assistant", "content": None, "tool_calls": [self._call_json(p) for p in plan]}
            )
        if unfillable:
            self.notes.append(
                "Offline, not called: read-only tools with required arguments the context cannot fill: "
                f"{', '.join(unfillable)}."
            )
        if over:
            self.notes.append(
                f"Offline, not called: read-only tools past the first {_OFFLINE_TOOL_LIMIT}: {', '.join(over)}."
            )
        return plan

    @staticmethod
    def _call_json(p: _Pending) -> dict[str, Any]:
        # Re-encoded: arguments that were not a JSON object become {} (some providers parse them on replay);
        # the tool message quotes what the model sent.
        arguments = json.dumps(p.arguments, ensure_ascii=False)
        return {"id": p.call_id, "type": "function", "function": {"name": p.name, "arguments": arguments}}

    # -- model calls
    def on_model(self, result: GatewayResult) -> list[_Pending]:
        """Record a model call; the tool calls to make next ([] when the run ends here)."""
        step = len(self.model_calls) + 1
        self.cost += result.cost_usd
        self.offline = result.offline
        self.model_calls.append(
            ModelCallRecord(
                step=step,
                request_id=result.request_id,
                model=result.model,
                model_label=result.model_label,
                offline=result.offline,
                why=result.decision.reason,
                fallback_used=result.fallback_used,
                cache_hit=result.cache_hit,
                cost_usd=result.cost_usd,
                latency_ms=result.latency_ms,
                tool_calls=len(result.tool_calls),
            )
        )
        self.notes.extend(result.budget_events)
        self.answer = result.text
        if not result.tool_calls:
            self.stopped = "answered"
            self.transcript.append({"role": "assistant", "content": result.text})
            return []
        pending = [self._pending(raw, step, i) for i, raw in enumerate(result.tool_calls)]
        asked = ", ".join(p.name for p in pending)
        cap = self.agent.cost_cap_usd
        if cap is not None and self.cost > cap:
            self.stopped = "cost_cap"
            self.notes.append(
                f"Stopped: the run has cost ${self.cost:.6f}, past its cost cap of ${cap:.6f}. "
                f"The model still asked for {asked}; not called."
            )
        elif step >= self.agent.max_steps:
            self.stopped = "max_steps"
            self.notes.append(
                f"Stopped after {step} model calls (max_steps={self.agent.max_steps}) with the model still "
                f"asking for {asked}; not called. Raise max_steps or narrow the task."
            )
        if self.stopped is not None:
            if result.text:
                self.transcript.append({"role": "assistant", "content": result.text})
            return []
        self.transcript.append(
            {
                "role": "assistant",
                "content": result.text or None,
                "tool_calls": [self._call_json(p) for p in pending],
            }
        )
        return pending

    def _pending(self, raw: Mapping[str, Any], step: int, index: int) -> _Pending:
        function: Mapping[str, Any] = raw.get("function") or {}
        name = str(function.get("name") or "")
        call_id = str(raw.get("id") or f"call_{step}_{index + 1}")
        text = function.get("arguments")
        tool = self.by_name.get(name) or self._by_bare_name(name)
        if tool is None:
            offered = ", ".join(t.name for t in self.tools) or "(none)"
            return _Pending(
                call_id,
                step,
                name,
                None,
                {},
                raw=text if isinstance(text, str) else None,
                problem=f"There is no tool named '{name}'. Tools you can call: {offered}.",
                status="unknown_tool",
            )
        if isinstance(text, Mapping):
            return _Pending(call_id, step, name, tool, dict(cast("Mapping[str, Any]", text)))
        text = "" if text is None else str(text)
        if not text.strip():
            return _Pending(call_id, step, name, tool, {})
        try:
            parsed = json.loads(text)
        except ValueError as e:
            why = f"were not valid JSON ({e})"
        else:
            if isinstance(parsed, dict):
                return _Pending(call_id, step, name, tool, cast("dict[str, Any]", parsed))
            why = f"were JSON but not an object (got {type(parsed).__name__})"
        schema = json.dumps(tool.schema()["function"]["parameters"], ensure_ascii=False)
        return _Pending(
            call_id,
            step,
            name,
            tool,
            {},
            raw=text,
            problem=f"The arguments for tool '{name}' ({_truncate(text, 300)!r}) {why}; the tool was not called. "
            f"Call it again with a JSON object matching this schema: {schema}",
            status="invalid_arguments",
        )

    def _by_bare_name(self, name: str) -> _Tool | None:
        """Some models drop the ``server__`` prefix: accept the tool's own name when it is unambiguous."""
        matches = [t for t in self.tools if t.info.name == name]
        return matches[0] if len(matches) == 1 else None

    # -- tool calls
    def on_tool(self, p: _Pending, outcome: ToolResult | TravelOpsError | None) -> None:
        """Append the tool message for ``p`` (``outcome`` None: it was not called, ``p.problem`` says why)."""
        limit = self.agent.max_result_chars
        server = p.tool.info.server if p.tool else None
        tool = p.tool.info.name if p.tool else p.name
        base: dict[str, Any] = {
            "call_id": p.call_id,
            "step": p.step,
            "name": p.name,
            "server": server,
            "tool": tool,
            "arguments": p.arguments,
            "raw_arguments": p.raw if p.status != "ok" else None,
        }
        if isinstance(outcome, ToolResult):
            text = _truncate(_result_text(outcome), limit)
            record = ToolCallRecord(
                **base,
                status="tool_error" if outcome.is_error else "ok",
                is_error=outcome.is_error,
                result_text=_truncate(text, _RECORD_CHARS),
                from_cache=outcome.from_cache,
                latency_ms=outcome.latency_ms,
                instance=outcome.instance,
            )
        elif outcome is not None:
            status: ToolCallStatus = "unavailable" if isinstance(outcome, ToolUnavailable) else "tool_error"
            text = _truncate(f"The tool {server}.{tool} could not be called: {outcome}", limit)
            record = ToolCallRecord(
                **base, status=status, is_error=True, result_text=_truncate(text, _RECORD_CHARS)
            )
        else:
            text = _truncate(p.problem or "The tool was not called.", limit)
            record = ToolCallRecord(
                **base, status=p.status, is_error=True, result_text=_truncate(text, _RECORD_CHARS)
            )
        self.tool_calls.append(record)
        self.transcript.append({"role": "tool", "tool_call_id": p.call_id, "content": text})

    def finish(self) -> AgentRun:
        assert self.stopped is not None
        return AgentRun(
            run_id=self.run_id,
            task=self.task,
            workflow_step=self.step,
            answer=self.answer,
            stopped=self.stopped,
            steps=len(self.model_calls),
            offline=self.offline,
            cost_usd=self.cost,
            latency_ms=(time.perf_counter() - self.t0) * 1000.0,
            tools=[t.qualified for t in self.tools],
            tool_calls=self.tool_calls,
            model_calls=self.model_calls,
            notes=self.notes,
            messages=self.transcript,
        )


# ------------------------------------------------------------------------------------------------ the agent


class Agent:
    """Runs tasks through ``gateway`` with the tools of ``manager`` (a started ``McpManager``; None: no tools).

    ``max_steps`` bounds the model calls of a run, ``cost_cap_usd`` its cost (checked after each model call),
    ``max_result_chars`` what one tool result may put in the transcript. Thread-safe: a run keeps its state
    to itself.
    """

    def __init__(
        self,
        gateway: Gateway,
        manager: McpManager | None,
        *,
        max_steps: int = 6,
        cost_cap_usd: float | None = None,
        max_result_chars: int = 8000,
        max_tokens: int | None = None,
    ) -> None:
        if max_steps < 1:
            raise ValidationError(
                f"max_steps must be at least 1, got {max_steps}.",
                hint="Give the number of model calls allowed.",
            )
        if cost_cap_usd is not None and cost_cap_usd < 0:
            raise ValidationError(
                f"cost_cap_usd must be 0 or more, got {cost_cap_usd}.",
                hint="Give dollars, e.g. 0.05, or None.",
            )
        if max_result_chars < 200:
            raise ValidationError(
                f"max_result_chars must be at least 200, got {max_result_chars}.",
                hint="Tool results shorter than that rarely help a model.",
            )
        self.gateway = gateway
        self.manager = manager
        self.max_steps = max_steps
        self.cost_cap_usd = cost_cap_usd
        self.max_result_chars = max_result_chars
        self.max_tokens = max_tokens

    def __repr__(self) -> str:
        return f"Agent(max_steps={self.max_steps}, cost_cap_usd={self.cost_cap_usd})"

    # -- sync
    def run(
        self,
        task: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        step: int | None = None,
        allowed_tools: Sequence[str] | None = None,
        context: CallContext | None = None,
        system: str | None = None,
        model: str | None = None,
    ) -> AgentRun:
        """Run ``task`` on ``messages`` until the model answers or a bound stops it (see the module docstring).

        Raises the Gateway's ``ProviderError`` / ``BudgetExceeded`` / ``RoutingError`` and ``ValidationError``
        for an unknown step or no messages; tool failures go back to the model instead."""
        run = self._begin(task, messages, step, allowed_tools, context, system, model)
        if run.tools and self._offline_first(run):
            plan = run.offline_plan()
            for p in plan:
                run.on_tool(p, self._call_sync(run, p))
        while run.stopped is None:
            result = self.gateway.complete(run.transcript, **run.request())
            for p in run.on_model(result):
                run.on_tool(p, self._call_sync(run, p))
        return run.finish()

    def stream(
        self,
        task: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        step: int | None = None,
        allowed_tools: Sequence[str] | None = None,
        context: CallContext | None = None,
        system: str | None = None,
        model: str | None = None,
    ) -> Iterator[str | AgentRun]:
        """``run``, yielding the answer's text pieces as they arrive and, last, the ``AgentRun``.

        Every model call goes through ``Gateway.stream``; a call that ends with tool calls has no text in
        practice (tool-call turns carry no content), so the pieces shown are the answer's. Should a model write
        text alongside its tool calls, that text is yielded too (it cannot be taken back); ``AgentRun.answer``
        is always the last call's text. Raises like ``run``; a stream that fails after its first piece raises
        ``ProviderError``."""
        run = self._begin(task, messages, step, allowed_tools, context, system, model)
        if run.tools and self._offline_first(run):
            plan = run.offline_plan()
            for p in plan:
                run.on_tool(p, self._call_sync(run, p))
        while run.stopped is None:
            result: GatewayResult | None = None
            for item in self.gateway.stream(run.transcript, **run.request()):
                if isinstance(item, StreamDelta):
                    yield item.text
                else:
                    result = item
            assert result is not None  # Gateway.stream ends with its GatewayResult or raises
            for p in run.on_model(result):
                run.on_tool(p, self._call_sync(run, p))
        yield run.finish()

    def _call_sync(self, run: _Run, p: _Pending) -> ToolResult | TravelOpsError | None:
        if p.problem is not None or p.tool is None or self.manager is None:
            return None
        try:
            return self.manager.call_tool_sync(
                p.tool.info.server,
                p.tool.info.name,
                p.arguments,
                session_id=run.ctx.session_id,
                user_id=run.ctx.user_id,
                trip_id=run.ctx.trip_id,
            )
        except (ToolUnavailable, ValidationError) as e:
            return e

    def _offline_first(self, run: _Run) -> bool:
        decision = self.gateway.explain(
            run.task,
            run.transcript,
            context=run.ctx,
            tools=run.schemas(),
            max_tokens=self.max_tokens,
            model=run.model,
        )
        return self.gateway.registry.get(decision.model).is_offline

    # -- async
    async def arun(
        self,
        task: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        step: int | None = None,
        allowed_tools: Sequence[str] | None = None,
        context: CallContext | None = None,
        system: str | None = None,
        model: str | None = None,
    ) -> AgentRun:
        """``run`` for async callers; the tool calls one model call asks for are made concurrently."""
        run = await asyncio.to_thread(
            self._begin, task, messages, step, allowed_tools, context, system, model
        )
        if run.tools and await asyncio.to_thread(self._offline_first, run):
            plan = run.offline_plan()
            for p, outcome in zip(plan, await self._call_all(run, plan), strict=True):
                run.on_tool(p, outcome)
        while run.stopped is None:
            result = await self.gateway.acomplete(run.transcript, **run.request())
            pending = run.on_model(result)
            for p, outcome in zip(pending, await self._call_all(run, pending), strict=True):
                run.on_tool(p, outcome)
        return run.finish()

    async def _call_all(self, run: _Run, pending: list[_Pending]) -> list[ToolResult | TravelOpsError | None]:
        return list(await asyncio.gather(*(self._call_async(run, p) for p in pending)))

    async def _call_async(self, run: _Run, p: _Pending) -> ToolResult | TravelOpsError | None:
        if p.problem is not None or p.tool is None or self.manager is None:
            return None
        try:
            return await self.manager.call_tool(
                p.tool.info.server,
                p.tool.info.name,
                p.arguments,
                session_id=run.ctx.session_id,
                user_id=run.ctx.user_id,
                trip_id=run.ctx.trip_id,
            )
        except (ToolUnavailable, ValidationError) as e:
            return e

    # -- setting a run up
    def _begin(
        self,
        task: str,
        messages: Sequence[Mapping[str, Any]],
        step: int | None,
        allowed_tools: Sequence[str] | None,
        context: CallContext | None,
        system: str | None,
        model: str | None,
    ) -> _Run:
        if not messages:
            raise ValidationError(
                "An agent run needs at least one message.",
                hint='Pass e.g. [{"role": "user", "content": "Plan day 2 in Lisbon"}].',
            )
        if isinstance(allowed_tools, str):
            raise ValidationError(
                f"allowed_tools must be a list of tool names, not the string {allowed_tools!r}.",
                hint=f"Write allowed_tools=[{allowed_tools!r}].",
            )
        run_id = new_id()
        wf_step = _workflow_step(step) if step is not None else None
        ctx = context or CallContext()
        update: dict[str, Any] = {}
        if ctx.session_id is None:
            update["session_id"] = f"agent-{run_id}"
        if wf_step is not None and ctx.workflow_step is None:
            update["workflow_step"] = wf_step.number
        if update:
            ctx = ctx.model_copy(update=update)
        if not task:
            task = wf_step.task_type if wf_step is not None else self.gateway.settings.routing.default_task
        available = self.manager.list_tools() if self.manager is not None else []
        if allowed_tools is not None:
            tools, notes = _select(available, allowed_tools, "allowed_tools")
        elif wf_step is not None:
            tools, notes = _select(available, wf_step.tools, f"workflow step {wf_step.number}")
        else:
            tools, notes = _select(available, None, "")
        if self.manager is None and allowed_tools:
            notes.append("No MCP manager was given: the run has no tools.")
        transcript = [dict(m) for m in messages]
        if system is None and wf_step is not None:
            system = (
                f"You are helping a travel agent with workflow step {wf_step.number}, {wf_step.title}: "
                f"{wf_step.purpose} Use the tools to look facts up instead of guessing."
            )
        if system:
            transcript.insert(0, {"role": "system", "content": system})
        return _Run(
            agent=self,
            run_id=run_id,
            task=task,
            step=wf_step.number if wf_step is not None else None,
            ctx=ctx,
            model=model,
            tools=tools,
            notes=notes,
            transcript=transcript,
        )


def _workflow_step(step: int) -> Step:
    from core.travel.workflow import get_step  # the travel domain loads only for runs that name a step

    return get_step(step)
