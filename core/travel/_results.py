"""What the travel services answer with, beyond the stored records: search hits, duplicate matches and the
duplicate-client policy, check flags, money totals and a trip's whole plan."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from core.travel._models import (
    Client,
    Day,
    HitKind,
    Item,
    ItineraryOption,
    PaymentSchedule,
    Record,
    Severity,
    Supplier,
    Traveler,
    Trip,
)

__all__ = [
    "DUPLICATE_CLIENT_SCORE",
    "ClientDraft",
    "DayPlan",
    "Flag",
    "Hit",
    "Match",
    "TripPlan",
    "TripTotals",
]


class Hit(Record):
    """One result of ``get_anything``: what it is, how to show it, and why it matched."""

    kind: HitKind
    id: int
    title: str
    subtitle: str
    score: float  # 0..1, higher is better
    matched: str = ""  # "name", "confirmation number", "destination", "typo: lisbn -> lisbon", ...
    trip_id: int | None = None
    client_id: int | None = None


class ClientDraft(Record):
    """What we know about a client being entered, for ``find_duplicates`` (lenient: nothing is required)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    date_of_birth: date | None = None


DUPLICATE_CLIENT_SCORE = 0.9
"""The one duplicate-client policy: a ``Match`` scoring at least this is the same client. The Clients page asks
before creating it, the travel-db MCP tool refuses it (unless ``allow_duplicate``), and the D1 importer merges the
person into that household; a lower score is only "possibly the same" (the importer reports it)."""


class Match(Record):
    client: Client
    score: float  # 0..1
    why: str

    @property
    def is_duplicate(self) -> bool:
        """True when the policy (``DUPLICATE_CLIENT_SCORE``) calls this the same client."""
        return self.score >= DUPLICATE_CLIENT_SCORE


class Flag(Record):
    """Something ``check_trip`` found worth a look. Flags never block a save."""

    item_id: int | None
    severity: Severity
    code: str
    message: str


class TripTotals(Record):
    """Money of a trip, in cents of ``currency``. Items in another currency are listed, not converted.

    Counted: priced items (not notes) that are neither cancelled nor optional, in shared days, unscheduled, or
    in the days of ``option_id`` (the option asked for, else the accepted one; with neither, option-specific
    days are left out). ``commission_expected_cents`` is still to come, ``commission_received_cents`` has
    arrived.
    ``client_total_cents`` is sell plus the planning fee; ``balance_due_cents`` is that minus what was paid.
    """

    trip_id: int
    currency: str
    option_id: int | None
    items_counted: int
    cost_cents: int
    sell_cents: int
    margin_cents: int
    margin_pct: float | None
    planning_fee_cents: int
    client_total_cents: int
    commission_expected_cents: int
    commission_received_cents: int
    commission_total_cents: int
    scheduled_cents: int
    paid_cents: int
    balance_due_cents: int
    unscheduled_balance_cents: int  # client total not yet covered by the payment schedule
    next_payment_date: date | None
    next_payment_cents: int | None
    next_supplier_due: date | None
    other_currency_item_ids: list[int] = Field(default_factory=list[int])
    budget_cents: int | None = None


class DayPlan(Record):
    day: Day
    items: list[Item]


class TripPlan(Record):
    """Everything about one trip in one read: for documents, the assistant and the trip page."""

    trip: Trip
    client: Client | None
    travelers: list[Traveler]
    options: list[ItineraryOption]
    days: list[DayPlan]
    unscheduled: list[Item]
    payments: list[PaymentSchedule]
    suppliers: dict[int, Supplier]
    totals: TripTotals

    def items(self) -> list[Item]:
        return [i for d in self.days for i in d.items] + list(self.unscheduled)
