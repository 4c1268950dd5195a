"""A trip's itinerary: its options (pricing tiers), days and items, and the drag-and-drop board."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, cast

from core.errors import ValidationError
from core.security import Principal
from core.travel._models import Day, Item, ItineraryOption, RecordInvalid, days_between, merge, parse_record
from core.travel._search import delete_doc
from core.travel._services._base import ServiceBase
from core.travel._services._index import index_item
from core.travel._services._mapper import DAY, DAY_ORDER, DAYS, ITEM, ITEMS, OPTION, OPTION_ORDER, OPTIONS

__all__ = ["ItineraryMixin"]


class ItineraryMixin(ServiceBase):
    """Add, read, list and update a trip's options and days (``ensure_days`` fills the trip's dates); add,
    edit, move, reorder and remove items; apply a whole board at once. Item positions stay dense per day."""

    def add_option(self, p: Principal, trip_id: int, **fields: Any) -> ItineraryOption:
        """A pricing tier of the proposal. Fields: tier (1..3), label (default Essential/Signature/Ultimate),
        status (draft|sent|accepted|archived), notes. At most one option of a trip is accepted."""
        p.require_write("add an itinerary option")
        return self._add_child(
            p,
            OPTION,
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
        return self._child(self.store.connection(), p, OPTION, option_id)

    def list_options(self, p: Principal, trip_id: int) -> list[ItineraryOption]:
        return self._list_children(p, trip_id, OPTIONS, OPTION_ORDER)

    def update_option(self, p: Principal, option_id: int, **changes: Any) -> ItineraryOption:
        p.require_write("update an itinerary option")
        return self._update_child(
            p,
            OPTION,
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
                        conn, DAYS, Day(trip_id=trip_id, option_id=option_id, date=day, title=f"Day {n}")
                    )
                    created += 1
            if created:
                self._log(conn, p, "day.create", "trip", trip_id, f"Added {created} day(s)", trip_id=trip_id)
        return [d for d in self.list_days(p, trip_id) if d.option_id == option_id]

    def get_day(self, p: Principal, day_id: int) -> Day:
        return self._child(self.store.connection(), p, DAY, day_id)

    def list_days(self, p: Principal, trip_id: int) -> list[Day]:
        return self._list_children(p, trip_id, DAYS, DAY_ORDER)

    def update_day(self, p: Principal, day_id: int, **changes: Any) -> Day:
        p.require_write("update a day")
        return self._update_child(
            p,
            DAY,
            day_id,
            changes,
            summary=lambda r: f"Updated day {r.date}",
            check=lambda conn, r: self._check_option(conn, r.trip_id, r.option_id),
        )

    def remove_day(self, p: Principal, day_id: int) -> None:
        """Delete a day; its items become unscheduled (appended to the unscheduled list, in order)."""
        p.require_write("remove a day")
        with self.store.transaction() as conn:
            day = self._child(conn, p, DAY, day_id)
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

    # -- items ---------------------------------------------------------------------------------------------

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
            trip = self._trip(conn, p, trip_id)
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
                item_id = self._insert(conn, ITEMS, record, position=len(order))
                if position is not None and position < len(order):
                    order.insert(max(0, position), item_id)
                    self._write_order(conn, trip_id, order)
                index_item(conn, p.agency_id, item_id, record, trip.archived)
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
        return self._child(self.store.connection(), p, ITEM, item_id)

    def list_items(self, p: Principal, trip_id: int) -> list[Item]:
        """Every item of the trip: scheduled ones by day date and position, then the unscheduled ones."""
        conn = self.store.connection()
        self._trip_row(conn, p, trip_id)
        rows = conn.execute(
            "SELECT i.* FROM items i LEFT JOIN days d ON d.id = i.day_id WHERE i.trip_id = ? ORDER BY "
            "i.day_id IS NULL, d.date, d.id, i.position",
            (trip_id,),
        ).fetchall()
        return [self._model(ITEMS, r) for r in rows]

    def update_item(self, p: Principal, item_id: int, **changes: Any) -> Item:
        """Change an item's fields (to change its day or position use ``move_item`` / ``reorder_items``)."""
        p.require_write("update an item")
        with self.store.transaction() as conn:
            current = self._child(conn, p, ITEM, item_id)
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
            self._update(conn, ITEMS, item_id, record)
            trip = self._trip_row(conn, p, record.trip_id)
            index_item(conn, p.agency_id, item_id, record, bool(trip["archived"]))
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
            item = self._child(conn, p, ITEM, item_id)
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
                # The board comes from a browser component: check each id rather than trust the annotation.
                for position, item_id in enumerate(cast("Sequence[object]", item_ids)):
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
            item = self._child(conn, p, ITEM, item_id)
            conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
            self._write_order(conn, item.trip_id, self._order(conn, item.trip_id, item.day_id))
            delete_doc(conn, "item", item_id)
            self._log(
                conn, p, "item.remove", "item", item_id, f"Removed item '{item.title}'", trip_id=item.trip_id
            )
