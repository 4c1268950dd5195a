"""The item-date rule, as pure functions (no database): what an item's times become on another day, and the
order of a day's items.

- ``redate(item, day)``: the item's start and end moved to ``day``, keeping the local wall-clock times, the
  zones and the duration (a hotel keeps its nights, a red-eye flight still lands the next day).
- ``time_order(items)``: a day's items in time order. Items with a time (``start_local``) are sorted by when
  they start (UTC when the zone is known, else local time, after the zoned ones of the same date); items
  without a time keep their slots, so a note placed between two bookings stays there.
- ``at(day, t)`` and ``slot_dates(start, n)``: a wall-clock moment on a day, and the dates of days 1..n.

Every service that writes a day or an item's place (move, board, reorder, update, add, the day operations and a
trip's new start date) goes through these, so the board, the checks, the PDF and the .ics agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from core.travel._models import Item

__all__ = ["at", "insert_in_time", "redate", "slot_dates", "time_key", "time_order"]


def at(day: date, t: time) -> datetime:
    """The local wall-clock moment ``t`` on ``day`` (naive, as ``Item.start_local`` is)."""
    return datetime.combine(day, t.replace(tzinfo=None))


def slot_dates(start: date, n: int) -> list[date]:
    """The dates of days 1..``n`` of a trip that starts on ``start``."""
    return [start + timedelta(days=i) for i in range(n)]


def redate(item: Item, day: date) -> dict[str, datetime]:
    """The ``start_local``/``end_local`` that put ``item`` on ``day``: both shift by the same number of days,
    so local times, zones and the duration stay. Empty when the item has no time, or already starts on
    ``day``."""
    anchor = item.start_local or item.end_local
    if anchor is None:
        return {}
    delta = day - anchor.date()
    if not delta:
        return {}
    out: dict[str, datetime] = {}
    if item.start_local is not None:
        out["start_local"] = item.start_local + delta
    if item.end_local is not None:
        out["end_local"] = item.end_local + delta
    return out


def _id(item: Item) -> int:
    if item.id is None:
        raise ValueError(f"item {item.title!r} is not stored yet, so it has no place in a day")
    return item.id


def time_key(item: Item) -> tuple[date, int, datetime] | None:
    """How ``item`` sorts among a day's items; None when it has no time (it keeps its slot)."""
    if item.start_local is None:
        return None
    utc = item.start_utc
    if utc is not None:
        return (item.start_local.date(), 0, utc.replace(tzinfo=None))
    return (item.start_local.date(), 1, item.start_local)


def time_order(items: Sequence[Item]) -> list[int]:
    """The ids of ``items`` (a day's items, in their current order) in time order: the timed ones sorted
    (stable) into the slots the timed ones hold, the untimed ones left in their slots."""
    keyed = [(time_key(i), _id(i)) for i in items]
    timed = sorted(
        ((k, n, item_id) for n, (k, item_id) in enumerate(keyed) if k is not None),
        key=lambda t: (t[0], t[1]),
    )
    out: list[int] = []
    it = iter(timed)
    for key, item_id in keyed:
        out.append(item_id if key is None else next(it)[2])
    return out


def insert_in_time(items: Sequence[Item], new: Item) -> list[int]:
    """The ids of ``items`` with ``new`` added where its time puts it: before the first timed item that starts
    later, else last. Untimed ``new`` goes last."""
    ids = [_id(i) for i in items]
    key = time_key(new)
    if key is not None:
        for n, other in enumerate(items):
            other_key = time_key(other)
            if other_key is not None and other_key > key:
                return [*ids[:n], _id(new), *ids[n:]]
    return [*ids, _id(new)]
