"""How travel-db shows the workflow: a step's guide, a trip's progress and the next thing to do (presentation
only: the rules live in ``core.travel``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.mcp.servers._common import Backend
from core.mcp.servers.travel_db._schemas import StepGuide, StepLine, Verbosity, WorkflowChange, WorkflowView
from core.travel import Trip, Workflow, WorkflowStatus

if TYPE_CHECKING:
    from core.travel import Step

__all__ = ["next_action", "step_guide", "step_number", "workflow_change", "workflow_view"]


def step_guide(wf: Workflow, backend: Backend, step: Step, verbosity: Verbosity) -> StepGuide:
    return StepGuide(
        number=step.number,
        key=step.key,
        title=step.title,
        phase=step.phase,
        purpose=step.purpose,
        checklist=list(step.checklist),
        tools=list(step.tools),
        verbosity=verbosity,
        instruction=wf.instruction(backend.principal, step.number, verbosity=verbosity),
    )


def next_action(trip: Trip, status: WorkflowStatus) -> str:
    tid = trip.id
    if not status.started:
        return f"Start the workflow with initialize_workflow(trip_id={tid})."
    if status.completed or status.current is None:
        return (
            "Every step is done or skipped. Revisit one with set_workflow_step(trip_id="
            f"{tid}, step=N) if something changed."
        )
    current = status.current
    progress = next(sp for sp in status.steps if sp.step.number == current.number)
    if not progress.unticked:
        return (
            f"Step {current.number} '{current.title}' has its checklist complete: move on with "
            f"advance_workflow_phase(trip_id={tid})."
        )
    return (
        f"Work step {current.number} '{current.title}': {current.purpose} When items of its checklist are "
        f"done, call advance_workflow_phase(trip_id={tid}, done=[those items]); it moves on once all are done "
        "(force=true moves on anyway and notes what was left open)."
    )


def workflow_view(trip: Trip, status: WorkflowStatus) -> WorkflowView:
    current = status.current
    progress = next((sp for sp in status.steps if current and sp.step.number == current.number), None)
    return WorkflowView(
        trip_id=status.trip_id,
        trip_name=trip.name,
        started=status.started,
        completed=status.completed,
        current_step=status.current_step,
        current_title=current.title if current else None,
        percent=status.percent,
        by_phase=dict(status.by_phase),
        current_done=list(progress.ticked) if progress else [],
        current_open=list(progress.unticked) if progress else [],
        flags=list(status.flags),
        steps=[
            StepLine(number=sp.step.number, title=sp.step.title, phase=sp.step.phase, status=sp.status)
            for sp in status.steps
        ],
        next_action=next_action(trip, status),
    )


def step_number(step: int | str) -> int | str:
    return int(step) if isinstance(step, str) and step.strip().isdigit() else step


def workflow_change(
    wf: Workflow, backend: Backend, trip: Trip, status: WorkflowStatus, verbosity: Verbosity
) -> WorkflowChange:
    step = status.current
    return WorkflowChange(
        workflow=workflow_view(trip, status),
        next_step=step_guide(wf, backend, step, verbosity) if step is not None else None,
    )
