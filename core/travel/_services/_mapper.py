"""The data mapper under ``TravelService``: how each record maps to its table, and the row-level helpers every
aggregate shares (finding a row in the principal's agency, writing the activity log).

Nothing here checks roles or opens transactions: the service mixins do that. The workflow (same package) uses
``trip_row`` and ``log_activity`` for its own table.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel

from core.errors import ValidationError
from core.security import Principal
from core.travel._models import (
    Agency,
    Client,
    Day,
    Document,
    Instruction,
    Item,
    ItineraryOption,
    NotFound,
    PaymentSchedule,
    Supplier,
    Traveler,
    Trip,
    User,
)
from core.travel._search import digits

M = TypeVar("M", bound=BaseModel)
# A trip's child record: it hangs off a trip by ``trip_id`` and belongs to that trip's agency.
C = TypeVar("C", ItineraryOption, Day, Item, PaymentSchedule, Document)

MAX_LIMIT = 500
PARTY = "party"
DOCUMENTS = "documents"


def _db(value: Any) -> Any:
    """A model value as SQLite stores it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if isinstance(value, (list, dict)):
        return json.dumps(_plain(value), ensure_ascii=False)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in cast(list[Any], value)]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in cast(dict[str, Any], value).items()}
    return value


def email_key(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def phone_key(phone: str | None) -> str | None:
    if not phone:
        return None
    d = digits(phone)
    return d[-9:] if len(d) >= 7 else None


class Table(Generic[M]):
    """How one model maps to one table: JSON columns, columns only the database has, fields only the model
    has."""

    def __init__(
        self,
        name: str,
        model: type[M],
        *,
        json_columns: Sequence[str] = (),
        db_only: Sequence[str] = (),
        model_only: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.model = model
        self.json_columns = frozenset(json_columns)
        self.db_only = frozenset(db_only)
        self.model_only = frozenset(model_only)
        self.columns = [f for f in model.model_fields if f not in self.model_only and f != "id"]

    def values(self, record: BaseModel) -> dict[str, Any]:
        return {c: _db(getattr(record, c)) for c in self.columns}

    def data(self, row: sqlite3.Row) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in row.keys():  # noqa: SIM118 - sqlite3.Row is not a mapping
            if key in self.db_only:
                continue
            value = row[key]
            if key in self.json_columns and isinstance(value, str):
                value = json.loads(value)
            out[key] = value
        return out


CLIENTS = Table("clients", Client, json_columns=["tags"], db_only=["email_key", "phone_key"])
TRAVELERS = Table(
    "travelers",
    Traveler,
    json_columns=["preferences", "loyalty_programs"],
    db_only=["email_key", "phone_key"],
    model_only=[DOCUMENTS],
)
TRIPS = Table("trips", Trip, json_columns=["destinations"], model_only=[PARTY])
OPTIONS = Table("itinerary_options", ItineraryOption)
DAYS = Table("days", Day)
ITEMS = Table("items", Item, json_columns=["confirmation_numbers", "details"])
SUPPLIERS = Table("suppliers", Supplier)
PAYMENTS = Table("payments", PaymentSchedule)
DOCS = Table("documents", Document)
USERS = Table("users", User)
AGENCIES = Table("agencies", Agency)
INSTRUCTIONS = Table("instructions", Instruction, json_columns=["variants"])


@dataclass(frozen=True)
class ChildKind(Generic[C]):
    """A kind of record that belongs to a trip: its table, its name in messages (``what``) and in the activity
    log (``entity``)."""

    table: Table[C]
    what: str
    entity: str


OPTION = ChildKind(OPTIONS, "itinerary option", "option")
DAY = ChildKind(DAYS, "day", "day")
ITEM = ChildKind(ITEMS, "item", "item")
PAYMENT = ChildKind(PAYMENTS, "payment", "payment")
DOCUMENT = ChildKind(DOCS, "document", "document")

# The order a trip's options, days and payments come in (from ``list_*`` and ``get_trip_plan`` alike).
OPTION_ORDER = "tier, id"
DAY_ORDER = "date, option_id IS NOT NULL, option_id, id"
PAYMENT_ORDER = "due_date, id"


def stamp(moment: datetime) -> str:
    """A timestamp as the store keeps it (ISO 8601, milliseconds)."""
    return moment.isoformat(timespec="milliseconds")


def not_found(what: str, ident: object, how: str = "") -> NotFound:
    return NotFound(
        f"No {what} {ident} in your agency.",
        hint=how or f"Fix: check the id (search with get_anything, or list the {what}s) and try again.",
    )


def find_row(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any], what: str, ident: object
) -> sqlite3.Row:
    """The one row ``sql`` finds, or ``NotFound`` naming ``what`` and ``ident``."""
    row: sqlite3.Row | None = conn.execute(sql, params).fetchone()
    if row is None:
        raise not_found(what, ident)
    return row


def trip_row(conn: sqlite3.Connection, p: Principal, trip_id: int) -> sqlite3.Row:
    """Trip ``trip_id`` if it is the principal's agency's (the agency check of everything under a trip)."""
    return find_row(
        conn,
        "SELECT * FROM trips WHERE id = ? AND agency_id = ?",
        (trip_id, p.agency_id),
        "trip",
        trip_id,
    )


def log_activity(
    conn: sqlite3.Connection,
    p: Principal,
    at: str,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    *,
    trip_id: int | None = None,
    client_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """One entry of the agency's activity log, at ``at`` (a ``stamp``), by the principal."""
    conn.execute(
        "INSERT INTO activity_log (agency_id, at, user_id, user_name, action, entity, entity_id, "
        "trip_id, client_id, summary, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p.agency_id,
            at,
            p.user_id,
            p.display_name,
            action,
            entity,
            entity_id,
            trip_id,
            client_id,
            summary,
            json.dumps(dict(details or {}), ensure_ascii=False, default=str),
        ),
    )


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit = {limit} is out of range.", hint=f"Fix: use 1 to {MAX_LIMIT}.")
    return limit


def chunks(ids: Sequence[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])
