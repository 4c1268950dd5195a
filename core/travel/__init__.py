"""The travel domain: clients, travelers, trips, itineraries, money, checks, search and the 12-step workflow.

Open it from settings, act as a ``Principal``::

    from core.security import Principal
    from core.travel import TravelService, Workflow

    service = TravelService.open(settings)   # <data_dir>/travel.db; key from env or <data_dir>/secret.key
    me = Principal.default_admin()
    client = service.create_client(me, name="Ana Silva", email="ana@example.com")
    trip = service.create_trip(me, name="Lisbon in May", client_id=client.id, start_date="2027-05-02",
                               end_date="2027-05-09", destinations=["Lisbon"], currency="EUR")
    service.get_anything(me, "lisbn")                # -> [Hit(kind="trip", title="Lisbon in May", ...)]
    Workflow(service).start(me, trip.id)

Money is integer cents (``to_cents``/``format_money``); item times are local with an IANA zone. Invalid input
raises ``RecordInvalid`` (a ``core.errors.ValidationError``) naming each field; unknown ids raise
``NotFound``; viewers writing raise ``core.errors.PermissionDenied``. Everything else in this package is
private.
"""

from core.travel._checks import CHECKS, run_checks
from core.travel._codes import COUNTRIES, CURRENCIES, city_timezone
from core.travel._migrations import SCHEMA_VERSION
from core.travel._models import (
    DEFAULT_TIER_LABELS,
    ActivityEntry,
    Agency,
    Client,
    ClientDraft,
    Day,
    DayPlan,
    Document,
    Flag,
    Hit,
    Instruction,
    Item,
    ItineraryOption,
    LoyaltyProgram,
    Match,
    NotFound,
    PaymentSchedule,
    RecordInvalid,
    StepState,
    Supplier,
    TravelDocument,
    Traveler,
    TravelerPreferences,
    Trip,
    TripPlan,
    TripTotals,
    User,
    WorkflowState,
    format_money,
    parse_record,
    to_cents,
)
from core.travel._search import normalize
from core.travel._services import TravelService
from core.travel._store import StoreBusy, TravelStore
from core.travel._totals import compute_totals
from core.travel.workflow import PHASES, STEPS, Step, StepProgress, Workflow, WorkflowStatus, get_step

__all__ = [
    "CHECKS",
    "COUNTRIES",
    "CURRENCIES",
    "DEFAULT_TIER_LABELS",
    "PHASES",
    "SCHEMA_VERSION",
    "STEPS",
    "ActivityEntry",
    "Agency",
    "Client",
    "ClientDraft",
    "Day",
    "DayPlan",
    "Document",
    "Flag",
    "Hit",
    "Instruction",
    "Item",
    "ItineraryOption",
    "LoyaltyProgram",
    "Match",
    "NotFound",
    "PaymentSchedule",
    "RecordInvalid",
    "Step",
    "StepProgress",
    "StepState",
    "StoreBusy",
    "Supplier",
    "TravelDocument",
    "TravelService",
    "TravelStore",
    "Traveler",
    "TravelerPreferences",
    "Trip",
    "TripPlan",
    "TripTotals",
    "User",
    "Workflow",
    "WorkflowState",
    "WorkflowStatus",
    "city_timezone",
    "compute_totals",
    "format_money",
    "get_step",
    "normalize",
    "parse_record",
    "run_checks",
    "to_cents",
]
