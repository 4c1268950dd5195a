"""The 12-step trip-planning workflow of the original system, as data, and its state per trip.

``STEPS`` is the table: each ``Step`` has its phase, purpose, the checklist that defines done, the name of its
instruction for the assistant (text in the ``instructions`` table, editable), the routing task type, and the
MCP tools it may use. ``Workflow(service)`` keeps each trip's progress::

    wf = Workflow(service)
    wf.start(p, trip_id)                   # step 1 becomes current
    wf.tick(p, trip_id, 1, "Budget and currency agreed")   # by text or by index
    wf.advance(p, trip_id)                 # refuses while items are unticked (names them) unless force=True
    wf.set_step(p, trip_id, 3)             # revisit; advancing later returns to the first unfinished step
    wf.status(p, trip_id).percent          # overall, and .by_phase

Step 8 (verify trip) runs ``TravelService.check_trip`` when it becomes current and again when it is left,
stores the flags with the step (``status(...).flags``) and ticks its first checklist item.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import ValidationError
from core.security import Principal
from core.travel._models import StepState, StepStatus, WorkflowState
from core.travel._results import Flag
from core.travel._services import TravelService
from core.travel._services._mapper import log_activity, stamp, trip_row

__all__ = [
    "DOCUMENT_TOOLS",
    "GUIDE_TOOLS",
    "PHASES",
    "RESEARCH_TOOLS",
    "STEPS",
    "TASK_TYPES",
    "TRAVEL_DB_TOOLS",
    "VERIFY_STEP",
    "Phase",
    "Step",
    "StepProgress",
    "Workflow",
    "WorkflowStatus",
    "get_step",
]

Phase = Literal["Discovery", "Research", "Quality & delivery"]
PHASES: tuple[Phase, ...] = ("Discovery", "Research", "Quality & delivery")
TaskType = Literal[
    "client_discovery",
    "trip_concepts",
    "trip_summary",
    "extract_supplier_data",
    "curate_options",
    "activity_plan",
    "verify_trip",
    "proposal",
    "feedback_revision",
    "booking_confirmation",
    "client_email",
    "itinerary_draft",
]
TASK_TYPES: tuple[str, ...] = get_args(TaskType)

# The tools of our MCP servers (DESIGN.md §7), by server.
TRAVEL_DB_TOOLS = (
    "get_anything",
    "continue_trip",
    "get_recent_activities",
    "create_client",
    "create_trip",
    "create_trip_with_client",
    "bulk_trip_operations",
    "initialize_workflow",
    "advance_workflow_phase",
    "set_workflow_step",
    "get_workflow_status",
    "get_workflow_instructions",
    "health_check",
    "explore_database",
)
DOCUMENT_TOOLS = ("list_templates", "get_template", "render_template", "generate_itinerary")
GUIDE_TOOLS = (
    "get_instruction",
    "list_instructions",
    "create_instruction",
    "update_instruction",
    "travel_agent_start",
    "status",
    "help",
)
RESEARCH_TOOLS = ("destination_facts", "fetch_page")
_KNOWN_TOOLS = frozenset(TRAVEL_DB_TOOLS + DOCUMENT_TOOLS + GUIDE_TOOLS + RESEARCH_TOOLS)
_EVERY_STEP = ("continue_trip", "get_workflow_status", "get_workflow_instructions", "advance_workflow_phase")

VERIFY_STEP = 8


class Step(BaseModel):
    """One step of the workflow (frozen: the table is data)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1, le=12)
    key: str = Field(pattern=r"^[a-z_]+$")
    title: str
    phase: Phase
    purpose: str
    checklist: list[str] = Field(min_length=1)
    instruction: str  # name of the instruction in the instructions table
    task_type: TaskType
    tools: list[str]

    @field_validator("tools")
    @classmethod
    def _known_tools(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - _KNOWN_TOOLS)
        if unknown:
            raise ValueError(
                f"unknown tool(s) {unknown}: use tools of the travel-db, documents, guide or research servers"
            )
        return value


def _step(
    number: int,
    key: str,
    title: str,
    phase: Phase,
    purpose: str,
    task_type: TaskType,
    checklist: list[str],
    tools: list[str],
) -> Step:
    return Step(
        number=number,
        key=key,
        title=title,
        phase=phase,
        purpose=purpose,
        checklist=checklist,
        instruction=key,
        task_type=task_type,
        tools=list(dict.fromkeys([*_EVERY_STEP, *tools])),
    )


STEPS: tuple[Step, ...] = (
    _step(
        1,
        "start_interview",
        "Start interview",
        "Discovery",
        "Understand who travels, when, where, on what budget and for what kind of experience.",
        "client_discovery",
        [
            "Client household recorded (duplicates checked)",
            "Travelers recorded with legal names and dates of birth",
            "Passports recorded with their expiry dates",
            "Dates or travel window agreed",
            "Budget and currency agreed",
            "Interests, pace and special needs noted",
        ],
        ["get_anything", "create_client", "create_trip", "create_trip_with_client", "initialize_workflow"],
    ),
    _step(
        2,
        "generate_concepts",
        "Generate concepts",
        "Discovery",
        "Offer 3–5 themed trip concepts so the client can choose a direction.",
        "trip_concepts",
        [
            "3–5 themed concepts drafted",
            "Each concept fits the dates and budget",
            "Client picked a favourite concept",
        ],
        ["get_anything", "destination_facts", "fetch_page"],
    ),
    _step(
        3,
        "create_summary",
        "Create summary",
        "Discovery",
        "Agree one written brief for the trip before research starts.",
        "trip_summary",
        [
            "Trip summary written (who, when, where, budget, style)",
            "Open questions listed",
            "Client confirmed the summary",
        ],
        ["render_template"],
    ),
    _step(
        4,
        "process_results",
        "Process results",
        "Research",
        "Turn research and supplier quotes into structured, comparable options.",
        "extract_supplier_data",
        [
            "Flight, hotel and activity options gathered",
            "Prices, currencies and terms captured",
            "Suppliers recorded",
        ],
        ["fetch_page", "bulk_trip_operations"],
    ),
    _step(
        5,
        "curate_options",
        "Curate options",
        "Research",
        "Rank the options into three coherent pricing tiers.",
        "curate_options",
        [
            "Options ranked into three tiers",
            "Each tier priced within its budget band",
            "Trade-offs between tiers explained",
        ],
        ["bulk_trip_operations", "destination_facts"],
    ),
    _step(
        6,
        "save_selections",
        "Save selections",
        "Research",
        "Store the chosen options as the trip's days and items, with times, zones and money.",
        "itinerary_draft",
        [
            "Days created for the trip dates",
            "Selected items saved with local times and time zones",
            "Cost, sell price and commission recorded for each item",
            "Deposit and final-payment due dates recorded",
        ],
        ["bulk_trip_operations"],
    ),
    _step(
        7,
        "plan_activities",
        "Plan activities",
        "Research",
        "Plan each day at a realistic pace, including free or low-cost local picks.",
        "activity_plan",
        [
            "Every day has a plan with a realistic pace",
            "Free or low-cost local picks included",
            "Interests and mobility needs respected",
        ],
        ["destination_facts", "fetch_page", "bulk_trip_operations"],
    ),
    _step(
        8,
        "verify_trip",
        "Verify trip",
        "Quality & delivery",
        "Catch mistakes before the client sees them: links, dates, overlaps, passport expiry against the "
        "return date, missing confirmations and time zones.",
        "verify_trip",
        [
            "Automatic checks run (dates, overlaps, passports, confirmations, time zones)",
            "Every flag resolved or explained",
            "Links and supplier details verified",
        ],
        ["fetch_page", "bulk_trip_operations"],
    ),
    _step(
        9,
        "generate_proposal",
        "Generate proposal",
        "Quality & delivery",
        "Produce the client proposal with three-tier pricing.",
        "proposal",
        [
            "Proposal rendered with three tiers and prices",
            "Planning fee and payment terms included",
            "Proposal proof-read",
        ],
        ["list_templates", "get_template", "render_template"],
    ),
    _step(
        10,
        "publish_proposal",
        "Publish proposal",
        "Quality & delivery",
        "Send the proposal to the client with a clear next step.",
        "client_email",
        ["Proposal sent to the client", "Decision date agreed"],
        ["render_template", "get_recent_activities"],
    ),
    _step(
        11,
        "handle_feedback",
        "Handle feedback",
        "Quality & delivery",
        "Revise the trip from the client's feedback until they accept a tier.",
        "feedback_revision",
        ["Client feedback recorded", "Revisions applied and re-checked", "Client accepted a tier"],
        ["bulk_trip_operations", "render_template", "get_recent_activities"],
    ),
    _step(
        12,
        "confirm_booking",
        "Confirm booking",
        "Quality & delivery",
        "Book everything, settle the payment schedule and record the commission expected.",
        "booking_confirmation",
        [
            "Every item booked with a confirmation number",
            "Payment schedule agreed and deposit received",
            "Commission expected recorded per supplier",
            "Confirmation and final itinerary sent",
        ],
        ["bulk_trip_operations", "generate_itinerary", "render_template"],
    ),
)


def get_step(step: int | str) -> Step:
    """A step by number (1..12) or key ("verify_trip"). Raises ``ValidationError`` listing the valid ones."""
    for s in STEPS:
        if step in (s.number, s.key):
            return s
    raise ValidationError(
        f"There is no workflow step {step!r}.",
        hint="Fix: use a number from 1 to 12 or a key: " + ", ".join(s.key for s in STEPS) + ".",
    )


class StepProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: Step
    status: StepStatus
    ticked: list[str]
    unticked: list[str]
    notes: str
    started_at: datetime | None
    completed_at: datetime | None


class WorkflowStatus(BaseModel):
    """Where a trip is in the workflow. ``percent`` counts done and skipped steps; ``by_phase`` likewise."""

    model_config = ConfigDict(frozen=True)

    trip_id: int
    started: bool
    current_step: int | None
    current: Step | None
    steps: list[StepProgress]
    percent: float
    by_phase: dict[str, float]
    flags: list[Flag] = Field(default_factory=list[Flag])  # from step 8's last run of the checks
    completed: bool = False
    started_at: datetime | None = None
    updated_at: datetime | None = None


_FINISHED: frozenset[str] = frozenset({"done", "skipped"})


class Workflow:
    """Each trip's progress through ``STEPS``, kept in the travel store. Writes need an agent or admin."""

    def __init__(self, service: TravelService) -> None:
        self.service = service
        self.store = service.store

    # -- reading ---------------------------------------------------------------------------------------------

    def state(self, p: Principal, trip_id: int) -> WorkflowState | None:
        """The stored state, or None if the workflow was never started for this trip."""
        conn = self.store.connection()
        trip_row(conn, p, trip_id)  # the agency check
        head = conn.execute("SELECT * FROM workflow_state WHERE trip_id = ?", (trip_id,)).fetchone()
        if head is None:
            return None
        steps = [
            StepState(
                number=r["step"],
                status=r["status"],
                ticks=_json(r["ticks"]),
                notes=r["notes"],
                started_at=r["started_at"],
                completed_at=r["completed_at"],
                result=_json(r["result"]),
            )
            for r in conn.execute("SELECT * FROM workflow_steps WHERE trip_id = ? ORDER BY step", (trip_id,))
        ]
        return WorkflowState(
            trip_id=trip_id,
            current_step=head["current_step"],
            started_at=head["started_at"],
            updated_at=head["updated_at"],
            completed_at=head["completed_at"],
            steps=steps,
        )

    def status(self, p: Principal, trip_id: int) -> WorkflowStatus:
        state = self.state(p, trip_id)
        if state is None:
            return WorkflowStatus(
                trip_id=trip_id,
                started=False,
                current_step=None,
                current=None,
                steps=[
                    StepProgress(
                        step=s,
                        status="todo",
                        ticked=[],
                        unticked=list(s.checklist),
                        notes="",
                        started_at=None,
                        completed_at=None,
                    )
                    for s in STEPS
                ],
                percent=0.0,
                by_phase=dict.fromkeys(PHASES, 0.0),
            )
        by_number = {s.number: s for s in state.steps}
        progress: list[StepProgress] = []
        for s in STEPS:
            st = by_number.get(s.number) or StepState(number=s.number)
            progress.append(
                StepProgress(
                    step=s,
                    status=st.status,
                    ticked=[s.checklist[i] for i in st.ticks if i < len(s.checklist)],
                    unticked=[c for i, c in enumerate(s.checklist) if i not in st.ticks],
                    notes=st.notes,
                    started_at=st.started_at,
                    completed_at=st.completed_at,
                )
            )
        finished = [sp for sp in progress if sp.status in _FINISHED]
        by_phase = {
            phase: _percent(
                sum(1 for sp in finished if sp.step.phase == phase), sum(1 for s in STEPS if s.phase == phase)
            )
            for phase in PHASES
        }
        verify = by_number.get(VERIFY_STEP)
        stored: list[Any] = verify.result.get("flags", []) if verify else []
        flags = [Flag.model_validate(f) for f in stored]
        return WorkflowStatus(
            trip_id=trip_id,
            started=True,
            current_step=state.current_step,
            current=get_step(state.current_step) if state.current_step else None,
            steps=progress,
            percent=_percent(len(finished), len(STEPS)),
            by_phase=by_phase,
            flags=flags,
            completed=len(finished) == len(STEPS),
            started_at=state.started_at,
            updated_at=state.updated_at,
        )

    def instruction(self, p: Principal, step: int | str, *, verbosity: str = "normal") -> str:
        """The assistant's instruction text for a step, from the instructions table."""
        s = get_step(step)
        instruction = self.service.get_instruction(p, s.instruction)
        if verbosity not in ("minimal", "normal", "detailed"):
            raise ValidationError(
                f"Unknown verbosity {verbosity!r}.", hint="Fix: use minimal, normal or detailed."
            )
        return instruction.for_verbosity(verbosity)  # type: ignore[arg-type]

    # -- writing ---------------------------------------------------------------------------------------------

    def start(self, p: Principal, trip_id: int, *, today: date | None = None) -> WorkflowStatus:
        """Start the workflow at step 1 (if already started, nothing changes)."""
        p.require_write("start a trip's workflow")
        with self.store.transaction() as conn:
            trip = trip_row(conn, p, trip_id)
            if conn.execute("SELECT 1 FROM workflow_state WHERE trip_id = ?", (trip_id,)).fetchone():
                return self.status(p, trip_id)
            now = self._now()
            conn.execute(
                "INSERT INTO workflow_state (trip_id, current_step, started_at, updated_at) VALUES (?, 1, "
                "?, ?)",
                (trip_id, now, now),
            )
            conn.executemany(
                "INSERT INTO workflow_steps (trip_id, step, status, started_at) VALUES (?, ?, ?, ?)",
                [
                    (
                        trip_id,
                        s.number,
                        "current" if s.number == 1 else "todo",
                        now if s.number == 1 else None,
                    )
                    for s in STEPS
                ],
            )
            self._log(
                conn, p, trip_id, "workflow.start", f"Started the workflow of '{trip['name']}' at step 1"
            )
        return self.status(p, trip_id)

    def tick(
        self, p: Principal, trip_id: int, step: int | str, item: int | str, *, done: bool = True
    ) -> WorkflowStatus:
        """Tick (or, with ``done=False``, untick) a checklist item, given by its index or its exact text."""
        p.require_write("tick a workflow checklist")
        s = get_step(step)
        index = _checklist_index(s, item)
        with self.store.transaction() as conn:
            row = self._step_row(conn, p, trip_id, s.number)
            ticks = set(_json(row["ticks"]))
            ticks = ticks | {index} if done else ticks - {index}
            conn.execute(
                "UPDATE workflow_steps SET ticks = ? WHERE trip_id = ? AND step = ?",
                (_dumps(sorted(ticks)), trip_id, s.number),
            )
            self._touch(conn, trip_id)
            verb = "Ticked" if done else "Unticked"
            self._log(conn, p, trip_id, "workflow.tick", f"{verb} '{s.checklist[index]}' (step {s.number})")
        return self.status(p, trip_id)

    def note(self, p: Principal, trip_id: int, step: int | str, text: str) -> WorkflowStatus:
        """Append a note to a step."""
        p.require_write("add a workflow note")
        s = get_step(step)
        with self.store.transaction() as conn:
            row = self._step_row(conn, p, trip_id, s.number)
            notes = f"{row['notes']}\n{text}".strip()
            conn.execute(
                "UPDATE workflow_steps SET notes = ? WHERE trip_id = ? AND step = ?",
                (notes, trip_id, s.number),
            )
            self._touch(conn, trip_id)
            self._log(conn, p, trip_id, "workflow.note", f"Added a note to step {s.number}")
        return self.status(p, trip_id)

    def advance(
        self, p: Principal, trip_id: int, *, force: bool = False, today: date | None = None
    ) -> WorkflowStatus:
        """Finish the current step and make the next unfinished one current. Refuses while checklist items are
        unticked (the error names them) unless ``force=True`` (the unticked items are noted on the step)."""
        p.require_write("advance a trip's workflow")
        with self.store.transaction() as conn:
            current = self._current(conn, p, trip_id)
            s = get_step(current)
            if s.number == VERIFY_STEP:
                self._run_checks(conn, p, trip_id, today)
            row = self._step_row(conn, p, trip_id, s.number)
            ticks = set(_json(row["ticks"]))
            unticked = [c for i, c in enumerate(s.checklist) if i not in ticks]
            if unticked and not force:
                raise ValidationError(
                    f"Step {s.number} '{s.title}' is not done: unticked "
                    + "; ".join(f"'{c}'" for c in unticked)
                    + ".",
                    hint="Fix: tick them when they are done (tick), or advance with force=True to move on "
                    "anyway.",
                )
            result = _json(row["result"])
            if unticked:
                result["forced_past"] = unticked
            self._finish(conn, trip_id, s.number, "done", result)
            nxt = self._next(conn, trip_id, s.number)
            self._make_current(conn, p, trip_id, nxt, today)
            forced = f" (forced past {len(unticked)} unticked item(s))" if unticked else ""
            where = f"step {nxt}" if nxt else "the end"
            self._log(
                conn, p, trip_id, "workflow.advance", f"Finished step {s.number}{forced}; now at {where}"
            )
        return self.status(p, trip_id)

    def skip(self, p: Principal, trip_id: int, *, today: date | None = None) -> WorkflowStatus:
        """Mark the current step skipped (it counts as finished) and move on."""
        p.require_write("skip a workflow step")
        with self.store.transaction() as conn:
            current = self._current(conn, p, trip_id)
            row = self._step_row(conn, p, trip_id, current)
            self._finish(conn, trip_id, current, "skipped", _json(row["result"]))
            nxt = self._next(conn, trip_id, current)
            self._make_current(conn, p, trip_id, nxt, today)
            self._log(conn, p, trip_id, "workflow.skip", f"Skipped step {current}")
        return self.status(p, trip_id)

    def set_step(
        self, p: Principal, trip_id: int, step: int | str, *, today: date | None = None
    ) -> WorkflowStatus:
        """Go to a step (to revisit it, or to jump ahead). The step left keeps its status: done if it was ever
        finished, else todo. Ticks and notes are kept."""
        p.require_write("change a trip's workflow step")
        s = get_step(step)
        with self.store.transaction() as conn:
            head = self._head(conn, p, trip_id)
            old = head["current_step"]
            if old is not None and old != s.number:
                row = self._step_row(conn, p, trip_id, old)
                was = "done" if row["completed_at"] else "todo"
                conn.execute(
                    "UPDATE workflow_steps SET status = ? WHERE trip_id = ? AND step = ?", (was, trip_id, old)
                )
            self._make_current(conn, p, trip_id, s.number, today)
            self._log(
                conn, p, trip_id, "workflow.set_step", f"Moved to step {s.number} '{s.title}' (from {old})"
            )
        return self.status(p, trip_id)

    def run_checks(self, p: Principal, trip_id: int, *, today: date | None = None) -> list[Flag]:
        """Run the trip checks now and store the flags with step 8 (the workflow must be started)."""
        p.require_write("run a trip's checks")
        with self.store.transaction() as conn:
            self._head(conn, p, trip_id)
            return self._run_checks(conn, p, trip_id, today)

    # -- internals -------------------------------------------------------------------------------------------

    def _now(self) -> str:
        return stamp(self.service.clock())

    def _log(self, conn: Any, p: Principal, trip_id: int, action: str, summary: str) -> None:
        log_activity(conn, p, self._now(), action, "workflow", trip_id, summary, trip_id=trip_id)

    def _head(self, conn: Any, p: Principal, trip_id: int) -> Any:
        trip_row(conn, p, trip_id)
        head = conn.execute("SELECT * FROM workflow_state WHERE trip_id = ?", (trip_id,)).fetchone()
        if head is None:
            raise ValidationError(
                f"The workflow of trip {trip_id} has not been started.",
                hint="Fix: start it first (Workflow.start, or the initialize_workflow tool).",
            )
        return head

    def _current(self, conn: Any, p: Principal, trip_id: int) -> int:
        head = self._head(conn, p, trip_id)
        if head["current_step"] is None:
            raise ValidationError(
                f"The workflow of trip {trip_id} is complete: every step is done or skipped.",
                hint="Fix: use set_step to revisit a step.",
            )
        return int(head["current_step"])

    def _step_row(self, conn: Any, p: Principal, trip_id: int, number: int) -> Any:
        self._head(conn, p, trip_id)
        return conn.execute(
            "SELECT * FROM workflow_steps WHERE trip_id = ? AND step = ?", (trip_id, number)
        ).fetchone()

    def _touch(self, conn: Any, trip_id: int, **columns: Any) -> None:
        sets = ", ".join(["updated_at = ?", *(f"{c} = ?" for c in columns)])
        conn.execute(
            f"UPDATE workflow_state SET {sets} WHERE trip_id = ?", [self._now(), *columns.values(), trip_id]
        )

    def _finish(
        self, conn: Any, trip_id: int, number: int, status: StepStatus, result: dict[str, Any]
    ) -> None:
        conn.execute(
            "UPDATE workflow_steps SET status = ?, completed_at = ?, result = ? WHERE trip_id = ? AND step "
            "= ?",
            (status, self._now(), _dumps(result), trip_id, number),
        )

    def _next(self, conn: Any, trip_id: int, after: int) -> int | None:
        rows = conn.execute(
            "SELECT step, status FROM workflow_steps WHERE trip_id = ? ORDER BY step", (trip_id,)
        )
        open_steps = [r[0] for r in rows.fetchall() if r[1] not in _FINISHED]
        later = [n for n in open_steps if n > after]
        return (later or open_steps or [None])[0]

    def _make_current(
        self, conn: Any, p: Principal, trip_id: int, number: int | None, today: date | None
    ) -> None:
        if number is None:
            self._touch(conn, trip_id, current_step=None, completed_at=self._now())
            return
        conn.execute(
            "UPDATE workflow_steps SET status = 'current', started_at = IFNULL(started_at, ?) WHERE "
            "trip_id = ? AND step = ?",
            (self._now(), trip_id, number),
        )
        self._touch(conn, trip_id, current_step=number, completed_at=None)
        if number == VERIFY_STEP:
            self._run_checks(conn, p, trip_id, today)

    def _run_checks(self, conn: Any, p: Principal, trip_id: int, today: date | None) -> list[Flag]:
        flags = self.service.check_trip(p, trip_id, today=today)
        row = conn.execute(
            "SELECT ticks, result FROM workflow_steps WHERE trip_id = ? AND step = ?", (trip_id, VERIFY_STEP)
        ).fetchone()
        result = _json(row["result"]) | {
            "flags": [f.model_dump() for f in flags],
            "checked_at": self._now(),
        }
        ticks = sorted(set(_json(row["ticks"])) | {0})
        conn.execute(
            "UPDATE workflow_steps SET result = ?, ticks = ? WHERE trip_id = ? AND step = ?",
            (_dumps(result), _dumps(ticks), trip_id, VERIFY_STEP),
        )
        errors = sum(1 for f in flags if f.severity == "error")
        self._log(
            conn,
            p,
            trip_id,
            "workflow.checks",
            f"Ran the trip checks: {len(flags)} flag(s), {errors} error(s)",
        )
        return flags


def _checklist_index(step: Step, item: int | str) -> int:
    if isinstance(item, int):
        if 0 <= item < len(step.checklist):
            return item
    else:
        wanted = item.strip().casefold()
        for i, text in enumerate(step.checklist):
            if text.casefold() == wanted:
                return i
    listing = "; ".join(f"{i}: {c}" for i, c in enumerate(step.checklist))
    raise ValidationError(
        f"Step {step.number} '{step.title}' has no checklist item {item!r}.",
        hint=f"Fix: use an index or the exact text of one of: {listing}.",
    )


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _json(text: str) -> Any:
    return json.loads(text) if text else {}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
