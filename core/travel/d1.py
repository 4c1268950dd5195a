"""Import from the original system: a Cloudflare D1 export (a SQLite SQL dump) into the travel domain.

::

    from core.security import Principal
    from core.travel.d1 import import_d1

    report = import_d1(service, Principal.default_admin(), Path("dump.sql"))
    print(report.render())            # counts per table, then every row that was merged, fixed or skipped

The dump runs into an in-memory SQLite database (stdlib ``sqlite3``; ATTACH and ``VACUUM INTO`` are refused,
so a dump cannot write files), then each original row becomes our records through ``TravelService`` calls, so
every rule of the domain (validation, encryption of document numbers, search index, activity log) applies.

Rules (the README repeats them for agents):

- **Tables.** ``clients_v2`` and ``Clients`` (+ ``ClientGroups``) become clients (households) with one traveler
  each; ``trips_v2`` (+ ``trip_client_assignments``) and ``Trips`` (+ ``TripDays``, ``TripActivities``,
  ``Accommodations``, ``TripCosts``, ``TripParticipants``) become trips with days, items and payments.
  ``ActivityLog`` and ``BookingHistory`` are read and counted but held back (the service has no way yet to
  append past history). ``_cf_*``, ``sqlite_*`` and ``d1_*`` tables are ignored; other tables are listed.
  Columns are found by name (several spellings each), so extra or missing columns do not break the import.
- **Idempotent.** Every record carries ``external_id = "d1:<table>:<id>"``. A row whose record exists is
  ``unchanged``; nothing already imported is updated, so running the same dump twice changes nothing and a
  newer dump adds only what is new.
- **All or nothing per record.** A client with its traveler, or a trip with its days, items, payments and
  party, is written in one ``service.atomic()``: a failure leaves nothing of it behind (the row is skipped).
- **Duplicates.** A person whose email (any case), or similar name plus phone or date of birth, matches an
  existing client is *merged* into that household: the same traveler gets only the blanks filled in (date of
  birth, phone, passport, loyalty numbers), a different person is added as another traveler. The client's
  notes record ``[d1:<table>:<id>]`` so a second run sees the merge. Weaker look-alikes are imported and
  flagged.
- **Names.** "Last, First" when there is a comma; else the last word (with particles such as "de la", "van")
  is the last name; titles (Mr, Dr, ...) are dropped. A one-word name gives a client without a traveler.
- **Dates.** ``2025-03-07``, ISO timestamps, ``7 Mar 2025``, ``March 7, 2025``, ``2025/03/07``, ``07.03.2025``
  (day first) and ``03/07/2025`` (month first, as the original system wrote them, unless the first number is
  above 12). Blank means unknown; anything else unreadable is dropped and reported.
- **End before start.** Never swapped: the trip keeps its start date and loses its end date (reported).
- **Status.** planning/confirmed/in_progress/completed/cancelled as is; synonyms map (booked, deposit paid →
  confirmed; traveling → in_progress; done → completed; canceled → cancelled; inquiry, quote, draft →
  planning); ``active`` means in_progress when the import day falls within the trip's dates, else planning;
  anything else becomes planning with a warning.
- **Money** is integer cents. The original kept one price per booking: it becomes both cost and sell price
  (margin 0 until the supplier cost is entered). Text, zero or negative amounts are dropped and reported. When
  no booking carries a price, ``financials.breakdown`` (or ``TripCosts``) lines become unscheduled priced
  items (fee lines become the planning fee). ``payment_history`` entries become paid payments; a
  ``paid_amount`` without history becomes one paid payment. The original figures go in the trip's notes.
- **Times** are local wall-clock times; the zone comes from the place ("Lisbon") or the trip's first
  destination. A time that cannot be read ("morning") stays in the item's notes. Flights whose arrival zone is
  unknown keep the arrival time in the notes rather than a wrong zone.
- **Secrets.** Passport and visa numbers go only into travel documents (stored encrypted); they never appear
  in notes or in the report. A ``travel_docs`` value that is not valid JSON is not copied anywhere.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from core.errors import TravelOpsError, ValidationError
from core.security import Principal, mask_secret
from core.travel._codes import COUNTRIES, CURRENCIES, city_timezone, normalize_place
from core.travel._models import (
    Client,
    ClientDraft,
    Item,
    Match,
    PaymentSchedule,
    RecordInvalid,
    Traveler,
    Trip,
    format_money,
    parse_record,
)
from core.travel._search import normalize

if TYPE_CHECKING:
    from core.travel._services import TravelService

__all__ = ["D1DumpError", "ImportReport", "RowIssue", "TableCounts", "import_d1"]

Action = Literal["imported", "merged", "skipped", "fixed"]
Outcome = Literal["imported", "merged", "unchanged", "skipped"]

_FIELD_WORDS = {"documents": "travel documents", "date_of_birth": "date of birth"}
_PLAIN_ROLES = frozenset({"primary", "lead", "main", "traveler", "traveller", "client"})
MAX_RANGE_DAYS = 120  # longer trips get days only for the dates that have something on them
HELD = "held back: the travel service cannot append past activity yet; nothing of it was imported"


class D1DumpError(ValidationError):
    """The file is not a SQL dump SQLite can run, or has none of the original system's tables."""


# ------------------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------------------


class RowIssue(BaseModel):
    """What happened to one original row, when it is worth a look: ``merged`` into an existing record,
    ``fixed`` (imported with something dropped or changed), ``skipped`` (not imported), or ``imported`` with a
    warning."""

    model_config = ConfigDict(frozen=True)

    table: str
    row_key: str
    action: Action
    reason: str


class TableCounts(BaseModel):
    """Rows of one original table. ``read == imported + merged + unchanged + skipped``; ``fixed`` counts the
    imported or merged rows that needed a fix."""

    table: str
    read: int = 0
    imported: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: int = 0
    fixed: int = 0


class ImportReport(BaseModel):
    """The result of ``import_d1``: counts per table, records created, and one ``RowIssue`` per notable row."""

    source: str
    layout: Literal["v2", "old", "v2+old"]
    today: date
    tables: list[TableCounts]
    created: dict[str, int]
    ignored_tables: list[str]
    issues: list[RowIssue]

    def counts(self, table: str) -> TableCounts:
        """The counts of ``table`` (any case); zeros for a table the dump does not have."""
        for t in self.tables:
            if t.table.lower() == table.lower():
                return t
        return TableCounts(table=table)

    def issues_for(
        self, table: str, row_key: str | None = None, action: Action | None = None
    ) -> list[RowIssue]:
        return [
            i
            for i in self.issues
            if i.table.lower() == table.lower()
            and (row_key is None or i.row_key == row_key)
            and (action is None or i.action == action)
        ]

    def total(self, outcome: Literal["read", "imported", "merged", "unchanged", "skipped", "fixed"]) -> int:
        return sum(getattr(t, outcome) for t in self.tables)

    @property
    def changed(self) -> bool:
        """True when the import wrote anything."""
        return any(self.created.values()) or self.total("imported") + self.total("merged") > 0

    def render(self, *, keys_per_reason: int = 4) -> str:
        """Counts per table, what was created, then the issues grouped by table, action and reason."""
        lines = [f"Import of {self.source} (original schema: {self.layout})", ""]
        header = ("table", "read", "imported", "merged", "unchanged", "skipped", "fixed")
        width = max([len(header[0]), *(len(t.table) for t in self.tables)])
        lines.append(f"{header[0]:<{width}}" + "".join(f"{h:>11}" for h in header[1:]))
        for t in [*self.tables, self._total_row()]:
            numbers = (t.read, t.imported, t.merged, t.unchanged, t.skipped, t.fixed)
            lines.append(f"{t.table:<{width}}" + "".join(f"{n:>11}" for n in numbers))
        made = ", ".join(f"{n} {what}" for what, n in self.created.items() if n)
        lines += ["", f"Created: {made or 'nothing (everything was already imported or skipped)'}."]
        if self.ignored_tables:
            lines.append(f"Ignored tables: {', '.join(self.ignored_tables)}.")
        titles = {"skipped": "Skipped", "merged": "Merged", "fixed": "Fixed", "imported": "Imported, look"}
        for action, title in titles.items():
            order = {t.table: n for n, t in enumerate(self.tables)}
            groups: dict[tuple[str, str], list[str]] = defaultdict(list)
            for i in sorted(self.issues, key=lambda i: order.get(i.table, len(order))):
                if i.action == action:
                    groups[i.table, i.reason].append(i.row_key)
            if not groups:
                continue
            count = sum(len(keys) for keys in groups.values())
            lines += ["", f"{title} ({count}):"]
            for (table, reason), keys in groups.items():
                shown = ", ".join(f"#{k}" for k in keys[:keys_per_reason])
                more = f" (+{len(keys) - keys_per_reason} more)" if len(keys) > keys_per_reason else ""
                lines.append(f"  {table} {shown}{more}: {reason}")
        return "\n".join(lines)

    def _total_row(self) -> TableCounts:
        return TableCounts(
            table="total",
            read=self.total("read"),
            imported=self.total("imported"),
            merged=self.total("merged"),
            unchanged=self.total("unchanged"),
            skipped=self.total("skipped"),
            fixed=self.total("fixed"),
        )


# ------------------------------------------------------------------------------------------------------------
# Reading the dump
# ------------------------------------------------------------------------------------------------------------

_NEW_TABLES = ("clients_v2", "trips_v2", "trip_client_assignments", "activitylog")
_OLD_TABLES = (
    "clientgroups",
    "clients",
    "trips",
    "tripparticipants",
    "tripdays",
    "tripactivities",
    "accommodations",
    "tripcosts",
    "bookinghistory",
)
_IGNORED_PREFIXES = ("_cf_", "sqlite_", "d1_")
_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK)\b[^;]*;\s*$", re.IGNORECASE)
_REEXPORT = (
    "Fix: export the database again (`wrangler d1 export <database> --remote --output dump.sql`) and do not "
    "edit the file by hand."
)


def _deny_attach(action: int, *_: object) -> int:
    return (
        sqlite3.SQLITE_DENY if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH) else sqlite3.SQLITE_OK
    )


def _sandbox() -> sqlite3.Connection:
    """An in-memory database a dump cannot escape from (no ATTACH, no ``VACUUM INTO``)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.set_authorizer(_deny_attach)
    return conn


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise D1DumpError(
            f"No dump file at {path}.", hint="Fix: give the path of the .sql file `wrangler d1 export` wrote."
        )
    data = path.read_bytes()
    if data.startswith(b"SQLite format 3\x00"):
        raise D1DumpError(
            f"{path} is a SQLite database file, not a SQL dump.",
            hint=f"Fix: dump it first (`sqlite3 {path.name} .dump > dump.sql`) and import dump.sql.",
        )
    if data.startswith(b"\x1f\x8b"):
        raise D1DumpError(
            f"{path} is gzip-compressed.", hint=f"Fix: `gunzip {path.name}` and import the .sql."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise D1DumpError(
            f"{path} is not a text SQL dump: byte {e.start} (line {line}) is not UTF-8.", hint=_REEXPORT
        ) from e
    if not text.strip():
        raise D1DumpError(f"{path} is empty.", hint=_REEXPORT)
    return text


def _locate_failure(text: str) -> tuple[int, str, str]:
    """Run the dump statement by statement on a fresh database: (line, statement, error) of the first that
    fails."""
    conn = _sandbox()
    try:
        buffer: list[str] = []
        start = 1
        statements = 0
        for number, line in enumerate(text.splitlines(keepends=True), start=1):
            if not buffer:
                start = number
            buffer.append(line)
            statement = "".join(buffer)
            if not sqlite3.complete_statement(statement):
                continue
            buffer = []
            statements += 1
            if _TRANSACTION.match(statement):
                continue
            try:
                conn.executescript(statement)
            except sqlite3.Error as e:
                return start, statement.strip(), str(e)
        rest = "".join(buffer).strip()
        if rest and not statements:
            return start, rest, "there is no complete SQL statement in the file (is it a SQL dump?)"
        if rest:
            return start, rest, "the file ends in the middle of this statement (an incomplete download?)"
        return 0, "", ""
    finally:
        conn.close()


def _load(path: Path) -> sqlite3.Connection:
    text = _read_text(path)
    conn = _sandbox()
    try:
        conn.executescript(text)
    except sqlite3.Error as e:
        conn.close()
        line, statement, problem = _locate_failure(text)
        if not line:
            raise D1DumpError(f"{path} could not be run as SQL: {e}.", hint=_REEXPORT) from e
        shown = " ".join(statement.split())
        shown = shown if len(shown) <= 120 else shown[:117] + "..."
        raise D1DumpError(
            f"{path} is not a SQL dump SQLite can run: line {line}: {problem}, in `{shown}`.", hint=_REEXPORT
        ) from e
    if conn.in_transaction:
        conn.execute("COMMIT")
    return conn


class _Dump:
    """The dump's tables, by lower-case name; rows as dicts with lower-case column names."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        self.names = {n.lower(): n for n in names}

    def has(self, key: str) -> bool:
        return key in self.names

    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def rows(self, key: str) -> list[dict[str, Any]]:
        if key not in self.names:
            return []
        quoted = self.names[key].replace('"', '""')
        cur = self.conn.execute(f'SELECT * FROM "{quoted}"')
        columns = [d[0].lower() for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur]

    def ignored(self) -> list[str]:
        known = set(_NEW_TABLES) | set(_OLD_TABLES)
        return sorted(
            n for key, n in self.names.items() if key not in known and not key.startswith(_IGNORED_PREFIXES)
        )


# ------------------------------------------------------------------------------------------------------------
# Reading values
# ------------------------------------------------------------------------------------------------------------


class _Unreadable(Exception):
    """A value that is there but cannot be read; the message says why (without the value if secret)."""


_BLANKS = frozenset({"", "null", "none", "n/a", "na", "-", "tbd", "tba", "unknown", "?"})
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in _BLANKS)


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return " ".join(str(value).split()) or None


def _pick(row: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` that ``row`` has with a non-blank value."""
    for name in names:
        value = row.get(name)
        if not _blank(value):
            return value
    return None


def _json(value: Any, kind: type[list[Any]] | type[dict[str, Any]]) -> Any:
    """``value`` as a JSON list or object (blank: empty). Raises ``_Unreadable``."""
    if _blank(value):
        return kind()
    if isinstance(value, (list, dict)):
        parsed: Any = value
    else:
        try:
            parsed = json.loads(str(value))
        except json.JSONDecodeError as e:
            raise _Unreadable(f"is not valid JSON ({e.msg} at character {e.pos})") from e
    if parsed is None:
        return kind()
    if kind is list and isinstance(parsed, dict):
        return [parsed]  # one object where a list was expected
    if not isinstance(parsed, kind):
        expected = "a list" if kind is list else "an object"
        raise _Unreadable(f"is JSON {type(parsed).__name__}, not {expected}")
    return parsed


def _date(value: Any) -> date | None:
    """A calendar date from the formats the original system produced (see the module docstring)."""
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _epoch(value).date()
    text = str(value).strip()
    try:
        if re.match(r"^\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text[:10])
        m = re.match(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$", text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", text)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = re.match(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})$", text)
        if m:
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            year = year if year > 99 else (2000 + year if year < 70 else 1900 + year)
            month, day = (second, first) if first > 12 else (first, second)
            return date(year, month, day)
        words = re.findall(r"[a-z]+|\d+", text.lower())
        months = [_MONTHS[w] for w in words if w in _MONTHS]
        numbers = [w for w in words if w.isdigit()]
        years = [int(n) for n in numbers if len(n) == 4]
        days = [int(n) for n in numbers if len(n) <= 2]
        if len(months) == 1 and len(years) == 1 and len(days) == 1:
            return date(years[0], months[0], days[0])
    except ValueError as e:
        raise _Unreadable(f"'{text}' is not a real date") from e
    raise _Unreadable(f"'{text}' is not a date we can read")


def _epoch(value: float) -> datetime:
    seconds = value / 1000 if value > 1e11 else value
    if not 1e8 < seconds < 4e9:
        raise _Unreadable(f"{value} is not a date")
    return datetime.fromtimestamp(seconds)


_TIME = re.compile(
    r"(?<![\d:])(\d{1,2})(?:[:h.](\d{2}))?(?::\d{2}(?:\.\d+)?)?(?:\s*([ap])\.?m\b\.?)?(?![\d:])",
    re.IGNORECASE,
)


def _time(value: Any) -> time | None:
    """``09:00``, ``9:30 pm``, ``9am``, ``21h30``, ``noon``. Raises ``_Unreadable`` ("morning")."""
    start, _ = _time_range(value)
    return start


def _time_range(value: Any) -> tuple[time | None, time | None]:
    """A time or a range (``09:00-12:00``, ``9am to 1pm``)."""
    if _blank(value):
        return None, None
    text = str(value).strip().lower()
    if text in ("noon", "midday"):
        return time(12), None
    if text == "midnight":
        return time(0), None
    found: list[time] = []
    for m in _TIME.finditer(text):
        if m[2] is None and m[3] is None:
            continue  # a bare number ("2 people") is not a time
        hour, minute = int(m[1]), int(m[2] or 0)
        if m[3]:
            if not 1 <= hour <= 12:
                raise _Unreadable(f"'{value}' is not a time")
            hour = hour % 12 + (12 if m[3] == "p" else 0)
        if hour > 23 or minute > 59:
            raise _Unreadable(f"'{value}' is not a time")
        found.append(time(hour, minute))
    if not found:
        raise _Unreadable(f"'{value}' is not a time")
    return found[0], found[1] if len(found) > 1 else None


def _datetime(value: Any, zone: str | None) -> tuple[date | None, time | None]:
    """A date and, when given, a local time. Timestamps with an offset are converted to ``zone`` when known
    (else their own wall clock is kept). Raises ``_Unreadable``."""
    if _blank(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = _epoch(value)
        return moment.date(), moment.time().replace(second=0, microsecond=0)
    text = str(value).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", text):
        try:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError as e:
            raise _Unreadable(f"'{text}' is not a date and time we can read") from e
        if moment.tzinfo is not None:
            if zone:
                moment = moment.astimezone(ZoneInfo(zone))
            moment = moment.replace(tzinfo=None)
        return moment.date(), moment.time().replace(second=0, microsecond=0)
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return _date(text), None
    # "03/07/2025 14:30", "7 Mar 2025 2pm": a date part and a time part
    m = re.search(r"(?:\s|T|,)\s*(\d{1,2}(?::\d{2})?(?::\d{2})?\s*(?:[ap]\.?m\.?)?)\s*$", text, re.IGNORECASE)
    if m and (":" in m[1] or re.search("[ap]", m[1], re.IGNORECASE)):
        return _date(text[: m.start()].strip(" ,T")), _time(m[1])
    return _date(text), None


_NUMBER = re.compile(r"^\(?-?[\d.,' ]+\)?$")


def _cents(value: Any) -> int | None:
    """A money amount as integer cents (blank: None). Raises ``_Unreadable`` for text and negative amounts."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _Unreadable(f"{value!r} is not an amount")
    if isinstance(value, (int, float)):
        amount = Decimal(str(value))
    else:
        text = str(value).strip()
        if text.lower() in ("free", "included", "complimentary", "comp"):
            return 0
        cleaned = re.sub(r"\b[A-Za-z]{3}\b|[$€£¥]|\s", "", text).replace("'", "")
        negative = cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")"))
        cleaned = cleaned.strip("()-")
        if not cleaned or not _NUMBER.match(cleaned):
            raise _Unreadable(f"'{text}' is not an amount")
        if "," in cleaned and "." in cleaned:
            decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        elif "," in cleaned:
            decimal_mark = "," if re.search(r",\d{1,2}$", cleaned) else "."
        else:
            decimal_mark = "."
        thousands = "." if decimal_mark == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation as e:
            raise _Unreadable(f"'{text}' is not an amount") from e
        if negative:
            amount = -amount
    if not amount.is_finite():
        raise _Unreadable(f"{value!r} is not an amount")
    if amount < 0:
        raise _Unreadable(f"{value} is negative")
    return int((amount * 100).to_integral_value())


# Country names and ISO alpha-3 codes seen in the original data (alpha-2 codes are accepted as they are).
_COUNTRY_NAMES_TEXT = """
US: usa, united states, united states of america, america | GB: uk, gbr, united kingdom, great britain, england,
scotland, wales | CA: can, canada | MX: mex, mexico | AU: aus, australia | NZ: nzl, new zealand | IE: irl, ireland
| DE: deu, germany | FR: fra, france | ES: esp, spain | PT: prt, portugal | IT: ita, italy | NL: nld, netherlands,
holland | BE: bel, belgium | CH: che, switzerland | AT: aut, austria | SE: swe, sweden | NO: nor, norway | DK: dnk,
denmark | FI: fin, finland | PL: pol, poland | GR: grc, greece | JP: jpn, japan | CN: chn, china | IN: ind, india
| BR: bra, brazil | AR: arg, argentina | ZA: zaf, south africa | IL: isr, israel | AE: are, uae, united arab
emirates | SG: sgp, singapore | KR: kor, korea, south korea
"""
_COUNTRY_NAMES: dict[str, str] = {
    name.strip(): code.strip()
    for entry in " ".join(_COUNTRY_NAMES_TEXT.split()).split("|")
    for code, names in [entry.split(":")]
    for name in names.split(",")
}


def _country(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    code = text.upper()
    if code in COUNTRIES:
        return code
    return _COUNTRY_NAMES.get(normalize(text))


_CURRENCY_SIGNS = {
    "$": "USD",
    "us$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "dollars": "USD",
    "euros": "EUR",
}


def _currency(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    code = text.upper()
    return code if code in CURRENCIES else _CURRENCY_SIGNS.get(text.lower())


def _words(text: str) -> str:
    return f" {normalize_place(text)} "


_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("flight", ("flight", "flights", "air", "airfare", "plane", "airline", "fly")),
    ("rail", ("train", "trains", "rail", "railway")),
    ("cruise", ("cruise", "cruises")),
    ("car", ("car rental", "rental car", "car hire", "rental", "car")),
    (
        "transfer",
        (
            "transfer",
            "transfers",
            "taxi",
            "shuttle",
            "bus",
            "coach",
            "ferry",
            "transport",
            "transportation",
            "driver",
            "pickup",
            "ground",
        ),
    ),
    (
        "hotel",
        (
            "hotel",
            "hotels",
            "accommodation",
            "accommodations",
            "lodging",
            "resort",
            "hostel",
            "villa",
            "stay",
        ),
    ),
    ("note", ("note", "free time", "free day", "at leisure", "leisure")),
)
_FEES = ("fee", "fees", "service fee", "planning fee", "agency fee", "booking fee")


def _kind(*texts: Any, default: str = "activity") -> str:
    words = _words(" ".join(str(t) for t in texts if t))
    for kind, names in _KINDS:
        if any(f" {n} " in words for n in names):
            return kind
    return default


def _is_fee(text: str) -> bool:
    words = _words(text)
    return any(f" {n} " in words for n in _FEES)


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"})
_PARTICLES = frozenset(
    {
        "da",
        "de",
        "del",
        "della",
        "der",
        "den",
        "di",
        "do",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "van",
        "von",
        "ten",
    }
    | {"ter", "st", "bin", "ibn", "al", "el", "y"}
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _split_name(full: str) -> tuple[str, str] | None:
    """(first, last) legal names from a full name; None for a single word."""
    text = " ".join(full.split())
    if "," in text:
        last, first = (part.strip() for part in text.split(",", 1))
        if first and last and first.lower().strip(".") not in _SUFFIXES:
            return first, last
        text = text.replace(",", " ")
    words = text.split()
    while words and words[0].lower().strip(".") in _TITLES:
        words = words[1:]
    if len(words) < 2:
        return None
    suffix = words[-1] if len(words) > 2 and words[-1].lower().strip(".") in _SUFFIXES else ""
    core = words[:-1] if suffix else words
    i = len(core) - 1
    while i - 1 >= 1 and core[i - 1].lower() in _PARTICLES:
        i -= 1
    return " ".join(core[:i]), " ".join([*core[i:], suffix]).strip()


# ------------------------------------------------------------------------------------------------------------
# Validation with safe fixes
# ------------------------------------------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def _drop(data: dict[str, Any], path: str) -> str:
    """Remove the part of ``data`` that ``path`` ("phone", "documents.0.country") points into: a list entry
    goes whole. Returns the part removed, for the report."""
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        if isinstance(node, list) and part.isdigit():
            index = int(part)
            if index < len(node):
                node.pop(index)
            return ".".join(parts[: i + 1])
        if not isinstance(node, dict) or part not in node:
            return path
        if i == len(parts) - 1 or not isinstance(node[part], (dict, list)):
            node.pop(part)
            return ".".join(parts[: i + 1])
        node = node[part]
    return path


def _fit(
    model: type[M], data: dict[str, Any], *, what: str, keep: frozenset[str], fixes: list[str]
) -> dict[str, Any]:
    """``data`` valid for ``model``: optional parts that fail validation are dropped, each with a reason in
    ``fixes``. Raises ``RecordInvalid`` when a part in ``keep`` (required fields) is invalid."""
    data = json.loads(json.dumps(data, default=_jsonable))
    for _ in range(20):
        try:
            parse_record(model, data, what=what)
            return data
        except RecordInvalid as e:
            blocking = [p for p in e.problems if p.split(".")[0] in keep or p == "(record)"]
            if blocking:
                raise
            dropped: set[str] = set()
            for path, why in sorted(e.problems.items(), key=lambda kv: kv[0], reverse=True):
                part = _drop(data, path)
                if part in dropped:
                    continue
                dropped.add(part)
                secret = "documents" in part
                shown = "" if secret else f" {_shown(path, e)}"
                fixes.append(f"{what} {part}{shown} dropped: {why}")
    raise RecordInvalid(f"Invalid {what}: could not be fixed.", problems={"(record)": "unfixable"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return str(value)


def _shown(path: str, error: RecordInvalid) -> str:
    match = re.search(rf"{re.escape(path)} = (.*?): ", error.message)
    return f"= {match[1]}" if match else ""


# ------------------------------------------------------------------------------------------------------------
# Drafts: what one original row becomes, before anything is written
# ------------------------------------------------------------------------------------------------------------


@dataclass
class _Row:
    """One original row's outcome and its notes for the report."""

    table: str
    key: str
    fixes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Person(_Row):
    external_id: str = ""
    client_name: str | None = None
    first: str | None = None
    last: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    date_of_birth: date | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)
    preferences: dict[str, Any] = field(default_factory=dict)
    loyalty: list[dict[str, str]] = field(default_factory=list)
    client_notes: list[str] = field(default_factory=list)
    traveler_notes: list[str] = field(default_factory=list)
    group: tuple[str, str, str] | None = None  # (external id, household name, group table key)
    skip: str | None = None


@dataclass
class _PartyRef:
    """Someone a trip names: by original client id, by email, or only by name."""

    row: _Row
    client_key: tuple[str, str] | None = None  # (table, original id)
    email: str | None = None
    name: str | None = None
    role: str | None = None
    notes: str | None = None


@dataclass
class _ItemDraft:
    on: date | None  # the day it sits on; None = unscheduled
    fields: dict[str, Any]
    order: int = 0


@dataclass
class _TripDraft(_Row):
    external_id: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    days: dict[date, tuple[str, list[str]]] = field(default_factory=dict)
    items: list[_ItemDraft] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    party: list[_PartyRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    children: list[_Row] = field(default_factory=list)  # rows of other tables folded into this trip
    zone: str | None = None

    def start(self) -> date | None:
        value = self.fields.get("start_date")
        return value if isinstance(value, date) else None

    def end(self) -> date | None:
        value = self.fields.get("end_date")
        return value if isinstance(value, date) else None


_STATUS: dict[str, str] = {}
for _status, _names in {
    "planning": "planning plan planned draft inquiry enquiry new lead quote quoted proposal proposed pending "
    "researching research open tentative",
    "confirmed": "confirmed booked deposit_paid deposit paid fully_paid ready finalized finalised ticketed",
    "in_progress": "in_progress inprogress traveling travelling on_trip ongoing underway departed",
    "completed": "completed complete done finished past returned closed",
    "cancelled": "cancelled canceled cancel lost declined void",
}.items():
    for _name in _names.split():
        _STATUS[_name] = _status


# ------------------------------------------------------------------------------------------------------------
# The importer
# ------------------------------------------------------------------------------------------------------------


def import_d1(
    service: TravelService, principal: Principal, dump_path: Path | str, *, today: date | None = None
) -> ImportReport:
    """Import a Cloudflare D1 export of the original system (see the module docstring for every rule).

    Raises ``D1DumpError`` (a ``core.errors.ValidationError``) when the file is not a dump SQLite can run or
    has none of the original tables; row problems never raise, they are in the report. ``today`` decides
    what "active" means and dates payments whose date is unknown (default: the local date).
    """
    principal.require_write("import data")
    path = Path(dump_path)
    conn = _load(path)
    try:
        dump = _Dump(conn)
        has_new = any(dump.has(t) for t in _NEW_TABLES)
        has_old = any(dump.has(t) for t in _OLD_TABLES)
        if not (has_new or has_old):
            found = ", ".join(sorted(dump.names.values())) or "no tables at all"
            raise D1DumpError(
                f"{path} has none of the original system's tables (clients_v2, trips_v2, ActivityLog, "
                f"trip_client_assignments, or the older Clients, Trips, ...). It has: {found}.",
                hint="Fix: check that this is the export of the original TravelOps D1 database.",
            )
        importer = _Importer(service, principal, dump, today or date.today())
        importer.run()
        layout: Literal["v2", "old", "v2+old"] = (
            "v2+old" if has_new and has_old else "v2" if has_new else "old"
        )
        return ImportReport(
            source=str(path),
            layout=layout,
            today=importer.today,
            tables=list(importer.counts.values()),
            created=importer.created,
            ignored_tables=dump.ignored(),
            issues=importer.issues,
        )
    finally:
        conn.close()


class _Importer:
    def __init__(self, service: TravelService, principal: Principal, dump: _Dump, today: date) -> None:
        self.svc = service
        self.p = principal
        self.dump = dump
        self.today = today
        self.counts: dict[str, TableCounts] = {}
        self.issues: list[RowIssue] = []
        self.created: dict[str, int] = dict.fromkeys(
            ("clients", "travelers", "trips", "days", "items", "payments"), 0
        )
        self.default_currency = service.get_agency(principal).default_currency
        self.users = {
            u.email.lower(): u.id for u in service.list_users(principal) if u.email and u.id is not None
        }
        # original person -> (client id, traveler id or None), filled as people are imported
        self.people: dict[tuple[str, str], tuple[int, int | None]] = {}
        self.by_email: dict[str, tuple[int, int | None]] = {}
        self.groups_created: set[str] = set()  # ClientGroups households created by this run
        self.v2_trips: dict[tuple[str, date | None], tuple[int, Outcome]] = {}

    # -- bookkeeping ------------------------------------------------------------------------------------

    def _table(self, key: str) -> str:
        name = self.dump.name(key)
        self.counts.setdefault(name, TableCounts(table=name))
        return name

    def record(self, row: _Row, outcome: Outcome, reason: str = "") -> None:
        counts = self.counts.setdefault(row.table, TableCounts(table=row.table))
        counts.read += 1
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        if outcome == "skipped":
            self.issues.append(RowIssue(table=row.table, row_key=row.key, action="skipped", reason=reason))
            return
        if outcome == "unchanged":
            return
        if outcome == "merged":
            self.issues.append(RowIssue(table=row.table, row_key=row.key, action="merged", reason=reason))
        if row.fixes:
            counts.fixed += 1
        for fix in row.fixes:
            self.issues.append(RowIssue(table=row.table, row_key=row.key, action="fixed", reason=fix))
        for warning in row.warnings:
            self.issues.append(RowIssue(table=row.table, row_key=row.key, action="imported", reason=warning))

    def run(self) -> None:
        for key in (*_NEW_TABLES, *_OLD_TABLES):
            if self.dump.has(key):
                self._table(key)  # every table the dump has is listed, in a stable order
        self._people_v2()
        self._people_old()
        self._trips_v2()
        self._trips_old()
        for key in ("activitylog", "bookinghistory"):
            table = self.dump.name(key)
            for n, row in enumerate(self.dump.rows(key), start=1):
                row_key = _text(_pick(row, "activity_id", "booking_id", "history_id", "id")) or f"row {n}"
                self.record(_Row(table, row_key), "skipped", HELD)

    # ======================================================================================================
    # People
    # ======================================================================================================

    def _people_v2(self) -> None:
        table = self._table("clients_v2") if self.dump.has("clients_v2") else ""
        for n, row in enumerate(self.dump.rows("clients_v2"), start=1):
            key = _text(_pick(row, "client_id", "id")) or f"row {n}"
            person = _Person(table, key, external_id=f"d1:{table}:{key}")
            self._read_person(person, row)
            contact = self._json_field(
                person, row, "contact_info", dict, keep_raw=True, notes=person.client_notes
            )
            person.phone = person.phone or _text(
                _pick(contact, "phone", "mobile", "cell", "telephone", "tel")
            )
            person.email = person.email or _text(_pick(contact, "email", "email_address"))
            address = _pick(contact, "address", "home_address", "mailing_address")
            person.address = person.address or _address(address)
            emergency = _pick(contact, "emergency_contact", "emergency")
            if emergency is not None:
                person.client_notes.append(f"Emergency contact: {_plain(emergency)}")
            used = {"phone", "mobile", "cell", "telephone", "tel", "email", "email_address", "address"}
            used |= {"home_address", "mailing_address", "emergency_contact", "emergency"}
            extra = {k: v for k, v in contact.items() if k not in used and not _blank(v)}
            if extra:
                person.client_notes.append(f"Contact (original): {_plain(extra)}")
            docs = self._json_field(person, row, "travel_docs", dict, keep_raw=False)
            self._travel_docs(person, docs, nationality=_pick(row, "nationality", "citizenship", "country"))
            self._import_person(person)

    def _people_old(self) -> None:
        groups: dict[str, tuple[str, str]] = {}  # group id -> (external id, name)
        members: dict[str, str] = {}  # client id -> group id, from a members list in ClientGroups
        group_table = self._table("clientgroups") if self.dump.has("clientgroups") else ""
        group_rows = self.dump.rows("clientgroups")
        for n, row in enumerate(group_rows, start=1):
            gid = _text(_pick(row, "group_id", "client_group_id", "id")) or f"row {n}"
            name = _text(_pick(row, "group_name", "name", "title")) or f"Group {gid}"
            groups[gid] = (f"d1:{group_table}:{gid}", name)
            try:
                listed = _json(_pick(row, "client_ids", "members", "member_ids"), list)
            except _Unreadable:
                listed = []
            for member in listed:
                member_id = member.get("client_id") if isinstance(member, dict) else member
                if _text(member_id):
                    members[str(_text(member_id))] = gid
            lead = _text(_pick(row, "primary_client_id", "lead_client_id"))
            if lead:
                members.setdefault(lead, gid)

        table = self._table("clients") if self.dump.has("clients") else ""
        for n, row in enumerate(self.dump.rows("clients"), start=1):
            key = _text(_pick(row, "client_id", "id")) or f"row {n}"
            person = _Person(table, key, external_id=f"d1:{table}:{key}")
            self._read_person(person, row)
            person.address = _address(
                {
                    k: row.get(k)
                    for k in ("address", "street", "city", "state", "postal_code", "zip", "country")
                }
            )
            number = _text(_pick(row, "passport_number", "passport_no", "passport"))
            if number:
                passport = {
                    "number": number,
                    "country": _pick(row, "passport_country", "passport_issuing_country"),
                    "expiry": _pick(row, "passport_expiry", "passport_expiration", "passport_expires"),
                }
                docs = {"passport": passport}
                self._travel_docs(person, docs, nationality=_pick(row, "nationality", "citizenship"))
            gid = _text(_pick(row, "group_id", "client_group_id")) or members.get(key)
            if gid and gid in groups:
                ext, name = groups[gid]
                person.group = (ext, name, gid)
            self._import_person(person)

        for n, row in enumerate(group_rows, start=1):
            gid = _text(_pick(row, "group_id", "client_group_id", "id")) or f"row {n}"
            external_id = groups[gid][0]
            if external_id in self.groups_created:
                self.record(_Row(group_table, gid), "imported")
            elif self.svc.find_by_external_id(self.p, "client", external_id) is not None:
                self.record(_Row(group_table, gid), "unchanged")
            else:
                self.record(
                    _Row(group_table, gid),
                    "skipped",
                    "no imported client belongs to this group: no household was created for it",
                )

    def _read_person(self, person: _Person, row: Mapping[str, Any]) -> None:
        """Fields common to clients_v2 and Clients."""
        first = _text(_pick(row, "first_name", "firstname", "given_name"))
        last = _text(_pick(row, "last_name", "lastname", "surname", "family_name"))
        full = _text(_pick(row, "full_name", "name", "client_name", "display_name"))
        if first and last:
            person.first, person.last = first, last
            person.client_name = full or f"{first} {last}"
        elif full or first or last:
            person.client_name = full or first or last
            assert person.client_name is not None
            split = _split_name(person.client_name)
            if split:
                person.first, person.last = split
                person.client_name = f"{person.first} {person.last}"
            else:
                person.fixes.append(
                    f"name '{person.client_name}' is a single word: imported as a client without a "
                    "traveler (a traveler needs a legal first and last name; add it by hand)"
                )
        person.email = _text(_pick(row, "email", "email_address"))
        person.phone = _text(_pick(row, "phone", "phone_number", "mobile", "telephone"))
        person.address = _address(_pick(row, "address"))
        if person.client_name is None:
            if person.email:
                person.client_name = person.email
                person.fixes.append(
                    "the name is empty: the client is named after its email, without a traveler "
                    "(add the traveler's legal name by hand)"
                )
            else:
                person.skip = "the name and the email are empty: nothing identifies this client"
        if person.email is None and person.skip is None:
            person.warnings.append("no email: duplicates of this client can only be found by name and phone")
        dob = _pick(row, "date_of_birth", "dob", "birth_date", "birthday", "birthdate")
        try:
            person.date_of_birth = _date(dob)
        except _Unreadable as e:
            person.fixes.append(f"date_of_birth {e}: left empty")
        try:
            prefs = _json_or_text(_pick(row, "preferences", "travel_preferences"))
        except _Unreadable as e:
            prefs = None
            person.fixes.append(f"preferences {e}: kept as text in the traveler's notes")
            person.traveler_notes.append(f"Preferences (original): {_text(row.get('preferences'))}")
        person.preferences, leftover = _preferences(prefs)
        if leftover:
            person.traveler_notes.append(f"Preferences (original): {leftover}")
        try:
            loyalty = _json_or_text(_pick(row, "loyalty_programs", "loyalty", "frequent_flyer"))
        except _Unreadable as e:
            loyalty = None
            person.fixes.append(f"loyalty_programs {e}: kept as text in the traveler's notes")
            person.traveler_notes.append(f"Loyalty programs (original): {_text(row.get('loyalty_programs'))}")
        person.loyalty, leftover = _loyalty(loyalty)
        if leftover:
            person.traveler_notes.append(f"Loyalty programs (original): {leftover}")
        notes = _pick(row, "notes", "note", "comments")
        if notes is not None:
            try:
                person.client_notes.append(_plain(_json_or_text(notes)))
            except _Unreadable:
                person.client_notes.append(str(notes).strip())

    def _json_field(
        self,
        row_info: _Row,
        row: Mapping[str, Any],
        column: str,
        kind: type[list[Any]] | type[dict[str, Any]],
        *,
        keep_raw: bool,
        notes: list[str] | None = None,
    ) -> Any:
        try:
            return _json(row.get(column), kind)
        except _Unreadable as e:
            if keep_raw and notes is not None:
                notes.append(f"{column} (unreadable, as written): {str(row.get(column)).strip()}")
                row_info.fixes.append(f"{column} {e}: not imported, kept as written in the notes")
            else:
                row_info.fixes.append(f"{column} {e}: not imported (re-enter it by hand)")
            return kind()

    def _travel_docs(self, person: _Person, docs: Mapping[str, Any], *, nationality: Any) -> None:
        """Passport and visas into documents (encrypted); insurance and the rest into notes, numbers masked."""
        fallback_country = _country(nationality)
        passport = docs.get("passport")
        if isinstance(passport, (str, int)) and not _blank(passport):
            passport = {"number": str(passport)}
        if isinstance(passport, dict) and not _blank(_pick(passport, "number", "passport_number", "no")):
            self._document(person, "passport", passport, fallback_country)
        visas = docs.get("visas") or []
        for visa in visas if isinstance(visas, list) else [visas]:
            if (
                isinstance(visa, dict)
                and _pick(visa, "number", "visa_number")
                and _country(_pick(visa, "country", "issuing_country"))
            ):
                self._document(person, "visa", visa, None)
            elif not _blank(visa):
                person.traveler_notes.append(f"Visa: {_masked_text(visa)}")
        insurance = docs.get("travel_insurance") or docs.get("insurance")
        if not _blank(insurance):
            person.traveler_notes.append(f"Travel insurance: {_masked_text(insurance)}")
        for name, value in docs.items():
            if name not in ("passport", "visas", "travel_insurance", "insurance") and not _blank(value):
                person.traveler_notes.append(f"{name.replace('_', ' ').capitalize()}: {_masked_text(value)}")

    def _document(self, person: _Person, kind: str, doc: Mapping[str, Any], fallback: str | None) -> None:
        number = str(_pick(doc, "number", "passport_number", "visa_number", "no"))
        raw_country = _pick(doc, "country", "issuing_country", "issued_by", "nationality")
        country = _country(raw_country) or (fallback if raw_country is None else None)
        if country is None:
            why = f"country '{raw_country}' is not one we know" if raw_country else "it names no country"
            person.fixes.append(f"{kind} {mask_secret(number)} not imported: {why} (add it by hand)")
            return
        try:
            expiry = _date(_pick(doc, "expiry", "expiry_date", "expires", "expiration", "expiration_date"))
        except _Unreadable as e:
            expiry = None
            person.fixes.append(f"{kind} {mask_secret(number)} expiry {e}: imported without an expiry")
        person.documents.append({"kind": kind, "number": number, "country": country, "expiry": expiry})

    def _import_person(self, person: _Person) -> None:
        self._check_contacts(person)
        if person.group and not (person.first and person.last):
            person.skip = (
                f"member of group {person.group[2]} without a legal first and last name: nothing to add to the "
                "group's household (add the traveler by hand)"
            )
        if person.skip:
            self.record(person, "skipped", person.skip)
            return
        svc, p = self.svc, self.p
        client_id = svc.find_by_external_id(p, "client", person.external_id)
        if client_id is not None:
            self._remember(person, client_id, self._traveler_with(client_id, person.external_id))
            self.record(person, "unchanged")
            return
        match, lookalikes = self._duplicate_of(person)
        households = [m for m in (match.client.id if match else None,) if m is not None]
        if person.group:
            group_id = svc.find_by_external_id(p, "client", person.group[0])
            if group_id is not None:
                households.append(group_id)
        for household in households:
            traveler_id = self._traveler_with(household, person.external_id)
            if traveler_id is not None or f"[{person.external_id}]" in svc.get_client(p, household).notes:
                self._remember(person, household, traveler_id)
                self.record(person, "unchanged")
                return
        saved = dict(self.created), set(self.groups_created)
        merged = ""
        try:
            with svc.atomic():
                if match is not None:
                    merged, household, traveler_id = self._merge(person, match)
                elif person.group:
                    household = self._group_household(person)
                    traveler_id = self._add_traveler(person, household)
                else:
                    household, traveler_id = self._new_client(person)
        except (TravelOpsError, _Unreadable) as e:
            self.created, self.groups_created = saved
            self.record(person, "skipped", f"not imported (nothing of it was written): {e}")
            return
        self._remember(person, household, traveler_id)
        if merged:
            self.record(person, "merged", merged)
            return
        for m in lookalikes:
            person.warnings.append(
                f"looks like client '{m.client.name}' (#{m.client.id}): {m.why}; merge by hand if it is the "
                "same person"
            )
        self.record(person, "imported")

    def _check_contacts(self, person: _Person) -> None:
        """An email or phone our model refuses is dropped once here (kept as written in the client's notes)."""
        for key in ("email", "phone"):
            value = getattr(person, key)
            if value is None:
                continue
            try:
                parse_record(Client, {"name": "check", key: value}, what="client")
            except RecordInvalid as e:
                setattr(person, key, None)
                person.client_notes.append(f"Original {key} (not valid): {value}")
                why = e.problems.get(key, "not valid")
                person.fixes.append(f"{key} '{value}' dropped: {why}; kept as written in the client's notes")

    def _duplicate_of(self, person: _Person) -> tuple[Match | None, list[Match]]:
        name = " ".join(x for x in (person.first, person.last) if x) or person.client_name
        draft = ClientDraft(
            name=name, email=person.email, phone=person.phone, date_of_birth=person.date_of_birth
        )
        try:
            matches = self.svc.find_duplicates(self.p, draft)
        except RecordInvalid:
            return None, []
        sure = [m for m in matches if m.is_duplicate and m.client.id is not None]
        return (sure[0] if sure else None), [m for m in matches if not m.is_duplicate][:2]

    def _traveler_with(self, client_id: int, external_id: str) -> int | None:
        for t in self.svc.list_travelers(self.p, client_id, include_archived=True):
            if t.external_id == external_id:
                return t.id
        return None

    def _remember(self, person: _Person, client_id: int, traveler_id: int | None) -> None:
        self.people[person.table.lower(), person.key] = (client_id, traveler_id)
        if person.email:
            self.by_email.setdefault(person.email.lower(), (client_id, traveler_id))

    def _client_fields(self, person: _Person, name: str, external_id: str) -> dict[str, Any]:
        data = {
            "name": name,
            "email": person.email,
            "phone": person.phone,
            "address": person.address,
            "notes": "\n".join(person.client_notes),
            "external_id": external_id,
        }
        return _fit(Client, data, what="client", keep=frozenset({"name", "external_id"}), fixes=person.fixes)

    def _traveler_fields(self, person: _Person) -> dict[str, Any] | None:
        if not (person.first and person.last):
            return None
        data = {
            "first_name": person.first,
            "last_name": person.last,
            "date_of_birth": person.date_of_birth,
            "email": person.email,
            "phone": person.phone,
            "preferences": person.preferences,
            "loyalty_programs": person.loyalty,
            "documents": person.documents,
            "notes": "\n".join(person.traveler_notes),
            "external_id": person.external_id,
            "client_id": 1,
        }
        keep = frozenset({"first_name", "last_name", "external_id", "client_id"})
        fitted = _fit(Traveler, data, what="traveler", keep=keep, fixes=person.fixes)
        fitted.pop("client_id")
        return fitted

    def _new_client(self, person: _Person) -> tuple[int, int | None]:
        assert person.client_name is not None
        fields = self._client_fields(person, person.client_name, person.external_id)
        traveler = self._traveler_fields(person)
        client = self.svc.create_client(self.p, **fields)
        assert client.id is not None
        self.created["clients"] += 1
        traveler_id = None
        if traveler is not None:
            traveler_id = self.svc.add_traveler(self.p, client.id, **traveler).id
            self.created["travelers"] += 1
        return client.id, traveler_id

    def _group_household(self, person: _Person) -> int:
        assert person.group is not None
        external_id, name, _ = person.group
        existing = self.svc.find_by_external_id(self.p, "client", external_id)
        if existing is not None:
            return existing
        client = self.svc.create_client(
            self.p,
            name=name,
            external_id=external_id,
            notes=f"Imported from the original system ({external_id}).",
        )
        assert client.id is not None
        self.created["clients"] += 1
        self.groups_created.add(external_id)
        return client.id

    def _add_traveler(self, person: _Person, client_id: int) -> int | None:
        traveler = self._traveler_fields(person)
        if traveler is None:
            return None
        added = self.svc.add_traveler(self.p, client_id, **traveler)
        self.created["travelers"] += 1
        return added.id

    def _merge(self, person: _Person, match: Match) -> tuple[str, int, int | None]:
        """Join ``person`` to the matched household: fill the blanks of the same traveler, or add them."""
        svc, p = self.svc, self.p
        client = match.client
        assert client.id is not None
        name = " ".join(x for x in (person.first, person.last) if x)
        same = None
        for t in svc.list_travelers(p, client.id):
            similar = name and fuzz.token_set_ratio(normalize(name), normalize(t.full_name)) >= 90
            born_ok = not (
                person.date_of_birth and t.date_of_birth and person.date_of_birth != t.date_of_birth
            )
            if similar and born_ok:
                same = t
                break
        added: list[str] = []
        why = match.why.split("; ")[0]
        traveler_id: int | None = None
        if same is not None and same.id is not None:
            traveler_id = same.id
            fitted = self._traveler_fields(person) or {}
            changes: dict[str, Any] = {}
            for key in ("date_of_birth", "email", "phone"):
                if getattr(same, key) is None and fitted.get(key):
                    changes[key] = fitted[key]
            have = {(d.kind, d.number.get_secret_value()) for d in same.documents}
            new_docs = [d for d in fitted.get("documents", []) if (d["kind"], d["number"]) not in have]
            if new_docs:
                changes["documents"] = [*[d.model_dump() for d in same.documents], *new_docs]
            programs = {(lp.program.lower(), lp.number) for lp in same.loyalty_programs}
            new_programs = [
                lp
                for lp in fitted.get("loyalty_programs", [])
                if (lp["program"].lower(), lp["number"]) not in programs
            ]
            if new_programs:
                changes["loyalty_programs"] = [
                    *[lp.model_dump() for lp in same.loyalty_programs],
                    *new_programs,
                ]
            prefs = same.preferences.model_dump()
            new_prefs = {k: v for k, v in fitted.get("preferences", {}).items() if v and not prefs.get(k)}
            if new_prefs:
                changes["preferences"] = prefs | new_prefs
            if fitted.get("notes") and fitted["notes"] not in same.notes:
                changes["notes"] = "\n".join(x for x in (same.notes, fitted["notes"]) if x)
            if changes:
                svc.update_traveler(p, same.id, **changes)
            added = [_FIELD_WORDS.get(k, k.replace("_", " ")) for k in changes]
            target = f"traveler {same.full_name}"
        else:
            traveler_id = self._add_traveler(person, client.id)
            target = f"new traveler {name}" if traveler_id else "no traveler (no legal name)"
        marker = f"[{person.external_id}] merged here on import ({why})"
        client_changes: dict[str, Any] = {"notes": "\n".join(x for x in (client.notes, marker) if x)}
        for key in ("phone", "address"):
            value = getattr(person, key)
            if getattr(client, key) is None and value:
                try:
                    parse_record(Client, {"name": client.name, key: value})
                except RecordInvalid:
                    continue
                client_changes[key] = value
                added.append(f"client {key}")
        svc.update_client(p, client.id, **client_changes)
        filled = f"; added {', '.join(added)}" if added else "; nothing new to add"
        return (
            f"into client '{client.name}' (#{client.id}) as {target}: {why}{filled}",
            client.id,
            traveler_id,
        )

    # ======================================================================================================
    # Party
    # ======================================================================================================

    def _known(self, ref: _PartyRef) -> tuple[int, int | None] | None:
        """(household, traveler or None) of someone a trip names: by original id or email from this run, else
        a client of the store with that email."""
        found = self.people.get(ref.client_key) if ref.client_key else None
        if found is None and ref.email:
            found = self.by_email.get(ref.email.lower())
            if found is None:
                matches = self.svc.find_duplicates(self.p, ClientDraft(email=ref.email))
                if matches and matches[0].is_duplicate and matches[0].client.id is not None:
                    household = matches[0].client.id
                    travelers = self.svc.list_travelers(self.p, household)
                    same = [t for t in travelers if t.email and t.email.lower() == ref.email.lower()]
                    pick = same or (travelers if len(travelers) == 1 else [])
                    found = (household, pick[0].id if pick else None)
        return found

    def _traveler_for(self, ref: _PartyRef, draft: _TripDraft) -> int | None:
        """The traveler a trip names (see ``_known``); someone unknown with a name and an email becomes a new
        client; anyone else is named in the trip's notes."""
        found = self._known(ref)
        if found is not None:
            if found[1] is None:
                ref.row.warnings.append(
                    f"{ref.name or ref.email or 'a party member'} has no traveler record: not in the party"
                )
            return found[1]
        if ref.name and ref.email and _split_name(ref.name):
            number = draft.party.index(ref) + 1
            person = _Person(ref.row.table, ref.row.key, external_id=f"{draft.external_id}:party:{number}")
            person.client_name = ref.name
            person.first, person.last = _split_name(ref.name) or (None, None)
            person.email = ref.email
            household, traveler_id = self._new_client(person)
            ref.row.fixes.extend(person.fixes)
            self.people[(ref.row.table.lower(), f"{draft.key}:party:{number}")] = (household, traveler_id)
            self.by_email.setdefault(ref.email.lower(), (household, traveler_id))
            ref.row.warnings.append(
                f"{ref.name} ({ref.email}) is not among the clients: created client #{household} for them"
            )
            return traveler_id
        who = ref.name or ref.email or (ref.client_key[1] if ref.client_key else "someone")
        role = f" ({ref.role})" if ref.role else ""
        draft.notes.append(f"Also travelling (not found among the clients): {who}{role}")
        ref.row.fixes.append(f"party member {who}{role} is not among the clients: named in the trip's notes")
        return None

    # ======================================================================================================
    # Trips
    # ======================================================================================================

    def _trips_v2(self) -> None:
        if not self.dump.has("trips_v2") and not self.dump.has("trip_client_assignments"):
            return
        table = self._table("trips_v2") if self.dump.has("trips_v2") else "trips_v2"
        assignments: dict[str, list[tuple[_Row, dict[str, Any]]]] = defaultdict(list)
        assign_table = self.dump.name("trip_client_assignments")
        for n, row in enumerate(self.dump.rows("trip_client_assignments"), start=1):
            trip_key = _text(row.get("trip_id")) or ""
            key = (
                _text(_pick(row, "assignment_id", "id"))
                or f"{trip_key}/{_text(row.get('client_email')) or n}"
            )
            assignments[trip_key].append((_Row(assign_table, key), row))
        seen: set[str] = set()
        for n, row in enumerate(self.dump.rows("trips_v2"), start=1):
            key = _text(_pick(row, "trip_id", "id")) or f"row {n}"
            seen.add(key)
            draft = _TripDraft(table, key, external_id=f"d1:{table}:{key}")
            for child, assignment in assignments.get(key, []):
                draft.children.append(child)
                draft.party.append(
                    _PartyRef(
                        child,
                        email=_text(_pick(assignment, "client_email", "email")),
                        role=_text(_pick(assignment, "client_role", "role")),
                    )
                )
            self._read_trip_v2(draft, row)
            trip_id, outcome = self._write_trip(draft)
            if trip_id is not None:
                name = draft.fields.get("name")
                self.v2_trips[normalize(str(name)), draft.start()] = (trip_id, outcome)
        for trip_key, rows in assignments.items():
            if trip_key not in seen:
                for child, _ in rows:
                    self.record(child, "skipped", f"no trip {trip_key or '(blank)'} in trips_v2")

    def _read_trip_v2(self, draft: _TripDraft, row: Mapping[str, Any]) -> None:
        self._trip_basics(
            draft,
            row,
            destinations=_pick(row, "destinations", "destination"),
        )
        financials = self._json_field(draft, row, "financials", dict, keep_raw=True, notes=draft.notes)
        self._currency(draft, _pick(financials, "currency") or _pick(row, "currency"))
        # people: the clients JSON, the primary email, then trip_client_assignments (already in draft.party)
        assigned = list(draft.party)
        draft.party = []
        primary = _text(_pick(row, "primary_client_email"))
        people = self._json_field(draft, row, "clients", list, keep_raw=True, notes=draft.notes)
        for entry in people:
            if not isinstance(entry, dict):
                if _text(entry):
                    draft.party.append(_PartyRef(draft, name=_text(entry)))
                continue
            client_key = _text(entry.get("client_id"))
            prefs = entry.get("preferences")
            draft.party.append(
                _PartyRef(
                    draft,
                    client_key=("clients_v2", client_key) if client_key else None,
                    email=_text(entry.get("email")),
                    name=_text(_pick(entry, "name", "full_name")),
                    role=_text(entry.get("role")),
                    notes=_plain(prefs) if not _blank(prefs) else None,
                )
            )
        if primary and not any(r.email and r.email.lower() == primary.lower() for r in draft.party):
            draft.party.insert(0, _PartyRef(draft, email=primary, role="primary"))
        draft.party += assigned
        if primary:  # the primary client's household is the trip's client
            draft.party.sort(key=lambda r: 0 if r.email and r.email.lower() == primary.lower() else 1)

        schedule = self._json_field(draft, row, "schedule", list, keep_raw=False)
        for n, day in enumerate(schedule, start=1):
            if isinstance(day, dict):
                self._schedule_day(draft, day, n)
        for stay in self._json_field(draft, row, "accommodations", list, keep_raw=True, notes=draft.notes):
            if isinstance(stay, dict):
                self._stay(draft, draft, stay)
        for leg in self._json_field(draft, row, "transportation", list, keep_raw=True, notes=draft.notes):
            if isinstance(leg, dict):
                self._leg(draft, leg)
        self._money_v2(draft, row, financials)
        for entry in self._json_field(draft, row, "documents", list, keep_raw=True, notes=draft.notes):
            draft.notes.append(f"Document in the original system: {_plain(entry)}")
        notes = row.get("notes")
        try:
            parsed = _json_or_text(notes)
        except _Unreadable:
            parsed = _text(notes)
        if not _blank(parsed):
            entries = parsed if isinstance(parsed, list) else [parsed]
            draft.notes.extend(_plain(n) for n in entries if not _blank(n))

    def _trip_basics(self, draft: _TripDraft, row: Mapping[str, Any], *, destinations: Any) -> None:
        name = _text(_pick(row, "trip_name", "name", "title"))
        if name is None:
            name = _text(_pick(row, "group_name")) or f"Trip {draft.key}"
            draft.fixes.append(f"trip_name is empty: named '{name}'")
        try:
            places = _json(destinations, list) if str(destinations or "").lstrip().startswith("[") else None
        except _Unreadable:
            places = None
        if places is None:
            places = [d for d in re.split(r"[,;/|]| - ", str(destinations or "")) if d.strip()]
        places = [_text(d.get("name") if isinstance(d, dict) else d) for d in places]
        draft.fields.update(name=name, destinations=[d for d in places if d], external_id=draft.external_id)
        draft.zone = next((z for d in draft.fields["destinations"] if (z := city_timezone(d))), None)
        start = end = None
        for column, target in (("start_date", "start"), ("end_date", "end")):
            try:
                value = _date(row.get(column))
            except _Unreadable as e:
                draft.fixes.append(f"{column} {e}: left empty")
                value = None
            if target == "start":
                start = value
            else:
                end = value
        if start and end and end < start:
            draft.fixes.append(
                f"end_date {end} is before start_date {start}: imported without an end date (check it)"
            )
            end = None
        draft.fields.update(start_date=start, end_date=end)
        draft.fields["status"] = self._status(draft, _text(row.get("status")), start, end)
        group = _text(row.get("group_name"))
        created_by = _text(row.get("created_by"))
        if created_by and created_by.lower() in self.users:
            draft.fields["agent_id"] = self.users[created_by.lower()]
        origin = [f"Imported from the original system ({draft.table} #{draft.key})"]
        if group and group != name:
            origin.append(f"group: {group}")
        created = _text(row.get("created_at"))
        if created or created_by:
            origin.append("created " + " by ".join(x for x in (created, created_by) if x))
        draft.notes.insert(0, "; ".join(origin) + ".")

    def _status(self, draft: _TripDraft, raw: str | None, start: date | None, end: date | None) -> str:
        if raw is None:
            return "planning"
        key = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if key == "active":
            live = start is not None and end is not None and start <= self.today <= end
            status = "in_progress" if live else "planning"
            rule = "today is within its dates" if live else "today is not within its dates"
            draft.fixes.append(f"status 'active' became {status}: {rule}")
            return status
        if key in _STATUS:
            return _STATUS[key]
        if key.replace("_", "") in _STATUS:
            return _STATUS[key.replace("_", "")]
        draft.fixes.append(f"status '{raw}' is not one of ours: imported as planning (check it)")
        return "planning"

    def _currency(self, draft: _TripDraft, raw: Any) -> None:
        code = _currency(raw)
        if code is None:
            code = self.default_currency
            if not _blank(raw):
                draft.fixes.append(f"currency '{raw}' is not one we accept: imported in {code} (check it)")
        draft.fields["currency"] = code

    def _day_title(self, draft: _TripDraft, on: date, title: str | None) -> str:
        if title:
            return title
        start = draft.start()
        return f"Day {(on - start).days + 1}" if start and on >= start else ""

    def _schedule_day(self, draft: _TripDraft, day: Mapping[str, Any], n: int) -> None:
        number = _pick(day, "day_number", "day")
        try:
            on = _date(_pick(day, "date"))
        except _Unreadable as e:
            draft.fixes.append(f"schedule day {number or n}: date {e}")
            on = None
        start = draft.start()
        if on is None and start is not None and str(number or "").isdigit():
            on = start + timedelta(days=int(str(number)) - 1)
        notes: list[str] = []
        if not _blank(day.get("notes")):
            notes.append(_plain(day.get("notes")))
        if not _blank(day.get("meals")):
            notes.append(f"Meals: {_plain(day.get('meals'))}")
        if not _blank(day.get("accommodation")):
            notes.append(f"Overnight: {_plain(day.get('accommodation'))}")
        activities = day.get("activities") or []
        if not isinstance(activities, list):
            activities = [activities]
        if on is None:
            if activities or notes:
                draft.fixes.append(
                    f"schedule day {number or n} has no date: its {len(activities)} activities are unscheduled"
                )
        else:
            title = _text(_pick(day, "day_name", "title", "name"))
            if on in draft.days:
                old_title, old_notes = draft.days[on]
                draft.days[on] = (old_title, old_notes + notes)
            else:
                draft.days[on] = (self._day_title(draft, on, title), notes)
        for activity in activities:
            if isinstance(activity, dict):
                self._activity(draft, draft, activity, on)
            elif _text(activity):
                self._add_item(draft, on, {"kind": "activity", "title": _text(activity)})

    def _activity(self, draft: _TripDraft, row: _Row, activity: Mapping[str, Any], on: date | None) -> None:
        title = _text(_pick(activity, "title", "name", "activity", "description", "type", "activity_type"))
        if title is None:
            row.fixes.append(f"an activity on {on or 'an unknown day'} has no title: not imported")
            return
        place = _text(_pick(activity, "location", "place", "venue", "address"))
        kind = _kind(_pick(activity, "type", "activity_type", "category") or "", default="activity")
        zone = (city_timezone(place) if place else None) or draft.zone
        fields: dict[str, Any] = {"kind": kind, "title": title[:300], "place_name": place}
        notes: list[str] = []
        description = _text(activity.get("description"))
        if description and description != title:
            notes.append(description)
        when = _pick(activity, "time", "start_time", "start")
        day_of = _pick(activity, "date")
        try:
            if day_of is not None:
                on = _date(day_of) or on
        except _Unreadable as e:
            row.fixes.append(f"activity '{title}' date {e}: placed on its schedule day")
        start_time = end_time = None
        if when is not None:
            try:
                if isinstance(when, str) and re.match(r"^\d{4}-\d{2}-\d{2}", when):
                    on2, start_time = _datetime(when, zone)
                    on = on2 or on
                else:
                    start_time, end_time = _time_range(when)
            except _Unreadable:
                notes.append(f"Time: {_text(when)}")
                row.fixes.append(f"activity '{title}' time '{_text(when)}' is not a time: kept in its notes")
        ending = _pick(activity, "end_time", "end")
        if ending is not None and end_time is None:
            try:
                end_time = (
                    _time(ending) if not re.match(r"^\d{4}-", str(ending)) else _datetime(ending, zone)[1]
                )
            except _Unreadable:
                notes.append(f"Ends: {_text(ending)}")
        if on is not None and start_time is not None:
            fields.update(start_local=datetime.combine(on, start_time), start_tz=zone)
            if end_time is not None:
                end_day = on if end_time >= start_time else on + timedelta(days=1)
                fields["end_local"] = datetime.combine(end_day, end_time)
        elif start_time is not None:
            notes.append(f"Time: {start_time.strftime('%H:%M')} (day unknown)")
        self._prices(row, fields, activity, title)
        self._status_and_confirmation(fields, activity)
        fields["client_notes"] = "\n".join(notes)
        self._add_item(draft, on, fields, row=row)

    def _stay(self, draft: _TripDraft, row: _Row, stay: Mapping[str, Any]) -> None:
        name = _text(_pick(stay, "name", "hotel", "hotel_name", "property", "accommodation_name", "title"))
        if name is None:
            row.fixes.append("an accommodation has no name: not imported")
            return
        place = _text(_pick(stay, "address", "location", "city"))
        zone = city_timezone(" ".join(x for x in (place, name) if x)) or draft.zone
        fields: dict[str, Any] = {"kind": "hotel", "title": name[:300], "place_name": place or name}
        notes: list[str] = []
        on = None
        for column, names in (
            ("check_in", ("check_in", "checkin", "check_in_date", "arrival", "start_date", "from")),
            ("check_out", ("check_out", "checkout", "check_out_date", "departure", "end_date", "to")),
        ):
            raw = _pick(stay, *names)
            try:
                day, at = _datetime(raw, zone)
            except _Unreadable as e:
                row.fixes.append(f"accommodation '{name}' {column} {e}: left empty")
                continue
            if day is None:
                continue
            if column == "check_in":
                on = day
                if at is not None:
                    fields.update(start_local=datetime.combine(day, at), start_tz=zone)
            else:
                notes.append(f"Check-out: {day.isoformat()}{' ' + at.strftime('%H:%M') if at else ''}")
                if at is not None and "start_local" in fields:
                    fields["end_local"] = datetime.combine(day, at)
        for label, names in (("Room", ("room", "room_type")), ("Notes", ("notes", "description"))):
            value = _pick(stay, *names)
            if value is not None:
                notes.append(f"{label}: {_plain(value)}")
        self._prices(row, fields, stay, name)
        self._status_and_confirmation(fields, stay)
        fields["client_notes"] = "\n".join(notes)
        self._add_item(draft, on, fields, row=row)

    def _leg(self, draft: _TripDraft, leg: Mapping[str, Any]) -> None:
        origin = _text(_pick(leg, "from", "origin", "departure_airport", "departure_city", "from_location"))
        to = _text(_pick(leg, "to", "destination", "arrival_airport", "arrival_city", "to_location"))
        carrier = _text(_pick(leg, "carrier", "airline", "company", "operator", "provider"))
        number = _text(_pick(leg, "number", "flight_number", "flight", "train_number", "service"))
        mode = _text(_pick(leg, "type", "mode", "kind", "transport_type")) or ""
        default = "flight" if number and re.match(r"^[A-Z0-9]{2}\s?\d{1,4}$", number) else "transfer"
        kind = _kind(mode, carrier or "", default=default)
        if kind in ("hotel", "activity", "note"):
            kind = "transfer"
        route = " → ".join(x for x in (origin, to) if x)
        title = " ".join(
            x
            for x in (
                carrier if not (number and carrier and number.startswith(carrier)) else None,
                number,
                route,
            )
            if x
        )
        if not (carrier or number) and mode:
            title = f"{mode.capitalize()} {title}".strip()
        title = title or "Transport"
        start_zone = (city_timezone(origin) if origin else None) or (draft.zone if kind != "flight" else None)
        end_zone = (city_timezone(to) if to else None) or (start_zone if kind != "flight" else None)
        fields: dict[str, Any] = {"kind": kind, "title": title[:300], "place_name": origin}
        notes: list[str] = []
        on = None
        try:
            on, at = _datetime(
                _pick(leg, "departure", "departure_time", "depart", "departure_datetime", "start", "date"),
                start_zone,
            )
            if on and at:
                fields.update(start_local=datetime.combine(on, at), start_tz=start_zone)
        except _Unreadable as e:
            draft.fixes.append(f"transport '{title}' departure {e}: left empty")
        try:
            day, at = _datetime(
                _pick(leg, "arrival", "arrival_time", "arrive", "arrival_datetime", "end"), end_zone
            )
            if day and at and "start_local" in fields and end_zone:
                fields.update(end_local=datetime.combine(day, at), end_tz=end_zone)
            elif day or at:  # an arrival we cannot place in a zone stays readable in the notes
                when = " ".join(
                    x for x in (day.isoformat() if day else None, at.strftime("%H:%M") if at else None) if x
                )
                notes.append(f"Arrives: {when} local time{' in ' + to if to else ''}")
        except _Unreadable as e:
            draft.fixes.append(f"transport '{title}' arrival {e}: left empty")
        for label, names in (
            ("Seat", ("seat", "seats")),
            ("Class", ("class", "cabin")),
            ("Notes", ("notes",)),
        ):
            value = _pick(leg, *names)
            if value is not None:
                notes.append(f"{label}: {_plain(value)}")
        self._prices(draft, fields, leg, title)
        self._status_and_confirmation(fields, leg)
        fields["client_notes"] = "\n".join(notes)
        self._add_item(draft, on, fields)

    @staticmethod
    def _prices(row: _Row, fields: dict[str, Any], entry: Mapping[str, Any], title: str) -> None:
        raw = _pick(entry, "cost", "price", "total", "total_cost", "amount", "rate")
        try:
            cents = _cents(raw)
        except _Unreadable as e:
            row.fixes.append(f"'{title}' price {e}: imported without a price")
            return
        if cents:
            fields.update(cost_cents=cents, sell_cents=cents)

    @staticmethod
    def _status_and_confirmation(fields: dict[str, Any], entry: Mapping[str, Any]) -> None:
        confirmation = _pick(
            entry,
            "confirmation",
            "confirmation_number",
            "confirmation_code",
            "conf",
            "pnr",
            "record_locator",
            "booking_ref",
            "booking_reference",
            "reference",
        )
        if confirmation is not None:
            values = confirmation if isinstance(confirmation, list) else re.split(r"[,;]", str(confirmation))
            fields["confirmation_numbers"] = [str(v).strip() for v in values if str(v).strip()]
        status = (_text(entry.get("status")) or "").lower()
        if status in ("cancelled", "canceled"):
            fields["status"] = "cancelled"
        elif status == "optional":
            fields["status"] = "optional"
        elif status in ("booked", "confirmed", "paid", "ticketed") or fields.get("confirmation_numbers"):
            fields["status"] = "booked"

    def _add_item(
        self, draft: _TripDraft, on: date | None, fields: dict[str, Any], *, row: _Row | None = None
    ) -> None:
        row = row or draft
        keep = frozenset({"kind", "title", "trip_id", "currency"})
        data = {k: v for k, v in fields.items() if v not in (None, "", [])} | {"trip_id": 1}
        try:
            fitted = _fit(Item, data, what=f"item '{fields.get('title')}'", keep=keep, fixes=row.fixes)
        except RecordInvalid as e:
            row.fixes.append(f"item '{fields.get('title')}' not imported: {e}")
            return
        fitted.pop("trip_id")
        draft.items.append(_ItemDraft(on, fitted, order=len(draft.items)))

    def _money_v2(self, draft: _TripDraft, row: Mapping[str, Any], financials: Mapping[str, Any]) -> None:
        currency = str(draft.fields["currency"])
        summary: list[str] = []
        amounts: dict[str, int] = {}
        for label, value in (
            ("quoted", _pick(financials, "quoted_total", "total", "quote") or row.get("total_cost")),
            ("paid", _pick(financials, "paid_amount", "paid") or row.get("paid_amount")),
            ("balance due", _pick(financials, "balance_due", "balance")),
        ):
            try:
                cents = _cents(value)
            except _Unreadable as e:
                draft.fixes.append(f"financials {label} amount {e}: not used")
                continue
            if cents is not None:
                amounts[label] = cents
                summary.append(f"{label} {format_money(cents, currency)}")
        breakdown = financials.get("breakdown")
        lines = _cost_lines(breakdown)
        if lines:
            shown = ", ".join(f"{label} {_plain(amount)}" for label, amount in lines)
            summary.append(f"breakdown: {shown}")
        if summary:
            draft.notes.append("Original financials: " + "; ".join(summary) + ".")
        priced = any(i.fields.get("sell_cents") for i in draft.items)
        for label, amount in lines:
            if priced and not _is_fee(label):
                continue  # already in the "Original financials" line
            self._cost_line(draft, draft, label, amount, itemise=not priced)

        history = financials.get("payment_history") or []
        if not isinstance(history, list):
            history = [history]
        paid_total = 0
        for n, entry in enumerate(history, start=1):
            if not isinstance(entry, dict):
                draft.fixes.append(f"payment #{n} is not a record ({_plain(entry)}): not imported")
                continue
            paid_total += self._payment(draft, draft, entry, n)
        if not history and amounts.get("paid"):
            draft.payments.append(
                {
                    "due_date": self.today,
                    "amount_cents": amounts["paid"],
                    "description": "Paid in the original system (no payment history; date unknown)",
                    "paid": True,
                    "paid_on": self.today,
                }
            )
        elif history and "paid" in amounts and paid_total != amounts["paid"]:
            draft.warnings.append(
                f"payment history adds up to {format_money(paid_total, currency)} but paid_amount says "
                f"{format_money(amounts['paid'], currency)}: imported the history"
            )

    def _payment(self, draft: _TripDraft, row: _Row, entry: Mapping[str, Any], n: int) -> int:
        label = f"payment #{n}"
        try:
            cents = _cents(_pick(entry, "amount", "paid", "value"))
        except _Unreadable as e:
            row.fixes.append(f"{label} amount {e}: not imported")
            return 0
        if not cents:
            row.fixes.append(f"{label} has no amount: not imported")
            return 0
        description = " · ".join(
            _plain(v)
            for v in (_pick(entry, "description", "note", "notes", "reference"), entry.get("method"))
            if not _blank(v)
        )
        try:
            on = _date(_pick(entry, "date", "paid_on", "payment_date", "paid_at", "created_at"))
        except _Unreadable as e:
            row.fixes.append(f"{label} date {e}: dated {self.today} (the import day)")
            on = None
        if on is None:
            on = self.today
            description = " · ".join(x for x in (description, "date unknown") if x)
        draft.payments.append(
            {"due_date": on, "amount_cents": cents, "description": description, "paid": True, "paid_on": on}
        )
        return cents

    def _cost_line(
        self,
        draft: _TripDraft,
        row: _Row,
        label: str,
        amount: Any,
        *,
        itemise: bool,
        paid: bool = False,
        when: date | None = None,
    ) -> None:
        """One original cost line: a fee adds to the planning fee; other lines become an unscheduled priced
        item when ``itemise`` (no booking carries a price), else a line in the notes; a paid line is also a
        paid payment."""
        try:
            cents = _cents(amount)
        except _Unreadable as e:
            row.fixes.append(f"cost '{label}' {e}: not imported")
            return
        if not cents:
            return
        if _is_fee(label):
            draft.fields["planning_fee_cents"] = int(draft.fields.get("planning_fee_cents", 0)) + cents
        elif not itemise:
            money = format_money(cents, str(draft.fields["currency"]))
            draft.notes.append(
                f"Cost line (original, not itemised: the bookings carry prices): {label} {money}"
            )
        else:
            kind = _kind(label, default="activity")
            kind = "activity" if kind == "note" else kind
            title = f"{label.replace('_', ' ').capitalize()} (original cost line)"
            fields = {"kind": kind, "title": title[:300], "cost_cents": cents, "sell_cents": cents}
            self._add_item(draft, None, fields, row=row)
        if paid:
            on = when or self.today
            description = f"{label} (paid in the original system{'' if when else '; date unknown'})"
            draft.payments.append(
                {
                    "due_date": on,
                    "amount_cents": cents,
                    "description": description,
                    "paid": True,
                    "paid_on": on,
                }
            )

    # -- writing a trip -------------------------------------------------------------------------------------

    def _write_trip(self, draft: _TripDraft) -> tuple[int | None, Outcome]:
        """Write the trip with everything in it, all or nothing; record the trip and its child rows."""
        svc, p = self.svc, self.p
        existing = svc.find_by_external_id(p, "trip", draft.external_id)
        if existing is not None:
            self._add_to_existing(draft, existing)
            self.record(draft, "unchanged")
            return existing, "unchanged"
        # the atomic block may roll back: keep what to restore of this run's bookkeeping
        saved = dict(self.created), dict(self.people), dict(self.by_email)
        try:
            with svc.atomic():
                party: list[int] = []
                roles: dict[int, str] = {}
                household: int | None = None
                for ref in draft.party:
                    traveler_id = self._traveler_for(ref, draft)
                    if traveler_id is None:
                        continue
                    if household is None:
                        household = svc.get_traveler(p, traveler_id).client_id
                    if traveler_id not in party:
                        party.append(traveler_id)
                    if ref.role and ref.role.lower() not in _PLAIN_ROLES:
                        roles.setdefault(traveler_id, ref.role)
                    if ref.notes:
                        draft.notes.append(f"{svc.get_traveler(p, traveler_id).full_name}: {ref.notes}")
                if roles:
                    named = (f"{svc.get_traveler(p, t).full_name} ({role})" for t, role in roles.items())
                    draft.notes.append(f"Roles: {', '.join(named)}.")
                fields = dict(draft.fields) | {"party": party, "client_id": household}
                fields["notes"] = "\n".join(draft.notes)
                fields = {k: v for k, v in fields.items() if v is not None}
                keep = frozenset({"name", "external_id", "currency", "party", "client_id", "agent_id"})
                fields = _fit(Trip, fields, what="trip", keep=keep, fixes=draft.fixes)
                trip = svc.create_trip(p, **fields)
                assert trip.id is not None
                days = self._write_days(draft, trip)
                ordered = sorted(
                    draft.items,
                    key=lambda i: (
                        i.on or date.max,
                        i.fields.get("start_local") or "99",
                        i.order,
                    ),
                )
                if ordered:
                    svc.add_items(
                        p, trip.id, [i.fields | {"day_id": days.get(i.on) if i.on else None} for i in ordered]
                    )
                    self.created["items"] += len(ordered)
                for payment in draft.payments:
                    fitted = _fit(
                        PaymentSchedule,
                        payment | {"trip_id": trip.id},
                        what="payment",
                        keep=frozenset({"trip_id", "due_date", "amount_cents"}),
                        fixes=draft.fixes,
                    )
                    fitted.pop("trip_id")
                    svc.add_payment(p, trip.id, **fitted)
                    self.created["payments"] += 1
                self.created["trips"] += 1
        except (TravelOpsError, _Unreadable) as e:
            self.created, self.people, self.by_email = saved
            self._finish(draft, "skipped", f"not imported (nothing of it was written): {e}")
            return None, "skipped"
        self._finish(draft, "imported")
        return trip.id, "imported"

    def _write_days(self, draft: _TripDraft, trip: Trip) -> dict[date, int]:
        assert trip.id is not None
        dates = set(draft.days) | {i.on for i in draft.items if i.on is not None}
        start, end = trip.start_date, trip.end_date
        if start and end:
            span = (end - start).days + 1
            if span <= MAX_RANGE_DAYS:
                dates |= {start + timedelta(days=n) for n in range(span)}
            else:
                draft.warnings.append(
                    f"the trip spans {span} days: days were created only for dates with something planned"
                )
        ids: dict[date, int] = {}
        for on in sorted(dates):
            title, notes = draft.days.get(on, ("", []))
            title = title or self._day_title(draft, on, None)
            day = self.svc.add_day(self.p, trip.id, date=on, title=title[:300], notes="\n".join(notes))
            assert day.id is not None
            ids[on] = day.id
            self.created["days"] += 1
        return ids

    def _finish(self, draft: _TripDraft, outcome: Outcome, reason: str = "") -> None:
        self.record(draft, outcome, reason)
        for child in draft.children:
            if outcome == "skipped":
                self.record(child, "skipped", f"its trip {draft.table} #{draft.key} was not imported")
            else:
                self.record(child, outcome)

    def _add_to_existing(self, draft: _TripDraft, trip_id: int) -> None:
        """A trip imported by an earlier run: nothing changes, except party rows naming someone new."""
        party_rows = {id(ref.row): ref for ref in draft.party if ref.row is not draft}
        trip = self.svc.get_trip(self.p, trip_id)
        party = list(trip.party)
        for child in draft.children:
            ref = party_rows.get(id(child))
            if ref is None:
                self.record(child, "unchanged")
                continue
            found = self._known(ref)
            if found is None or found[1] is None:
                who = ref.email or (ref.client_key[1] if ref.client_key else "?")
                self.record(child, "skipped", f"no traveler for {who} among the clients")
            elif found[1] in party:
                self.record(child, "unchanged")
            else:
                party.append(found[1])
                self.svc.update_trip(self.p, trip_id, party=party)
                self.record(child, "imported")

    # -- the older schema ---------------------------------------------------------------------------------

    def _trips_old(self) -> None:
        if not self.dump.has("trips"):
            for key in ("tripparticipants", "tripdays", "tripactivities", "accommodations", "tripcosts"):
                table = self.dump.name(key)
                for n, row in enumerate(self.dump.rows(key), start=1):
                    self.record(_Row(table, _row_key(key, row, n)), "skipped", "the dump has no Trips table")
            return
        table = self._table("trips")
        children: dict[str, dict[str, list[tuple[_Row, dict[str, Any]]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        day_dates: dict[str, str] = {}  # TripDays day_id -> trip_id
        for key in ("tripdays", "tripactivities", "accommodations", "tripcosts", "tripparticipants"):
            child_table = self.dump.name(key)
            for n, row in enumerate(self.dump.rows(key), start=1):
                trip_key = _text(row.get("trip_id"))
                if trip_key is None and key == "tripactivities":
                    trip_key = day_dates.get(_text(row.get("day_id")) or "")
                if key == "tripdays" and trip_key and _text(row.get("day_id")):
                    day_dates[str(_text(row.get("day_id")))] = trip_key
                children[trip_key or ""][key].append((_Row(child_table, _row_key(key, row, n)), row))
        seen: set[str] = set()
        for n, row in enumerate(self.dump.rows("trips"), start=1):
            key = _text(_pick(row, "trip_id", "id")) or f"row {n}"
            seen.add(key)
            draft = _TripDraft(table, key, external_id=f"d1:{table}:{key}")
            mine = children.get(key, {})
            for rows in mine.values():
                draft.children.extend(child for child, _ in rows)
            self._read_trip_old(draft, row, mine)
            twin = self.v2_trips.get((normalize(str(draft.fields.get("name"))), draft.start()))
            if twin is not None and self.svc.find_by_external_id(self.p, "trip", draft.external_id) is None:
                outcome: Outcome = "merged" if twin[1] == "imported" else "unchanged"
                reason = f"same trip as trips_v2 (trip #{twin[0]}): the newer record was kept"
                self.record(draft, outcome, reason)
                for child in draft.children:
                    self.record(child, outcome, reason)
                continue
            self._write_trip(draft)
        for trip_key, tables in children.items():
            if trip_key not in seen:
                for rows in tables.values():
                    for child, _ in rows:
                        self.record(child, "skipped", f"no trip {trip_key or '(blank)'} in Trips")

    def _read_trip_old(
        self,
        draft: _TripDraft,
        row: Mapping[str, Any],
        children: Mapping[str, list[tuple[_Row, dict[str, Any]]]],
    ) -> None:
        self._trip_basics(draft, row, destinations=_pick(row, "destinations", "destination"))
        self._currency(draft, _pick(row, "currency"))
        lead = _text(_pick(row, "client_id", "primary_client_id", "lead_client_id"))
        if lead:
            draft.party.append(_PartyRef(draft, client_key=("clients", lead), role="primary"))
        for child, participant in children.get("tripparticipants", []):
            client_key = _text(participant.get("client_id"))
            if client_key is None:
                child.fixes.append("no client_id: nobody was added to the party")
                continue
            if lead and client_key == lead:
                continue
            draft.party.append(
                _PartyRef(child, client_key=("clients", client_key), role=_text(participant.get("role")))
            )
        dates_by_day: dict[str, date] = {}
        for child, day in children.get("tripdays", []):
            number = _pick(day, "day_number", "day")
            try:
                on = _date(_pick(day, "date", "day_date"))
            except _Unreadable as e:
                child.fixes.append(f"date {e}")
                on = None
            start = draft.start()
            if on is None and start and str(number or "").isdigit():
                on = start + timedelta(days=int(str(number)) - 1)
            if on is None:
                child.fixes.append("no date: the day was not created (its activities are unscheduled)")
                continue
            day_id = _text(day.get("day_id"))
            if day_id:
                dates_by_day[day_id] = on
            notes = [_plain(v) for v in (_pick(day, "description", "notes"),) if v is not None]
            title = _text(_pick(day, "title", "day_name", "name"))
            draft.days[on] = (self._day_title(draft, on, title), notes)
        for child, activity in children.get("tripactivities", []):
            on = dates_by_day.get(_text(activity.get("day_id")) or "")
            activity = dict(activity)
            if "time" not in activity:
                activity["time"] = _pick(activity, "start_time", "start")
            activity.setdefault("type", activity.get("activity_type"))
            self._activity(draft, child, activity, on)
        for child, stay in children.get("accommodations", []):
            self._stay(draft, child, stay)
        priced = any(i.fields.get("sell_cents") for i in draft.items)
        for child, cost in children.get("tripcosts", []):
            label = _text(_pick(cost, "description", "category", "name", "item")) or "Cost"
            paid = str(_pick(cost, "paid", "is_paid", "status") or "").strip().lower() in (
                "1",
                "true",
                "yes",
                "paid",
                "y",
            )
            try:
                when = _date(_pick(cost, "paid_date", "paid_on", "date", "due_date"))
            except _Unreadable as e:
                child.fixes.append(f"date {e}")
                when = None
            amount = _pick(cost, "amount", "cost", "price")
            self._cost_line(draft, child, label, amount, itemise=not priced, paid=paid, when=when)
        try:
            total = _cents(_pick(row, "total_cost", "total", "price"))
        except _Unreadable as e:
            draft.fixes.append(f"total_cost {e}: not used")
            total = None
        if total:
            draft.notes.append(
                f"Total cost in the original system: {format_money(total, draft.fields['currency'])}."
            )
        notes = _text(_pick(row, "notes", "description"))
        if notes:
            draft.notes.append(notes)


# ------------------------------------------------------------------------------------------------------------
# Small mappers
# ------------------------------------------------------------------------------------------------------------


_OWN_KEYS = {
    "tripdays": "day_id",
    "tripactivities": "activity_id",
    "accommodations": "accommodation_id",
    "tripcosts": "cost_id",
    "tripparticipants": "participant_id",
}


def _row_key(table_key: str, row: Mapping[str, Any], n: int) -> str:
    """The row's own id (not the ids it refers to), else "trip/client", else its position."""
    for name in (_OWN_KEYS.get(table_key, "id"), "id"):
        value = _text(row.get(name))
        if value:
            return value
    trip, client = _text(row.get("trip_id")), _text(row.get("client_id"))
    return f"{trip}/{client}" if trip and client else f"row {n}"


def _json_or_text(value: Any) -> Any:
    """Parsed JSON when ``value`` looks like JSON (raises ``_Unreadable`` when it is broken), else the text."""
    if _blank(value):
        return None
    if isinstance(value, (dict, list)):
        return value
    text = str(value).strip()
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise _Unreadable(f"is not valid JSON ({e.msg} at character {e.pos})") from e
    return text


def _plain(value: Any) -> str:
    """A JSON value as one readable line."""
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_plain(v)}" for k, v in value.items() if not _blank(v))
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value if not _blank(v))
    return " ".join(str(value).split())


_SECRET_WORDS = frozenset({"number", "no", "num", "id", "policy", "ktn", "redress", "passport", "pnr"})


def _masked_text(value: Any) -> str:
    """Like ``_plain``, with anything that looks like a document or policy number masked."""
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            if _blank(v):
                continue
            secret = bool(set(normalize_place(k).split()) & _SECRET_WORDS)
            parts.append(f"{k.replace('_', ' ')}: {mask_secret(str(v)) if secret else _masked_text(v)}")
        return "; ".join(parts)
    if isinstance(value, list):
        return ", ".join(_masked_text(v) for v in value if not _blank(v))
    text = " ".join(str(value).split())
    return re.sub(r"\b(?=[A-Z0-9-]*\d)[A-Z0-9-]{6,}\b", lambda m: mask_secret(m[0]), text)


def _address(value: Any) -> str | None:
    if isinstance(value, dict):
        parts = [
            _text(value.get(k))
            for k in ("street", "line1", "address", "line2", "city", "state", "postal_code", "zip", "country")
        ]
        return ", ".join(p for p in parts if p) or None
    return _text(value)


_SEATS = {"aisle": "aisle", "window": "window", "any": "any", "no preference": "any"}
_DIETS = (
    "vegetarian",
    "vegan",
    "gluten",
    "halal",
    "kosher",
    "lactose",
    "nut",
    "pescatarian",
    "allerg",
    "celiac",
)
_TIERS = (
    ("luxury", ("luxury", "5 star", "5-star", "five star", "5*")),
    ("upscale", ("upscale", "4 star", "4-star", "four star", "4*", "premium", "boutique", "first class")),
    (
        "midrange",
        (
            "midrange",
            "mid-range",
            "mid range",
            "3 star",
            "3-star",
            "three star",
            "3*",
            "moderate",
            "standard",
        ),
    ),
    ("budget", ("budget", "economy", "2 star", "2-star", "hostel", "cheap")),
)


def _tier(text: str) -> str | None:
    lowered = text.lower()
    for tier, names in _TIERS:
        if any(n in lowered for n in names):
            return tier
    return None


def _preferences(raw: Any) -> tuple[dict[str, Any], str]:
    """Recognisable preferences as ``TravelerPreferences`` fields, and the rest as text."""
    prefs: dict[str, Any] = {}
    rest: list[str] = []
    if _blank(raw):
        return prefs, ""
    pieces: list[tuple[str | None, Any]]
    if isinstance(raw, dict):
        pieces = [(str(k).lower().replace(" ", "_").replace("-", "_"), v) for k, v in raw.items()]
    elif isinstance(raw, list):
        pieces = [(None, v) for v in raw]
    else:
        pieces = [(None, v) for v in re.split(r"[;,\n]", str(raw))]
    for key, value in pieces:
        if _blank(value) or value in ([], {}):
            continue
        text = _plain(value)
        lowered = text.lower()
        if key in ("seat", "seat_preference", "seating", "seats") or (key is None and "seat" in lowered):
            seat = next((v for k, v in _SEATS.items() if k in lowered), None)
            if seat and "seat" not in prefs:
                prefs["seat"] = seat
                continue
        elif key in (
            "meal",
            "meals",
            "diet",
            "dietary",
            "dietary_restrictions",
            "dietary_requirements",
            "food",
        ) or (key is None and any(d in lowered for d in _DIETS)):
            prefs["meal"] = ", ".join(x for x in (prefs.get("meal"), text) if x)
            continue
        elif key in ("accessibility", "mobility", "special_needs", "special_assistance") or (
            key is None and any(w in lowered for w in ("wheelchair", "accessible", "mobility"))
        ):
            prefs["accessibility"] = ", ".join(x for x in (prefs.get("accessibility"), text) if x)
            continue
        elif key in (
            "hotel",
            "hotel_tier",
            "hotel_preference",
            "hotel_class",
            "accommodation",
            "accommodation_level",
        ):
            tier = _tier(text)
            if tier:
                prefs["hotel_tier"] = tier
                continue
        elif key in ("interests", "activities", "hobbies", "likes"):
            items = value if isinstance(value, list) else re.split(r"[,;/]", text)
            prefs["interests"] = [*prefs.get("interests", []), *(_plain(i) for i in items if not _blank(i))]
            continue
        rest.append(f"{key.replace('_', ' ')}: {text}" if key else text.strip())
    return prefs, "; ".join(rest)


def _loyalty(raw: Any) -> tuple[list[dict[str, str]], str]:
    """Loyalty programs with a program and a number; the rest as text (numbers masked)."""
    programs: list[dict[str, str]] = []
    rest: list[str] = []
    if _blank(raw):
        return programs, ""
    entries: list[Any]
    if isinstance(raw, dict):
        fieldish = {
            "program",
            "program_name",
            "name",
            "airline",
            "number",
            "member_number",
            "membership_number",
        }
        entries = [raw] if set(raw) & fieldish else [{"program": k, "number": v} for k, v in raw.items()]
    elif isinstance(raw, list):
        entries = raw
    else:
        return programs, _masked_text(raw)
    for entry in entries:
        if isinstance(entry, dict):
            program = _text(
                _pick(entry, "program", "program_name", "name", "airline", "hotel", "company", "provider")
            )
            number = _text(
                _pick(entry, "number", "member_number", "membership_number", "member_id", "account", "id")
            )
            if program and number:
                programs.append({"program": program[:300], "number": number[:64]})
                continue
        if not _blank(entry):
            rest.append(_masked_text(entry))
    return programs, "; ".join(rest)


def _cost_lines(breakdown: Any) -> list[tuple[str, Any]]:
    if isinstance(breakdown, dict):
        return [(str(k), v) for k, v in breakdown.items() if not isinstance(v, (dict, list))]
    if isinstance(breakdown, list):
        lines: list[tuple[str, Any]] = []
        for entry in breakdown:
            if isinstance(entry, dict):
                label = _text(_pick(entry, "category", "item", "description", "name", "label")) or "Cost"
                lines.append((label, _pick(entry, "amount", "cost", "price", "total")))
        return lines
    return []
