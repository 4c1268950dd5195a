"""What the Plan page does, without drawing: the tracker by phase, asking the assistant about the current step,
the changes a reply suggests (applied only when the agent clicks), ratings, and moving through the steps.

::

    wf = Workflow(service)
    trip = create_trip(service, wf, p, name="Lisbon in May")          # created and its workflow started
    status = wf.status(p, trip.id)
    reply = ask(agent, p, trip.id, status, "What do we still need from the client?", history=[])
    reply.run.answer, reply.run.model_calls[-1].why, reply.suggestions
    for item in ask_stream(agent, p, trip.id, status, "And the hotels?", history=[reply]):
        ...                                                             # str pieces of the answer, then the Reply
    apply(wf, p, trip.id, reply.suggestions[0])                         # ticks the item, or advances
    rate(warehouse, reply, 1.0, user_id="1")                            # quality_feedback of its last call

Suggestions are deliberately simple and deterministic: a reply proposes ticking the unticked checklist items of
the step it answered about that it talks about (most of an item's significant words appear in the answer),
else the first unticked item; when every item is ticked it proposes finishing the step. Nothing is written
until ``apply`` is called.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from core._common import FrozenModel
from core.agent import AgentRun
from core.errors import ValidationError
from core.gateway import CallContext
from core.security import Principal
from core.travel import TravelService, Trip
from core.travel.workflow import PHASES, STEPS, StepProgress, Workflow, WorkflowStatus

if TYPE_CHECKING:
    from core.agent import Agent
    from core.warehouse import Warehouse

__all__ = [
    "AGENT_COST_CAP_USD",
    "AGENT_MAX_STEPS",
    "HISTORY_TURNS",
    "Reply",
    "Suggestion",
    "apply",
    "ask",
    "ask_stream",
    "by_phase",
    "create_trip",
    "current_progress",
    "go_to",
    "mark_done",
    "rate",
    "start",
    "suggest",
    "tick",
]

AGENT_MAX_STEPS = 6  # model calls per question
AGENT_COST_CAP_USD = 0.25  # per question; checked after each model call
HISTORY_TURNS = 6  # earlier question/answer pairs sent along with a new question
_WORD = re.compile(r"[a-z]{5,}")  # "significant" words of a checklist item: five letters or more
_MATCH_SHARE = 0.6


class Suggestion(FrozenModel):
    """A change a reply proposes: tick a checklist item of ``step``, or finish the step (``advance``)."""

    kind: Literal["tick", "advance"]
    step: int
    item: int | None = None  # checklist index, for ticks
    label: str  # what the card says

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.step}.{self.item if self.item is not None else ''}"


class Reply(FrozenModel):
    """One question to the assistant about a step and the agent run that answered it."""

    question: str
    step: int
    run: AgentRun
    suggestions: list[Suggestion]

    @property
    def request_id(self) -> str | None:
        """The request a rating is stored for: the run's last model call (the one that wrote the answer)."""
        return self.run.model_calls[-1].request_id if self.run.model_calls else None


def by_phase(status: WorkflowStatus) -> dict[str, list[StepProgress]]:
    """The twelve steps grouped by phase, in order (Discovery, Research, Quality & delivery)."""
    return {phase: [sp for sp in status.steps if sp.step.phase == phase] for phase in PHASES}


def current_progress(status: WorkflowStatus) -> StepProgress | None:
    """The current step's progress; None when the workflow is not started or is complete."""
    if status.current_step is None:
        return None
    return next((sp for sp in status.steps if sp.step.number == status.current_step), None)


def create_trip(
    service: TravelService,
    workflow: Workflow,
    p: Principal,
    *,
    name: str,
    client_id: int | None = None,
    destinations: Sequence[str] = (),
    start_date: date | None = None,
    end_date: date | None = None,
    **more: Any,
) -> Trip:
    """A new trip in planning, with its workflow started at step 1. ``more``: any other trip field (party,
    budget_cents, currency, ... as ``TravelService.create_trip`` takes them)."""
    fields: dict[str, Any] = more | {
        "name": name.strip(),
        "destinations": [d.strip() for d in destinations if d.strip()],
    }
    if client_id is not None:
        fields["client_id"] = client_id
    if start_date is not None:
        fields["start_date"] = start_date
    if end_date is not None:
        fields["end_date"] = end_date
    trip = service.create_trip(p, **fields)
    assert trip.id is not None
    workflow.start(p, trip.id)
    return trip


def _messages(history: Sequence[Reply], question: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for reply in history[-HISTORY_TURNS:]:
        messages.append({"role": "user", "content": reply.question})
        if reply.run.answer:
            messages.append({"role": "assistant", "content": reply.run.answer})
    messages.append({"role": "user", "content": question})
    return messages


def _prepare(
    agent: Agent, p: Principal, trip_id: int, status: WorkflowStatus, question: str, history: Sequence[Reply]
) -> tuple[str, StepProgress, dict[str, Any]]:
    """The stripped question, the current step's progress and the agent call's arguments (refused early)."""
    question = question.strip()
    if not question:
        raise ValidationError("Ask the assistant something: the question is empty.")
    progress = current_progress(status)
    if progress is None:
        raise ValidationError(
            f"Trip {trip_id} has no current step to ask about.",
            hint="Start its workflow, or go back to a step to revisit it.",
        )
    step = progress.step.number
    context = CallContext(
        user_id=str(p.user_id),
        agency_id=str(p.agency_id),
        trip_id=str(trip_id),
        workflow_step=step,
        session_id=f"plan-{trip_id}-{step}",
    )
    # No MCP manager: offer no tools rather than have the run note each of the step's tools as missing.
    tools: list[str] | None = [] if agent.manager is None else None
    kwargs: dict[str, Any] = {
        "task": "",
        "messages": _messages(history, question),
        "step": step,
        "context": context,
        "allowed_tools": tools,
    }
    return question, progress, kwargs


def ask(
    agent: Agent,
    p: Principal,
    trip_id: int,
    status: WorkflowStatus,
    question: str,
    history: Sequence[Reply] = (),
) -> Reply:
    """Run the agent loop on ``question`` for the trip's current step (its task type and tools), with the
    earlier turns of the conversation, and work out what the answer suggests."""
    question, progress, kwargs = _prepare(agent, p, trip_id, status, question, history)
    run = agent.run(**kwargs)
    return Reply(
        question=question, step=progress.step.number, run=run, suggestions=suggest(progress, run.answer)
    )


def ask_stream(
    agent: Agent,
    p: Principal,
    trip_id: int,
    status: WorkflowStatus,
    question: str,
    history: Sequence[Reply] = (),
) -> Iterator[str | Reply]:
    """``ask``, streamed: the answer's text pieces as they arrive, then the ``Reply`` (last, once).

    An empty question or a trip with no current step is refused at the call, before anything is streamed."""
    question, progress, kwargs = _prepare(agent, p, trip_id, status, question, history)

    def pieces() -> Iterator[str | Reply]:
        for item in agent.stream(**kwargs):
            if isinstance(item, str):
                yield item
            else:
                yield Reply(
                    question=question,
                    step=progress.step.number,
                    run=item,
                    suggestions=suggest(progress, item.answer),
                )

    return pieces()


def _mentions(item: str, answer: str) -> bool:
    words = set(_WORD.findall(item.casefold()))
    if not words:
        return False
    found = {w for w in words if w in answer}
    return len(found) >= max(1, round(len(words) * _MATCH_SHARE))


def suggest(progress: StepProgress, answer: str) -> list[Suggestion]:
    """The changes a reply about ``progress``'s step proposes (see the module docstring)."""
    step = progress.step
    if not progress.unticked:
        return [
            Suggestion(kind="advance", step=step.number, label=f"Mark step {step.number} '{step.title}' done")
        ]
    text = answer.casefold()
    unticked = [(i, c) for i, c in enumerate(step.checklist) if c in progress.unticked]
    mentioned = [(i, c) for i, c in unticked if _mentions(c, text)]
    return [
        Suggestion(kind="tick", step=step.number, item=i, label=f"Tick '{c}'")
        for i, c in (mentioned or unticked[:1])
    ]


def apply(workflow: Workflow, p: Principal, trip_id: int, suggestion: Suggestion) -> str:
    """Make the change a suggestion proposes; returns what was done (for the page to say)."""
    if suggestion.kind == "tick":
        assert suggestion.item is not None
        workflow.tick(p, trip_id, suggestion.step, suggestion.item)
        return f"Done: {suggestion.label[0].lower()}{suggestion.label[1:]}."
    status = workflow.status(p, trip_id)
    if status.current_step != suggestion.step:
        raise ValidationError(
            f"Step {suggestion.step} is no longer the current step (now {status.current_step or 'none'}).",
            hint="Discard the suggestion; ask again about the current step.",
        )
    return mark_done(workflow, p, trip_id)


def mark_done(workflow: Workflow, p: Principal, trip_id: int, *, force: bool = False) -> str:
    """Finish the current step (``Workflow.advance``); refuses with the unticked items unless ``force``."""
    before = workflow.status(p, trip_id)
    after = workflow.advance(p, trip_id, force=force)
    done = f"Step {before.current_step} done"
    if after.completed or after.current is None:
        return f"{done}: every step of the trip is finished."
    return f"{done}; now at step {after.current.number} '{after.current.title}'."


def start(workflow: Workflow, p: Principal, trip_id: int) -> str:
    """Start the trip's workflow at step 1; returns what was done (for the page to say)."""
    workflow.start(p, trip_id)
    return "Started the workflow at step 1."


def tick(workflow: Workflow, p: Principal, trip_id: int, step: int, index: int, *, done: bool) -> str:
    """Tick (or untick) item ``index`` of ``step``'s checklist; returns what was done."""
    workflow.tick(p, trip_id, step, index, done=done)
    return f"{'Ticked' if done else 'Unticked'} '{STEPS[step - 1].checklist[index]}'."


def go_to(workflow: Workflow, p: Principal, trip_id: int, step: int) -> str:
    """Make ``step`` the current step (to revisit it, or to jump ahead); returns where the trip now is."""
    workflow.set_step(p, trip_id, step)
    return f"Now at step {step} '{STEPS[step - 1].title}'."


def rate(warehouse: Warehouse, reply: Reply, score: float, user_id: str | None) -> str:
    """Store an agent's rating (0..1) of a reply as the quality of its last model call."""
    request_id = reply.request_id
    if request_id is None:
        raise ValidationError("This reply made no model call, so there is nothing to rate.")
    warehouse.record_feedback(request_id, score, user_id)
    return f"Thanks: rated {score:.2g} (stored as the quality of request {request_id})."
