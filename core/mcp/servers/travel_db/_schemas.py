"""travel-db's tool inputs (what a model sends) and outputs (what it reads back)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from core.mcp.servers._common import Output
from core.travel import ActivityEntry, Client, Flag, Hit, Item, Traveler, TravelerPreferences, Trip, TripPlan

__all__ = [
    "ActivityList",
    "AddItems",
    "AddPayment",
    "BulkResult",
    "Cents",
    "ClientCreated",
    "ClientInput",
    "ItemChanges",
    "ItemInput",
    "Operation",
    "OperationDone",
    "SearchResult",
    "ServerHealth",
    "StepGuide",
    "StepLine",
    "StepRef",
    "StoreCounts",
    "TravelDocumentInput",
    "TravelerInput",
    "TripChanges",
    "TripContinuation",
    "TripCreated",
    "TripId",
    "TripInput",
    "TripWithClientCreated",
    "UpdateItem",
    "UpdateTrip",
    "Verbosity",
    "WorkflowChange",
    "WorkflowView",
    "choices",
]


def choices(model: type[BaseModel], field: str) -> str:
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
    documents: list[TravelDocumentInput] = Field(default_factory=list[TravelDocumentInput])
    notes: str = ""


class TripInput(_Input):
    name: str = Field(min_length=1, description="e.g. 'Lisbon in May'.")
    status: str = Field(default="planning", description=f"One of: {choices(Trip, 'status')}.")
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

    kind: str = Field(description=f"One of: {choices(Item, 'kind')}.")
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
    status: str = Field(default="proposed", description=f"One of: {choices(Item, 'status')}.")
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
    status: str | None = Field(default=None, description=f"One of: {choices(Item, 'status')}.")
    cost_cents: Cents | None = None
    sell_cents: Cents | None = None
    commission_rate: float | None = Field(default=None, ge=0, le=1)
    commission_status: str | None = Field(
        default=None, description=f"One of: {choices(Item, 'commission_status')}."
    )
    deposit_due: date | None = None
    final_payment_due: date | None = None
    client_notes: str | None = None
    internal_notes: str | None = None


class TripChanges(_Input):
    """Fields of a trip to change; the others stay as they are."""

    name: str | None = None
    status: str | None = Field(default=None, description=f"One of: {choices(Trip, 'status')}.")
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
    other_matches: list[Hit] = Field(default_factory=list[Hit])


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


class ServerHealth(Output):
    # No docstring: it would become the output schema's description. The schema keeps the title clients saw.
    model_config = ConfigDict(title="Health")

    ok: bool
    store: str
    schema_version: int
    counts: StoreCounts
    encryption: str
    integrity: list[str]
    notices: list[str]
