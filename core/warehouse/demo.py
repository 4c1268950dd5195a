"""A demo usage history for the dashboards, the notebooks and the tests: the same seed code serves all three.

Every row is labelled ``is_demo = true``. Each day is generated from its own random stream (seed + date), so
a day always looks the same whatever window it is part of, row ids follow from seed, date and position, and
seeding again (even days later, with a window that moved) only adds the days that are new.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from core.errors import ValidationError
from core.warehouse import _schema
from core.warehouse._store import Warehouse

__all__ = ["DEMO_AGENCY", "DEMO_MODELS", "DEMO_TASKS", "DEMO_USERS", "PriceLike", "demo_cost", "seed_usage"]


class PriceLike(Protocol):
    """USD per token, as ``core.models.Price`` has it (any object with these attributes will do)."""

    @property
    def input(self) -> float: ...
    @property
    def output(self) -> float: ...
    @property
    def cache_read(self) -> float: ...
    @property
    def cache_write(self) -> float: ...


@dataclass(frozen=True)
class _Model:
    base_ms: float
    ms_per_token: float
    quality: float
    error_rate: float
    fallback: str | None
    cache_read_share: float  # share of calls that read a prompt cache


@dataclass(frozen=True)
class _Task:
    complexity: str  # routine | complex | auto
    weight: float
    prompt: int  # typical prompt tokens
    completion: int  # typical completion tokens
    step: int | None  # workflow step (1..12) or None


DEMO_MODELS: Mapping[str, _Model] = {
    "anthropic/claude-haiku-4-5": _Model(420, 5.0, 0.80, 0.025, "openai/gpt-4.1-mini", 0.45),
    "anthropic/claude-sonnet-4-6": _Model(950, 13.0, 0.91, 0.03, "openai/gpt-4.1", 0.45),
    "openai/gpt-4.1-mini": _Model(380, 6.0, 0.78, 0.02, "anthropic/claude-haiku-4-5", 0.30),
    "openai/gpt-4.1": _Model(820, 11.0, 0.88, 0.02, "anthropic/claude-sonnet-4-6", 0.30),
    "offline/drafter": _Model(25, 0.05, 0.55, 0.0, None, 0.0),
}

# The task types of config/travelops.yml (routing.task_types), with how often agents run them and their size.
DEMO_TASKS: Mapping[str, _Task] = {
    "general": _Task("auto", 14, 900, 350, None),
    "client_discovery": _Task("routine", 9, 1400, 450, 1),
    "trip_concepts": _Task("complex", 7, 2600, 1300, 2),
    "trip_summary": _Task("routine", 8, 3200, 400, 3),
    "extract_supplier_data": _Task("routine", 10, 5200, 600, 4),
    "curate_options": _Task("complex", 6, 4800, 1500, 5),
    "itinerary_draft": _Task("complex", 8, 4200, 2400, 6),
    "activity_plan": _Task("complex", 6, 3000, 1600, 7),
    "verify_trip": _Task("routine", 5, 6000, 500, 8),
    "proposal": _Task("complex", 5, 5000, 2200, 9),
    "client_email": _Task("routine", 12, 1100, 420, 10),
    "feedback_revision": _Task("auto", 5, 3500, 1200, 11),
    "booking_confirmation": _Task("routine", 5, 1800, 500, 12),
}

DEMO_USERS: Mapping[str, float] = {"maria": 0.35, "tom": 0.28, "aisha": 0.22, "lena": 0.15}
DEMO_AGENCY = "demo-agency"

_ROUTES: Mapping[str, tuple[tuple[str, float], ...]] = {
    "complex": (
        ("anthropic/claude-sonnet-4-6", 0.55),
        ("openai/gpt-4.1", 0.30),
        ("anthropic/claude-haiku-4-5", 0.15),
    ),
    "routine": (
        ("anthropic/claude-haiku-4-5", 0.55),
        ("openai/gpt-4.1-mini", 0.30),
        ("offline/drafter", 0.15),
    ),
    "auto": (
        ("anthropic/claude-haiku-4-5", 0.40),
        ("anthropic/claude-sonnet-4-6", 0.25),
        ("openai/gpt-4.1-mini", 0.20),
        ("openai/gpt-4.1", 0.15),
    ),
}
_REASONS = {"complex": "complex task", "routine": "routine task", "auto": "complexity estimate"}
_ERRORS = (
    ("RateLimitError", 0.6),
    ("Timeout", 0.2),
    ("InternalServerError", 0.15),
    ("APIConnectionError", 0.05),
)
_WEEKDAY = (1.0, 1.1, 1.05, 1.0, 0.85, 0.3, 0.2)  # Monday .. Sunday
_REQUESTS_PER_DAY = 90
_CACHE_HIT_SHARE = 0.07
_QUALITY_SHARE = 0.3


def demo_cost(price: PriceLike, prompt: int, completion: int, cache_read: int, cache_write: int) -> float:
    """Cost from raw usage; ``prompt`` includes the cached tokens (as ``core.models.Price.cost`` has it)."""
    uncached = max(prompt - cache_read - cache_write, 0)
    return (
        uncached * price.input
        + cache_read * price.cache_read
        + cache_write * price.cache_write
        + completion * price.output
    )


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...] | Mapping[str, float]) -> str:
    items = tuple(options.items()) if isinstance(options, Mapping) else options
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


class _Day:
    """Generates one day of requests from its own random stream."""

    def __init__(self, day: date, seed: int, prices: Mapping[str, PriceLike]) -> None:
        self.day = day
        self.seed = seed
        self.prices = prices
        self.rng = random.Random(f"travelops-demo:{seed}:{day.isoformat()}")
        self.rows: list[dict[str, Any]] = []
        # A bad day at one provider now and then: rate limits everywhere on its models.
        self.incident = self.rng.choice(("anthropic", "openai")) if self.rng.random() < 0.05 else None

    def generate(self) -> list[dict[str, Any]]:
        rng = self.rng
        season = 1 + 0.2 * math.sin(2 * math.pi * (self.day.timetuple().tm_yday - 80) / 365)
        n = round(_REQUESTS_PER_DAY * _WEEKDAY[self.day.weekday()] * season * rng.uniform(0.85, 1.15))
        for i in range(n):
            self._request(i)
        return self.rows

    def _request(self, i: int) -> None:
        rng = self.rng
        user = _pick(rng, DEMO_USERS)
        task_type = _pick(rng, {k: t.weight for k, t in DEMO_TASKS.items()})
        task = DEMO_TASKS[task_type]
        model = _pick(rng, _ROUTES[task.complexity])
        hour = min(max(rng.gauss(13, 2.8), 6.5), 20.5)
        at = datetime(self.day.year, self.day.month, self.day.day) + timedelta(hours=hour)
        request_id = f"demo-{self.seed}-{self.day:%Y%m%d}-{i:05d}"
        common = {
            "request_id": request_id,
            "session_id": f"demo-{user}-{self.day:%Y%m%d}-{int(hour) // 3}",
            "task_type": task_type,
            "user_id": user,
            "agency_id": DEMO_AGENCY,
            "trip_id": None if task.step is None else f"trip-{user}-{rng.randint(1, 25):02d}",
            "workflow_step": task.step,
            "is_demo": True,
        }
        if rng.random() < _CACHE_HIT_SHARE:
            self._row(
                common, 1, model, at, "cache_hit", response_ms=rng.uniform(2, 12), reason="response cache"
            )
            return
        reason = _REASONS[task.complexity]
        error = self._error(model)
        if error is None:
            self._ok(common, 1, model, at, task, reason, None)
            return
        failed_ms = {"Timeout": 30_000 + rng.uniform(0, 500), "RateLimitError": rng.uniform(120, 600)}.get(
            error, rng.uniform(250, 2000)
        )
        self._row(common, 1, model, at, "error", response_ms=failed_ms, reason=reason, error_class=error)
        fallback = DEMO_MODELS[model].fallback
        if fallback is None:
            return
        at += timedelta(milliseconds=failed_ms + 50)
        reason = f"fallback after {error}"
        second = self._error(fallback, scale=0.5)
        if second is None:
            self._ok(common, 2, fallback, at, task, reason, model)
        else:
            self._row(
                common,
                2,
                fallback,
                at,
                "error",
                response_ms=rng.uniform(120, 900),
                reason=reason,
                error_class=second,
                fallback_from=model,
            )

    def _error(self, model: str, scale: float = 1.0) -> str | None:
        rate = DEMO_MODELS[model].error_rate * scale
        if self.incident is not None and model.startswith(self.incident + "/"):
            rate = 0.3 * scale
        if self.rng.random() >= rate:
            return None
        return (
            "RateLimitError"
            if self.incident and model.startswith(self.incident)
            else _pick(self.rng, _ERRORS)
        )

    def _ok(
        self,
        common: dict[str, Any],
        attempt: int,
        model: str,
        at: datetime,
        task: _Task,
        reason: str,
        fallback_from: str | None,
    ) -> None:
        rng = self.rng
        profile = DEMO_MODELS[model]
        prompt = max(50, int(task.prompt * rng.lognormvariate(0, 0.35)))
        completion = max(20, int(task.completion * rng.lognormvariate(0, 0.4)))
        cache_read = cache_write = 0
        roll = rng.random()
        if roll < profile.cache_read_share:
            cache_read = int(prompt * rng.uniform(0.4, 0.85))
        elif model.startswith("anthropic/") and roll < profile.cache_read_share + 0.1:
            cache_write = int(prompt * rng.uniform(0.2, 0.5))
        response_ms = (profile.base_ms + completion * profile.ms_per_token) * rng.lognormvariate(0, 0.25)
        quality = None
        if rng.random() < _QUALITY_SHARE:
            quality = round(min(max(rng.gauss(profile.quality, 0.07), 0.0), 1.0), 2)
        self._row(
            common,
            attempt,
            model,
            at,
            "ok",
            response_ms=response_ms,
            reason=reason,
            fallback_from=fallback_from,
            prompt=prompt,
            completion=completion,
            cache_read=cache_read,
            cache_write=cache_write,
            quality=quality,
        )

    def _row(
        self,
        common: dict[str, Any],
        attempt: int,
        model: str,
        at: datetime,
        status: str,
        *,
        response_ms: float,
        reason: str,
        error_class: str | None = None,
        fallback_from: str | None = None,
        prompt: int = 0,
        completion: int = 0,
        cache_read: int = 0,
        cache_write: int = 0,
        quality: float | None = None,
    ) -> None:
        provider, _, name = model.partition("/")
        self.rows.append(
            {
                **common,
                "id": f"{common['request_id']}-{attempt}",
                "model_provider": provider,
                "model_name": name,
                "tokens_used": prompt + completion,
                "cost_usd": demo_cost(self.prices[model], prompt, completion, cache_read, cache_write),
                "response_time_ms": round(response_ms, 1),
                "quality_score": quality,
                "created_at": at,
                "attempt": attempt,
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "cache_read_tokens": cache_read,
                "cache_write_tokens": cache_write,
                "status": status,
                "error_class": error_class,
                "cache_hit": status == "cache_hit",
                "fallback_from": fallback_from,
                "routing_reason": reason,
                "prompt_text": None,
                "response_text": None,
            }
        )


def seed_usage(
    warehouse: Warehouse,
    prices: Mapping[str, PriceLike],
    *,
    days: int = 120,
    seed: int = 7,
    end: date | None = None,
) -> int:
    """Write ``days`` days of demo usage ending on ``end`` (default: today UTC, up to now) to ``model_usage``.

    ``prices`` maps model ids ("provider/name") to per-token prices (e.g. ``Registry.prices()``); every model
    in ``DEMO_MODELS`` needs one. Rows already present (same seed, same day) are skipped. Returns the rows
    added.
    """
    import pyarrow

    pa: Any = pyarrow  # pyarrow ships no types

    missing = sorted(set(DEMO_MODELS) - set(prices))
    if missing:
        raise ValidationError(
            f"No price for demo model(s) {', '.join(missing)}; the demo history needs one for each of "
            f"{', '.join(DEMO_MODELS)}.",
            hint="Hint: pass Registry.from_settings(settings).prices(), or add the models to the config.",
        )
    if days < 1:
        raise ValidationError(
            f"seed_usage(days={days}): give at least 1 day (90 or more for a useful history)."
        )
    now = datetime.now(UTC).replace(tzinfo=None)
    last = end or now.date()
    rows: list[dict[str, Any]] = []
    for offset in range(days - 1, -1, -1):
        rows.extend(_Day(last - timedelta(days=offset), seed, prices).generate())
    if end is None:
        rows = [r for r in rows if r["created_at"] <= now]
    types = _arrow_types()
    schema = pa.schema(
        [(col, types[kind.split()[0]]()) for col, kind in _schema.EVENT_COLUMNS["model_usage"]]
    )
    demo_rows = pa.Table.from_pylist(rows, schema=schema)
    with warehouse.connect(ingest=False) as con:
        con.register("demo_rows", demo_rows)  # dropped with the connection
        result = con.execute(
            "INSERT INTO model_usage BY NAME SELECT * FROM demo_rows "
            "WHERE id NOT IN (SELECT id FROM model_usage WHERE is_demo)"
        ).fetchone()
    return int(result[0]) if result else 0


def _arrow_types() -> dict[str, Any]:
    import pyarrow

    pa: Any = pyarrow  # pyarrow ships no types

    return {
        "VARCHAR": pa.string,
        "BIGINT": pa.int64,
        "INTEGER": pa.int32,
        "DOUBLE": pa.float64,
        "BOOLEAN": pa.bool_,
        "TIMESTAMP": lambda: pa.timestamp("us"),
    }
