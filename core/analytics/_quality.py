"""The quality and models dashboards: how requests ended, and the model catalog with what was measured.
(Latency, per-model outcome rates and the quality matrix are plain tables: ``core.warehouse.queries``.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core._common import FrozenModel
from core.analytics._common import is_na
from core.models import Registry, measured_by_model
from core.warehouse import queries
from core.warehouse.queries import ALL, UsageFilter

if TYPE_CHECKING:
    import pandas as pd

    from core.warehouse import Warehouse

__all__ = ["OutcomeSummary", "model_catalog", "outcome_summary"]


class OutcomeSummary(FrozenModel):
    """How requests ended. A request is one user-visible call: its attempts (retries, fallbacks) together.

    ``failed``: no attempt answered and no cache hit. ``fell_back``: a fallback model was tried. Rates are
    shares of ``requests`` (0 when there are none)."""

    requests: int
    answered: int
    cached: int
    failed: int
    fell_back: int
    attempts: int
    attempt_errors: int

    @property
    def success_rate(self) -> float:
        return (self.answered + self.cached) / self.requests if self.requests else 0.0

    @property
    def failure_rate(self) -> float:
        return self.failed / self.requests if self.requests else 0.0

    @property
    def fallback_rate(self) -> float:
        return self.fell_back / self.requests if self.requests else 0.0

    @property
    def attempt_error_rate(self) -> float:
        return self.attempt_errors / self.attempts if self.attempts else 0.0


def outcome_summary(warehouse: Warehouse, flt: UsageFilter = ALL) -> OutcomeSummary:
    r = queries.outcome_counts(warehouse, flt)

    def n(name: str) -> int:
        value = r[name]
        return 0 if value is None or is_na(value) else int(value)

    return OutcomeSummary(
        requests=n("requests"),
        answered=n("answered"),
        cached=n("cached"),
        failed=n("failed"),
        fell_back=n("fell_back"),
        attempts=n("attempts"),
        attempt_errors=n("errors"),
    )


def model_catalog(registry: Registry, warehouse: Warehouse) -> pd.DataFrame:
    """The registry as a table with what the warehouse measured (as of its last ``refresh_performance``):
    id, label, provider, kind, enabled, status, context_window, prices per million tokens, capabilities,
    measured calls, p50/p95 latency, success rate and quality. The offline drafter is labelled."""
    import pandas as pd

    measured = measured_by_model(warehouse.performance())
    rows: list[dict[str, object]] = []
    for info in sorted(registry.models, key=lambda m: (m.is_offline, m.id)):
        m = measured.get(info.id)
        rows.append(
            {
                "id": info.id,
                "label": info.label,
                "provider": info.provider,
                "kind": info.provider_kind,
                "enabled": info.enabled,
                "status": "ready" if info.enabled else f"disabled: {info.disabled_reason or 'by config'}",
                "context_window": info.context_window,
                "input_per_mtok": info.price.input * 1e6,
                "output_per_mtok": info.price.output * 1e6,
                "cache_read_per_mtok": info.price.cache_read * 1e6,
                "price_source": info.price.source,
                "capabilities": ", ".join(sorted(info.capabilities)),
                "rpm": info.rpm,
                "measured_calls": m.calls if m else 0,
                "p50_ms": m.p50_ms if m else None,
                "p95_ms": m.p95_ms if m else None,
                "success_rate": m.success_rate if m else None,
                "quality": m.avg_quality if m else None,
            }
        )
    return pd.DataFrame(rows)
