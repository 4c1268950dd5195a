"""Row-level helpers of the item-date rule (``core.travel._schedule``), shared by the itinerary, days and trips
mixins: a day's items, dense positions, time order, and moving days (with their items) to other dates.

Nothing here checks roles or opens transactions: the service mixins do that.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from core.travel._models import Day, Item, RecordInvalid, Trip, days_between
from core.travel._schedule import redate, time_order
from core.travel._services._mapper import DAYS, ITEMS

__all__ = [
    "day_date",
    "fill_days",
    "items_of",
    "keep_length",
    "normalise_day",
    "order_of",
    "redate_item",
    "renumber_titles",
    "reschedule",
    "shift_days",
    "shift_trip",
    "trip_days",
    "write_order",
]

_DEFAULT_TITLE = re.compile(r"^Day \d+$")


def items_of(conn: sqlite3.Connection, trip_id: int, day_id: int | None) -> list[Item]:
    """The items of a day (or the unscheduled ones), by position."""
    rows = conn.execute(
        "SELECT * FROM items WHERE trip_id = ? AND day_id IS ? ORDER BY position", (trip_id, day_id)
    ).fetchall()
    return [ITEMS.model.model_validate(ITEMS.data(r)) for r in rows]


def order_of(conn: sqlite3.Connection, trip_id: int, day_id: int | None) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM items WHERE trip_id = ? AND day_id IS ? ORDER BY position", (trip_id, day_id)
    ).fetchall()
    return [r[0] for r in rows]


def write_order(conn: sqlite3.Connection, item_ids: Sequence[int]) -> None:
    """Positions 0..n-1 in this order (two passes, so the unique (trip, day, position) index never clashes)."""
    conn.executemany(
        "UPDATE items SET position = ? WHERE id = ?", [(-1 - i, x) for i, x in enumerate(item_ids)]
    )
    conn.executemany("UPDATE items SET position = ? WHERE id = ?", [(i, x) for i, x in enumerate(item_ids)])


def normalise_day(conn: sqlite3.Connection, trip_id: int, day_id: int | None) -> list[int]:
    """Put a day's items in time order (the unscheduled list keeps its order), positions dense; returns the
    order. Writes nothing when it already holds."""
    items = items_of(conn, trip_id, day_id)
    current = [i.id for i in items if i.id is not None]
    order = current if day_id is None else time_order(items)
    if order != current or [i.position for i in items] != list(range(len(items))):
        write_order(conn, order)
    return order


def day_date(conn: sqlite3.Connection, day_id: int) -> date:
    return date.fromisoformat(conn.execute("SELECT date FROM days WHERE id = ?", (day_id,)).fetchone()[0])


def redate_item(conn: sqlite3.Connection, item: Item, day: date, now: str) -> dict[str, list[str]]:
    """Put ``item``'s times on ``day`` (local times, zones, duration kept). Returns {field: [old, new]}."""
    changes = redate(item, day)
    if not changes or item.id is None:
        return {}
    out: dict[str, list[str]] = {}
    for field, value in changes.items():
        old = getattr(item, field)
        out[field] = [old.isoformat(timespec="minutes"), value.isoformat(timespec="minutes")]
    sets = ", ".join(f"{f} = ?" for f in changes)
    conn.execute(
        f"UPDATE items SET {sets}, updated_at = ? WHERE id = ?",
        [*(v.isoformat() for v in changes.values()), now, item.id],
    )
    return out


def trip_days(conn: sqlite3.Connection, trip_id: int) -> list[Day]:
    rows = conn.execute(
        "SELECT * FROM days WHERE trip_id = ? ORDER BY date, option_id IS NOT NULL, option_id, id", (trip_id,)
    ).fetchall()
    return [DAYS.model.model_validate(DAYS.data(r)) for r in rows]


def shift_days(conn: sqlite3.Connection, trip_id: int, moves: Mapping[int, date], now: str) -> int:
    """Give each day of ``moves`` (day id -> new date) its new date and re-date its items to it. Returns how
    many items changed date."""
    moved = 0
    for day_id, new in moves.items():
        conn.execute("UPDATE days SET date = ?, updated_at = ? WHERE id = ?", (new.isoformat(), now, day_id))
        for item in items_of(conn, trip_id, day_id):
            if redate_item(conn, item, new, now):
                moved += 1
    return moved


def renumber_titles(conn: sqlite3.Connection, trip_id: int, start: date | None) -> None:
    """Days still titled "Day n" (as ``ensure_days`` names them) get their slot's number again."""
    if start is None:
        return
    for day in trip_days(conn, trip_id):
        if _DEFAULT_TITLE.match(day.title):
            title = f"Day {(day.date - start).days + 1}"
            if title != day.title:
                conn.execute("UPDATE days SET title = ? WHERE id = ?", (title, day.id))


def shift_trip(conn: sqlite3.Connection, trip_id: int, delta: timedelta, now: str) -> int:
    """Every day of a trip (shared and option days) and the items on them moved by ``delta``."""
    if not delta:
        return 0
    return shift_days(conn, trip_id, {d.id: d.date + delta for d in trip_days(conn, trip_id) if d.id}, now)


def fill_days(
    conn: sqlite3.Connection, trip_id: int, start: date, end: date, now: str, option_id: int | None = None
) -> int:
    """A day (for ``option_id``, or shared) for each date from ``start`` to ``end`` that has none; returns how
    many were created."""
    have = {
        r[0]
        for r in conn.execute(
            "SELECT date FROM days WHERE trip_id = ? AND option_id IS ?", (trip_id, option_id)
        ).fetchall()
    }
    created = 0
    for n, day in enumerate(days_between(start, end), start=1):
        if day.isoformat() not in have:
            values = DAYS.values(Day(trip_id=trip_id, option_id=option_id, date=day, title=f"Day {n}"))
            values["created_at"] = values["updated_at"] = now
            conn.execute(
                f"INSERT INTO days ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )
            created += 1
    return created


def reschedule(conn: sqlite3.Connection, before: Trip, after: Trip, now: str) -> None:
    """After a trip's dates changed (``update_trip``): a new start moves every day and its items by the same
    number of days; days that would fall outside the new dates are refused when they hold items and dropped
    when empty; a longer trip gets its missing shared days when it has days."""
    trip_id = after.id or 0
    days = trip_days(conn, trip_id)
    if before.start_date and after.start_date and after.start_date != before.start_date:
        delta = after.start_date - before.start_date
        shift_days(conn, trip_id, {d.id: d.date + delta for d in days if d.id}, now)
        days = trip_days(conn, trip_id)
    if days and after.start_date is not None and after.end_date is not None:
        start, end = after.start_date, after.end_date
        beyond = [d for d in days if d.id and not start <= d.date <= end]
        busy = sorted({str(d.date) for d in beyond if d.id and order_of(conn, trip_id, d.id)})
        if busy:
            raise RecordInvalid(
                f"Invalid trip update: the new dates leave out day(s) {', '.join(busy)}, which hold items.",
                problems={"end_date": "days with items would fall outside the trip"},
                hint="Fix: delete those days (delete_day) or move their items to other days first, or keep "
                "the trip's dates.",
            )
        conn.executemany("DELETE FROM days WHERE id = ?", [(d.id,) for d in beyond])
        fill_days(conn, trip_id, start, end, now)
    renumber_titles(conn, trip_id, after.start_date)


def keep_length(current: Trip, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` to a trip; a new ``start_date`` without an ``end_date`` moves the end too (same length)."""
    out = dict(changes)
    new_start = out.get("start_date")
    if isinstance(new_start, str):
        try:
            new_start = date.fromisoformat(new_start)
        except ValueError:
            return out  # the model refuses it, naming the field
    if (
        isinstance(new_start, date)
        and "end_date" not in out
        and current.start_date is not None
        and current.end_date is not None
    ):
        out["end_date"] = current.end_date + (new_start - current.start_date)
    return out
