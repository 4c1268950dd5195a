"""``TravelService``: every read and write of the travel domain, for the app, the MCP servers and the CLI.

Rules every method follows:

- The acting ``Principal`` comes first. Reads see only the principal's agency; writes need the admin or agent
  role (viewers get ``PermissionDenied`` naming the action); a few (users, instructions, reindex) need admin.
- Input is keyword fields of the record (``create_trip(p, name=..., start_date=...)``), validated by the
  models in ``core.travel._models``; bad values raise ``RecordInvalid`` (a ``core.errors.ValidationError``)
  naming each field. Ids that do not exist in the agency raise ``NotFound``.
- Each mutating call is one transaction that also writes the search index and one activity-log entry: it
  happens completely or not at all. Group several calls atomically with ``with service.atomic(): ...``.
- Returned records are fresh reads of what was stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from pydantic import BaseModel, SecretStr
from rapidfuzz import fuzz

from core.errors import ValidationError
from core.security import FieldCipher, Principal
from core.travel._checks import run_checks
from core.travel._models import (
    SYSTEM_FIELDS,
    ActivityEntry,
    Agency,
    Client,
    ClientDraft,
    Day,
    DayPlan,
    Document,
    Flag,
    Hit,
    HitKind,
    Instruction,
    Item,
    ItineraryOption,
    Match,
    NotFound,
    PaymentSchedule,
    RecordInvalid,
    Supplier,
    TravelDocument,
    Traveler,
    Trip,
    TripPlan,
    TripTotals,
    User,
    days_between,
    merge,
    parse_record,
)
from core.travel._search import (
    DocText,
    RawHit,
    Searcher,
    bulk_load,
    delete_doc,
    digits,
    normalize,
    set_archived,
    upsert_doc,
)
from core.travel._store import TravelStore
from core.travel._totals import compute_totals

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["TravelService"]

M = TypeVar("M", bound=BaseModel)
# A trip's child record: it hangs off a trip by ``trip_id`` and belongs to that trip's agency.
C = TypeVar("C", ItineraryOption, Day, Item, PaymentSchedule, Document)

MAX_LIMIT = 500
_PARTY = "party"
_DOCUMENTS = "documents"


def _utcnow() -> datetime:
    return datetime.now(UTC)


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
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _email_key(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def _phone_key(phone: str | None) -> str | None:
    if not phone:
        return None
    d = digits(phone)
    return d[-9:] if len(d) >= 7 else None


class _Table(Generic[M]):
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


_CLIENTS = _Table("clients", Client, json_columns=["tags"], db_only=["email_key", "phone_key"])
_TRAVELERS = _Table(
    "travelers",
    Traveler,
    json_columns=["preferences", "loyalty_programs"],
    db_only=["email_key", "phone_key"],
    model_only=[_DOCUMENTS],
)
_TRIPS = _Table("trips", Trip, json_columns=["destinations"], model_only=[_PARTY])
_OPTIONS = _Table("itinerary_options", ItineraryOption)
_DAYS = _Table("days", Day)
_ITEMS = _Table("items", Item, json_columns=["confirmation_numbers"])
_SUPPLIERS = _Table("suppliers", Supplier)
_PAYMENTS = _Table("payments", PaymentSchedule)
_DOCS = _Table("documents", Document)
_USERS = _Table("users", User)
_AGENCIES = _Table("agencies", Agency)
_INSTRUCTIONS = _Table("instructions", Instruction, json_columns=["variants"])


@dataclass(frozen=True)
class _ChildKind(Generic[C]):
    """A kind of record that belongs to a trip: its table, its name in messages (``what``) and in the activity
    log (``entity``)."""

    table: _Table[C]
    what: str
    entity: str


_OPTION = _ChildKind(_OPTIONS, "itinerary option", "option")
_DAY = _ChildKind(_DAYS, "day", "day")
_ITEM = _ChildKind(_ITEMS, "item", "item")
_PAYMENT = _ChildKind(_PAYMENTS, "payment", "payment")
_DOCUMENT = _ChildKind(_DOCS, "document", "document")

# The order a trip's options, days and payments come in (from ``list_*`` and ``get_trip_plan`` alike).
_OPTION_ORDER = "tier, id"
_DAY_ORDER = "date, option_id IS NOT NULL, option_id, id"
_PAYMENT_ORDER = "due_date, id"


class TravelService:
    """The travel domain's services over one ``TravelStore``. Thread-safe; cheap to share.

    ``TravelService.open(settings)`` builds the store at ``settings.travel_db_path`` and the cipher from the
    environment or ``<data_dir>/secret.key``. Tests pass their own ``TravelStore(tmp_path / "travel.db")``.
    ``clock`` (UTC) is for tests; ``today`` arguments default to the local date.
    """

    def __init__(
        self, store: TravelStore, cipher: FieldCipher, *, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.store = store
        self.cipher = cipher
        self._clock = clock
        self._searcher = Searcher()

    @classmethod
    def open(cls, settings: Settings) -> TravelService:
        return cls(TravelStore(settings.travel_db_path), FieldCipher.from_settings(settings))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> TravelService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Group several service calls into one transaction: all of them happen, or none."""
        with self.store.transaction():
            yield

    # ======================================================================================================
    # Plumbing
    # ======================================================================================================

    def _now(self) -> str:
        return self._clock().isoformat(timespec="milliseconds")

    def _insert(self, conn: sqlite3.Connection, table: _Table[Any], record: BaseModel, **extra: Any) -> int:
        now = self._now()
        values = table.values(record) | extra
        if "created_at" in values:
            values["created_at"] = now
        if "updated_at" in values:
            values["updated_at"] = now
        cols = ", ".join(values)
        marks = ", ".join("?" * len(values))
        cur = conn.execute(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", list(values.values()))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _update(
        self, conn: sqlite3.Connection, table: _Table[Any], row_id: int, record: BaseModel, **extra: Any
    ) -> None:
        values = table.values(record) | extra
        values.pop("created_at", None)
        if "updated_at" in values:
            values["updated_at"] = self._now()
        sets = ", ".join(f"{c} = ?" for c in values)
        conn.execute(f"UPDATE {table.name} SET {sets} WHERE id = ?", [*values.values(), row_id])

    def _log(
        self,
        conn: sqlite3.Connection,
        p: Principal,
        action: str,
        entity: str,
        entity_id: int | None,
        summary: str,
        *,
        trip_id: int | None = None,
        client_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        conn.execute(
            "INSERT INTO activity_log (agency_id, at, user_id, user_name, action, entity, entity_id, "
            "trip_id, client_id, summary, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                p.agency_id,
                self._now(),
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

    @staticmethod
    def _reject_system(fields: Mapping[str, Any], what: str, also: Sequence[str] = ()) -> None:
        blocked = sorted(set(fields) & (SYSTEM_FIELDS | set(also)))
        if blocked:
            raise RecordInvalid(
                f"Invalid {what}: {', '.join(blocked)} cannot be set by the caller.",
                problems={b: "set by the store" for b in blocked},
                hint="Fix: leave it out; the store assigns ids, agencies and timestamps.",
            )

    @staticmethod
    def _not_found(what: str, ident: object, how: str = "") -> NotFound:
        return NotFound(
            f"No {what} {ident} in your agency.",
            hint=how or f"Fix: check the id (search with get_anything, or list the {what}s) and try again.",
        )

    def _row(
        self, conn: sqlite3.Connection, sql: str, params: Sequence[Any], what: str, ident: object
    ) -> sqlite3.Row:
        row = conn.execute(sql, params).fetchone()
        if row is None:
            raise self._not_found(what, ident)
        return row

    def _client_row(self, conn: sqlite3.Connection, p: Principal, client_id: int) -> sqlite3.Row:
        return self._row(
            conn,
            "SELECT * FROM clients WHERE id = ? AND agency_id = ?",
            (client_id, p.agency_id),
            "client",
            client_id,
        )

    def _traveler_row(self, conn: sqlite3.Connection, p: Principal, traveler_id: int) -> sqlite3.Row:
        return self._row(
            conn,
            "SELECT t.* FROM travelers t JOIN clients c ON c.id = t.client_id WHERE t.id = ? AND "
            "c.agency_id = ?",
            (traveler_id, p.agency_id),
            "traveler",
            traveler_id,
        )

    def _trip_row(self, conn: sqlite3.Connection, p: Principal, trip_id: int) -> sqlite3.Row:
        return self._row(
            conn,
            "SELECT * FROM trips WHERE id = ? AND agency_id = ?",
            (trip_id, p.agency_id),
            "trip",
            trip_id,
        )

    def _child(self, conn: sqlite3.Connection, p: Principal, kind: _ChildKind[C], row_id: int) -> C:
        """Record ``row_id`` of a trip's child ``kind`` (option, day, item, ...), if the trip is the
        principal's agency's; ``NotFound`` naming ``kind.what`` otherwise."""
        row = self._row(
            conn,
            f"SELECT x.* FROM {kind.table.name} x JOIN trips t ON t.id = x.trip_id WHERE x.id = ? AND "
            "t.agency_id = ?",
            (row_id, p.agency_id),
            kind.what,
            row_id,
        )
        return self._model(kind.table, row)

    @classmethod
    def _children(cls, conn: sqlite3.Connection, table: _Table[M], trip_id: int, order_by: str) -> list[M]:
        """Every record of a trip's child ``table``, ordered by ``order_by`` (one of ours, not input)."""
        rows = conn.execute(f"SELECT * FROM {table.name} WHERE trip_id = ? ORDER BY {order_by}", (trip_id,))
        return [cls._model(table, r) for r in rows.fetchall()]

    def _list_children(self, p: Principal, trip_id: int, table: _Table[M], order_by: str) -> list[M]:
        """``_children`` of a trip the principal can see (``NotFound`` otherwise)."""
        conn = self.store.connection()
        self._trip_row(conn, p, trip_id)
        return self._children(conn, table, trip_id, order_by)

    def _add_child(
        self,
        p: Principal,
        kind: _ChildKind[C],
        trip_id: int,
        fields: Mapping[str, Any],
        *,
        summary: Callable[[C], str],
        check: Callable[[sqlite3.Connection, C], None] | None = None,
    ) -> C:
        """Add a child record to a trip in one transaction: validate ``fields``, ``check`` the record, write it
        and log ``<entity>.create`` with ``summary(record)``. Returns the record as stored."""
        what, entity = kind.what, kind.entity
        self._reject_system(fields, what, also=["trip_id"])
        record = parse_record(kind.table.model, dict(fields) | {"trip_id": trip_id}, what=what)
        with self.store.transaction() as conn:
            self._trip_row(conn, p, trip_id)
            if check is not None:
                check(conn, record)
            row_id = self._insert(conn, kind.table, record)
            self._log(conn, p, f"{entity}.create", entity, row_id, summary(record), trip_id=trip_id)
        return self._child(self.store.connection(), p, kind, row_id)

    def _update_child(
        self,
        p: Principal,
        kind: _ChildKind[C],
        row_id: int,
        changes: Mapping[str, Any],
        *,
        summary: Callable[[C], str],
        check: Callable[[sqlite3.Connection, C], None] | None = None,
    ) -> C:
        """Apply ``changes`` to a trip's child record in one transaction (its ``trip_id`` cannot change):
        validate, ``check`` the result, write it and log ``<entity>.update`` with ``summary(record)``. Returns
        the record as stored."""
        what, entity = kind.what, kind.entity
        with self.store.transaction() as conn:
            current = self._child(conn, p, kind, row_id)
            record = parse_record(
                kind.table.model, merge(current, changes, what=what, frozen=["trip_id"]), what=what
            )
            if check is not None:
                check(conn, record)
            self._update(conn, kind.table, row_id, record)
            self._log(
                conn,
                p,
                f"{entity}.update",
                entity,
                row_id,
                summary(record),
                trip_id=record.trip_id,
                details={"changed": sorted(changes)},
            )
        return self._child(self.store.connection(), p, kind, row_id)

    def _supplier_row(self, conn: sqlite3.Connection, p: Principal, supplier_id: int) -> sqlite3.Row:
        return self._row(
            conn,
            "SELECT * FROM suppliers WHERE id = ? AND agency_id = ?",
            (supplier_id, p.agency_id),
            "supplier",
            supplier_id,
        )

    @staticmethod
    def _model(table: _Table[M], row: sqlite3.Row, **extra: Any) -> M:
        return table.model.model_validate(table.data(row) | extra)

    def _check_ref(
        self, conn: sqlite3.Connection, p: Principal, field: str, value: int | None, what: str, sql: str
    ) -> None:
        if value is None:
            return
        if conn.execute(sql, (value, p.agency_id)).fetchone() is None:
            raise RecordInvalid(
                f"Invalid {field} = {value}: no {what} {value} in your agency.",
                problems={field: f"no such {what}"},
                hint=f"Fix: use the id of an existing {what}.",
            )

    # ======================================================================================================
    # Agency and users
    # ======================================================================================================

    def get_agency(self, p: Principal) -> Agency:
        conn = self.store.connection()
        row = self._row(conn, "SELECT * FROM agencies WHERE id = ?", (p.agency_id,), "agency", p.agency_id)
        return self._model(_AGENCIES, row)

    def update_agency(self, p: Principal, **changes: Any) -> Agency:
        p.require_admin("change the agency's settings")
        with self.store.transaction() as conn:
            current = self.get_agency(p)
            record = parse_record(Agency, merge(current, changes, what="agency"), what="agency")
            self._update(conn, _AGENCIES, p.agency_id, record)
            self._log(
                conn,
                p,
                "agency.update",
                "agency",
                p.agency_id,
                "Updated the agency",
                details={"changed": sorted(changes)},
            )
        return self.get_agency(p)

    def create_agency(
        self, p: Principal, *, admin_name: str = "Administrator", **fields: Any
    ) -> tuple[Agency, User]:
        """Another agency in the same store, with its first administrator (admin only). Fields: name,
        default_currency. Act in it with ``user.principal()``."""
        p.require_admin("create an agency")
        self._reject_system(fields, "agency")
        record = parse_record(Agency, fields, what="agency")
        with self.store.transaction() as conn:
            agency_id = self._insert(conn, _AGENCIES, record)
            admin = parse_record(
                User, {"agency_id": agency_id, "display_name": admin_name, "role": "admin"}, what="user"
            )
            user_id = self._insert(conn, _USERS, admin)
            self._log(conn, p, "agency.create", "agency", agency_id, f"Created agency '{record.name}'")
        agency_row = self._row(
            self.store.connection(), "SELECT * FROM agencies WHERE id = ?", (agency_id,), "agency", agency_id
        )
        user_row = self._row(
            self.store.connection(), "SELECT * FROM users WHERE id = ?", (user_id,), "user", user_id
        )
        return self._model(_AGENCIES, agency_row), self._model(_USERS, user_row)

    def create_user(self, p: Principal, **fields: Any) -> User:
        """Add a user to the principal's agency (admin only). Fields: display_name, email, role, active."""
        p.require_admin("add users")
        self._reject_system(fields, "user")
        record = parse_record(User, fields | {"agency_id": p.agency_id}, what="user")
        with self.store.transaction() as conn:
            if (
                record.email
                and conn.execute(
                    "SELECT 1 FROM users WHERE agency_id = ? AND email = ?", (p.agency_id, record.email)
                ).fetchone()
            ):
                raise RecordInvalid(
                    f"Invalid user: email = '{record.email}' already belongs to another user.",
                    problems={"email": "already used"},
                    hint="Fix: use another email, or update the existing user.",
                )
            user_id = self._insert(conn, _USERS, record)
            self._log(
                conn, p, "user.create", "user", user_id, f"Added user '{record.display_name}' ({record.role})"
            )
        return self.get_user(p, user_id)

    def get_user(self, p: Principal, user_id: int) -> User:
        conn = self.store.connection()
        row = self._row(
            conn,
            "SELECT * FROM users WHERE id = ? AND agency_id = ?",
            (user_id, p.agency_id),
            "user",
            user_id,
        )
        return self._model(_USERS, row)

    def list_users(self, p: Principal) -> list[User]:
        rows = self.store.query("SELECT * FROM users WHERE agency_id = ? ORDER BY id", (p.agency_id,))
        return [self._model(_USERS, r) for r in rows]

    # ======================================================================================================
    # Clients
    # ======================================================================================================

    def create_client(self, p: Principal, **fields: Any) -> Client:
        """A new household. Fields: name, email, phone, address, notes, tags, external_id (see ``Client``)."""
        p.require_write("create a client")
        self._reject_system(fields, "client", also=["archived"])
        record = parse_record(Client, fields | {"agency_id": p.agency_id}, what="client")
        with self.store.transaction() as conn:
            client_id = self._insert_client(conn, p, record)
        return self.get_client(p, client_id)

    def _insert_client(self, conn: sqlite3.Connection, p: Principal, record: Client) -> int:
        if (
            record.external_id
            and conn.execute(
                "SELECT 1 FROM clients WHERE agency_id = ? AND external_id = ?",
                (p.agency_id, record.external_id),
            ).fetchone()
        ):
            raise RecordInvalid(
                f"Invalid client: external_id = '{record.external_id}' is already imported.",
                problems={"external_id": "already used"},
                hint="Fix: update that client instead (find it with find_by_external_id).",
            )
        client_id = self._insert(
            conn, _CLIENTS, record, email_key=_email_key(record.email), phone_key=_phone_key(record.phone)
        )
        self._index_client(conn, client_id, record)
        self._log(
            conn,
            p,
            "client.create",
            "client",
            client_id,
            f"Created client '{record.name}'",
            client_id=client_id,
        )
        return client_id

    def get_client(self, p: Principal, client_id: int) -> Client:
        return self._model(_CLIENTS, self._client_row(self.store.connection(), p, client_id))

    def list_clients(
        self, p: Principal, *, include_archived: bool = False, limit: int = 100, offset: int = 0
    ) -> list[Client]:
        """Clients by name."""
        rows = self.store.query(
            "SELECT * FROM clients WHERE agency_id = ? AND (? OR archived = 0) ORDER BY name COLLATE "
            "NOCASE, id LIMIT ? OFFSET ?",
            (p.agency_id, include_archived, _limit(limit), max(0, offset)),
        )
        return [self._model(_CLIENTS, r) for r in rows]

    def update_client(self, p: Principal, client_id: int, **changes: Any) -> Client:
        p.require_write("update a client")
        with self.store.transaction() as conn:
            current = self._model(_CLIENTS, self._client_row(conn, p, client_id))
            record = parse_record(
                Client, merge(current, changes, what="client", frozen=["archived"]), what="client"
            )
            self._update(
                conn,
                _CLIENTS,
                client_id,
                record,
                email_key=_email_key(record.email),
                phone_key=_phone_key(record.phone),
            )
            self._index_client(conn, client_id, record)
            if record.name != current.name:
                for (trip_id,) in conn.execute(
                    "SELECT id FROM trips WHERE client_id = ?", (client_id,)
                ).fetchall():
                    self._index_trip(conn, trip_id)
            self._log(
                conn,
                p,
                "client.update",
                "client",
                client_id,
                f"Updated client '{record.name}'",
                client_id=client_id,
                details={"changed": sorted(changes)},
            )
        return self.get_client(p, client_id)

    def archive_client(self, p: Principal, client_id: int, *, archived: bool = True) -> Client:
        """Hide a client (and, in search, its travelers) from lists and search; ``archived=False`` restores.
        Its trips are untouched."""
        p.require_write("archive a client")
        with self.store.transaction() as conn:
            row = self._client_row(conn, p, client_id)
            self._mark_archived(conn, "clients", "client", client_id, archived)
            for traveler_id, own in conn.execute(
                "SELECT id, archived FROM travelers WHERE client_id = ?", (client_id,)
            ).fetchall():
                set_archived(conn, "traveler", traveler_id, archived or bool(own))
            verb = "Archived" if archived else "Restored"
            self._log(
                conn,
                p,
                "client.archive",
                "client",
                client_id,
                f"{verb} client '{row['name']}'",
                client_id=client_id,
            )
        return self.get_client(p, client_id)

    def search_clients(
        self, p: Principal, query: str, *, limit: int = 20, include_archived: bool = False
    ) -> list[Client]:
        hits = self.get_anything(p, query, limit=limit, kinds=["client"], include_archived=include_archived)
        return [self.get_client(p, h.id) for h in hits]

    def find_by_external_id(self, p: Principal, kind: str, external_id: str) -> int | None:
        """The id of the client, trip or supplier imported with ``external_id`` (for idempotent imports)."""
        tables = {"client": "clients", "trip": "trips", "supplier": "suppliers"}
        if kind not in tables:
            raise ValidationError(
                f"Unknown kind {kind!r} for find_by_external_id.", hint=f"Fix: use one of {sorted(tables)}."
            )
        row = self.store.query_one(
            f"SELECT id FROM {tables[kind]} WHERE agency_id = ? AND external_id = ?",
            (p.agency_id, external_id),
        )
        return int(row[0]) if row else None

    # ======================================================================================================
    # Duplicates
    # ======================================================================================================

    def find_duplicates(self, p: Principal, draft: ClientDraft | Mapping[str, Any]) -> list[Match]:
        """Existing clients that look like ``draft``: same email (client's or a traveler's), or a similar name
        together with the same phone or the same date of birth. Best first; archived clients included (and
        said)."""
        d = draft if isinstance(draft, ClientDraft) else parse_record(ClientDraft, draft, what="client draft")
        conn = self.store.connection()
        found: dict[int, tuple[float, list[str]]] = {}

        def add(client_id: int, score: float, why: str) -> None:
            best, whys = found.get(client_id, (0.0, []))
            found[client_id] = (max(best, score), [*whys, why] if why not in whys else whys)

        email = _email_key(d.email)
        if email:
            for r in conn.execute(
                "SELECT id FROM clients WHERE agency_id = ? AND email_key = ?", (p.agency_id, email)
            ):
                add(r[0], 1.0, f"same email ({email})")
            for r in conn.execute(
                "SELECT t.client_id, t.first_name, t.last_name FROM travelers t JOIN clients c ON c.id = "
                "t.client_id WHERE c.agency_id = ? AND t.email_key = ?",
                (p.agency_id, email),
            ):
                add(r[0], 0.95, f"traveler {r[1]} {r[2]} has the same email ({email})")

        name = normalize(d.name or "")
        phone = _phone_key(d.phone)
        if name and phone:
            rows = conn.execute(
                """
                SELECT id FROM clients WHERE agency_id = ? AND phone_key = ?
                UNION SELECT t.client_id FROM travelers t JOIN clients c ON c.id = t.client_id
                WHERE c.agency_id = ? AND t.phone_key = ?""",
                (p.agency_id, phone, p.agency_id, phone),
            ).fetchall()
            for (client_id,) in rows:
                similarity = self._name_similarity(conn, name, client_id)
                if similarity >= 80:
                    add(
                        client_id,
                        0.6 + 0.35 * similarity / 100,
                        f"similar name ({similarity:.0f}%) and same phone",
                    )
        if name and d.date_of_birth:
            rows = conn.execute(
                """
                SELECT DISTINCT t.client_id FROM travelers t JOIN clients c ON c.id = t.client_id
                WHERE c.agency_id = ? AND t.date_of_birth = ?""",
                (p.agency_id, d.date_of_birth.isoformat()),
            ).fetchall()
            for (client_id,) in rows:
                similarity = self._name_similarity(conn, name, client_id, born=d.date_of_birth)
                if similarity >= 80:
                    why = f"similar name ({similarity:.0f}%) and same date of birth"
                    add(client_id, 0.55 + 0.35 * similarity / 100, why)

        matches: list[Match] = []
        for client_id, (score, whys) in found.items():
            client = self.get_client(p, client_id)
            boost = 0.05 * (len(whys) - 1)
            why = "; ".join(whys) + (" (archived)" if client.archived else "")
            matches.append(Match(client=client, score=round(min(1.0, score + boost), 3), why=why))
        return sorted(matches, key=lambda m: (-m.score, m.client.id or 0))

    def likely_duplicates(self, p: Principal, draft: ClientDraft | Mapping[str, Any]) -> list[Match]:
        """The matches of ``find_duplicates`` that the duplicate-client policy (``DUPLICATE_CLIENT_SCORE``)
        calls the same client, best first: what the Clients page asks about and the MCP tool refuses."""
        return [m for m in self.find_duplicates(p, draft) if m.is_duplicate]

    @staticmethod
    def _name_similarity(
        conn: sqlite3.Connection, name: str, client_id: int, *, born: date | None = None
    ) -> float:
        """Best rapidfuzz token-set similarity (0..100) of ``name`` with the client's name or its travelers'
        (only those born on ``born``, when given)."""
        names = (
            []
            if born
            else [r[0] for r in conn.execute("SELECT name FROM clients WHERE id = ?", (client_id,))]
        )
        for first, last, dob in conn.execute(
            "SELECT first_name, last_name, date_of_birth FROM travelers WHERE client_id = ?", (client_id,)
        ):
            if born is None or dob == born.isoformat():
                names.append(f"{first} {last}")
        return max((fuzz.token_set_ratio(name, normalize(n)) for n in names), default=0.0)

    # ======================================================================================================
    # Travelers
    # ======================================================================================================

    def add_traveler(self, p: Principal, client_id: int, **fields: Any) -> Traveler:
        """A person of the household. Fields: first_name, last_name (legal), date_of_birth, email, phone,
        preferences, loyalty_programs, documents ([{kind, number, country, expiry}]: numbers stored
        encrypted)."""
        p.require_write("add a traveler")
        self._reject_system(fields, "traveler", also=["client_id", "archived"])
        record = parse_record(Traveler, fields | {"client_id": client_id}, what="traveler")
        with self.store.transaction() as conn:
            self._client_row(conn, p, client_id)
            traveler_id = self._insert_traveler(conn, p, record)
        return self.get_traveler(p, traveler_id)

    def _insert_traveler(self, conn: sqlite3.Connection, p: Principal, record: Traveler) -> int:
        traveler_id = self._insert(
            conn, _TRAVELERS, record, email_key=_email_key(record.email), phone_key=_phone_key(record.phone)
        )
        self._write_documents(conn, traveler_id, record.documents)
        self._index_traveler(conn, p, traveler_id, record)
        self._log(
            conn,
            p,
            "traveler.create",
            "traveler",
            traveler_id,
            f"Added traveler '{record.full_name}'",
            client_id=record.client_id,
        )
        return traveler_id

    def _write_documents(
        self, conn: sqlite3.Connection, traveler_id: int, documents: Sequence[TravelDocument]
    ) -> None:
        conn.execute("DELETE FROM travel_documents WHERE traveler_id = ?", (traveler_id,))
        conn.executemany(
            "INSERT INTO travel_documents (traveler_id, position, kind, number_enc, number_last4, country, "
            "expiry) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    traveler_id,
                    i,
                    doc.kind,
                    self.cipher.encrypt(doc.number.get_secret_value()),
                    doc.number.get_secret_value()[-4:],
                    doc.country,
                    doc.expiry.isoformat() if doc.expiry else None,
                )
                for i, doc in enumerate(documents)
            ],
        )

    def _travelers(self, conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[Traveler]:
        ids = [r["id"] for r in rows]
        docs: dict[int, list[TravelDocument]] = defaultdict(list)
        for chunk in _chunks(ids):
            for d in conn.execute(
                f"SELECT * FROM travel_documents WHERE traveler_id IN ({', '.join('?' * len(chunk))}) ORDER "
                "BY traveler_id, position",
                chunk,
            ):
                docs[d["traveler_id"]].append(
                    TravelDocument(
                        kind=d["kind"],
                        number=SecretStr(self.cipher.decrypt(d["number_enc"])),
                        country=d["country"],
                        expiry=date.fromisoformat(d["expiry"]) if d["expiry"] else None,
                    )
                )
        return [self._model(_TRAVELERS, r, documents=docs.get(r["id"], [])) for r in rows]

    def get_traveler(self, p: Principal, traveler_id: int) -> Traveler:
        conn = self.store.connection()
        return self._travelers(conn, [self._traveler_row(conn, p, traveler_id)])[0]

    def list_travelers(
        self, p: Principal, client_id: int, *, include_archived: bool = False
    ) -> list[Traveler]:
        conn = self.store.connection()
        self._client_row(conn, p, client_id)
        rows = conn.execute(
            "SELECT * FROM travelers WHERE client_id = ? AND (? OR archived = 0) ORDER BY id",
            (client_id, include_archived),
        ).fetchall()
        return self._travelers(conn, rows)

    def update_traveler(self, p: Principal, traveler_id: int, **changes: Any) -> Traveler:
        """Change fields; ``documents`` replaces the whole list (pass the current ones back to keep them)."""
        p.require_write("update a traveler")
        with self.store.transaction() as conn:
            current = self._travelers(conn, [self._traveler_row(conn, p, traveler_id)])[0]
            record = parse_record(
                Traveler,
                merge(current, changes, what="traveler", frozen=["client_id", "archived"]),
                what="traveler",
            )
            self._update(
                conn,
                _TRAVELERS,
                traveler_id,
                record,
                email_key=_email_key(record.email),
                phone_key=_phone_key(record.phone),
            )
            if _DOCUMENTS in changes:
                self._write_documents(conn, traveler_id, record.documents)
            self._index_traveler(conn, p, traveler_id, record)
            self._log(
                conn,
                p,
                "traveler.update",
                "traveler",
                traveler_id,
                f"Updated traveler '{record.full_name}'",
                client_id=record.client_id,
                details={"changed": sorted(changes)},
            )
        return self.get_traveler(p, traveler_id)

    def _mark_archived(
        self, conn: sqlite3.Connection, table: str, kind: str, row_id: int, archived: bool
    ) -> None:
        """Set a record's archived flag and keep the search index in step (``table`` is one of ours, not input)."""
        conn.execute(
            f"UPDATE {table} SET archived = ?, updated_at = ? WHERE id = ?",
            (int(archived), self._now(), row_id),
        )
        set_archived(conn, kind, row_id, archived)

    def archive_traveler(self, p: Principal, traveler_id: int, *, archived: bool = True) -> Traveler:
        p.require_write("archive a traveler")
        with self.store.transaction() as conn:
            row = self._traveler_row(conn, p, traveler_id)
            self._mark_archived(conn, "travelers", "traveler", traveler_id, archived)
            self._log(
                conn,
                p,
                "traveler.archive",
                "traveler",
                traveler_id,
                f"{'Archived' if archived else 'Restored'} traveler '{row['first_name']} {row['last_name']}'",
                client_id=row["client_id"],
            )
        return self.get_traveler(p, traveler_id)

    def search_travelers(self, p: Principal, query: str, *, limit: int = 20) -> list[Traveler]:
        hits = self.get_anything(p, query, limit=limit, kinds=["traveler"])
        return [self.get_traveler(p, h.id) for h in hits]

    def reveal_document_number(self, p: Principal, traveler_id: int, index: int = 0) -> str:
        """The clear number of a traveler's document (agents and admins only; the reveal is logged)."""
        p.require_write("see a travel document number")
        traveler = self.get_traveler(p, traveler_id)
        if not 0 <= index < len(traveler.documents):
            raise ValidationError(
                f"Traveler {traveler_id} has {len(traveler.documents)} document(s); there is no document "
                f"#{index}.",
                hint="Fix: use an index from 0 to the number of documents minus one.",
            )
        doc = traveler.documents[index]
        with self.store.transaction() as conn:
            self._log(
                conn,
                p,
                "traveler.reveal_document",
                "traveler",
                traveler_id,
                f"Revealed {traveler.full_name}'s {doc.kind} number {doc.masked}",
                client_id=traveler.client_id,
            )
        return doc.number.get_secret_value()

    # ======================================================================================================
    # Trips
    # ======================================================================================================

    def create_trip(self, p: Principal, **fields: Any) -> Trip:
        """A new trip. Fields: name, client_id, agent_id (default: the principal), status, start_date,
        end_date, destinations, party (traveler ids), budget_cents, currency, lead_source, planning_fee_cents,
        notes."""
        p.require_write("create a trip")
        self._reject_system(fields, "trip", also=["archived"])
        fields = {"agent_id": p.user_id} | fields
        record = parse_record(Trip, fields | {"agency_id": p.agency_id}, what="trip")
        with self.store.transaction() as conn:
            trip_id = self._insert_trip(conn, p, record)
        return self.get_trip(p, trip_id)

    def _check_trip_refs(self, conn: sqlite3.Connection, p: Principal, record: Trip) -> None:
        self._check_ref(
            conn,
            p,
            "client_id",
            record.client_id,
            "client",
            "SELECT 1 FROM clients WHERE id = ? AND agency_id = ?",
        )
        self._check_ref(
            conn, p, "agent_id", record.agent_id, "user", "SELECT 1 FROM users WHERE id = ? AND agency_id = ?"
        )
        for i, traveler_id in enumerate(record.party):
            self._check_ref(
                conn,
                p,
                f"party.{i}",
                traveler_id,
                "traveler",
                "SELECT 1 FROM travelers t JOIN clients c ON c.id = t.client_id WHERE t.id = ? AND "
                "c.agency_id = ?",
            )

    def _insert_trip(self, conn: sqlite3.Connection, p: Principal, record: Trip) -> int:
        self._check_trip_refs(conn, p, record)
        if record.external_id and self.find_by_external_id(p, "trip", record.external_id) is not None:
            raise RecordInvalid(
                f"Invalid trip: external_id = '{record.external_id}' is already imported.",
                problems={"external_id": "already used"},
                hint="Fix: update that trip instead (find it with find_by_external_id).",
            )
        trip_id = self._insert(conn, _TRIPS, record)
        self._write_party(conn, trip_id, record.party)
        self._index_trip(conn, trip_id)
        self._log(
            conn,
            p,
            "trip.create",
            "trip",
            trip_id,
            f"Created trip '{record.name}'",
            trip_id=trip_id,
            client_id=record.client_id,
        )
        return trip_id

    @staticmethod
    def _write_party(conn: sqlite3.Connection, trip_id: int, party: Sequence[int]) -> None:
        conn.execute("DELETE FROM trip_party WHERE trip_id = ?", (trip_id,))
        conn.executemany(
            "INSERT INTO trip_party (trip_id, traveler_id, position) VALUES (?, ?, ?)",
            [(trip_id, t, i) for i, t in enumerate(party)],
        )

    def _trips(self, conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[Trip]:
        party: dict[int, list[int]] = defaultdict(list)
        ids = [r["id"] for r in rows]
        for chunk in _chunks(ids):
            for r in conn.execute(
                "SELECT trip_id, traveler_id FROM trip_party WHERE trip_id IN "
                f"({', '.join('?' * len(chunk))}) ORDER BY trip_id, position",
                chunk,
            ):
                party[r[0]].append(r[1])
        return [self._model(_TRIPS, r, party=party.get(r["id"], [])) for r in rows]

    def get_trip(self, p: Principal, trip_id: int) -> Trip:
        conn = self.store.connection()
        return self._trips(conn, [self._trip_row(conn, p, trip_id)])[0]

    def list_trips(
        self,
        p: Principal,
        *,
        client_id: int | None = None,
        status: str | None = None,
        agent_id: int | None = None,
        include_archived: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Trip]:
        """Trips, soonest start first (undated last)."""
        where = ["agency_id = ?"]
        params: list[Any] = [p.agency_id]
        for column, value in (("client_id", client_id), ("status", status), ("agent_id", agent_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if not include_archived:
            where.append("archived = 0")
        conn = self.store.connection()
        rows = conn.execute(
            f"SELECT * FROM trips WHERE {' AND '.join(where)} ORDER BY start_date IS NULL, start_date, id "
            "LIMIT ? OFFSET ?",
            [*params, _limit(limit), max(0, offset)],
        ).fetchall()
        return self._trips(conn, rows)

    def update_trip(self, p: Principal, trip_id: int, **changes: Any) -> Trip:
        p.require_write("update a trip")
        with self.store.transaction() as conn:
            current = self._trips(conn, [self._trip_row(conn, p, trip_id)])[0]
            record = parse_record(
                Trip, merge(current, changes, what="trip", frozen=["archived"]), what="trip"
            )
            self._check_trip_refs(conn, p, record)
            self._update(conn, _TRIPS, trip_id, record)
            if _PARTY in changes:
                self._write_party(conn, trip_id, record.party)
            self._index_trip(conn, trip_id)
            self._log(
                conn,
                p,
                "trip.update",
                "trip",
                trip_id,
                f"Updated trip '{record.name}'",
                trip_id=trip_id,
                client_id=record.client_id,
                details={"changed": sorted(changes)},
            )
        return self.get_trip(p, trip_id)

    def archive_trip(self, p: Principal, trip_id: int, *, archived: bool = True) -> Trip:
        p.require_write("archive a trip")
        with self.store.transaction() as conn:
            row = self._trip_row(conn, p, trip_id)
            self._mark_archived(conn, "trips", "trip", trip_id, archived)
            for (item_id,) in conn.execute("SELECT id FROM items WHERE trip_id = ?", (trip_id,)).fetchall():
                set_archived(conn, "item", item_id, archived)
            verb = "Archived" if archived else "Restored"
            self._log(
                conn,
                p,
                "trip.archive",
                "trip",
                trip_id,
                f"{verb} trip '{row['name']}'",
                trip_id=trip_id,
                client_id=row["client_id"],
            )
        return self.get_trip(p, trip_id)

    def search_trips(
        self, p: Principal, query: str, *, limit: int = 20, include_archived: bool = False
    ) -> list[Trip]:
        hits = self.get_anything(p, query, limit=limit, kinds=["trip"], include_archived=include_archived)
        return [self.get_trip(p, h.id) for h in hits]

    def create_trip_with_client(
        self,
        p: Principal,
        *,
        client: Mapping[str, Any],
        trip: Mapping[str, Any],
        travelers: Sequence[Mapping[str, Any]] = (),
    ) -> tuple[Client, list[Traveler], Trip]:
        """A new household, its travelers and their trip, in one transaction. The trip's party defaults to
        them."""
        p.require_write("create a trip with its client")
        self._reject_system(client, "client", also=["archived"])
        self._reject_system(trip, "trip", also=["archived", "client_id"])
        client_record = parse_record(Client, dict(client) | {"agency_id": p.agency_id}, what="client")
        with self.store.transaction() as conn:
            client_id = self._insert_client(conn, p, client_record)
            traveler_ids: list[int] = []
            for i, fields in enumerate(travelers):
                self._reject_system(fields, f"traveler #{i + 1}", also=["client_id", "archived"])
                record = parse_record(
                    Traveler, dict(fields) | {"client_id": client_id}, what=f"traveler #{i + 1}"
                )
                traveler_ids.append(self._insert_traveler(conn, p, record))
            trip_fields = {"agent_id": p.user_id, "party": traveler_ids} | dict(trip)
            trip_record = parse_record(
                Trip, trip_fields | {"agency_id": p.agency_id, "client_id": client_id}, what="trip"
            )
            trip_id = self._insert_trip(conn, p, trip_record)
        return (
            self.get_client(p, client_id),
            [self.get_traveler(p, t) for t in traveler_ids],
            self.get_trip(p, trip_id),
        )

    # ======================================================================================================
    # Itinerary options and days
    # ======================================================================================================

    def add_option(self, p: Principal, trip_id: int, **fields: Any) -> ItineraryOption:
        """A pricing tier of the proposal. Fields: tier (1..3), label (default Essential/Signature/Ultimate),
        status (draft|sent|accepted|archived), notes. At most one option of a trip is accepted."""
        p.require_write("add an itinerary option")
        return self._add_child(
            p,
            _OPTION,
            trip_id,
            fields,
            summary=lambda r: f"Added option {r.tier} '{r.label}'",
            check=lambda conn, r: self._one_accepted(conn, r, None),
        )

    def _one_accepted(self, conn: sqlite3.Connection, record: ItineraryOption, option_id: int | None) -> None:
        if record.status != "accepted":
            return
        other = conn.execute(
            "SELECT id, label FROM itinerary_options WHERE trip_id = ? AND status = 'accepted' AND id IS "
            "NOT ?",
            (record.trip_id, option_id),
        ).fetchone()
        if other is not None:
            raise RecordInvalid(
                f"Invalid itinerary option: status = 'accepted', but option {other[0]} ('{other[1]}') is "
                "already accepted for this trip.",
                problems={"status": "another option is accepted"},
                hint=f"Fix: set option {other[0]} back to 'sent' (or 'archived') first.",
            )

    def get_option(self, p: Principal, option_id: int) -> ItineraryOption:
        return self._child(self.store.connection(), p, _OPTION, option_id)

    def list_options(self, p: Principal, trip_id: int) -> list[ItineraryOption]:
        return self._list_children(p, trip_id, _OPTIONS, _OPTION_ORDER)

    def update_option(self, p: Principal, option_id: int, **changes: Any) -> ItineraryOption:
        p.require_write("update an itinerary option")
        return self._update_child(
            p,
            _OPTION,
            option_id,
            changes,
            summary=lambda r: f"Updated option {r.tier} '{r.label}' ({r.status})",
            check=lambda conn, r: self._one_accepted(conn, r, option_id),
        )

    def add_day(self, p: Principal, trip_id: int, **fields: Any) -> Day:
        """A day of the itinerary. Fields: date, title, notes, option_id (None = shared by every option)."""
        p.require_write("add a day")
        return self._add_child(
            p,
            _DAY,
            trip_id,
            fields,
            summary=lambda r: f"Added day {r.date}",
            check=lambda conn, r: self._check_option(conn, r.trip_id, r.option_id),
        )

    def _check_option(self, conn: sqlite3.Connection, trip_id: int, option_id: int | None) -> None:
        if (
            option_id is not None
            and conn.execute(
                "SELECT 1 FROM itinerary_options WHERE id = ? AND trip_id = ?", (option_id, trip_id)
            ).fetchone()
            is None
        ):
            raise RecordInvalid(
                f"Invalid day: option_id = {option_id} is not an option of trip {trip_id}.",
                problems={"option_id": "not an option of this trip"},
                hint="Fix: use an option id from list_options, or None for a day shared by every option.",
            )

    def ensure_days(self, p: Principal, trip_id: int, *, option_id: int | None = None) -> list[Day]:
        """One day per date of the trip (for ``option_id``, or shared), creating the missing ones."""
        p.require_write("add days")
        with self.store.transaction() as conn:
            trip = self._trips(conn, [self._trip_row(conn, p, trip_id)])[0]
            if trip.start_date is None or trip.end_date is None:
                raise ValidationError(
                    f"Trip {trip_id} has no start_date/end_date, so its days cannot be created.",
                    hint="Fix: set the trip's dates first (update_trip).",
                )
            self._check_option(conn, trip_id, option_id)
            have = {
                r[0]
                for r in conn.execute(
                    "SELECT date FROM days WHERE trip_id = ? AND option_id IS ?", (trip_id, option_id)
                ).fetchall()
            }
            created = 0
            for n, day in enumerate(days_between(trip.start_date, trip.end_date), start=1):
                if day.isoformat() not in have:
                    self._insert(
                        conn, _DAYS, Day(trip_id=trip_id, option_id=option_id, date=day, title=f"Day {n}")
                    )
                    created += 1
            if created:
                self._log(conn, p, "day.create", "trip", trip_id, f"Added {created} day(s)", trip_id=trip_id)
        return [d for d in self.list_days(p, trip_id) if d.option_id == option_id]

    def get_day(self, p: Principal, day_id: int) -> Day:
        return self._child(self.store.connection(), p, _DAY, day_id)

    def list_days(self, p: Principal, trip_id: int) -> list[Day]:
        return self._list_children(p, trip_id, _DAYS, _DAY_ORDER)

    def update_day(self, p: Principal, day_id: int, **changes: Any) -> Day:
        p.require_write("update a day")
        return self._update_child(
            p,
            _DAY,
            day_id,
            changes,
            summary=lambda r: f"Updated day {r.date}",
            check=lambda conn, r: self._check_option(conn, r.trip_id, r.option_id),
        )

    def remove_day(self, p: Principal, day_id: int) -> None:
        """Delete a day; its items become unscheduled (appended to the unscheduled list, in order)."""
        p.require_write("remove a day")
        with self.store.transaction() as conn:
            day = self._child(conn, p, _DAY, day_id)
            moving = self._order(conn, day.trip_id, day_id)
            unscheduled = self._order(conn, day.trip_id, None)
            for n, item_id in enumerate(moving):
                conn.execute(
                    "UPDATE items SET day_id = NULL, position = ? WHERE id = ?", (-1_000_000 - n, item_id)
                )
            self._write_order(conn, day.trip_id, unscheduled + moving)
            conn.execute("DELETE FROM days WHERE id = ?", (day_id,))
            self._log(
                conn,
                p,
                "day.remove",
                "day",
                day_id,
                f"Removed day {day.date} ({len(moving)} item(s) unscheduled)",
                trip_id=day.trip_id,
            )

    # ======================================================================================================
    # Items
    # ======================================================================================================

    def add_item(
        self,
        p: Principal,
        trip_id: int,
        *,
        day_id: int | None = None,
        position: int | None = None,
        **fields: Any,
    ) -> Item:
        """Add an item to a day (``day_id``) or to the unscheduled list (None), at ``position`` (default:
        last). Fields: see ``Item`` (kind, title, times with zones, prices in cents, ...); currency defaults
        to the trip's."""
        return self.add_items(p, trip_id, [{**fields, "day_id": day_id, "position": position}])[0]

    def add_items(self, p: Principal, trip_id: int, items: Sequence[Mapping[str, Any]]) -> list[Item]:
        """Add several items in one transaction: if any is invalid, none is added (the error names which)."""
        p.require_write("add items")
        with self.store.transaction() as conn:
            trip = self._trips(conn, [self._trip_row(conn, p, trip_id)])[0]
            ids: list[int] = []
            for n, raw in enumerate(items):
                fields = dict(raw)
                what = "item" if len(items) == 1 else f"item #{n + 1}"
                day_id = fields.pop("day_id", None)
                position = fields.pop("position", None)
                if position is not None and (not isinstance(position, int) or position < 0):
                    raise RecordInvalid(
                        f"Invalid {what}: position = {position!r} must be a whole number from 0.",
                        problems={"position": "not a position"},
                        hint="Fix: give 0 for first, or leave it out to add the item last.",
                    )
                self._reject_system(fields, what, also=["trip_id"])
                fields.setdefault("currency", trip.currency)
                record = parse_record(Item, fields | {"trip_id": trip_id, "day_id": day_id}, what=what)
                self._check_day(conn, trip_id, day_id)
                self._check_ref(
                    conn,
                    p,
                    "supplier_id",
                    record.supplier_id,
                    "supplier",
                    "SELECT 1 FROM suppliers WHERE id = ? AND agency_id = ?",
                )
                order = self._order(conn, trip_id, day_id)
                item_id = self._insert(conn, _ITEMS, record, position=len(order))
                if position is not None and position < len(order):
                    order.insert(max(0, position), item_id)
                    self._write_order(conn, trip_id, order)
                self._index_item(conn, p, item_id, record, trip.archived)
                ids.append(item_id)
            self._log(
                conn,
                p,
                "item.create",
                "trip",
                trip_id,
                f"Added {len(ids)} item(s) to '{trip.name}'"
                if len(ids) > 1
                else f"Added item to '{trip.name}'",
                trip_id=trip_id,
                client_id=trip.client_id,
                details={"item_ids": ids},
            )
        return [self.get_item(p, i) for i in ids]

    def _check_day(self, conn: sqlite3.Connection, trip_id: int, day_id: int | None) -> None:
        if (
            day_id is not None
            and conn.execute("SELECT 1 FROM days WHERE id = ? AND trip_id = ?", (day_id, trip_id)).fetchone()
            is None
        ):
            raise RecordInvalid(
                f"Invalid item: day_id = {day_id} is not a day of trip {trip_id}.",
                problems={"day_id": "not a day of this trip"},
                hint="Fix: use a day id from list_days (or ensure_days), or None to leave the item "
                "unscheduled.",
            )

    @staticmethod
    def _order(conn: sqlite3.Connection, trip_id: int, day_id: int | None) -> list[int]:
        rows = conn.execute(
            "SELECT id FROM items WHERE trip_id = ? AND day_id IS ? ORDER BY position", (trip_id, day_id)
        ).fetchall()
        return [r[0] for r in rows]

    @staticmethod
    def _write_order(conn: sqlite3.Connection, trip_id: int, item_ids: Sequence[int]) -> None:
        """Positions 0..n-1 in this order (two passes, so the unique (trip, day, position) index never
        clashes)."""
        conn.executemany(
            "UPDATE items SET position = ? WHERE id = ?", [(-1 - i, x) for i, x in enumerate(item_ids)]
        )
        conn.executemany(
            "UPDATE items SET position = ? WHERE id = ?", [(i, x) for i, x in enumerate(item_ids)]
        )

    def get_item(self, p: Principal, item_id: int) -> Item:
        return self._child(self.store.connection(), p, _ITEM, item_id)

    def list_items(self, p: Principal, trip_id: int) -> list[Item]:
        """Every item of the trip: scheduled ones by day date and position, then the unscheduled ones."""
        conn = self.store.connection()
        self._trip_row(conn, p, trip_id)
        rows = conn.execute(
            "SELECT i.* FROM items i LEFT JOIN days d ON d.id = i.day_id WHERE i.trip_id = ? ORDER BY "
            "i.day_id IS NULL, d.date, d.id, i.position",
            (trip_id,),
        ).fetchall()
        return [self._model(_ITEMS, r) for r in rows]

    def update_item(self, p: Principal, item_id: int, **changes: Any) -> Item:
        """Change an item's fields (to change its day or position use ``move_item`` / ``reorder_items``)."""
        p.require_write("update an item")
        with self.store.transaction() as conn:
            current = self._child(conn, p, _ITEM, item_id)
            record = parse_record(
                Item,
                merge(current, changes, what="item", frozen=["trip_id", "day_id", "position"]),
                what="item",
            )
            self._check_ref(
                conn,
                p,
                "supplier_id",
                record.supplier_id,
                "supplier",
                "SELECT 1 FROM suppliers WHERE id = ? AND agency_id = ?",
            )
            self._update(conn, _ITEMS, item_id, record)
            trip = self._trip_row(conn, p, record.trip_id)
            self._index_item(conn, p, item_id, record, bool(trip["archived"]))
            self._log(
                conn,
                p,
                "item.update",
                "item",
                item_id,
                f"Updated item '{record.title}'",
                trip_id=record.trip_id,
                details={"changed": sorted(changes)},
            )
        return self.get_item(p, item_id)

    def move_item(
        self, p: Principal, item_id: int, *, day_id: int | None, position: int | None = None
    ) -> Item:
        """Move an item to another day (or to the unscheduled list with ``day_id=None``), at ``position``
        (default: last), or to another position in its own day. Positions stay dense in both lists."""
        p.require_write("move an item")
        with self.store.transaction() as conn:
            item = self._child(conn, p, _ITEM, item_id)
            self._check_day(conn, item.trip_id, day_id)
            old = [i for i in self._order(conn, item.trip_id, item.day_id) if i != item_id]
            conn.execute("UPDATE items SET position = ? WHERE id = ?", (-1_000_000 - item_id, item_id))
            if day_id != item.day_id:
                self._write_order(conn, item.trip_id, old)
                conn.execute(
                    "UPDATE items SET day_id = ?, updated_at = ? WHERE id = ?", (day_id, self._now(), item_id)
                )
                new = self._order(conn, item.trip_id, day_id)
                new = [i for i in new if i != item_id]
            else:
                new = old
            at = len(new) if position is None else max(0, min(position, len(new)))
            new.insert(at, item_id)
            self._write_order(conn, item.trip_id, new)
            where = f"day {day_id}" if day_id is not None else "unscheduled"
            self._log(
                conn,
                p,
                "item.move",
                "item",
                item_id,
                f"Moved '{item.title}' to {where}, position {at}",
                trip_id=item.trip_id,
                details={"from_day": item.day_id, "to_day": day_id, "position": at},
            )
        return self.get_item(p, item_id)

    def reorder_items(
        self, p: Principal, trip_id: int, day_id: int | None, item_ids: Sequence[int]
    ) -> list[Item]:
        """Set the order of a day's items (or of the unscheduled ones). ``item_ids`` must be exactly that
        list."""
        p.require_write("reorder items")
        with self.store.transaction() as conn:
            self._trip_row(conn, p, trip_id)
            self._check_day(conn, trip_id, day_id)
            current = self._order(conn, trip_id, day_id)
            if sorted(current) != sorted(item_ids) or len(set(item_ids)) != len(item_ids):
                where = f"day {day_id}" if day_id is not None else "the unscheduled list"
                raise ValidationError(
                    f"item_ids must list each item of {where} exactly once: it holds {current}, got "
                    f"{list(item_ids)}.",
                    hint="Fix: pass every item id of that day once, in the new order (move_item moves "
                    "between days).",
                )
            self._write_order(conn, trip_id, item_ids)
            self._log(
                conn,
                p,
                "item.reorder",
                "trip",
                trip_id,
                f"Reordered {len(item_ids)} item(s)",
                trip_id=trip_id,
                details={"day_id": day_id, "order": list(item_ids)},
            )
        return [self.get_item(p, i) for i in item_ids]

    def apply_board(self, p: Principal, trip_id: int, board: Mapping[int | None, Sequence[int]]) -> list[int]:
        """Set the day and order of every item of a trip at once, as a drag-and-drop board returns them.

        ``board`` maps each day id (``None``: the unscheduled list) to its item ids in order; every item of
        the trip appears exactly once, and a day left out holds nothing. Only the items whose day or position
        changed are written, in one transaction with one activity-log entry. Returns their ids: empty when
        the board matches the store, in which case nothing is written."""
        p.require_write("rearrange the itinerary")
        with self.store.transaction() as conn:
            self._trip_row(conn, p, trip_id)
            days = {r[0] for r in conn.execute("SELECT id FROM days WHERE trip_id = ?", (trip_id,))}
            current = {
                r[0]: (r[1], r[2])
                for r in conn.execute("SELECT id, day_id, position FROM items WHERE trip_id = ?", (trip_id,))
            }
            problems: list[str] = []
            wanted: dict[int, tuple[int | None, int]] = {}
            for day_id, item_ids in board.items():
                where = "the unscheduled list" if day_id is None else f"day {day_id}"
                if day_id is not None and day_id not in days:
                    problems.append(f"day {day_id!r} is not a day of trip {trip_id}")
                for position, item_id in enumerate(item_ids):
                    if not isinstance(item_id, int) or isinstance(item_id, bool):
                        problems.append(f"{item_id!r} in {where} is not an item id")
                    elif item_id in wanted:
                        problems.append(f"item {item_id} is listed more than once")
                    elif item_id not in current:  # another trip's, maybe another agency's: say no more
                        problems.append(f"item {item_id} (in {where}) is not an item of trip {trip_id}")
                    else:
                        wanted[item_id] = (day_id, position)
            missing = sorted(set(current) - set(wanted))
            if missing:
                problems.append(f"item(s) {', '.join(map(str, missing))} of the trip are missing")
            if problems:
                raise ValidationError(
                    f"The itinerary board of trip {trip_id} cannot be applied: {'; '.join(problems)}.",
                    hint="Fix: reload the trip and list each of its items exactly once, under one of its "
                    "days or the unscheduled list (the board may be out of date if someone else changed it).",
                )
            changed = sorted(i for i, to in wanted.items() if current[i] != to)
            if not changed:
                return []
            now = self._now()
            # Two passes, so the unique (trip, day, position) index never clashes: out of the way, then home.
            for item_id in changed:
                day_id, _ = wanted[item_id]
                moved_day = day_id != current[item_id][0]
                conn.execute(
                    "UPDATE items SET day_id = ?, position = ?"
                    + (", updated_at = ?" if moved_day else "")
                    + " WHERE id = ?",
                    (day_id, -1_000_000 - item_id, *([now] if moved_day else []), item_id),
                )
            conn.executemany(
                "UPDATE items SET position = ? WHERE id = ?", [(wanted[i][1], i) for i in changed]
            )
            moved = [i for i in changed if wanted[i][0] != current[i][0]]
            self._log(
                conn,
                p,
                "item.board",
                "trip",
                trip_id,
                f"Rearranged the itinerary: {len(changed)} item(s) changed place, {len(moved)} of them "
                "changed day",
                trip_id=trip_id,
                details={
                    "changed": {str(i): {"day_id": wanted[i][0], "position": wanted[i][1]} for i in changed}
                },
            )
        return changed

    def remove_item(self, p: Principal, item_id: int) -> None:
        p.require_write("remove an item")
        with self.store.transaction() as conn:
            item = self._child(conn, p, _ITEM, item_id)
            conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
            self._write_order(conn, item.trip_id, self._order(conn, item.trip_id, item.day_id))
            delete_doc(conn, "item", item_id)
            self._log(
                conn, p, "item.remove", "item", item_id, f"Removed item '{item.title}'", trip_id=item.trip_id
            )

    # ======================================================================================================
    # Suppliers
    # ======================================================================================================

    def create_supplier(self, p: Principal, **fields: Any) -> Supplier:
        p.require_write("create a supplier")
        self._reject_system(fields, "supplier", also=["archived"])
        record = parse_record(Supplier, fields | {"agency_id": p.agency_id}, what="supplier")
        with self.store.transaction() as conn:
            supplier_id = self._insert(conn, _SUPPLIERS, record)
            self._log(conn, p, "supplier.create", "supplier", supplier_id, f"Added supplier '{record.name}'")
        return self.get_supplier(p, supplier_id)

    def get_supplier(self, p: Principal, supplier_id: int) -> Supplier:
        return self._model(_SUPPLIERS, self._supplier_row(self.store.connection(), p, supplier_id))

    def list_suppliers(self, p: Principal, *, include_archived: bool = False) -> list[Supplier]:
        rows = self.store.query(
            "SELECT * FROM suppliers WHERE agency_id = ? AND (? OR archived = 0) ORDER BY name COLLATE "
            "NOCASE",
            (p.agency_id, include_archived),
        )
        return [self._model(_SUPPLIERS, r) for r in rows]

    def update_supplier(self, p: Principal, supplier_id: int, **changes: Any) -> Supplier:
        p.require_write("update a supplier")
        with self.store.transaction() as conn:
            current = self._model(_SUPPLIERS, self._supplier_row(conn, p, supplier_id))
            record = parse_record(Supplier, merge(current, changes, what="supplier"), what="supplier")
            self._update(conn, _SUPPLIERS, supplier_id, record)
            self._log(
                conn,
                p,
                "supplier.update",
                "supplier",
                supplier_id,
                f"Updated supplier '{record.name}'",
                details={"changed": sorted(changes)},
            )
        return self.get_supplier(p, supplier_id)

    # ======================================================================================================
    # Payments
    # ======================================================================================================

    def add_payment(self, p: Principal, trip_id: int, **fields: Any) -> PaymentSchedule:
        """A payment the client owes. Fields: due_date, amount_cents (> 0), description, paid, paid_on."""
        p.require_write("add a payment")
        return self._add_child(
            p,
            _PAYMENT,
            trip_id,
            fields,
            summary=lambda r: f"Scheduled payment '{r.description}' due {r.due_date}",
        )

    def get_payment(self, p: Principal, payment_id: int) -> PaymentSchedule:
        return self._child(self.store.connection(), p, _PAYMENT, payment_id)

    def list_payments(self, p: Principal, trip_id: int) -> list[PaymentSchedule]:
        return self._list_children(p, trip_id, _PAYMENTS, _PAYMENT_ORDER)

    def update_payment(self, p: Principal, payment_id: int, **changes: Any) -> PaymentSchedule:
        p.require_write("update a payment")
        return self._update_child(
            p, _PAYMENT, payment_id, changes, summary=lambda r: f"Updated payment '{r.description}'"
        )

    def mark_paid(self, p: Principal, payment_id: int, *, paid_on: date | None = None) -> PaymentSchedule:
        return self.update_payment(p, payment_id, paid=True, paid_on=paid_on or self._clock().date())

    def remove_payment(self, p: Principal, payment_id: int) -> None:
        p.require_write("remove a payment")
        with self.store.transaction() as conn:
            payment = self._child(conn, p, _PAYMENT, payment_id)
            conn.execute("DELETE FROM payments WHERE id = ?", (payment_id,))
            self._log(
                conn,
                p,
                "payment.remove",
                "payment",
                payment_id,
                f"Removed payment '{payment.description}'",
                trip_id=payment.trip_id,
            )

    # ======================================================================================================
    # Documents registry
    # ======================================================================================================

    def record_document(
        self,
        p: Principal,
        trip_id: int,
        *,
        kind: str,
        format: str,
        path: str | Path,
        version: int | None = None,
    ) -> Document:
        """Record a rendered document. ``version`` defaults to one more than the trip's latest of that
        ``kind``; pass the same version for the other formats of one rendering (html + pdf of proposal v3)."""
        p.require_write("record a document")
        with self.store.transaction() as conn:
            self._trip_row(conn, p, trip_id)
            if version is None:
                latest = conn.execute(
                    "SELECT IFNULL(MAX(version), 0) FROM documents WHERE trip_id = ? AND kind = ?",
                    (trip_id, kind),
                ).fetchone()[0]
                version = int(latest) + 1
            record = parse_record(
                Document,
                {
                    "trip_id": trip_id,
                    "kind": kind,
                    "format": format,
                    "path": str(path),
                    "version": version,
                    "created_by": p.user_id,
                },
                what="document",
            )
            if conn.execute(
                "SELECT 1 FROM documents WHERE trip_id = ? AND kind = ? AND version = ? AND format = ?",
                (trip_id, record.kind, record.version, record.format),
            ).fetchone():
                raise RecordInvalid(
                    f"Invalid document: {record.kind} v{record.version} ({record.format}) of trip {trip_id} "
                    "is already recorded.",
                    problems={"version": "already recorded"},
                    hint="Fix: leave version out to get the next one.",
                )
            doc_id = self._insert(conn, _DOCS, record)
            self._log(
                conn,
                p,
                "document.create",
                "document",
                doc_id,
                f"Rendered {record.kind} v{record.version} ({record.format})",
                trip_id=trip_id,
                details={"path": str(path)},
            )
        return self._child(self.store.connection(), p, _DOCUMENT, doc_id)

    def list_documents(self, p: Principal, trip_id: int, *, kind: str | None = None) -> list[Document]:
        """Documents of a trip, newest version first."""
        conn = self.store.connection()
        self._trip_row(conn, p, trip_id)
        rows = conn.execute(
            "SELECT * FROM documents WHERE trip_id = ? AND (? IS NULL OR kind = ?) ORDER BY kind, version "
            "DESC, format",
            (trip_id, kind, kind),
        ).fetchall()
        return [self._model(_DOCS, r) for r in rows]

    # ======================================================================================================
    # Activity log and instructions
    # ======================================================================================================

    def recent_activity(
        self, p: Principal, *, trip_id: int | None = None, client_id: int | None = None, limit: int = 50
    ) -> list[ActivityEntry]:
        """The agency's activity, newest first (optionally for one trip or client)."""
        where, params = ["agency_id = ?"], [p.agency_id]
        if trip_id is not None:
            where.append("trip_id = ?")
            params.append(trip_id)
        if client_id is not None:
            where.append("client_id = ?")
            params.append(client_id)
        rows = self.store.query(
            f"SELECT * FROM activity_log WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            [*params, _limit(limit)],
        )
        return [ActivityEntry.model_validate(dict(r) | {"details": json.loads(r["details"])}) for r in rows]

    def get_instruction(self, p: Principal, name: str) -> Instruction:
        """An instruction by name (``.for_verbosity("minimal"|"normal"|"detailed")`` gives its text)."""
        row = self.store.query_one("SELECT * FROM instructions WHERE name = ?", (name,))
        if row is None:
            known = [r[0] for r in self.store.query("SELECT name FROM instructions ORDER BY name")]
            raise NotFound(f"No instruction named {name!r}.", hint=f"Known: {', '.join(known)}.")
        return self._model(_INSTRUCTIONS, row)

    def list_instructions(self, p: Principal, *, category: str | None = None) -> list[Instruction]:
        rows = self.store.query(
            "SELECT * FROM instructions WHERE (? IS NULL OR category = ?) ORDER BY category, name",
            (category, category),
        )
        return [self._model(_INSTRUCTIONS, r) for r in rows]

    def save_instruction(self, p: Principal, name: str, **fields: Any) -> Instruction:
        """Create or change an instruction (admin only). Fields: category, title, text, variants."""
        p.require_admin("edit the assistant's instructions")
        self._reject_system(fields, "instruction", also=["name", "updated_by"])
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM instructions WHERE name = ?", (name,)).fetchone()
            base = self._model(_INSTRUCTIONS, row).model_dump() if row else {}
            data = (
                {k: v for k, v in base.items() if k not in SYSTEM_FIELDS}
                | fields
                | {"name": name, "updated_by": p.user_id}
            )
            record = parse_record(Instruction, data, what="instruction")
            if row is None:
                self._insert(conn, _INSTRUCTIONS, record)
            else:
                self._update(conn, _INSTRUCTIONS, row["id"], record)
            self._log(
                conn,
                p,
                "instruction.save",
                "instruction",
                row["id"] if row else None,
                f"Saved instruction '{name}'",
            )
        return self.get_instruction(p, name)

    # ======================================================================================================
    # Trip plan, totals, checks
    # ======================================================================================================

    def get_trip_plan(self, p: Principal, trip_id: int, *, today: date | None = None) -> TripPlan:
        """The trip with its client, party, options, days and items, payments, suppliers and totals (one
        snapshot)."""
        with self.store.snapshot() as conn:
            trip = self._trips(conn, [self._trip_row(conn, p, trip_id)])[0]
            client = (
                self._model(_CLIENTS, self._client_row(conn, p, trip.client_id)) if trip.client_id else None
            )
            travelers: list[Traveler] = []
            if trip.party:
                rows = conn.execute(
                    f"SELECT * FROM travelers WHERE id IN ({', '.join('?' * len(trip.party))})", trip.party
                ).fetchall()
                by_id = {t.id: t for t in self._travelers(conn, rows)}
                travelers = [by_id[t] for t in trip.party if t in by_id]
            options = self._children(conn, _OPTIONS, trip_id, _OPTION_ORDER)
            days = self._children(conn, _DAYS, trip_id, _DAY_ORDER)
            items = self._children(conn, _ITEMS, trip_id, "position")
            payments = self._children(conn, _PAYMENTS, trip_id, _PAYMENT_ORDER)
            supplier_ids = sorted({i.supplier_id for i in items if i.supplier_id is not None})
            suppliers = {
                s.id: s
                for s in (self._model(_SUPPLIERS, self._supplier_row(conn, p, sid)) for sid in supplier_ids)
                if s.id is not None
            }
        by_day: dict[int | None, list[Item]] = defaultdict(list)
        for item in items:
            by_day[item.day_id].append(item)
        return TripPlan(
            trip=trip,
            client=client,
            travelers=travelers,
            options=options,
            days=[DayPlan(day=d, items=by_day.get(d.id, [])) for d in days],
            unscheduled=by_day.get(None, []),
            payments=payments,
            suppliers=suppliers,
            totals=compute_totals(trip, days, items, payments, options, today=today),
        )

    def trip_totals(
        self, p: Principal, trip_id: int, *, option_id: int | None = None, today: date | None = None
    ) -> TripTotals:
        """Cost, sell, margin, commission, paid and balance of a trip (see ``TripTotals``)."""
        plan = self.get_trip_plan(p, trip_id, today=today)
        if option_id is not None and option_id not in {o.id for o in plan.options}:
            raise self._not_found(
                "itinerary option", option_id, f"Fix: use an option of trip {trip_id} (list_options)."
            )
        days = [d.day for d in plan.days]
        return compute_totals(
            plan.trip, days, plan.items(), plan.payments, plan.options, option_id=option_id, today=today
        )

    def check_trip(self, p: Principal, trip_id: int, *, today: date | None = None) -> list[Flag]:
        """Flags for the trip (see ``core.travel._checks`` for the codes). Reads only: nothing is changed."""
        return run_checks(self.get_trip_plan(p, trip_id, today=today), today=today)

    # ======================================================================================================
    # Search
    # ======================================================================================================

    def get_anything(
        self,
        p: Principal,
        query: str,
        limit: int = 20,
        *,
        kinds: Sequence[str] | None = None,
        include_archived: bool = False,
    ) -> list[Hit]:
        """One search over clients, travelers, trips (names, destinations, notes) and items (titles, places,
        confirmation numbers, notes): substring matches from three characters, typo-tolerant, best first."""
        if len(query) > 200:
            raise ValidationError(
                "The search query is longer than 200 characters.", hint="Fix: search for fewer words."
            )
        if kinds is not None:
            unknown = sorted(set(kinds) - {"client", "traveler", "trip", "item"})
            if unknown:
                raise ValidationError(
                    f"Unknown kind(s) {unknown} in get_anything.",
                    hint="Fix: use client, traveler, trip or item.",
                )
        with self.store.snapshot() as conn:
            raw = self._searcher.search(
                conn, p.agency_id, query, limit=_limit(limit), kinds=kinds, include_archived=include_archived
            )
            return self._decorate(conn, raw)

    def _decorate(self, conn: sqlite3.Connection, raw: list[RawHit]) -> list[Hit]:
        """Display title, subtitle and "matched" label for each raw hit, read fresh from the tables."""
        by_kind: dict[str, list[int]] = defaultdict(list)
        for h in raw:
            by_kind[h.kind].append(h.ref_id)
        # (kind, id) -> (title, subtitle, labeller of a tag match, trip_id, client_id)
        info: dict[tuple[str, int], tuple[str, str, Callable[[str], str], int | None, int | None]] = {}

        def rows(sql: str, kind: str) -> list[sqlite3.Row]:
            ids = by_kind[kind]
            return conn.execute(sql.format(marks=", ".join("?" * len(ids))), ids).fetchall() if ids else []

        def contact_label(email: str | None, phone: str | None) -> Callable[[str], str]:
            return lambda term: _tag_label(term, email=email, phone=phone)

        def listed(values: list[str], yes: str, no: str) -> Callable[[str], str]:
            return lambda term: yes if any(term and term in normalize(v) for v in values) else no

        for r in rows("SELECT * FROM clients WHERE id IN ({marks})", "client"):
            contact = " · ".join(x for x in (r["email"], r["phone"]) if x)
            subtitle = _join("Client", contact, _archived(r))
            info["client", r["id"]] = (
                r["name"],
                subtitle,
                contact_label(r["email"], r["phone"]),
                None,
                r["id"],
            )
        traveler_sql = """
            SELECT t.*, c.name AS client FROM travelers t JOIN clients c ON c.id = t.client_id
            WHERE t.id IN ({marks})"""
        for r in rows(traveler_sql, "traveler"):
            subtitle = _join(f"Traveler · {r['client']}", _archived(r))
            name = f"{r['first_name']} {r['last_name']}"
            info["traveler", r["id"]] = (
                name,
                subtitle,
                contact_label(r["email"], r["phone"]),
                None,
                r["client_id"],
            )
        trip_sql = """
            SELECT t.*, c.name AS client FROM trips t LEFT JOIN clients c ON c.id = t.client_id
            WHERE t.id IN ({marks})"""
        for r in rows(trip_sql, "trip"):
            destinations: list[str] = json.loads(r["destinations"])
            dates = f"{r['start_date']} → {r['end_date']}" if r["start_date"] else ""
            where = ", ".join(destinations)
            subtitle = _join(f"Trip · {r['status']}", dates, where, r["client"] or "", _archived(r))
            label = listed(destinations, "destination", "client")
            info["trip", r["id"]] = (r["name"], subtitle, label, r["id"], r["client_id"])
        item_sql = """
            SELECT i.*, t.name AS trip, t.client_id FROM items i JOIN trips t ON t.id = i.trip_id
            WHERE i.id IN ({marks})"""
        for r in rows(item_sql, "item"):
            confirmations: list[str] = json.loads(r["confirmation_numbers"])
            when = (r["start_local"] or "")[:16].replace("T", " ")
            conf = f"conf {', '.join(confirmations)}" if confirmations else ""
            subtitle = _join(r["kind"].capitalize(), r["trip"], when, conf)
            label = listed(confirmations, "confirmation number", "place")
            info["item", r["id"]] = (r["title"], subtitle, label, r["trip_id"], r["client_id"])

        hits: list[Hit] = []
        for h in raw:
            found = info.get((h.kind, h.ref_id))
            if found is None:  # deleted after indexing: skip rather than show a ghost
                continue
            title, subtitle, tag_label, trip_id, client_id = found
            if h.field == "title":
                what = "name" if h.kind in ("client", "traveler") else "title"
            elif h.field == "tags":
                what = tag_label(h.term)
            else:
                what = "notes"
            if h.correction:
                what = f"{what} (typo: {h.correction})"
            hits.append(
                Hit(
                    kind=cast(HitKind, h.kind),
                    id=h.ref_id,
                    title=title,
                    subtitle=subtitle,
                    score=h.score,
                    matched=what,
                    trip_id=trip_id,
                    client_id=client_id,
                )
            )
        return hits

    # -- the index --------------------------------------------------------------------------------

    def _index_client(self, conn: sqlite3.Connection, client_id: int, c: Client) -> None:
        assert c.agency_id is not None
        upsert_doc(
            conn,
            "client",
            client_id,
            c.agency_id,
            c.archived,
            DocText(
                c.name,
                tags=[c.email or "", c.phone or "", digits(c.phone or ""), *c.tags],
                body=[c.notes, c.address or ""],
            ),
        )

    def _index_traveler(self, conn: sqlite3.Connection, p: Principal, traveler_id: int, t: Traveler) -> None:
        household = conn.execute("SELECT archived FROM clients WHERE id = ?", (t.client_id,)).fetchone()
        upsert_doc(
            conn,
            "traveler",
            traveler_id,
            p.agency_id,
            t.archived or bool(household and household[0]),
            DocText(t.full_name, tags=[t.email or "", t.phone or "", digits(t.phone or "")], body=[t.notes]),
        )

    def _index_trip(self, conn: sqlite3.Connection, trip_id: int) -> None:
        row = conn.execute(
            "SELECT t.*, c.name AS client_name FROM trips t LEFT JOIN clients c ON c.id = t.client_id "
            "WHERE t.id = ?",
            (trip_id,),
        ).fetchone()
        upsert_doc(conn, "trip", trip_id, row["agency_id"], bool(row["archived"]), _trip_text(row))

    def _index_item(
        self, conn: sqlite3.Connection, p: Principal, item_id: int, i: Item, archived: bool
    ) -> None:
        upsert_doc(
            conn,
            "item",
            item_id,
            p.agency_id,
            archived,
            DocText(
                i.title,
                tags=[*i.confirmation_numbers, i.place_name or ""],
                body=[i.client_notes, i.internal_notes],
            ),
        )

    def reindex(self, p: Principal) -> int:
        """Rebuild the whole search index from the tables (admin only; e.g. after a bulk import). Returns
        docs."""
        p.require_admin("rebuild the search index")
        with self.store.transaction() as conn:
            count = bulk_load(conn, _all_docs(conn))
            self._log(
                conn, p, "search.reindex", "search", None, f"Rebuilt the search index ({count} records)"
            )
        return count


# ------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit = {limit} is out of range.", hint=f"Fix: use 1 to {MAX_LIMIT}.")
    return limit


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _archived(row: sqlite3.Row) -> str:
    return "archived" if row["archived"] else ""


def _tag_label(q: str, *, email: str | None, phone: str | None) -> str:
    if email and q and q in normalize(email):
        return "email"
    if phone and q and (q in normalize(phone) or (digits(q) and digits(q) in digits(phone))):
        return "phone"
    return "tag"


def _trip_text(row: sqlite3.Row) -> DocText:
    destinations = json.loads(row["destinations"])
    return DocText(
        row["name"],
        tags=[*destinations, row["client_name"] or ""],
        body=[row["notes"] or "", row["lead_source"] or ""],
    )


def _all_docs(conn: sqlite3.Connection) -> Iterator[tuple[str, int, int, bool, DocText]]:
    """Every searchable record, straight from the tables (for ``reindex`` and bulk loads)."""
    for r in conn.execute(
        "SELECT id, agency_id, archived, name, email, phone, tags, notes, address FROM clients"
    ):
        phone = r["phone"] or ""
        yield (
            "client",
            r["id"],
            r["agency_id"],
            bool(r["archived"]),
            DocText(
                r["name"],
                tags=[r["email"] or "", phone, digits(phone), *json.loads(r["tags"])],
                body=[r["notes"], r["address"] or ""],
            ),
        )
    for r in conn.execute(
        "SELECT t.id, c.agency_id, MAX(t.archived, c.archived) AS archived, t.first_name, t.last_name, "
        "t.email, t.phone, t.notes FROM travelers t JOIN clients c ON c.id = t.client_id"
    ):
        phone = r["phone"] or ""
        yield (
            "traveler",
            r["id"],
            r["agency_id"],
            bool(r["archived"]),
            DocText(
                f"{r['first_name']} {r['last_name']}",
                tags=[r["email"] or "", phone, digits(phone)],
                body=[r["notes"]],
            ),
        )
    for r in conn.execute(
        "SELECT t.*, c.name AS client_name FROM trips t LEFT JOIN clients c ON c.id = t.client_id"
    ):
        yield "trip", r["id"], r["agency_id"], bool(r["archived"]), _trip_text(r)
    for r in conn.execute(
        "SELECT i.id, t.agency_id, t.archived, i.title, i.confirmation_numbers, i.place_name, "
        "i.client_notes, i.internal_notes FROM items i JOIN trips t ON t.id = i.trip_id"
    ):
        yield (
            "item",
            r["id"],
            r["agency_id"],
            bool(r["archived"]),
            DocText(
                r["title"],
                tags=[*json.loads(r["confirmation_numbers"]), r["place_name"] or ""],
                body=[r["client_notes"], r["internal_notes"]],
            ),
        )
