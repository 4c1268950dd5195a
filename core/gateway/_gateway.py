"""The Gateway: the one way TravelOps calls a model.

litellm's Router owns deployment-level concerns (per-deployment rpm/tpm pre-call checks, timeouts, cooldowns after
repeated failures). The Gateway walks the selector's Decision in order (primary, then fallbacks), retrying
retryable errors a bounded number of times, so that every attempt (retry, fallback, failure, cache hit) becomes one
``model_usage`` row with its tokens, cost (computed from raw usage and our price map), latency and status.
Budgets are reserved before each paid attempt and reconciled after it.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from core.config import Settings
from core.errors import BudgetExceeded, ProviderError
from core.gateway.budget import (
    BudgetLedger,
    BudgetLimitExceeded,
    Reservation,
    record_downgrade,
    record_refusal,
)
from core.gateway.cache import Caches
from core.models import OFFLINE_LITELLM_PREFIX, ModelInfo, Registry
from core.routing import Decision, RouteRequest, Selector, UserPreferences
from core.warehouse import Warehouse
from core.warehouse.events import UsageEvent, new_id

if TYPE_CHECKING:
    from litellm.router import Router

__all__ = ["Attempt", "CallContext", "Gateway", "GatewayResult", "StreamDelta"]

logger = logging.getLogger(__name__)
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

_RETRYABLE = frozenset(
    {
        "RateLimitError",
        "InternalServerError",
        "ServiceUnavailableError",
        "APIConnectionError",
        "Timeout",
        "APIError",
    }
)


class CallContext(BaseModel):
    """Who and what a call is for. Stored with every usage row instead of the prompt (which carries personal data)."""

    model_config = ConfigDict(frozen=True)
    user_id: str | None = None
    session_id: str | None = None
    agency_id: str | None = None
    trip_id: str | None = None
    workflow_step: int | None = None


class Attempt(BaseModel):
    model_config = ConfigDict(frozen=True)
    attempt: int
    model: str
    status: Literal["ok", "error", "cache_hit"]
    latency_ms: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    error_class: str | None = None
    error: str | None = None
    fallback_from: str | None = None


class GatewayResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    request_id: str
    text: str
    tool_calls: list[dict[str, Any]] = Field(default_factory=list[dict[str, Any]])
    model: str
    model_label: str
    offline: bool
    decision: Decision
    attempts: list[Attempt]
    cost_usd: float
    latency_ms: float
    cache_hit: bool = False
    finish_reason: str | None = None
    budget_events: list[str] = Field(default_factory=list)

    @property
    def fallback_used(self) -> bool:
        return self.model != self.decision.model


class StreamDelta(BaseModel):
    """A piece of a streamed answer; the stream ends with the GatewayResult."""

    model_config = ConfigDict(frozen=True)
    text: str


class Gateway:
    """Build once per process (``Gateway.from_settings``); thread-safe; sync and async."""

    def __init__(
        self,
        settings: Settings,
        *,
        registry: Registry | None = None,
        selector: Selector | None = None,
        warehouse: Warehouse | None = None,
        budget: BudgetLedger | None = None,
        caches: Caches | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry or Registry.from_settings(settings)
        self.selector = selector or Selector(settings, self.registry)
        self.warehouse = warehouse or Warehouse.from_settings(settings)
        self.budget = budget or BudgetLedger(settings.budget_path, settings.cost_optimization)
        self.caches = caches or Caches.from_settings(settings)
        self._router: Router | None = None
        self._router_lock = threading.Lock()
        # Budget settlement happens after the answer is returned, on one worker thread:
        # right after a call litellm's own logging thread holds the GIL, and SQLite statements on the caller's
        # thread would queue behind it (measured: ~1 ms per call). Until settled, a reservation counts at its
        # estimate, so limits stay safe; drain() waits for pending work (atexit does too).
        self._settler = ThreadPoolExecutor(max_workers=1, thread_name_prefix="travelops-settle")
        atexit.register(self.drain)

    @classmethod
    def from_settings(cls, settings: Settings) -> Gateway:
        return cls(settings)

    def settle_later(self, reservation: Reservation, cost_usd: float) -> None:
        """Reconcile a reservation at its actual cost, off the caller's path."""
        self._settler.submit(self._settle, reservation, cost_usd)

    def _settle(self, reservation: Reservation, cost_usd: float) -> None:
        try:
            for alert in self.budget.reconcile(reservation, cost_usd):
                self.warehouse.record(alert)
                logger.warning("%s", alert.message)
        except Exception:  # a background worker must not die; the reservation stays at its estimate
            logger.exception("Could not settle the budget of request %s", reservation.request_id)

    def drain(self) -> None:
        """Wait until every finished call's budget settlement is done."""
        try:
            self._settler.submit(lambda: None).result()
        except RuntimeError:  # already shut down at interpreter exit, which waited for pending work itself
            return

    # ---------------------------------------------------------------------------------------------- routing
    def router(self) -> Router:
        """The litellm Router, built (and litellm imported) on first use."""
        if self._router is None:
            with self._router_lock:
                if self._router is None:
                    self._router = _build_router(self.settings, self.registry)
        return self._router

    def preferences(self, user_id: str | None) -> UserPreferences | None:
        if not user_id:
            return None
        return self.caches.metadata.get_or_load(
            f"prefs:{user_id}", lambda: self.warehouse.get_preferences(user_id)
        )

    def performance(self) -> Mapping[tuple[str, str], Any]:
        return self.caches.metadata.get_or_load("performance", self.warehouse.performance)

    def explain(
        self,
        task: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        context: CallContext | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
    ) -> Decision:
        """The Decision for a request, without calling anything."""
        ctx = context or CallContext()
        request = RouteRequest.from_messages(
            messages,
            max_output_tokens=max_tokens,
            needs=frozenset({"tools"}) if tools else frozenset(),
            user_id=ctx.user_id,
        )
        budget = self.budget.state(ctx.user_id)
        decision = self.selector.select(
            task, request, budget, self.preferences(ctx.user_id), self.performance()
        )
        if model is not None:
            forced = self.registry.get(model, where=" (asked for explicitly)")
            rest = [m for m in [decision.model, *decision.fallbacks] if m != forced.id]
            decision = decision.model_copy(
                update={
                    "model": forced.id,
                    "fallbacks": rest[: self.settings.gateway.max_fallbacks],
                    "reason": f"{forced.label} asked for explicitly",
                    "source": "preference",
                    "estimated_cost_usd": forced.estimate_cost(
                        decision.prompt_tokens, decision.max_output_tokens
                    ),
                }
            )
        return decision

    # ---------------------------------------------------------------------------------------------- calls
    def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        task: str,
        context: CallContext | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
        use_cache: bool = True,
        **params: Any,
    ) -> GatewayResult:
        router = self.router()  # built (and litellm imported) before the call's clock starts
        call = _Call(self, messages, task, context, tools, max_tokens, model, use_cache, params)
        if (hit := call.cached()) is not None:
            return hit
        for info, fallback_from in call.plan():
            for retry in range(self.settings.gateway.num_retries + 1):
                started = time.perf_counter()
                try:
                    response = router.completion(**call.kwargs(info))
                except Exception as e:  # noqa: BLE001 - provider errors of every kind become attempt rows
                    if call.failed(info, e, started, fallback_from, retry):
                        time.sleep(call.backoff(e, retry))
                        continue
                    break
                return call.succeeded(info, response, started, fallback_from)
        raise call.exhausted()

    async def acomplete(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        task: str,
        context: CallContext | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
        use_cache: bool = True,
        **params: Any,
    ) -> GatewayResult:
        router = self._router or await asyncio.to_thread(self.router)  # built once, off the event loop
        call = await asyncio.to_thread(
            _Call, self, messages, task, context, tools, max_tokens, model, use_cache, params
        )
        if (hit := call.cached()) is not None:
            return hit
        for info, fallback_from in call.plan():
            for retry in range(self.settings.gateway.num_retries + 1):
                started = time.perf_counter()
                try:
                    response = cast("Any", await router.acompletion(**call.kwargs(info)))  # litellm: untyped
                except Exception as e:  # noqa: BLE001 - provider errors of every kind become attempt rows
                    if call.failed(info, e, started, fallback_from, retry):
                        await asyncio.sleep(call.backoff(e, retry))
                        continue
                    break
                return call.succeeded(info, response, started, fallback_from)
        raise call.exhausted()

    def stream(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        task: str,
        context: CallContext | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
        **params: Any,
    ) -> Iterator[StreamDelta | GatewayResult]:
        """Yield StreamDelta pieces as they arrive, then the GatewayResult (accounted exactly like ``complete``).

        A failure before the first piece falls back to the next model; after it, the attempt is recorded and a
        ProviderError is raised (what was shown cannot be taken back).
        """
        router = self.router()  # built (and litellm imported) before the call's clock starts
        call = _Call(self, messages, task, context, tools, max_tokens, model, False, params)
        for info, fallback_from in call.plan():
            started = time.perf_counter()
            chunks: list[Any] = []
            try:
                stream: Any = router.completion(**call.kwargs(info), **_STREAM)
                for chunk in stream:
                    chunks.append(chunk)
                    if piece := _piece(chunk):
                        yield StreamDelta(text=piece)
            except Exception as e:  # noqa: BLE001 - provider errors of every kind become attempt rows
                call.stream_failed(info, e, started, fallback_from, chunks)
                continue
            yield call.stream_finished(info, chunks, started, fallback_from)
            return
        raise call.exhausted()

    async def astream(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        task: str,
        context: CallContext | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
        **params: Any,
    ) -> AsyncIterator[StreamDelta | GatewayResult]:
        router = self._router or await asyncio.to_thread(self.router)  # built once, off the event loop
        call = await asyncio.to_thread(
            _Call, self, messages, task, context, tools, max_tokens, model, False, params
        )
        for info, fallback_from in call.plan():
            started = time.perf_counter()
            chunks: list[Any] = []
            try:
                stream = cast("AsyncIterator[Any]", await router.acompletion(**call.kwargs(info), **_STREAM))
                async for chunk in stream:
                    chunks.append(chunk)
                    if piece := _piece(chunk):
                        yield StreamDelta(text=piece)
            except Exception as e:  # noqa: BLE001 - provider errors of every kind become attempt rows
                call.stream_failed(info, e, started, fallback_from, chunks)
                continue
            yield call.stream_finished(info, chunks, started, fallback_from)
            return
        raise call.exhausted()


class _Call:
    """The bookkeeping of one request: decision, cache, budget reservations and one usage row per attempt."""

    def __init__(
        self,
        gw: Gateway,
        messages: Sequence[Mapping[str, Any]],
        task: str,
        context: CallContext | None,
        tools: Sequence[Mapping[str, Any]] | None,
        max_tokens: int | None,
        model: str | None,
        use_cache: bool,
        params: dict[str, Any],
    ) -> None:
        self.gw = gw
        self.messages = [dict(m) for m in messages]
        self.task = task
        self.ctx = context or CallContext()
        self.tools = [dict(t) for t in tools] if tools else None
        self.params = params
        self.request_id = new_id()
        self.t0 = time.perf_counter()
        self.decision = gw.explain(
            task, messages, context=self.ctx, tools=tools, max_tokens=max_tokens, model=model
        )
        self.attempts: list[Attempt] = []
        self.budget_notes: list[str] = []
        self.reservation: Reservation | None = None
        self.use_cache = use_cache and gw.caches.responses.enabled
        self.cache_key = (
            gw.caches.responses.key(self.decision.model, self.messages, self._key_params())
            if self.use_cache
            else None
        )

    def _key_params(self) -> dict[str, Any]:
        """Everything that can change the answer; the cache's key() drops what cannot (ids, timeouts, ...)."""
        return {**self.params, "max_tokens": self.decision.max_output_tokens, "tools": self.tools}

    # -- plan
    def plan(self) -> Iterator[tuple[ModelInfo, str | None]]:
        """Models in decision order; each paid one only if its estimate fits the budget."""
        order = [self.decision.model, *self.decision.fallbacks]
        refused: BudgetExceeded | None = None
        previous: str | None = None
        for model_id in order:
            info = self.gw.registry.get(model_id)
            if refused is not None and not self.gw.settings.cost_optimization.auto_downgrade:
                break
            estimate = info.estimate_cost(self.decision.prompt_tokens, self.decision.max_output_tokens)
            self.reservation = None
            if estimate > 0:
                try:
                    self.reservation = self.gw.budget.reserve(
                        estimate, request_id=self.request_id, user_id=self.ctx.user_id
                    )
                except BudgetExceeded as e:
                    refused = refused or e
                    self._refused(e)
                    continue
            if refused is not None:
                self._downgraded(self.decision.model, info.id)
            yield info, previous
            if self.reservation is not None:
                self.gw.budget.release(self.reservation)
                self.reservation = None
            previous = info.id
        if refused is not None and not self.attempts:
            raise refused

    def _refused(self, error: BudgetExceeded) -> None:
        if isinstance(error, BudgetLimitExceeded):
            self.gw.warehouse.record(record_refusal(error))
        self.budget_notes.append(str(error))

    def _downgraded(self, from_model: str, to_model: str) -> None:
        state = self.gw.budget.state(self.ctx.user_id)
        if state.tightest() is not None:
            self.gw.warehouse.record(record_downgrade(state, from_model=from_model, to_model=to_model))
        self.budget_notes.append(f"budget limit reached: downgraded from {from_model} to {to_model}")

    def kwargs(self, info: ModelInfo) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "model": info.id,
            "messages": self.messages,
            "max_tokens": self.decision.max_output_tokens,
            "timeout": info.timeout_s,
            "metadata": {"travelops_task": self.task, "travelops_request_id": self.request_id},
            **self.params,
        }
        if self.tools:
            kw["tools"] = self.tools
        return kw

    # -- outcomes
    def cached(self) -> GatewayResult | None:
        if self.cache_key is None:
            return None
        payload = self.gw.caches.responses.get(self.cache_key)
        if payload is None:
            return None
        info = self.gw.registry.get(payload["model"])
        latency = (time.perf_counter() - self.t0) * 1000
        attempt = Attempt(attempt=1, model=info.id, status="cache_hit", latency_ms=latency)
        self._record(info, attempt)
        return self._result(
            info, payload["text"], payload.get("tool_calls", []), payload.get("finish_reason"), cache_hit=True
        )

    def failed(
        self, info: ModelInfo, error: Exception, started: float, fallback_from: str | None, retry: int
    ) -> bool:
        """Record a failed attempt; True if it should be retried on the same model."""
        latency = (time.perf_counter() - started) * 1000
        cls = type(error).__name__
        message = _short(error)
        attempt = Attempt(
            attempt=len(self.attempts) + 1,
            model=info.id,
            status="error",
            latency_ms=latency,
            error_class=cls,
            error=message,
            fallback_from=fallback_from,
        )
        self._record(info, attempt)
        logger.warning("model call failed: %s on %s: %s", cls, info.id, message)
        return cls in _RETRYABLE and retry < self.gw.settings.gateway.num_retries

    def backoff(self, error: Exception, retry: int) -> float:
        headers = getattr(getattr(error, "response", None), "headers", None)
        after = headers.get("retry-after") if headers and hasattr(headers, "get") else None
        try:
            wait = float(after) if after is not None else self.gw.settings.gateway.retry_after_s * (2**retry)
        except ValueError:
            wait = self.gw.settings.gateway.retry_after_s * (2**retry)
        return min(max(wait, 0.0), 10.0)

    def succeeded(
        self, info: ModelInfo, response: Any, started: float, fallback_from: str | None
    ) -> GatewayResult:
        latency = (time.perf_counter() - started) * 1000
        usage = _usage(response)
        cost = info.price.cost(*usage)
        prompt, completion, cache_read, cache_write = usage
        attempt = Attempt(
            attempt=len(self.attempts) + 1,
            model=info.id,
            status="ok",
            latency_ms=latency,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cache_read_tokens=cache_read,
            cache_write_tokens=cache_write,
            cost_usd=cost,
            fallback_from=fallback_from,
        )
        choice = response.choices[0]
        text = choice.message.content or ""
        calls: list[Any] = choice.message.tool_calls or []
        tool_calls: list[dict[str, Any]] = [
            tc.model_dump() if hasattr(tc, "model_dump") else dict(tc) for tc in calls
        ]
        self._record(info, attempt, response_text=text)  # the usage row is written before we return
        if self.cache_key is not None and info.id == self.decision.model and not tool_calls:
            self.gw.caches.responses.set(
                self.cache_key,
                {"model": info.id, "text": text, "tool_calls": [], "finish_reason": choice.finish_reason},
            )
        if self.reservation is not None:
            self.gw.settle_later(self.reservation, cost)
            self.reservation = None
        return self._result(info, text, tool_calls, choice.finish_reason)

    def stream_failed(
        self, info: ModelInfo, error: Exception, started: float, fallback_from: str | None, chunks: list[Any]
    ) -> None:
        """Record a failed streamed attempt; raise if text was already shown (it cannot be taken back)."""
        self.failed(info, error, started, fallback_from, retry=self.gw.settings.gateway.num_retries)
        if any(_piece(c) for c in chunks):
            raise self.exhausted() from error

    def stream_finished(
        self, info: ModelInfo, chunks: list[Any], started: float, fallback_from: str | None
    ) -> GatewayResult:
        """Account a finished stream from its rebuilt usage, exactly like a plain call."""
        import litellm

        response = litellm.stream_chunk_builder(chunks, messages=self.messages)  # pyright: ignore[reportUnknownMemberType] (litellm: chunks untyped)
        return self.succeeded(info, response, started, fallback_from)

    def exhausted(self) -> ProviderError:
        tried = "; ".join(
            f"{a.model}: {a.error_class} ({a.error})" for a in self.attempts if a.status == "error"
        )
        return ProviderError(
            f"Every model failed for task '{self.task}' (request {self.request_id}): {tried or 'nothing could be tried'}.",
            hint="Check the providers' keys and status, add a fallback model, or try again; "
            "`travelops usage summary` shows recent errors.",
        )

    def _record(self, info: ModelInfo, attempt: Attempt, response_text: str | None = None) -> None:
        self.attempts.append(attempt)
        store = self.gw.settings.warehouse.store_prompts
        self.gw.warehouse.record(
            UsageEvent(
                session_id=self.ctx.session_id,
                model_provider=info.provider,
                model_name=info.name,  # the bare name; the id is model_provider / model_name
                task_type=self.task,
                tokens_used=attempt.prompt_tokens + attempt.completion_tokens,
                cost_usd=attempt.cost_usd,
                response_time_ms=attempt.latency_ms,
                request_id=self.request_id,
                attempt=attempt.attempt,
                user_id=self.ctx.user_id,
                agency_id=self.ctx.agency_id,
                trip_id=self.ctx.trip_id,
                workflow_step=self.ctx.workflow_step,
                prompt_tokens=attempt.prompt_tokens,
                completion_tokens=attempt.completion_tokens,
                cache_read_tokens=attempt.cache_read_tokens,
                cache_write_tokens=attempt.cache_write_tokens,
                status=attempt.status,
                error_class=attempt.error_class,
                cache_hit=attempt.status == "cache_hit",
                fallback_from=attempt.fallback_from,
                routing_reason=self.decision.reason,
                prompt_text=_joined(self.messages) if store else None,
                response_text=response_text if store else None,
            )
        )

    def _result(
        self,
        info: ModelInfo,
        text: str,
        tool_calls: list[dict[str, Any]],
        finish: str | None,
        *,
        cache_hit: bool = False,
    ) -> GatewayResult:
        return GatewayResult(
            request_id=self.request_id,
            text=text,
            tool_calls=tool_calls,
            model=info.id,
            model_label=info.label,
            offline=info.is_offline,
            decision=self.decision,
            attempts=self.attempts,
            cost_usd=sum(a.cost_usd for a in self.attempts),
            latency_ms=(time.perf_counter() - self.t0) * 1000,
            cache_hit=cache_hit,
            finish_reason=finish,
            budget_events=self.budget_notes,
        )


_STREAM: dict[str, Any] = {"stream": True, "stream_options": {"include_usage": True}}


def _piece(chunk: Any) -> str | None:
    """The text a streamed chunk carries, if any."""
    return chunk.choices[0].delta.content if chunk.choices else None


def _usage(response: Any) -> tuple[int, int, int, int]:
    """(prompt incl. cached, completion, cache read, cache write) from a litellm response's raw usage."""
    usage = getattr(response, "usage", None)
    if usage is None:
        return (0, 0, 0, 0)
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion = int(getattr(usage, "completion_tokens", 0) or 0)
    details = getattr(usage, "prompt_tokens_details", None)
    cache_read = int(getattr(details, "cached_tokens", 0) or 0) if details is not None else 0
    cache_read = cache_read or int(getattr(usage, "cache_read_input_tokens", 0) or 0)
    cache_write = int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
    if details is not None and not cache_write:
        cache_write = int(getattr(details, "cache_creation_tokens", 0) or 0)
    return (prompt, completion, cache_read, cache_write)


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text[:300]


def _joined(messages: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(f"{m.get('role')}: {m.get('content')}" for m in messages)


def _build_router(settings: Settings, registry: Registry) -> Router:
    import litellm
    from litellm.router import Router

    from core.gateway.offline import OfflineDrafter

    litellm.suppress_debug_info = True
    if not any(p.get("provider") == OFFLINE_LITELLM_PREFIX for p in litellm.custom_provider_map):
        litellm.custom_provider_map = [
            *litellm.custom_provider_map,
            {"provider": OFFLINE_LITELLM_PREFIX, "custom_handler": OfflineDrafter()},
        ]
    model_list: list[dict[str, Any]] = []
    for info in registry.enabled():
        params: dict[str, Any] = {"model": info.litellm_model, "timeout": info.timeout_s}
        provider = settings.models.providers[info.provider]
        if provider.api_key is not None:
            params["api_key"] = provider.api_key.get_secret_value()
        elif info.provider_kind in ("openai_compatible", "ollama"):
            params["api_key"] = "not-needed"
        if info.api_base:
            params["api_base"] = info.api_base
        if info.rpm:
            params["rpm"] = info.rpm
        if info.tpm:
            params["tpm"] = info.tpm
        if info.price.input or info.price.output:
            # Our prices, handed to litellm too: without them litellm prices the call at 0 and then runs a
            # costly zero-cost diagnostic over its whole cost map on every call (~3 ms). The usage rows are
            # still priced by our own price map from the raw usage.
            params["input_cost_per_token"] = info.price.input
            params["output_cost_per_token"] = info.price.output
            params["cache_read_input_token_cost"] = info.price.cache_read
            params["cache_creation_input_token_cost"] = info.price.cache_write
        model_list.append({"model_name": info.id, "litellm_params": params})
    gw = settings.gateway
    return Router(
        model_list=model_list,
        num_retries=0,
        max_fallbacks=0,
        timeout=gw.timeout_s,
        allowed_fails=gw.allowed_fails,
        cooldown_time=gw.cooldown_s,
        enable_pre_call_checks=any(m.rpm or m.tpm for m in registry.enabled()),
        retry_after=0,
    )
