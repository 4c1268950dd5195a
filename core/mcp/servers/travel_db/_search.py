"""travel-db's reading tools: search everything, pick up a trip, recent activity."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from core.mcp.servers._common import READ_ONLY, Backend, TravelOpsServer, did_you_mean, require_trip
from core.mcp.servers.travel_db._schemas import ActivityList, SearchResult, TripContinuation, Verbosity
from core.mcp.servers.travel_db._views import step_guide, workflow_view
from core.travel import Hit, Workflow

__all__ = ["register_search"]


def register_search(server: TravelOpsServer, backend: Backend) -> None:
    """get_anything, continue_trip, get_recent_activities."""

    @server.tool(annotations=READ_ONLY)
    def get_anything(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=200,
                description="Names, destinations, places, confirmation numbers, notes; typos are forgiven.",
            ),
        ],
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
    ) -> SearchResult:
        """Search clients, travellers, trips and items at once, best match first."""
        hits = backend.service.get_anything(backend.principal, query, limit)
        if not hits:
            return SearchResult(
                query=query, hits=[], hint=f"No match for {query!r}. {did_you_mean(backend, query)}"
            )
        trip = next((h for h in hits if h.kind == "trip" or h.trip_id is not None), None)
        hint = (
            f"Pick up a trip with continue_trip(trip_id={trip.trip_id or trip.id})."
            if trip is not None
            else ""
        )
        return SearchResult(query=query, hits=hits, hint=hint)

    @server.tool(annotations=READ_ONLY)
    def continue_trip(
        trip_id: Annotated[int | None, Field(ge=1, description="The trip's id, if you know it.")] = None,
        query: Annotated[
            str | None, Field(max_length=200, description="Or words that find it: client, destination…")
        ] = None,
        verbosity: Verbosity = "normal",
    ) -> TripContinuation:
        """Pick up a trip where it was left: its plan (party, days, items, money), its workflow status and
        the instruction for the step it is on."""
        service, p = backend.service, backend.principal
        others: list[Hit] = []
        if trip_id is None:
            if not query or not query.strip():
                raise ToolError(
                    "continue_trip needs trip_id or query. Fix: give the trip's id, or words that find it "
                    "(query='Lisbon'), or search first with get_anything."
                )
            hits = [
                h for h in service.get_anything(p, query, 20) if h.trip_id is not None or h.kind == "trip"
            ]
            if not hits:
                raise ToolError(f"No trip matches {query!r}. {did_you_mean(backend, query)}")
            ids = list(dict.fromkeys(h.id if h.kind == "trip" else h.trip_id for h in hits))
            trip_id = ids[0]
            others = [h for h in hits if h.kind == "trip" and h.id != trip_id][:5]
        assert trip_id is not None
        trip = require_trip(backend, trip_id)
        wf = Workflow(service)
        status = wf.status(p, trip_id)
        step = status.current
        return TripContinuation(
            plan=service.get_trip_plan(p, trip_id),
            workflow=workflow_view(trip, status),
            next_step=step_guide(wf, backend, step, verbosity) if step is not None else None,
            other_matches=others,
        )

    @server.tool(annotations=READ_ONLY)
    def get_recent_activities(
        limit: Annotated[int, Field(ge=1, le=200)] = 20,
        trip_id: Annotated[int | None, Field(ge=1)] = None,
        client_id: Annotated[int | None, Field(ge=1)] = None,
    ) -> ActivityList:
        """What happened lately in the agency (newest first), optionally for one trip or client."""
        if trip_id is not None:
            require_trip(backend, trip_id)
        entries = backend.service.recent_activity(
            backend.principal, trip_id=trip_id, client_id=client_id, limit=limit
        )
        return ActivityList(entries=entries)
