"""travel-db's writing tools for clients and trips: create a client, a trip, both at once, and the atomic bulk
operations on a trip's items, dates and payments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from core.errors import TravelOpsError
from core.mcp.servers._common import DESTRUCTIVE, WRITE, Backend, TravelOpsServer, require_trip
from core.mcp.servers.travel_db._schemas import (
    AddItems,
    AddPayment,
    BulkResult,
    Cents,
    ClientCreated,
    ClientInput,
    Operation,
    OperationDone,
    TravelerInput,
    TripCreated,
    TripInput,
    TripWithClientCreated,
    UpdateItem,
    UpdateTrip,
    choices,
)
from core.travel import PaymentSchedule, Trip

__all__ = ["register_records"]


def register_records(server: TravelOpsServer, backend: Backend) -> None:
    """create_client, create_trip, create_trip_with_client, bulk_trip_operations."""

    @server.tool(annotations=WRITE)
    def create_client(
        client: ClientInput,
        allow_duplicate: Annotated[
            bool, Field(description="Create it even if a client with the same email or name+phone exists.")
        ] = False,
    ) -> ClientCreated:
        """Record a new household. Refuses a probable duplicate (and names it) unless allow_duplicate."""
        if not allow_duplicate:
            _duplicate_check(backend, client, [])
        created = backend.service.create_client(backend.principal, **client.fields())
        return ClientCreated(
            client=created,
            next=f"Add its trip with create_trip(client_id={created.id}, name=..., start_date=..., ...).",
        )

    @server.tool(annotations=WRITE)
    def create_trip(
        name: Annotated[str, Field(min_length=1, description="e.g. 'Lisbon in May'.")],
        client_id: Annotated[int | None, Field(ge=1, description="The household it is for.")] = None,
        start_date: date | None = None,
        end_date: date | None = None,
        destinations: list[str] | None = None,
        party: Annotated[list[int] | None, Field(description="Traveller ids, in order.")] = None,
        budget_cents: Cents | None = None,
        currency: Annotated[str | None, Field(description="ISO 4217, e.g. EUR (default USD).")] = None,
        status: Annotated[str, Field(description=f"One of: {choices(Trip, 'status')}.")] = "planning",
        lead_source: str | None = None,
        planning_fee_cents: Cents = 0,
        notes: str = "",
    ) -> TripCreated:
        """Record a new trip for an existing client (use create_trip_with_client for a new household)."""
        fields: dict[str, Any] = {
            "name": name,
            "status": status,
            "planning_fee_cents": planning_fee_cents,
            "notes": notes,
        }
        optional = {
            "client_id": client_id,
            "start_date": start_date,
            "end_date": end_date,
            "destinations": destinations,
            "party": party,
            "budget_cents": budget_cents,
            "currency": currency,
            "lead_source": lead_source,
        }
        fields |= {k: v for k, v in optional.items() if v is not None}
        trip = backend.service.create_trip(backend.principal, **fields)
        return TripCreated(trip=trip, next=f"Start its workflow with initialize_workflow(trip_id={trip.id}).")

    @server.tool(annotations=WRITE)
    def create_trip_with_client(
        client: ClientInput,
        trip: TripInput,
        travelers: Annotated[tuple[TravelerInput, ...], Field(max_length=30)] = (),
        allow_duplicate: bool = False,
    ) -> TripWithClientCreated:
        """Record a new household, its travellers and their trip in one step (all or nothing). The trip's
        party is the travellers, in order."""
        if not allow_duplicate:
            _duplicate_check(backend, client, travelers)
        trip_fields = {k: v for k, v in trip.fields().items() if v is not None}
        created_client, created_travelers, created_trip = backend.service.create_trip_with_client(
            backend.principal,
            client=client.fields(),
            trip=trip_fields,
            travelers=[t.model_dump(exclude_unset=True, exclude_none=True) for t in travelers],
        )
        return TripWithClientCreated(
            client=created_client,
            travelers=created_travelers,
            trip=created_trip,
            next=f"Start its workflow with initialize_workflow(trip_id={created_trip.id}).",
        )

    @server.tool(annotations=DESTRUCTIVE)
    def bulk_trip_operations(
        operations: Annotated[list[Operation], Field(min_length=1, max_length=50)],
    ) -> BulkResult:
        """Apply several changes at once, all or nothing: add_items (with times, zones, money), update_item
        (status, confirmation numbers, prices…), update_trip (status, dates…), add_payment. If one
        operation fails, none is applied and the error names it."""
        service, p = backend.service, backend.principal
        done: list[OperationDone] = []
        trips: list[int] = []
        with service.atomic():
            for index, op in enumerate(operations, start=1):
                try:
                    done.append(_apply(backend, index, op))
                except (TravelOpsError, ToolError) as e:
                    raise ToolError(
                        f"Operation #{index} ({op.op}) failed: {e} Nothing was changed: all "
                        f"{len(operations)} operation(s) were rolled back. Fix it and send the whole list "
                        "again."
                    ) from e
                trip_id = (
                    service.get_item(p, op.item_id).trip_id if isinstance(op, UpdateItem) else op.trip_id
                )
                if trip_id not in trips:
                    trips.append(trip_id)
        first = trips[0] if trips else None
        follow = f" Review with continue_trip(trip_id={first})." if first else ""
        return BulkResult(applied=done, trip_ids=trips, next=f"Applied {len(done)} operation(s).{follow}")


def _duplicate_check(backend: Backend, client: ClientInput, travelers: Sequence[TravelerInput]) -> None:
    """Refuse a client that probably exists already (same email, or similar name with the same phone or
    date of birth), naming it, unless the caller said ``allow_duplicate``."""
    service, p = backend.service, backend.principal
    drafts: list[dict[str, Any]] = [{"name": client.name, "email": client.email, "phone": client.phone}]
    drafts += [
        {"name": f"{t.first_name} {t.last_name}", "email": t.email, "date_of_birth": t.date_of_birth}
        for t in travelers
    ]
    for draft in drafts:
        matches = service.likely_duplicates(p, draft)
        if matches:
            best = matches[0]
            raise ToolError(
                f"'{client.name}' may already be a client: '{best.client.name}' (client {best.client.id}, "
                f"{best.why}). Fix: use client_id={best.client.id} (create_trip), or, if it really is "
                "another household, call again with allow_duplicate=true."
            )


def _apply(
    backend: Backend, index: int, op: AddItems | UpdateItem | UpdateTrip | AddPayment
) -> OperationDone:
    service, p = backend.service, backend.principal
    if isinstance(op, AddItems):
        require_trip(backend, op.trip_id)
        days: dict[date, int] = {}
        items: list[dict[str, Any]] = []
        for n, item in enumerate(op.items, start=1):
            fields = item.model_dump(exclude_unset=True, exclude={"day_date"})
            if item.day_date is not None:
                if not days:
                    days = _days(backend, op.trip_id)
                if item.day_date not in days:
                    trip = service.get_trip(p, op.trip_id)
                    raise ToolError(
                        f"item #{n}: day_date {item.day_date} is not a day of trip {op.trip_id} "
                        f"({trip.start_date} – {trip.end_date}). Fix: use a date within the trip, or change "
                        "the trip's dates first (update_trip)."
                    )
                fields["day_id"] = days[item.day_date]
            items.append(fields)
        added = service.add_items(p, op.trip_id, items)
        ids = [i.id for i in added if i.id is not None]
        return OperationDone(
            index=index, op=op.op, summary=f"added {len(ids)} item(s) to trip {op.trip_id}", ids=ids
        )
    if isinstance(op, UpdateItem):
        changes = op.changes.fields()
        if not changes:
            raise ToolError("changes is empty. Fix: give at least one field to change.")
        item = service.update_item(p, op.item_id, **changes)
        return OperationDone(
            index=index,
            op=op.op,
            summary=f"updated item {op.item_id} ({', '.join(sorted(changes))})",
            ids=[item.id or 0],
        )
    if isinstance(op, UpdateTrip):
        require_trip(backend, op.trip_id)
        changes = op.changes.fields()
        if not changes:
            raise ToolError("changes is empty. Fix: give at least one field to change.")
        service.update_trip(p, op.trip_id, **changes)
        return OperationDone(
            index=index,
            op=op.op,
            summary=f"updated trip {op.trip_id} ({', '.join(sorted(changes))})",
            ids=[op.trip_id],
        )
    require_trip(backend, op.trip_id)
    payment: PaymentSchedule = service.add_payment(
        p, op.trip_id, **op.model_dump(exclude_unset=True, exclude={"op", "trip_id"})
    )
    return OperationDone(
        index=index,
        op=op.op,
        summary=f"scheduled {payment.amount_cents} cents due {payment.due_date} on trip {op.trip_id}",
        ids=[payment.id or 0],
    )


def _days(backend: Backend, trip_id: int) -> dict[date, int]:
    """The trip's shared days by date, creating them from the trip's dates when some are missing."""
    service, p = backend.service, backend.principal
    days = {d.date: d.id for d in service.list_days(p, trip_id) if d.option_id is None and d.id is not None}
    trip = service.get_trip(p, trip_id)
    if trip.start_date is not None and trip.end_date is not None:
        wanted = (trip.end_date - trip.start_date).days + 1
        if len(days) < wanted:
            days = {d.date: d.id for d in service.ensure_days(p, trip_id) if d.id is not None}
    return days
