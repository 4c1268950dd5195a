"""``preflight``: what to look at before a client document is rendered (the app and the CLI ask first).

Kept out of ``render`` on purpose: rendering itself never refuses for these (the demo seed and scripts call
``render`` directly); the people-facing callers show the notices and ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from core.documents._render import PLACEHOLDER_WARNING
from core.documents._spec import DocumentKind, check_request
from core.documents._views import invoice_items
from core.security import Principal
from core.travel import TravelService, run_checks

__all__ = ["Notice", "preflight"]

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Notice:
    """One thing worth a look before rendering. ``code`` is stable (``placeholder_agency``, ``no_dates``,
    ``no_items``, ``nothing_invoiceable``, or ``flag.<check code>`` for a check's flag)."""

    code: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return self.message


def preflight(
    service: TravelService,
    p: Principal,
    trip_id: int,
    kind: DocumentKind | str,
    *,
    today: date | None = None,
) -> list[Notice]:
    """The notices for rendering ``kind`` of the trip: the placeholder agency profile, a trip without dates
    or without items, an invoice with nothing to invoice, then every flag ``run_checks`` raises. Empty: go
    ahead. Reads only. Raises ``ValidationError`` for an unknown kind and ``NotFound`` for an unknown trip."""
    spec, _ = check_request(str(kind), "html")
    plan = service.get_trip_plan(p, trip_id, today=today)
    notices: list[Notice] = []
    if service.get_agency(p).is_placeholder:
        notices.append(Notice("placeholder_agency", "warning", PLACEHOLDER_WARNING))
    trip = plan.trip
    if trip.start_date is None:
        notices.append(
            Notice(
                "no_dates",
                "warning",
                f"Trip {trip_id} has no dates, so the {spec.kind} shows none. "
                f"Fix: set its start and end dates (travelops trips update {trip_id} --start D --end D).",
            )
        )
    live = [i for i in plan.items() if i.status != "cancelled"]
    if not live:
        notices.append(
            Notice(
                "no_items",
                "warning",
                f"Trip {trip_id} has no items, so the {spec.kind} is empty. "
                "Fix: add items on the Itinerary page (or travelops items add).",
            )
        )
    elif spec.kind == "invoice" and not invoice_items(plan):
        notices.append(
            Notice(
                "nothing_invoiceable",
                "warning",
                "The invoice would list nothing: no item is booked and no option is accepted. "
                "Fix: mark the booked items as booked, or record the client's chosen option.",
            )
        )
    for flag in run_checks(plan, today=today):
        notices.append(Notice(f"flag.{flag.code}", flag.severity, f"Check: {flag.message}"))
    return notices
