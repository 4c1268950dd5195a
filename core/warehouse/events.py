"""The events every process writes to the usage warehouse: one row type per table, ids for idempotence."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core._common import utcnow

__all__ = ["BudgetEvent", "Event", "McpCallEvent", "UsageEvent", "new_id", "utcnow"]


def new_id() -> str:
    return uuid.uuid4().hex


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utcnow)


class UsageEvent(_Event):
    """One model attempt (success, failure or cache hit) = one ``model_usage`` row."""

    table: Literal["model_usage"] = "model_usage"
    session_id: str | None = None
    model_provider: str
    model_name: str
    task_type: str
    tokens_used: int = 0
    cost_usd: float = 0.0
    response_time_ms: float = 0.0
    quality_score: float | None = None
    request_id: str
    attempt: int = 1
    user_id: str | None = None
    agency_id: str | None = None
    trip_id: str | None = None
    workflow_step: int | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    status: Literal["ok", "error", "cache_hit"] = "ok"
    error_class: str | None = None
    cache_hit: bool = False
    fallback_from: str | None = None
    routing_reason: str | None = None
    is_demo: bool = False
    prompt_text: str | None = None  # only when warehouse.store_prompts is on
    response_text: str | None = None


class McpCallEvent(_Event):
    """One MCP tool call through the manager = one ``mcp_calls`` row."""

    table: Literal["mcp_calls"] = "mcp_calls"
    server: str
    instance: str
    tool: str
    latency_ms: float
    status: Literal["ok", "error", "cache", "stale"]
    bytes_out: int = 0
    bytes_in: int = 0
    error: str | None = None
    session_id: str | None = None
    user_id: str | None = None
    trip_id: str | None = None


class BudgetEvent(_Event):
    """A budget alert (50/80/100%), a downgrade or a refusal = one ``budget_events`` row."""

    table: Literal["budget_events"] = "budget_events"
    scope: Literal["agency", "user"]
    scope_id: str
    period: Literal["day", "month"]
    period_key: str  # 2026-11-26 or 2026-11
    kind: Literal["alert", "downgrade", "refused"]
    threshold: float | None = None  # 0.5, 0.8, 1.0 for alerts
    spent_usd: float
    limit_usd: float
    message: str


Event = UsageEvent | McpCallEvent | BudgetEvent
