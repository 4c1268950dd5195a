"""The demo travel agency: ``seed_demo_agency(settings)`` fills ``<data_dir>/travel.db`` with an agency.

It is "Atlas & Tide Travel" (``DEMO_AGENCY``, set when the agency still has the placeholder profile) with
``core.travel.fixtures.build_sample_agency`` at demo size (3 agents, 40 households with their
travelers, 60 trips in every status and at every workflow step, with items, money and payment schedules), the
same code the tests build their stores with, as datasette's fixtures serve both its demo and its tests::

    from core.travel.demo import seed_demo_agency

    report = seed_demo_agency(settings)          # seed=1; the same seed builds the same agency
    print(report.summary())

Demo records are labelled: each client has ``external_id`` ``demo:client:<n>`` and the tag ``demo``, each trip
``external_id`` ``demo:trip:<n>``. Seeding is idempotent: when ``demo:client:0`` exists the data is left as it
is (whatever seed built it). The data is written in one transaction, so a failure leaves the store as it was.

Documents (a proposal for trips in planning, an itinerary and an invoice for booked trips, an invoice for
completed ones, HTML) are rendered with ``core.documents.render`` (it writes them under
``<data_dir>/documents/`` and records them); each trip gets each kind once, so a later run fills in documents
that an earlier run could not render (or skipped: ``documents=False``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from core.config import Settings
from core.errors import TravelOpsError
from core.security import Principal
from core.travel._models import Client, Trip
from core.travel._services import TravelService
from core.travel.fixtures import build_sample_agency
from core.travel.workflow import Workflow

__all__ = ["DEMO_AGENCY", "DEMO_TAG", "DemoReport", "demo_client_ref", "demo_trip_ref", "seed_demo_agency"]

DEMO_TAG = "demo"
DEMO_CLIENTS = 40
DEMO_AGENTS = 3
DEMO_TRIPS_PER_CLIENT = 1.5
_DOCUMENT_FORMAT = "html"
DEMO_AGENCY: dict[str, str] = {  # the demo's profile, so its documents are not signed "My Agency"
    "name": "Atlas & Tide Travel",
    "address": "14 Harbor Street, Suite 300\nBoston, MA 02110",
    "phone": "+1 617 555 0142",
    "email": "hello@atlasandtide.example",
    "website": "https://atlasandtide.example",
}
_KINDS_BY_STATUS: dict[str, tuple[str, ...]] = {
    "planning": ("proposal",),
    "confirmed": ("itinerary", "invoice"),
    "in_progress": ("itinerary", "invoice"),
    "completed": ("invoice",),
}

Renderer = Callable[..., object]
T = TypeVar("T")


def demo_client_ref(n: int) -> str:
    """The ``external_id`` of the demo's ``n``-th client (0-based)."""
    return f"demo:client:{n}"


def demo_trip_ref(n: int) -> str:
    """The ``external_id`` of the demo's ``n``-th trip (0-based)."""
    return f"demo:trip:{n}"


class DemoReport(BaseModel):
    """What the demo agency in a store holds after ``seed_demo_agency`` (created now or found)."""

    model_config = ConfigDict(frozen=True)

    created: bool  # False: a demo agency was already there, and its data was left alone
    path: str
    seed: int | None  # the seed used now (None when the agency was found, not built)
    agents: int
    clients: int
    travelers: int
    trips: int
    statuses: dict[str, int]  # trip status -> trips
    workflow: dict[str, int]  # "step 1".."step 12", "complete", "not started" -> trips
    documents: int  # recorded documents of demo trips
    documents_rendered: int  # rendered by this run
    notes: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        """A few lines for a person (what ``travelops demo seed`` prints)."""
        head = (
            f"Seeded the demo agency (seed {self.seed}) into {self.path}"
            if self.created
            else f"A demo agency is already in {self.path}: its clients and trips were left as they are"
        )
        statuses = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in self.statuses.items())
        steps = ", ".join(f"{n} {k}" for k, n in self.workflow.items())
        lines = [
            f"{head}.",
            f"  {self.agents} agents, {self.clients} clients with {self.travelers} travelers, "
            f"{self.trips} trips ({statuses}).",
            f"  Workflow: {steps}.",
            f"  Documents: {self.documents} recorded"
            + (f" ({self.documents_rendered} rendered now)." if self.documents_rendered else "."),
        ]
        lines.extend(f"  Note: {note}" for note in self.notes)
        return "\n".join(lines)


def seed_demo_agency(
    settings: Settings,
    *,
    seed: int = 1,
    clients: int = DEMO_CLIENTS,
    agents: int = DEMO_AGENTS,
    anchor: date | None = None,
    documents: bool = True,
) -> DemoReport:
    """Create the demo agency in ``settings.travel_db_path`` unless one is there; render missing documents.

    ``anchor`` (default: today) is the date the trips are placed around, so a demo seeded today has trips
    under way, upcoming and past. The same ``seed`` and ``anchor`` build the same agency. ``documents=False``
    leaves the documents for a later run.
    """
    from core.documents import render  # before writing anything: a broken core.documents fails early

    notes: list[str] = []
    with TravelService.open(settings) as service:
        me = Principal.default_admin()
        with service.atomic():  # the check and the seed in one write transaction: two seeds cannot race
            created = service.find_by_external_id(me, "client", demo_client_ref(0)) is None
            if created:
                if service.get_agency(me).is_placeholder:  # an agency's own profile is never overwritten
                    service.update_agency(me, **DEMO_AGENCY)
                agency = build_sample_agency(
                    service,
                    me,
                    clients=clients,
                    agents=agents,
                    seed=seed,
                    anchor=anchor,
                    trips_per_client=DEMO_TRIPS_PER_CLIENT,
                )
                for n, client in enumerate(agency.clients):
                    assert client.id is not None
                    tags = client.tags if DEMO_TAG in client.tags else [*client.tags, DEMO_TAG]
                    service.update_client(me, client.id, external_id=demo_client_ref(n), tags=tags)
                for n, trip in enumerate(agency.trips):
                    assert trip.id is not None
                    service.update_trip(me, trip.id, external_id=demo_trip_ref(n))
        trips = _demo_trips(service, me)
        rendered = 0
        if documents:
            rendered, failures = _render_documents(
                service, me, trips, render, settings=settings, today=anchor
            )
            if failures:
                shown = "; ".join(failures[:3]) + (
                    f"; and {len(failures) - 3} more" if len(failures) > 3 else ""
                )
                notes.append(f"{len(failures)} document(s) could not be rendered: {shown}.")
        return _report(
            service,
            me,
            trips,
            created=created,
            seed=seed if created else None,
            rendered=rendered,
            notes=notes,
            path=str(settings.travel_db_path),
        )


def _render_documents(
    service: TravelService,
    me: Principal,
    trips: Sequence[Trip],
    render: Renderer,
    *,
    settings: Settings,
    today: date | None,
) -> tuple[int, list[str]]:
    """Render each trip's kinds that are not recorded yet; return how many were rendered and what failed."""
    rendered = 0
    failures: list[str] = []
    for trip in trips:
        assert trip.id is not None
        for kind in _KINDS_BY_STATUS.get(trip.status, ()):
            if service.list_documents(me, trip.id, kind=kind):
                continue
            try:
                render(service, me, trip.id, kind=kind, fmt=_DOCUMENT_FORMAT, settings=settings, today=today)
            except TravelOpsError as e:  # one bad trip must not stop the demo; the report names it
                failures.append(f"{kind} of trip {trip.id}: {e}")
                continue
            rendered += 1
    return rendered, failures


def _all(fetch: Callable[[int, int], Sequence[T]]) -> list[T]:
    """Every record of a paged listing (``fetch(limit, offset)``)."""
    out: list[T] = []
    page, offset = 500, 0
    while True:
        batch = fetch(page, offset)
        out.extend(batch)
        if len(batch) < page:
            return out
        offset += page


def _demo_trips(service: TravelService, me: Principal) -> list[Trip]:
    trips = _all(
        lambda limit, offset: service.list_trips(me, include_archived=True, limit=limit, offset=offset)
    )
    return [t for t in trips if (t.external_id or "").startswith("demo:trip:")]


def _demo_clients(service: TravelService, me: Principal) -> list[Client]:
    clients = _all(
        lambda limit, offset: service.list_clients(me, include_archived=True, limit=limit, offset=offset)
    )
    return [c for c in clients if (c.external_id or "").startswith("demo:client:")]


def _report(
    service: TravelService,
    me: Principal,
    trips: Sequence[Trip],
    *,
    created: bool,
    seed: int | None,
    rendered: int,
    notes: list[str],
    path: str,
) -> DemoReport:
    demo_clients = _demo_clients(service, me)
    travelers = sum(len(service.list_travelers(me, c.id)) for c in demo_clients if c.id is not None)
    wf = Workflow(service)
    steps: Counter[int | str] = Counter()
    for trip in trips:
        assert trip.id is not None
        status = wf.status(me, trip.id)
        steps["not started" if not status.started else status.current_step or "complete"] += 1
    order = {s: i for i, s in enumerate(("planning", "confirmed", "in_progress", "completed", "cancelled"))}
    statuses = Counter(t.status for t in trips)
    numbered = sorted(k for k in steps if isinstance(k, int))
    workflow = {f"step {k}": steps[k] for k in numbered} | {
        k: steps[k] for k in ("complete", "not started") if steps[k]
    }
    documents = sum(len(service.list_documents(me, t.id)) for t in trips if t.id is not None)
    return DemoReport(
        created=created,
        path=path,
        seed=seed,
        agents=len({t.agent_id for t in trips if t.agent_id is not None}),
        clients=len(demo_clients),
        travelers=travelers,
        trips=len(trips),
        statuses=dict(sorted(statuses.items(), key=lambda kv: order.get(kv[0], 99))),
        workflow=workflow,
        documents=documents,
        documents_rendered=rendered,
        notes=notes,
    )
