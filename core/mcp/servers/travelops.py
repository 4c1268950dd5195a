"""``travelops``: our model router for any MCP client (replaces the original zen server).

Thin over ``core.gateway``: every answer goes through the Gateway (routing, budgets, cache, retries, fallbacks,
one usage row per attempt), so an MCP client gets the same models, prices and records as the app. With no
provider keys the offline drafter answers, and says so.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from pydantic import Field

from core.config import Settings
from core.errors import TravelOpsError
from core.mcp.servers._common import READ_ONLY, WRITE_OPEN_WORLD, Backend, Output, lesson, new_server
from core.routing import Decision

__all__ = ["build"]

NAME = "travelops"
INSTRUCTIONS = (
    "TravelOps' model router: ask(prompt, task) answers through the model the agency's routing picks (or the "
    "one you name) and says which, why, what it cost and how long it took; compare(prompt, models) runs one "
    "prompt on several models side by side; route_explain(prompt, task) shows the choice without calling a "
    "model. Answers marked offline come from the offline drafter (no provider is configured)."
)

Prompt = Annotated[str, Field(min_length=1, max_length=50_000, description="The request text.")]
Task = Annotated[
    str,
    Field(
        min_length=1,
        description="The task type it is for (routing.task_types in the configuration), e.g. general, "
        "itinerary_draft, client_email.",
    ),
]
MAX_COMPARE = 6


class Answer(Output):
    answer: str
    model: str
    model_label: str
    offline: bool
    why: str = Field(description="Why the router picked this model.")
    cost_usd: float
    latency_ms: float
    cache_hit: bool
    fell_back: bool = Field(description="True when another model answered after the first choice failed.")
    budget_notes: list[str]


class ModelAnswer(Output):
    requested: str
    model: str | None = None
    model_label: str | None = None
    answer: str | None = None
    error: str | None = None
    offline: bool = False
    fell_back: bool = False
    cost_usd: float = 0.0
    latency_ms: float = 0.0


class Comparison(Output):
    task: str
    results: list[ModelAnswer]
    cheapest: str | None
    fastest: str | None
    total_cost_usd: float


def build(settings: Settings) -> MCPServer[Any]:
    """The travelops server over the Gateway built from ``settings``."""
    backend = Backend(settings)
    server = new_server(NAME, backend, instructions=INSTRUCTIONS)

    def messages(prompt: str) -> list[dict[str, Any]]:
        return [{"role": "user", "content": prompt}]

    @server.tool(annotations=WRITE_OPEN_WORLD)
    def ask(
        prompt: Prompt,
        task: Task = "general",
        model: Annotated[
            str | None, Field(description="Force a model (provider/name); default: routed.")
        ] = None,
    ) -> Answer:
        """Answer a prompt through the agency's router: the answer, the model, why it was chosen, the cost
        and the latency (recorded in the usage warehouse; counts against the budget)."""
        result = backend.gateway.complete(messages(prompt), task=task, model=model)
        backend.gateway.warehouse.flush()
        return Answer(
            answer=result.text,
            model=result.model,
            model_label=result.model_label,
            offline=result.offline,
            why=result.decision.reason,
            cost_usd=result.cost_usd,
            latency_ms=round(result.latency_ms, 1),
            cache_hit=result.cache_hit,
            fell_back=result.fallback_used,
            budget_notes=list(result.budget_events),
        )

    @server.tool(annotations=WRITE_OPEN_WORLD)
    async def compare(
        prompt: Prompt,
        models: Annotated[
            list[str],
            Field(min_length=1, max_length=MAX_COMPARE, description="Models to ask (provider/name), 1 to 6."),
        ],
        task: Task = "general",
    ) -> Comparison:
        """Ask several models the same prompt at once: answers side by side with each one's cost and latency.
        A model that fails shows its error; the others still answer. Never served from the cache."""
        gateway = await anyio.to_thread.run_sync(lambda: backend.gateway)
        requested = list(dict.fromkeys(models))
        results: dict[str, ModelAnswer] = {}

        async def one(name: str) -> None:
            def call() -> ModelAnswer:
                try:
                    r = gateway.complete(messages(prompt), task=task, model=name, use_cache=False)
                except TravelOpsError as e:
                    return ModelAnswer(requested=name, error=lesson(e))
                return ModelAnswer(
                    requested=name,
                    model=r.model,
                    model_label=r.model_label,
                    answer=r.text,
                    offline=r.offline,
                    fell_back=r.fallback_used,
                    cost_usd=r.cost_usd,
                    latency_ms=round(r.latency_ms, 1),
                )

            results[name] = await anyio.to_thread.run_sync(call)

        async with anyio.create_task_group() as tg:
            for name in requested:
                tg.start_soon(one, name)
        await anyio.to_thread.run_sync(gateway.warehouse.flush)
        ordered = [results[name] for name in requested]
        answered = [r for r in ordered if r.error is None]
        return Comparison(
            task=task,
            results=ordered,
            cheapest=min(answered, key=lambda r: r.cost_usd).requested if answered else None,
            fastest=min(answered, key=lambda r: r.latency_ms).requested if answered else None,
            total_cost_usd=sum(r.cost_usd for r in ordered),
        )

    @server.tool(annotations=READ_ONLY)
    def route_explain(prompt: Prompt, task: Task = "general") -> Decision:
        """Which model would answer this prompt and why (complexity, budget, rules, fallbacks, estimated
        cost), without calling any model."""
        return backend.gateway.explain(task, messages(prompt))

    return server
