"""``travel-db``: the travel store as MCP tools (replaces the original d1-database server).

Thin over ``core.travel``: search, the trip plan, the activity log, clients and trips, a small set of atomic bulk
operations, the 12-step workflow, a health check and a read-only SQL explorer. The acting user is the store's
administrator (``Principal.default_admin()``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict, Field

from core.config import Settings
from core.errors import TravelOpsError, ValidationError
from core.mcp.servers._common import (
    DESTRUCTIVE,
    IDEMPOTENT_WRITE,
    READ_ONLY,
    WRITE,
    Backend,
    Output,
    did_you_mean,
    lesson,
    new_server,
    require_trip,
)
from core.travel import (
    ActivityEntry,
    Client,
    Flag,
    Hit,
    Item,
    PaymentSchedule,
    Traveler,
    TravelerPreferences,
    Trip,
    TripPlan,
    Workflow,
    WorkflowStatus,
    get_step,
)

if TYPE_CHECKING:
    from core.travel import Step

__all__ = ["build"]

NAME = "travel-db"
INSTRUCTIONS = (
    "The agency's clients, travellers, trips and the 12-step planning workflow. Start with get_anything(query) "
    "or continue_trip(query=...) to find the trip; read its workflow step and instruction; save what you "
    "learn with create_client / create_trip / bulk_trip_operations; move on with advance_workflow_phase. "
    "Never invent prices, availability or confirmation numbers."
)

MAX_SQL_ROWS = 500
SQL_TIMEOUT_S = 2.0
_SQL_MAX_LENGTH = 5_000_000  # bytes of any one value a query may build (zeroblob(1e9) is refused)
_CELL_CHARS = 2_000
# Encrypted at rest; explore_database never reads them (the services decrypt for the people allowed to).
SECRET_COLUMNS: frozenset[tuple[str, str]] = frozenset({("travel_documents", "number_enc")})
_READ_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)


def _choices(model: type[BaseModel], field: str) -> str:
    return ", ".join(str(v) for v in get_args(model.model_fields[field].annotation) if v is not None)


# ----------------------------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def fields(self) -> dict[str, Any]:
        """The fields the caller gave (for the service's keyword arguments)."""
        return self.model_dump(exclude_unset=True)


Cents = Annotated[int, Field(ge=0, description="Whole cents of the currency: 1,250.50 is 125050.")]


class ClientInput(_Input):
    """A household (the client who pays)."""

    name: str = Field(min_length=1, description="Household name, e.g. 'Ana & Rui Silva'.")
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    notes: str = ""
    tags: list[str] = Field(default_factory=list)
    external_id: str | None = Field(default=None, description="Id in another system, for re-imports.")


class TravelDocumentInput(_Input):
    kind: Literal["passport", "visa", "id"] = "passport"
    number: str = Field(description="Stored encrypted; shown masked (••••1234) everywhere.")
    country: str = Field(description="Issuing country, ISO 3166-1 alpha-2, e.g. PT.")
    expiry: date | None = None


class TravelerInput(_Input):
    """A person of the household, with legal names as on the passport."""

    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    date_of_birth: date | None = None
    email: str | None = None
    phone: str | None = None
    preferences: TravelerPreferences | None = None
    documents: list[TravelDocumentInput] = Field(default_factory=list)
    notes: str = ""


class TripInput(_Input):
    name: str = Field(min_length=1, description="e.g. 'Lisbon in May'.")
    status: str = Field(default="planning", description=f"One of: {_choices(Trip, 'status')}.")
    start_date: date | None = None
    end_date: date | None = None
    destinations: list[str] = Field(default_factory=list, description="Cities or regions, in order.")
    budget_cents: Cents | None = None
    currency: str | None = Field(default=None, description="ISO 4217, e.g. EUR (default USD).")
    lead_source: str | None = None
    planning_fee_cents: Cents = 0
    notes: str = ""


class ItemInput(_Input):
    """One itinerary item. Times are local wall-clock times with their IANA zone, as on the ticket."""

    kind: str = Field(description=f"One of: {_choices(Item, 'kind')}.")
    title: str = Field(min_length=1, description="e.g. 'TP 202 JFK → LIS' or 'Avenida Palace'.")
    day_date: date | None = Field(
        default=None,
        description="The trip day it belongs to (the day is created when missing). Leave out, with day_id, "
        "for an unscheduled item.",
    )
    day_id: int | None = Field(default=None, description="Or the id of the trip's day.")
    position: int | None = Field(default=None, ge=0, description="0 = first of the day; default: last.")
    place_name: str | None = None
    start_local: datetime | None = Field(default=None, description="Local time, YYYY-MM-DDTHH:MM.")
    start_tz: str | None = Field(default=None, description="IANA zone, e.g. Europe/Lisbon.")
    end_local: datetime | None = None
    end_tz: str | None = None
    supplier_id: int | None = None
    confirmation_numbers: list[str] = Field(default_factory=list)
    status: str = Field(default="proposed", description=f"One of: {_choices(Item, 'status')}.")
    cost_cents: Cents = 0
    sell_cents: Cents = 0
    currency: str | None = Field(default=None, description="Default: the trip's currency.")
    commission_rate: float | None = Field(default=None, ge=0, le=1, description="0.1 for 10 %.")
    deposit_due: date | None = None
    final_payment_due: date | None = None
    client_notes: str = ""
    internal_notes: str = ""


class ItemChanges(_Input):
    """Fields of an item to change; the others stay as they are."""

    title: str | None = None
    place_name: str | None = None
    start_local: datetime | None = None
    start_tz: str | None = None
    end_local: datetime | None = None
    end_tz: str | None = None
    supplier_id: int | None = None
    confirmation_numbers: list[str] | None = None
    status: str | None = Field(default=None, description=f"One of: {_choices(Item, 'status')}.")
    cost_cents: Cents | None = None
    sell_cents: Cents | None = None
    commission_rate: float | None = Field(default=None, ge=0, le=1)
    commission_status: str | None = Field(
        default=None, description=f"One of: {_choices(Item, 'commission_status')}."
    )
    deposit_due: date | None = None
    final_payment_due: date | None = None
    client_notes: str | None = None
    internal_notes: str | None = None


class TripChanges(_Input):
    """Fields of a trip to change; the others stay as they are."""

    name: str | None = None
    status: str | None = Field(default=None, description=f"One of: {_choices(Trip, 'status')}.")
    start_date: date | None = None
    end_date: date | None = None
    destinations: list[str] | None = None
    party: list[int] | None = Field(default=None, description="Traveller ids, in order.")
    budget_cents: Cents | None = None
    currency: str | None = None
    planning_fee_cents: Cents | None = None
    notes: str | None = None


class AddItems(_Input):
    op: Literal["add_items"]
    trip_id: int = Field(ge=1)
    items: list[ItemInput] = Field(min_length=1, max_length=100)


class UpdateItem(_Input):
    op: Literal["update_item"]
    item_id: int = Field(ge=1)
    changes: ItemChanges


class UpdateTrip(_Input):
    op: Literal["update_trip"]
    trip_id: int = Field(ge=1)
    changes: TripChanges


class AddPayment(_Input):
    op: Literal["add_payment"]
    trip_id: int = Field(ge=1)
    due_date: date
    amount_cents: int = Field(gt=0, description="Whole cents: 1,000.00 is 100000.")
    description: str = ""
    paid: bool = False
    paid_on: date | None = None


Operation = Annotated[AddItems | UpdateItem | UpdateTrip | AddPayment, Field(discriminator="op")]

TripId = Annotated[int, Field(ge=1, description="The trip's id (find it with get_anything).")]
StepRef = Annotated[int | str, Field(description="A step number 1–12, or its key such as 'verify_trip'.")]
Verbosity = Literal["minimal", "normal", "detailed"]

# ----------------------------------------------------------------------------------------------------------
# Outputs
# ----------------------------------------------------------------------------------------------------------


class SearchResult(Output):
    query: str
    hits: list[Hit]
    hint: str = ""


class StepGuide(Output):
    """A workflow step: what it is for, what 'done' means, which tools it uses, and the assistant's
    instruction."""

    number: int
    key: str
    title: str
    phase: str
    purpose: str
    checklist: list[str]
    tools: list[str]
    verbosity: Verbosity
    instruction: str


class StepLine(Output):
    number: int
    title: str
    phase: str
    status: str


class WorkflowView(Output):
    trip_id: int
    trip_name: str
    started: bool
    completed: bool
    current_step: int | None
    current_title: str | None
    percent: float
    by_phase: dict[str, float]
    current_done: list[str] = Field(description="Checklist items of the current step already ticked.")
    current_open: list[str] = Field(description="Checklist items of the current step still open.")
    flags: list[Flag] = Field(description="What the step-8 checks found, from their last run.")
    steps: list[StepLine]
    next_action: str


class TripContinuation(Output):
    plan: TripPlan
    workflow: WorkflowView
    next_step: StepGuide | None
    other_matches: list[Hit] = Field(default_factory=list)


class ActivityList(Output):
    entries: list[ActivityEntry]


class ClientCreated(Output):
    client: Client
    next: str


class TripCreated(Output):
    trip: Trip
    next: str


class TripWithClientCreated(Output):
    client: Client
    travelers: list[Traveler]
    trip: Trip
    next: str


class OperationDone(Output):
    index: int
    op: str
    summary: str
    ids: list[int]


class BulkResult(Output):
    applied: list[OperationDone]
    trip_ids: list[int]
    next: str


class WorkflowChange(Output):
    workflow: WorkflowView
    next_step: StepGuide | None


class StoreCounts(Output):
    clients: int
    travelers: int
    trips: int
    items: int


class Health(Output):
    ok: bool
    store: str
    schema_version: int
    counts: StoreCounts
    encryption: str
    integrity: list[str]
    notices: list[str]


class QueryResult(Output):
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    elapsed_ms: float


# ----------------------------------------------------------------------------------------------------------
# Helpers (presentation only: the rules live in core.travel)
# ----------------------------------------------------------------------------------------------------------


def _guide(wf: Workflow, backend: Backend, step: Step, verbosity: Verbosity) -> StepGuide:
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


def _next_action(trip: Trip, status: WorkflowStatus) -> str:
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


def _view(trip: Trip, status: WorkflowStatus) -> WorkflowView:
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
        next_action=_next_action(trip, status),
    )


def _step_number(step: int | str) -> int | str:
    return int(step) if isinstance(step, str) and step.strip().isdigit() else step


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


def _secret_refusal(table: str, column: str) -> str:
    return (
        f"explore_database may not read {table}.{column}: passport, visa and id numbers are stored "
        "encrypted and never leave the store. Fix: select other columns (number_last4 holds the last four "
        "characters), not '*'."
    )


def run_readonly_query(
    path: Path,
    sql: str,
    *,
    max_rows: int = 100,
    timeout_s: float = SQL_TIMEOUT_S,
    clock: Callable[[], float] = time.monotonic,
) -> QueryResult:
    """Run one SELECT on a read-only connection to ``path``: ``mode=ro``, ``query_only``, an authorizer
    that allows only reads (and never ``SECRET_COLUMNS``), at most ``max_rows`` rows and ``timeout_s``
    seconds. Raises ``ValidationError`` saying what to change."""
    text = sql.strip().rstrip(";").strip()
    words = _strip_comments(text).split(None, 1)
    first = words[0].upper() if words else ""
    if first not in ("SELECT", "WITH"):
        raise ValidationError(
            f"explore_database runs one read-only SELECT (or WITH … SELECT); got {first or 'nothing'!r}.",
            hint="Fix: write a SELECT, e.g. SELECT name FROM sqlite_master WHERE type = 'table'. Change data "
            "with the write tools (create_trip, bulk_trip_operations, …).",
        )
    denied: list[str] = []

    def authorize(
        action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None
    ) -> int:
        if action == sqlite3.SQLITE_READ and (arg1, arg2) in SECRET_COLUMNS:
            denied.append(_secret_refusal(str(arg1), str(arg2)))
            return sqlite3.SQLITE_DENY
        if action not in _READ_ACTIONS:
            denied.append(
                "explore_database only reads: this statement would change the database or its settings."
            )
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    started = clock()
    deadline = started + timeout_s

    def out_of_time() -> int:
        return 1 if clock() > deadline else 0

    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout_s)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _SQL_MAX_LENGTH)
        conn.set_authorizer(authorize)
        conn.set_progress_handler(out_of_time, 1_000)
        try:
            cursor = conn.execute(text)
            fetched = cursor.fetchmany(max_rows + 1)
        except (sqlite3.Warning, sqlite3.ProgrammingError) as e:
            raise ValidationError(
                f"explore_database runs exactly one statement: {e}",
                hint="Fix: send one SELECT, without another statement after a ';'.",
            ) from e
        except sqlite3.DatabaseError as e:
            if denied:
                raise ValidationError(denied[0]) from e
            if "interrupted" in str(e):
                raise ValidationError(
                    f"The query took longer than {timeout_s:g} s and was stopped.",
                    hint="Fix: add a WHERE clause or a LIMIT, or aggregate (COUNT, GROUP BY) instead of "
                    "scanning everything.",
                ) from e
            raise ValidationError(
                f"SQLite refused the query: {e}.",
                hint="Fix: check table and column names (SELECT sql FROM sqlite_master lists the schema).",
            ) from e
        columns = [d[0] for d in cursor.description or []]
    finally:
        conn.close()
    rows = [[_cell(v) for v in row] for row in fetched[:max_rows]]
    return QueryResult(
        columns=columns,
        rows=rows,
        row_count=len(rows),
        truncated=len(fetched) > max_rows,
        elapsed_ms=round((clock() - started) * 1000, 1),
    )


def _strip_comments(sql: str) -> str:
    text = sql.lstrip()
    while text.startswith(("--", "/*")):
        if text.startswith("--"):
            text = text.split("\n", 1)[1] if "\n" in text else ""
        else:
            text = text.split("*/", 1)[1] if "*/" in text else ""
        text = text.lstrip()
    return text


def _cell(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, str) and len(value) > _CELL_CHARS:
        return value[:_CELL_CHARS] + f"… ({len(value)} characters)"
    return value


# ----------------------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------------------


def build(settings: Settings) -> MCPServer[Any]:
    """The travel-db server over the travel store of ``settings``."""
    backend = Backend(settings)
    server = new_server(NAME, backend, instructions=INSTRUCTIONS)

    def workflow() -> Workflow:
        return Workflow(backend.service)

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
        wf = workflow()
        status = wf.status(p, trip_id)
        step = status.current
        return TripContinuation(
            plan=service.get_trip_plan(p, trip_id),
            workflow=_view(trip, status),
            next_step=_guide(wf, backend, step, verbosity) if step is not None else None,
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
        status: Annotated[str, Field(description=f"One of: {_choices(Trip, 'status')}.")] = "planning",
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

    @server.tool(annotations=IDEMPOTENT_WRITE)
    def initialize_workflow(trip_id: TripId, verbosity: Verbosity = "normal") -> WorkflowChange:
        """Start a trip's 12-step workflow at step 1 (if it was started already, nothing changes)."""
        trip = require_trip(backend, trip_id)
        wf = workflow()
        status = wf.start(backend.principal, trip_id)
        return _change(wf, backend, trip, status, verbosity)

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
                        wf.tick(p, trip_id, current, _step_number(item))
                status = wf.advance(p, trip_id, force=force)
        except ValidationError as e:
            if "is not done" in e.message:
                raise ToolError(
                    f"{e.message} Fix: call advance_workflow_phase(trip_id={trip_id}, done=[the items that "
                    "are done]) or, to move on anyway, force=true (the open items are noted on the step)."
                ) from e
            raise
        return _change(wf, backend, trip, status, verbosity)

    @server.tool(annotations=IDEMPOTENT_WRITE)
    def set_workflow_step(trip_id: TripId, step: StepRef, verbosity: Verbosity = "normal") -> WorkflowChange:
        """Go to a step, to revisit it or jump ahead. Ticks and notes are kept; the step left stays done if
        it was ever finished."""
        trip = require_trip(backend, trip_id)
        wf = workflow()
        status = wf.set_step(backend.principal, trip_id, _step_number(step))
        return _change(wf, backend, trip, status, verbosity)

    @server.tool(annotations=READ_ONLY)
    def get_workflow_status(trip_id: TripId) -> WorkflowView:
        """Where a trip is in the 12 steps: the current step, its open checklist items, progress by phase,
        and the flags the step-8 checks found."""
        trip = require_trip(backend, trip_id)
        return _view(trip, workflow().status(backend.principal, trip_id))

    @server.tool(annotations=READ_ONLY)
    def get_workflow_instructions(
        trip_id: Annotated[int | None, Field(ge=1, description="The trip: its current step.")] = None,
        step: Annotated[int | str | None, Field(description="Or a step: 1–12 or a key.")] = None,
        verbosity: Verbosity = "normal",
    ) -> StepGuide:
        """The instruction, checklist and tools of a trip's current step, or of any step."""
        wf = workflow()
        if step is not None:
            return _guide(wf, backend, get_step(_step_number(step)), verbosity)
        if trip_id is None:
            raise ToolError(
                "get_workflow_instructions needs trip_id (for its current step) or step (1–12 or a key such "
                "as 'verify_trip')."
            )
        trip = require_trip(backend, trip_id)
        status = wf.status(backend.principal, trip_id)
        if status.current is None:
            raise ToolError(_next_action(trip, status))
        return _guide(wf, backend, status.current, verbosity)

    @server.tool(annotations=READ_ONLY)
    def health_check(
        deep: Annotated[bool, Field(description="Also run SQLite's integrity check (slower).")] = False,
    ) -> Health:
        """Is the travel store reachable, migrated, encrypted and sound?"""
        service, p = backend.service, backend.principal
        store = service.store

        def count(sql: str) -> int:
            row = store.query_one(sql, (p.agency_id,))
            return int(row[0]) if row else 0

        counts = StoreCounts(
            clients=count("SELECT COUNT(*) FROM clients WHERE agency_id = ?"),
            travelers=count(
                "SELECT COUNT(*) FROM travelers t JOIN clients c ON c.id = t.client_id WHERE c.agency_id = ?"
            ),
            trips=count("SELECT COUNT(*) FROM trips WHERE agency_id = ?"),
            items=count(
                "SELECT COUNT(*) FROM items i JOIN trips t ON t.id = i.trip_id WHERE t.agency_id = ?"
            ),
        )
        try:
            encryption = (
                "ok" if service.cipher.decrypt(service.cipher.encrypt("check")) == "check" else "broken"
            )
        except TravelOpsError as e:
            encryption = lesson(e)
        integrity = store.integrity_check() if deep else ["not run (deep=false)"]
        ok = encryption == "ok" and (not deep or integrity == ["ok"])
        return Health(
            ok=ok,
            store=str(store.path),
            schema_version=store.schema_version,
            counts=counts,
            encryption=encryption,
            integrity=integrity,
            notices=list(backend.settings.notices),
        )

    @server.tool(annotations=READ_ONLY)
    def explore_database(
        sql: Annotated[
            str,
            Field(
                min_length=1,
                max_length=10_000,
                description="One SELECT (or WITH … SELECT). The schema: SELECT name, sql FROM sqlite_master.",
            ),
        ],
        max_rows: Annotated[int, Field(ge=1, le=MAX_SQL_ROWS)] = 100,
    ) -> QueryResult:
        """Read the travel database with SQL, read-only: one SELECT, at most max_rows rows and 2 seconds;
        encrypted document numbers are never readable. Admins only; it sees every table as stored."""
        backend.principal.require_admin("explore the raw travel database")
        return run_readonly_query(backend.service.store.path, sql, max_rows=max_rows)

    return server


def _change(
    wf: Workflow, backend: Backend, trip: Trip, status: WorkflowStatus, verbosity: Verbosity
) -> WorkflowChange:
    step = status.current
    return WorkflowChange(
        workflow=_view(trip, status),
        next_step=_guide(wf, backend, step, verbosity) if step is not None else None,
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
