"""travel-db's workflow tools: start, advance, revisit a trip's 12 steps, and read where it is."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from core.errors import ValidationError
from core.mcp.servers._common import (
    IDEMPOTENT_WRITE,
    READ_ONLY,
    WRITE,
    Backend,
    TravelOpsServer,
    require_trip,
)
from core.mcp.servers.travel_db._schemas import (
    StepGuide,
    StepRef,
    TripId,
    Verbosity,
    WorkflowChange,
    WorkflowView,
)
from core.mcp.servers.travel_db._views import (
    next_action,
    step_guide,
    step_number,
    workflow_change,
    workflow_view,
)
from core.travel import Workflow, get_step

__all__ = ["register_workflow"]


def register_workflow(server: TravelOpsServer, backend: Backend) -> None:
    """initialize_workflow, advance_workflow_phase, set_workflow_step, get_workflow_status,
    get_workflow_instructions."""

    def workflow() -> Workflow:
        return Workflow(backend.service)

    @server.tool(annotations=IDEMPOTENT_WRITE)
    def initialize_workflow(trip_id: TripId, verbosity: Verbosity = "normal") -> WorkflowChange:
        """Start a trip's 12-step workflow at step 1 (if it was started already, nothing changes)."""
        trip = require_trip(backend, trip_id)
        wf = workflow()
        status = wf.start(backend.principal, trip_id)
        return workflow_change(wf, backend, trip, status, verbosity)

    @server.tool(annotations=WRITE)
    def advance_workflow_phase(
        trip_id: TripId,
        done: Annotated[
            tuple[int | str, ...],
            Field(description="Checklist items of the current step to tick first: exact text or index."),
        ] = (),
        force: Annotated[
            bool, Field(description="Move on even if checklist items are open (they are noted).")
        ] = False,
        verbosity: Verbosity = "normal",
    ) -> WorkflowChange:
        """Finish the current step and move to the next unfinished one. Ticks `done` first; refuses while
        checklist items are open (naming them) unless force."""
        trip = require_trip(backend, trip_id)
        wf = workflow()
        p = backend.principal
        status = wf.status(p, trip_id)
        if not status.started:
            raise ToolError(
                f"The workflow of trip {trip_id} has not been started. Fix: call "
                f"initialize_workflow(trip_id={trip_id}) first."
            )
        try:
            with backend.service.atomic():
                current = status.current_step
                if current is not None:
                    for item in done:
                        wf.tick(p, trip_id, current, step_number(item))
                status = wf.advance(p, trip_id, force=force)
        except ValidationError as e:
            if "is not done" in e.message:
                raise ToolError(
                    f"{e.message} Fix: call advance_workflow_phase(trip_id={trip_id}, done=[the items that "
                    "are done]) or, to move on anyway, force=true (the open items are noted on the step)."
                ) from e
            raise
        return workflow_change(wf, backend, trip, status, verbosity)

    @server.tool(annotations=IDEMPOTENT_WRITE)
    def set_workflow_step(trip_id: TripId, step: StepRef, verbosity: Verbosity = "normal") -> WorkflowChange:
        """Go to a step, to revisit it or jump ahead. Ticks and notes are kept; the step left stays done if
        it was ever finished."""
        trip = require_trip(backend, trip_id)
        wf = workflow()
        status = wf.set_step(backend.principal, trip_id, step_number(step))
        return workflow_change(wf, backend, trip, status, verbosity)

    @server.tool(annotations=READ_ONLY)
    def get_workflow_status(trip_id: TripId) -> WorkflowView:
        """Where a trip is in the 12 steps: the current step, its open checklist items, progress by phase,
        and the flags the step-8 checks found."""
        trip = require_trip(backend, trip_id)
        return workflow_view(trip, workflow().status(backend.principal, trip_id))

    @server.tool(annotations=READ_ONLY)
    def get_workflow_instructions(
        trip_id: Annotated[int | None, Field(ge=1, description="The trip: its current step.")] = None,
        step: Annotated[int | str | None, Field(description="Or a step: 1–12 or a key.")] = None,
        verbosity: Verbosity = "normal",
    ) -> StepGuide:
        """The instruction, checklist and tools of a trip's current step, or of any step."""
        wf = workflow()
        if step is not None:
            return step_guide(wf, backend, get_step(step_number(step)), verbosity)
        if trip_id is None:
            raise ToolError(
                "get_workflow_instructions needs trip_id (for its current step) or step (1–12 or a key such "
                "as 'verify_trip')."
            )
        trip = require_trip(backend, trip_id)
        status = wf.status(backend.principal, trip_id)
        if status.current is None:
            raise ToolError(next_action(trip, status))
        return step_guide(wf, backend, status.current, verbosity)
