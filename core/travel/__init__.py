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

# The face is lazy (PEP 562): `travelops --help` and other light importers don't pay for sqlite, rapidfuzz
# and the services until a name is used.
# The type checker's imports below are re-exported through `__all__ = sorted(_LAZY)`, which pyright cannot read;
# tests/core/test_faces.py checks that the imports, the table and __all__ name the same things.
# pyright: reportUnusedImport=false, reportUnsupportedDunderAll=false
from __future__ import annotations

from typing import TYPE_CHECKING

from core._lazy import lazy_getattr

if TYPE_CHECKING:
    from core.travel._checks import CHECKS, run_checks
    from core.travel._codes import COUNTRIES, CURRENCIES, city_timezone
    from core.travel._migrations import SCHEMA_VERSION
    from core.travel._models import (
        DEFAULT_TIER_LABELS,
        DETAIL_FIELDS,
        MAX_TIERS,
        PLACEHOLDER_AGENCY_NAME,
        ActivityEntry,
        Agency,
        Client,
        Day,
        Document,
        Instruction,
        Item,
        ItemDetails,
        ItineraryOption,
        LoyaltyProgram,
        NotFound,
        PaymentSchedule,
        RecordInvalid,
        StepState,
        Supplier,
        TravelDocument,
        Traveler,
        TravelerPreferences,
        Trip,
        User,
        WorkflowState,
        format_money,
        parse_record,
        to_cents,
    )
    from core.travel._results import (
        DUPLICATE_CLIENT_SCORE,
        ClientDraft,
        DayPlan,
        Flag,
        Hit,
        Match,
        TripPlan,
        TripTotals,
    )
    from core.travel._schedule import redate, time_order
    from core.travel._search import normalize
    from core.travel._services import TravelService
    from core.travel._store import StoreBusy, TravelStore
    from core.travel._totals import compute_totals, invoiceable, invoiced_items
    from core.travel.d1._importer import import_d1
    from core.travel.d1._report import D1DumpError, ImportReport, RowIssue, TableCounts
    from core.travel.workflow import PHASES, STEPS, Step, StepProgress, Workflow, WorkflowStatus, get_step

_LAZY: dict[str, str] = {
    "import_d1": "core.travel.d1._importer",
    "ImportReport": "core.travel.d1._report",
    "RowIssue": "core.travel.d1._report",
    "TableCounts": "core.travel.d1._report",
    "D1DumpError": "core.travel.d1._report",
    "CHECKS": "core.travel._checks",
    "run_checks": "core.travel._checks",
    "COUNTRIES": "core.travel._codes",
    "CURRENCIES": "core.travel._codes",
    "city_timezone": "core.travel._codes",
    "SCHEMA_VERSION": "core.travel._migrations",
    "DEFAULT_TIER_LABELS": "core.travel._models",
    "DETAIL_FIELDS": "core.travel._models",
    "MAX_TIERS": "core.travel._models",
    "PLACEHOLDER_AGENCY_NAME": "core.travel._models",
    "ItemDetails": "core.travel._models",
    "DUPLICATE_CLIENT_SCORE": "core.travel._results",
    "ActivityEntry": "core.travel._models",
    "Agency": "core.travel._models",
    "Client": "core.travel._models",
    "ClientDraft": "core.travel._results",
    "Day": "core.travel._models",
    "DayPlan": "core.travel._results",
    "Document": "core.travel._models",
    "Flag": "core.travel._results",
    "Hit": "core.travel._results",
    "Instruction": "core.travel._models",
    "Item": "core.travel._models",
    "ItineraryOption": "core.travel._models",
    "LoyaltyProgram": "core.travel._models",
    "Match": "core.travel._results",
    "NotFound": "core.travel._models",
    "PaymentSchedule": "core.travel._models",
    "RecordInvalid": "core.travel._models",
    "StepState": "core.travel._models",
    "Supplier": "core.travel._models",
    "TravelDocument": "core.travel._models",
    "Traveler": "core.travel._models",
    "TravelerPreferences": "core.travel._models",
    "Trip": "core.travel._models",
    "TripPlan": "core.travel._results",
    "TripTotals": "core.travel._results",
    "User": "core.travel._models",
    "WorkflowState": "core.travel._models",
    "format_money": "core.travel._models",
    "parse_record": "core.travel._models",
    "to_cents": "core.travel._models",
    "normalize": "core.travel._search",
    "redate": "core.travel._schedule",
    "time_order": "core.travel._schedule",
    "TravelService": "core.travel._services",
    "StoreBusy": "core.travel._store",
    "TravelStore": "core.travel._store",
    "compute_totals": "core.travel._totals",
    "invoiceable": "core.travel._totals",
    "invoiced_items": "core.travel._totals",
    "PHASES": "core.travel.workflow",
    "STEPS": "core.travel.workflow",
    "Step": "core.travel.workflow",
    "StepProgress": "core.travel.workflow",
    "Workflow": "core.travel.workflow",
    "WorkflowStatus": "core.travel.workflow",
    "get_step": "core.travel.workflow",
}

__all__ = sorted(_LAZY)  # one list: the lazy table


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
