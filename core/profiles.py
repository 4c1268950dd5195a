"""Client views for the workbench: the searchable client table and a client's profile.

``client_table`` answers the one search box: ``get_anything`` over clients, travelers, trips and items,
folded to the households they belong to (a trip that matches brings its client, saying why). ``client_profile``
gathers a household: its travelers (document numbers masked), its trips with their money, and its lifetime
value (the client totals of trips that went ahead, per currency).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict

from core.security import Principal
from core.travel import ActivityEntry, Client, Traveler, TravelService, Trip

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "VALUE_STATUSES",
    "ClientProfile",
    "TripLine",
    "client_profile",
    "client_table",
    "traveler_choices",
    "trip_table",
]

# Trips that count towards what a client is worth: they went ahead (or are going ahead).
VALUE_STATUSES = frozenset({"confirmed", "in_progress", "completed"})
_PAGE = 500
T = TypeVar("T")


def _every(fetch: Callable[[int, int], Sequence[T]]) -> list[T]:
    out: list[T] = []
    offset = 0
    while True:
        batch = fetch(_PAGE, offset)
        out.extend(batch)
        if len(batch) < _PAGE:
            return out
        offset += _PAGE


def client_table(
    service: TravelService, p: Principal, query: str = "", *, limit: int = 200, include_archived: bool = False
) -> pd.DataFrame:
    """Clients for the table: id, name, email, phone, tags, trips, archived, matched, score.

    Without a query: every client by name (up to ``limit``). With one: the households of the best
    ``get_anything`` hits over clients, travelers, trips and items, best first; ``matched`` says what matched
    ("name", "trip 'Lisbon in May': destination", ...)."""
    import pandas as pd

    trips = _every(
        lambda n, off: service.list_trips(p, include_archived=include_archived, limit=n, offset=off)
    )
    trip_count: dict[int, int] = {}
    for trip in trips:
        if trip.client_id is not None:
            trip_count[trip.client_id] = trip_count.get(trip.client_id, 0) + 1
    query = query.strip()
    ranked: list[tuple[Client, str, float | None]] = []
    if not query:
        clients = _every(
            lambda n, off: service.list_clients(p, include_archived=include_archived, limit=n, offset=off)
        )
        ranked = [(c, "", None) for c in clients[:limit]]
    else:
        hits = service.get_anything(
            p, query, limit=min(500, max(limit, 50)), include_archived=include_archived
        )
        best: dict[int, tuple[str, float]] = {}
        for hit in hits:
            client_id = hit.id if hit.kind == "client" else hit.client_id
            if client_id is None or client_id in best:
                continue
            what = hit.matched or "match"
            label = what if hit.kind == "client" else f"{hit.kind} '{hit.title}': {what}"
            best[client_id] = (label, hit.score)
        for client_id, (label, score) in list(best.items())[:limit]:
            ranked.append((service.get_client(p, client_id), label, score))
    rows = [
        {
            "id": c.id,
            "name": c.name,
            "email": c.email or "",
            "phone": c.phone or "",
            "tags": ", ".join(c.tags),
            "trips": trip_count.get(c.id or 0, 0),
            "archived": c.archived,
            "matched": label,
            "score": score,
        }
        for c, label, score in ranked
    ]
    columns = ["id", "name", "email", "phone", "tags", "trips", "archived", "matched", "score"]
    return pd.DataFrame(rows, columns=columns)


def trip_table(
    service: TravelService,
    p: Principal,
    *,
    client_id: int | None = None,
    status: str | None = None,
    include_archived: bool = False,
) -> pd.DataFrame:
    """Trips for the Trips page, soonest first: id, trip, client (its name), status, start, end, destinations,
    currency, budget (cents), archived."""
    import pandas as pd

    trips = _every(
        lambda n, off: service.list_trips(
            p, client_id=client_id, status=status, include_archived=include_archived, limit=n, offset=off
        )
    )
    clients = {
        c.id: c.name
        for c in _every(lambda n, off: service.list_clients(p, include_archived=True, limit=n, offset=off))
    }
    rows = [
        {
            "id": t.id,
            "trip": t.name,
            "client": clients.get(t.client_id, "") if t.client_id else "",
            "status": t.status.replace("_", " "),
            "start": t.start_date,
            "end": t.end_date,
            "destinations": ", ".join(t.destinations),
            "currency": t.currency,
            "budget_cents": t.budget_cents,
            "archived": t.archived,
        }
        for t in trips
    ]
    columns = ["id", "trip", "client", "status", "start", "end", "destinations", "currency", "budget_cents"]
    return pd.DataFrame(rows, columns=[*columns, "archived"])


def traveler_choices(service: TravelService, p: Principal, client_id: int | None = None) -> dict[int, str]:
    """Every active traveler of the agency as id -> "First Last (Household)", the client's own first: what a
    trip's party is chosen from (the household's travelers and others)."""
    clients = _every(lambda n, off: service.list_clients(p, limit=n, offset=off))
    clients.sort(key=lambda c: c.id != client_id)
    out: dict[int, str] = {}
    for c in clients:
        assert c.id is not None
        for t in service.list_travelers(p, c.id):
            if t.id is not None:
                out[t.id] = f"{t.full_name} ({c.name})"
    return out


class TripLine(BaseModel):
    """One trip of a client, with its money (cents, in the trip's currency)."""

    model_config = ConfigDict(frozen=True)
    id: int
    name: str
    status: str
    start_date: date | None
    end_date: date | None
    destinations: list[str]
    currency: str
    client_total_cents: int
    paid_cents: int
    balance_due_cents: int
    archived: bool


class ClientProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    client: Client
    travelers: list[Traveler]
    trips: list[TripLine]
    lifetime_value: dict[str, int]  # currency -> cents, over trips in VALUE_STATUSES
    activity: list[ActivityEntry]

    @property
    def open_trips(self) -> int:
        return sum(1 for t in self.trips if t.status in ("planning", "confirmed", "in_progress"))


def client_profile(
    service: TravelService, p: Principal, client_id: int, *, today: date | None = None, activity: int = 10
) -> ClientProfile:
    """A household with its travelers, trips (soonest first), lifetime value and latest activity."""
    client = service.get_client(p, client_id)  # NotFound names the id
    travelers = service.list_travelers(p, client_id, include_archived=True)
    trips: list[Trip] = _every(
        lambda n, off: service.list_trips(p, client_id=client_id, include_archived=True, limit=n, offset=off)
    )
    lines: list[TripLine] = []
    value: dict[str, int] = {}
    for trip in trips:
        assert trip.id is not None
        totals = service.trip_totals(p, trip.id, today=today)
        lines.append(
            TripLine(
                id=trip.id,
                name=trip.name,
                status=trip.status,
                start_date=trip.start_date,
                end_date=trip.end_date,
                destinations=list(trip.destinations),
                currency=trip.currency,
                client_total_cents=totals.client_total_cents,
                paid_cents=totals.paid_cents,
                balance_due_cents=totals.balance_due_cents,
                archived=trip.archived,
            )
        )
        if trip.status in VALUE_STATUSES and not trip.archived:
            value[trip.currency] = value.get(trip.currency, 0) + totals.client_total_cents
    return ClientProfile(
        client=client,
        travelers=travelers,
        trips=lines,
        lifetime_value=dict(sorted(value.items())),
        activity=service.recent_activity(p, client_id=client_id, limit=activity),
    )
