"""A trip's days: slots 1..n from the trip's start date; add, insert, delete and move them (items follow)."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from core.errors import ValidationError
from core.security import Principal
from core.travel._models import Day, RecordInvalid, Trip
from core.travel._services._base import ServiceBase
from core.travel._services._dayshift import (
    fill_days,
    order_of,
    renumber_titles,
    shift_days,
    trip_days,
    write_order,
)
from core.travel._services._mapper import DAY, DAY_ORDER, DAYS

__all__ = ["DaysMixin"]


class DaysMixin(ServiceBase):
    """A trip's days. Day n of a trip is the date ``start_date + n - 1``: its shared day and the days each
    option has on that date form one slot. A day's date changes only with its slot: ``insert_day``,
    ``delete_day``, ``move_day`` and a new trip ``start_date`` (``update_trip``), and the items of every
    day that changes date keep their local times on the new date (``core.travel._schedule.redate``)."""

    def add_day(self, p: Principal, trip_id: int, **fields: Any) -> Day:
        """A day of the itinerary. Fields: date, title, notes, option_id (None = shared by every option)."""
        p.require_write("add a day")
        return self._add_child(
            p,
            DAY,
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
            trip = self._trip(conn, p, trip_id)
            start, end = self._dated(trip, "its days cannot be created")
            self._check_option(conn, trip_id, option_id)
            created = self._fill_days(conn, trip_id, start, end, option_id)
            if created:
                self._log(conn, p, "day.create", "trip", trip_id, f"Added {created} day(s)", trip_id=trip_id)
        return [d for d in self.list_days(p, trip_id) if d.option_id == option_id]

    def _fill_days(
        self, conn: sqlite3.Connection, trip_id: int, start: date, end: date, option_id: int | None = None
    ) -> int:
        return fill_days(conn, trip_id, start, end, self._now(), option_id)

    @staticmethod
    def _dated(trip: Trip, why: str) -> tuple[date, date]:
        if trip.start_date is None or trip.end_date is None:
            raise ValidationError(
                f"Trip {trip.id} has no start_date/end_date, so {why}.",
                hint="Fix: set the trip's start and end dates first (update_trip, or the trip form).",
            )
        return trip.start_date, trip.end_date

    def get_day(self, p: Principal, day_id: int) -> Day:
        return self._child(self.store.connection(), p, DAY, day_id)

    def list_days(self, p: Principal, trip_id: int) -> list[Day]:
        return self._list_children(p, trip_id, DAYS, DAY_ORDER)

    def update_day(self, p: Principal, day_id: int, **changes: Any) -> Day:
        """Change a day's title or notes. Its date follows from its slot: to change it, use ``move_day``
        (reorder days), ``insert_day``/``delete_day``, or the trip's ``start_date`` (``update_trip``)."""
        p.require_write("update a day")
        if "date" in changes:
            raise RecordInvalid(
                "Invalid day update: date cannot be changed this way: a day's date follows from the trip's "
                "start date and the day's number.",
                problems={"date": "follows from the trip's start date"},
                hint="Fix: leave date out; use move_day to reorder days, insert_day/delete_day, or change the "
                "trip's start_date with update_trip.",
            )
        return self._update_child(
            p,
            DAY,
            day_id,
            changes,
            summary=lambda r: f"Updated day {r.date}",
            check=lambda conn, r: self._check_option(conn, r.trip_id, r.option_id),
        )

    def remove_day(self, p: Principal, day_id: int) -> None:
        """Delete one day record (a shared day, or one option's day); its items become unscheduled (appended
        to the unscheduled list, in order). The other days keep their dates: ``delete_day`` removes a
        whole slot and closes the gap."""
        p.require_write("remove a day")
        with self.store.transaction() as conn:
            day = self._child(conn, p, DAY, day_id)
            moving = self._unschedule(conn, day.trip_id, [day_id])
            self._log(
                conn,
                p,
                "day.remove",
                "day",
                day_id,
                f"Removed day {day.date} ({len(moving)} item(s) unscheduled)",
                trip_id=day.trip_id,
            )

    def _unschedule(self, conn: sqlite3.Connection, trip_id: int, day_ids: list[int]) -> list[int]:
        """Delete these days; their items go to the end of the unscheduled list (times kept). Returns them."""
        moving = [i for d in day_ids for i in order_of(conn, trip_id, d)]
        unscheduled = order_of(conn, trip_id, None)
        for n, item_id in enumerate(moving):
            conn.execute(
                "UPDATE items SET day_id = NULL, position = ? WHERE id = ?", (-1_000_000 - n, item_id)
            )
        write_order(conn, unscheduled + moving)
        conn.executemany("DELETE FROM days WHERE id = ?", [(d,) for d in day_ids])
        return moving

    # -- slots ----------------------------------------------------------------------------------------------

    def _slots(self, conn: sqlite3.Connection, p: Principal, trip_id: int, why: str) -> tuple[Trip, int]:
        trip = self._trip(conn, p, trip_id)
        start, end = self._dated(trip, why)
        return trip, (end - start).days + 1

    @staticmethod
    def _check_number(number: int, count: int, option: str, *, extra: int = 0) -> None:
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= count + extra:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ValidationError(
                f"{option} = {number!r} is not a day of this trip: it has days 1 to {count}.",
                hint=f"Fix: give {option} from 1 to {count + extra}.",
            )

    def _set_end(self, conn: sqlite3.Connection, trip: Trip, end: date) -> None:
        conn.execute(
            "UPDATE trips SET end_date = ?, updated_at = ? WHERE id = ?",
            (end.isoformat(), self._now(), trip.id),
        )

    def insert_day(
        self, p: Principal, trip_id: int, *, at: int | None = None, title: str = "", notes: str = ""
    ) -> Day:
        """A new shared day at slot ``at`` (1-based; default: after the last day). The days from that slot on
        (with their items) move one day later and the trip ends a day later."""
        p.require_write("add a day")
        with self.store.transaction() as conn:
            trip, count = self._slots(conn, p, trip_id, "a day cannot be inserted")
            assert trip.start_date is not None and trip.end_date is not None
            slot = count + 1 if at is None else at
            self._check_number(slot, count, "at", extra=1)
            when = trip.start_date + timedelta(days=slot - 1)
            later = {
                d.id: d.date + timedelta(days=1) for d in trip_days(conn, trip_id) if d.id and d.date >= when
            }
            moved = shift_days(conn, trip_id, later, self._now())
            self._set_end(conn, trip, trip.end_date + timedelta(days=1))
            day_id = self._insert(
                conn, DAYS, Day(trip_id=trip_id, date=when, title=title or f"Day {slot}", notes=notes)
            )
            renumber_titles(conn, trip_id, trip.start_date)
            self._log(
                conn,
                p,
                "day.create",
                "day",
                day_id,
                f"Inserted day {slot} ({when}); {len(later)} later day(s) and {moved} item(s) moved a day later",
                trip_id=trip_id,
            )
        return self.get_day(p, day_id)

    def delete_day(self, p: Principal, trip_id: int, number: int) -> list[int]:
        """Delete day ``number`` (its shared day and every option's day of that date); its items become
        unscheduled, the later days (with their items) move one day earlier and the trip ends a day earlier.
        Returns the ids of the items now unscheduled."""
        p.require_write("remove a day")
        with self.store.transaction() as conn:
            trip, count = self._slots(conn, p, trip_id, "its days cannot be deleted")
            assert trip.start_date is not None and trip.end_date is not None
            self._check_number(number, count, "number")
            if count == 1:
                raise ValidationError(
                    f"Trip {trip_id} has only one day, so it cannot be deleted.",
                    hint="Fix: remove or move its items instead, or change the trip's dates.",
                )
            when = trip.start_date + timedelta(days=number - 1)
            days = trip_days(conn, trip_id)
            moving = self._unschedule(conn, trip_id, [d.id for d in days if d.id and d.date == when])
            later = {d.id: d.date - timedelta(days=1) for d in days if d.id and d.date > when}
            moved = shift_days(conn, trip_id, later, self._now())
            self._set_end(conn, trip, trip.end_date - timedelta(days=1))
            renumber_titles(conn, trip_id, trip.start_date)
            self._log(
                conn,
                p,
                "day.remove",
                "trip",
                trip_id,
                f"Deleted day {number} ({when}): {len(moving)} item(s) unscheduled, {moved} item(s) moved a "
                "day earlier",
                trip_id=trip_id,
                details={"unscheduled": moving},
            )
        return moving

    def move_day(self, p: Principal, trip_id: int, number: int, to: int) -> list[Day]:
        """Move day ``number`` to slot ``to`` (the days between shift by one); every day keeps its items,
        which take the day's new date (local times kept). Returns the trip's days."""
        p.require_write("reorder days")
        with self.store.transaction() as conn:
            trip, count = self._slots(conn, p, trip_id, "its days cannot be reordered")
            assert trip.start_date is not None
            self._check_number(number, count, "number")
            self._check_number(to, count, "to")
            slots = list(range(1, count + 1))
            slots.remove(number)
            slots.insert(to - 1, number)
            new_slot = {old: n for n, old in enumerate(slots, start=1)}
            moves: dict[int, date] = {}
            for d in trip_days(conn, trip_id):
                old = (d.date - trip.start_date).days + 1
                if d.id and old in new_slot and new_slot[old] != old:
                    moves[d.id] = trip.start_date + timedelta(days=new_slot[old] - 1)
            moved = shift_days(conn, trip_id, moves, self._now())
            renumber_titles(conn, trip_id, trip.start_date)
            if moves:
                self._log(
                    conn,
                    p,
                    "day.move",
                    "trip",
                    trip_id,
                    f"Moved day {number} to day {to} ({moved} item(s) re-dated)",
                    trip_id=trip_id,
                )
        return self.list_days(p, trip_id)
