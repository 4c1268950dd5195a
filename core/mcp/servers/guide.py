"""``guide``: the assistant's instructions and the 12-step workflow as MCP tools and prompts (replaces the
original prompt-instructions-d1 server).

Thin over ``core.travel``: instructions live in the travel store (editable by administrators), the steps are the
``STEPS`` table. One MCP prompt per step (``step-01-start-interview`` … ``step-12-confirm-booking``), each with an
optional ``trip_id`` that fills in the trip's context and checklist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS
from pydantic import Field

from core.config import Settings
from core.errors import TravelOpsError
from core.mcp.servers._common import (
    DESTRUCTIVE,
    IDEMPOTENT_WRITE,
    READ_ONLY,
    Backend,
    Output,
    lesson,
    new_server,
    require_trip,
)
from core.travel import STEPS, Instruction, NotFound, Step, Workflow, format_money

__all__ = ["build", "prompt_name"]

NAME = "guide"
INSTRUCTIONS = (
    "How this agency works with an assistant: travel_agent_start gives the welcome and the 12 workflow steps; "
    "get_instruction / list_instructions give the assistant's instructions; status counts trips per step. "
    "Each step also has a prompt (step-01-start-interview … step-12-confirm-booking) that takes a trip_id."
)

Verbosity = Literal["minimal", "normal", "detailed"]
InstructionName = Annotated[
    str, Field(description="An instruction's name, e.g. travel_agent_start or a step key like verify_trip.")
]


def prompt_name(step: Step) -> str:
    """``step-08-verify-trip``: the MCP prompt of a workflow step."""
    return f"step-{step.number:02d}-{step.key.replace('_', '-')}"


class InstructionText(Output):
    name: str
    category: str
    title: str
    verbosity: Verbosity
    text: str
    variants: list[str] = Field(description="Verbosities with their own text besides normal.")


class InstructionSummary(Output):
    name: str
    category: str
    title: str
    variants: list[str]


class InstructionList(Output):
    category: str | None
    instructions: list[InstructionSummary]
    categories: list[str]


class StepOverview(Output):
    number: int
    key: str
    title: str
    phase: str
    purpose: str
    prompt: str


class Welcome(Output):
    welcome: str
    steps: list[StepOverview]
    how_to_begin: list[str]


class StepCount(Output):
    number: int
    title: str
    phase: str
    trips: int
    trip_ids: list[int] = Field(description="Up to 20 of them.")


class WorkflowCounts(Output):
    trips: int = Field(description="Trips that are not archived.")
    not_started: int
    completed: int
    by_step: list[StepCount]


class ServerHelp(Output):
    name: str
    summary: str


class Help(Output):
    text: str
    servers: list[ServerHelp]
    prompts: list[str]
    tools: list[str]


def _text(instruction: Instruction, verbosity: Verbosity) -> InstructionText:
    return InstructionText(
        name=instruction.name,
        category=instruction.category,
        title=instruction.title,
        verbosity=verbosity,
        text=instruction.for_verbosity(verbosity),
        variants=sorted(instruction.variants),
    )


def _summary(instruction: Instruction) -> InstructionSummary:
    return InstructionSummary(
        name=instruction.name,
        category=instruction.category,
        title=instruction.title,
        variants=sorted(instruction.variants),
    )


def _steps() -> list[StepOverview]:
    return [
        StepOverview(
            number=s.number, key=s.key, title=s.title, phase=s.phase, purpose=s.purpose, prompt=prompt_name(s)
        )
        for s in STEPS
    ]


def build(settings: Settings) -> MCPServer[Any]:
    """The guide server over the travel store of ``settings``."""
    backend = Backend(settings)
    server = new_server(NAME, backend, instructions=INSTRUCTIONS)

    def existing(name: str) -> Instruction | None:
        try:
            return backend.service.get_instruction(backend.principal, name)
        except NotFound:
            return None

    @server.tool(annotations=READ_ONLY)
    def get_instruction(name: InstructionName, verbosity: Verbosity = "normal") -> InstructionText:
        """One instruction for the assistant, at a verbosity (minimal, normal, detailed)."""
        return _text(backend.service.get_instruction(backend.principal, name), verbosity)

    @server.tool(annotations=READ_ONLY)
    def list_instructions(
        category: Annotated[str | None, Field(description="e.g. workflow, general, policy.")] = None,
    ) -> InstructionList:
        """The instructions (name, category, title), optionally of one category."""
        everything = backend.service.list_instructions(backend.principal)
        categories = sorted({i.category for i in everything})
        if category is not None and category not in categories:
            raise ToolError(
                f"No instructions in category {category!r}. Categories: {', '.join(categories)}. Fix: use one "
                "of those, or leave category out for all."
            )
        chosen = [i for i in everything if category is None or i.category == category]
        return InstructionList(
            category=category, instructions=[_summary(i) for i in chosen], categories=categories
        )

    @server.tool(annotations=IDEMPOTENT_WRITE)
    def create_instruction(
        name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,79}$", description="snake_case name.")],
        text: Annotated[str, Field(min_length=1, description="The normal-verbosity text.")],
        category: Annotated[str, Field(min_length=1, max_length=40)] = "general",
        title: str = "",
        minimal: Annotated[str | None, Field(description="A shorter variant.")] = None,
        detailed: Annotated[str | None, Field(description="A longer variant.")] = None,
    ) -> InstructionText:
        """Add an instruction (administrators only). Refuses a name that exists: change it with
        update_instruction."""
        if existing(name) is not None:
            raise ToolError(
                f"An instruction named {name!r} exists already. Fix: change it with update_instruction, or "
                "choose another name."
            )
        variants = {k: v for k, v in (("minimal", minimal), ("detailed", detailed)) if v}
        saved = backend.service.save_instruction(
            backend.principal, name, category=category, title=title, text=text, variants=variants
        )
        return _text(saved, "normal")

    @server.tool(annotations=DESTRUCTIVE)
    def update_instruction(
        name: InstructionName,
        text: Annotated[str | None, Field(min_length=1)] = None,
        category: Annotated[str | None, Field(min_length=1, max_length=40)] = None,
        title: str | None = None,
        minimal: str | None = None,
        detailed: str | None = None,
    ) -> InstructionText:
        """Change an instruction's text, title, category or variants (administrators only); what you leave
        out stays. The old text is replaced."""
        current = existing(name)
        if current is None:
            known = ", ".join(i.name for i in backend.service.list_instructions(backend.principal))
            raise ToolError(
                f"No instruction named {name!r}. Known: {known}. Fix: use one of those, or add it with "
                "create_instruction."
            )
        changes: dict[str, Any] = {
            k: v for k, v in (("text", text), ("category", category), ("title", title)) if v is not None
        }
        variants: dict[str, str] = {**current.variants}
        variants.update({k: v for k, v in (("minimal", minimal), ("detailed", detailed)) if v is not None})
        if variants != current.variants:
            changes["variants"] = variants
        if not changes:
            raise ToolError("Nothing to change. Fix: give text, title, category, minimal or detailed.")
        return _text(backend.service.save_instruction(backend.principal, name, **changes), "normal")

    @server.tool(annotations=READ_ONLY)
    def travel_agent_start(verbosity: Verbosity = "normal") -> Welcome:
        """Start here: how the assistant works with the agent, and the 12 steps of planning a trip."""
        intro = backend.service.get_instruction(backend.principal, "travel_agent_start")
        return Welcome(
            welcome=intro.for_verbosity(verbosity),
            steps=_steps(),
            how_to_begin=[
                "Find the trip or client: get_anything('<name, destination or confirmation number>').",
                "Pick it up: continue_trip(trip_id=N) gives the plan, the workflow step and its instruction.",
                "New client: create_trip_with_client(client, trip, travelers), then initialize_workflow.",
                "Work the current step; when its checklist is done: advance_workflow_phase(trip_id, done=[…]).",
            ],
        )

    @server.tool(annotations=READ_ONLY)
    def status() -> WorkflowCounts:
        """How many of the agency's trips are at each workflow step (and not started, or completed)."""
        service, p = backend.service, backend.principal
        wf = Workflow(service)
        at: dict[int, list[int]] = {s.number: [] for s in STEPS}
        total = not_started = completed = 0
        offset = 0
        while True:
            page = service.list_trips(p, limit=500, offset=offset)
            for trip in page:
                if trip.id is None:
                    continue
                total += 1
                state = wf.state(p, trip.id)
                if state is None:
                    not_started += 1
                elif state.current_step is None:
                    completed += 1
                else:
                    at[state.current_step].append(trip.id)
            if len(page) < 500:
                break
            offset += 500
        return WorkflowCounts(
            trips=total,
            not_started=not_started,
            completed=completed,
            by_step=[
                StepCount(
                    number=s.number,
                    title=s.title,
                    phase=s.phase,
                    trips=len(at[s.number]),
                    trip_ids=at[s.number][:20],
                )
                for s in STEPS
            ],
        )

    @server.tool(name="help", annotations=READ_ONLY)
    def help_() -> Help:
        """What our servers do, this server's tools and prompts, and how to start."""
        from core.mcp.servers import SERVERS

        return Help(
            text=(
                "TravelOps serves the agency's data and know-how to any MCP client. Start with "
                "travel_agent_start (guide) for the 12 steps, find the trip with get_anything (travel-db), pick "
                "it up with continue_trip, and use the step's prompt (e.g. step-01-start-interview with "
                "trip_id) to work it. Documents come from the documents server, destination facts from "
                "research, and model answers through our router from travelops."
            ),
            servers=[ServerHelp(name=s.name, summary=s.summary) for s in SERVERS.values()],
            prompts=[prompt_name(s) for s in STEPS],
            tools=[
                "get_instruction",
                "list_instructions",
                "create_instruction",
                "update_instruction",
                "travel_agent_start",
                "status",
                "help",
            ],
        )

    for step in STEPS:
        _add_step_prompt(server, backend, step)
    return server


def _add_step_prompt(server: MCPServer[Any], backend: Backend, step: Step) -> None:
    def prompt(
        trip_id: Annotated[
            int | None, Field(description="The trip to work on: fills in its context.")
        ] = None,
    ) -> str:
        try:
            return _prompt_text(backend, step, trip_id)
        except ToolError as e:
            raise MCPError(INVALID_PARAMS, str(e)) from e
        except TravelOpsError as e:
            raise MCPError(INVALID_PARAMS, lesson(e)) from e

    server.prompt(
        name=prompt_name(step), title=f"Step {step.number}: {step.title}", description=step.purpose
    )(prompt)


def _prompt_text(backend: Backend, step: Step, trip_id: int | None) -> str:
    service, p = backend.service, backend.principal
    wf = Workflow(service)
    ticked: set[str] = set()
    context: list[str] = []
    if trip_id is not None:
        trip = require_trip(backend, trip_id)
        plan = service.get_trip_plan(p, trip_id)
        status = wf.status(p, trip_id)
        progress = next(sp for sp in status.steps if sp.step.number == step.number)
        ticked = set(progress.ticked)
        dates = (
            f"{trip.start_date} to {trip.end_date}" if trip.start_date and trip.end_date else "dates not set"
        )
        budget = (
            format_money(trip.budget_cents, trip.currency) if trip.budget_cents is not None else "not set"
        )
        party = ", ".join(t.full_name for t in plan.travelers) or "no travellers recorded"
        client = plan.client.name if plan.client else "no client recorded"
        context += [
            "",
            f"Trip {trip_id} '{trip.name}' for {client} ({trip.status}): {dates}; "
            f"{', '.join(trip.destinations) or 'no destinations yet'}; travellers: {party}; budget {budget}.",
        ]
        if not status.started:
            context.append(f"Its workflow is not started: call initialize_workflow(trip_id={trip_id}) first.")
        elif status.current_step != step.number:
            where = f"step {status.current_step}" if status.current_step else "the end (all steps done)"
            context.append(
                f"Its workflow is at {where}, not step {step.number}: use set_workflow_step(trip_id={trip_id}, "
                f"step={step.number}) to work this one."
            )
        else:
            context.append(f"Its workflow is at this step ({status.percent:g}% of all steps done).")
        if status.flags:
            context.append("Open flags from the checks: " + "; ".join(f.message for f in status.flags[:10]))
        context.append(f"Load the details with continue_trip(trip_id={trip_id}).")
    else:
        context += [
            "",
            "Ask the agent which trip this is for (find it with get_anything), then continue_trip.",
        ]
    checklist = [f"- [{'x' if c in ticked else ' '}] {c}" for c in step.checklist]
    lines = [
        f"You are working step {step.number} of 12, '{step.title}' ({step.phase}): {step.purpose}",
        "",
        wf.instruction(p, step.number),
        "",
        "Done when:",
        *checklist,
        "",
        "Tools for this step: " + ", ".join(step.tools) + ".",
        *context,
    ]
    return "\n".join(lines)
