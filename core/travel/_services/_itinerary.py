"""A trip's itinerary: its options (pricing tiers), days and items, and the drag-and-drop board."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal, cast

from core.errors import ValidationError
from core.security import Principal
from core.travel._models import Item, ItineraryOption, RecordInvalid, merge, parse_record
from core.travel._schedule import insert_in_time, redate, time_key, time_order
from core.travel._search import delete_doc
from core.travel._services._base import ServiceBase
from core.travel._services._dayshift import (
    day_date,
    items_of,
    normalise_day,
    order_of,
    redate_item,
    write_order,
)
from core.travel._services._index import index_item
from core.travel._services._mapper import ITEM, ITEMS, OPTION, OPTION_ORDER, OPTIONS

__all__ = ["ItineraryMixin"]


class ItineraryMixin(ServiceBase):
    """Add, read, list and update a trip's options; add, edit, duplicate, move, reorder and remove items; apply
    a whole board at once. Item positions stay dense per day, and a day's timed items stay in time order
    (``core.travel._schedule``); an item on a day has that day's date. Days: ``DaysMixin``."""

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
                before = items_of(conn, trip_id, day_id)
                item_id = self._insert(conn, ITEMS, record, position=len(before))
                if position is not None or day_id is None:  # the unscheduled list has no time order
                    order = [i.id for i in before if i.id is not None]
                    order.insert(len(order) if position is None else min(position, len(order)), item_id)
                else:
                    order = insert_in_time(before, record.model_copy(update={"id": item_id}))
                if day_id is not None:
                    placed = {i.id: i for i in before} | {item_id: record.model_copy(update={"id": item_id})}
                    order = time_order([placed[i] for i in order])
                if order != [*(i.id for i in before), item_id]:
                    write_order(conn, order)
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
        return order_of(conn, trip_id, day_id)

    @staticmethod
    def _write_order(conn: sqlite3.Connection, trip_id: int, item_ids: Sequence[int]) -> None:
        del trip_id
        write_order(conn, item_ids)

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
        """Change an item's fields (to change its day or position use ``move_item`` / ``reorder_items``).

        A new time re-orders its day (timed items stay in time order). A new start date moves a scheduled
        item to the day of that date in the same plan (shared, or the same option) when there is one;
        otherwise it stays, and the checks flag the mismatch."""
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
            day_id = self._day_of_date(conn, current, record)
            if day_id != current.day_id:
                old = [i for i in order_of(conn, record.trip_id, current.day_id) if i != item_id]
                conn.execute(
                    "UPDATE items SET day_id = ?, position = ? WHERE id = ?",
                    (day_id, -1_000_000 - item_id, item_id),
                )
                write_order(conn, old)
                write_order(
                    conn, [*(i for i in order_of(conn, record.trip_id, day_id) if i != item_id), item_id]
                )
            normalise_day(conn, record.trip_id, day_id)
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
                details={"changed": sorted(changes)}
                | ({"moved_to_day": day_id} if day_id != current.day_id else {}),
            )
        return self.get_item(p, item_id)

    @staticmethod
    def _day_of_date(conn: sqlite3.Connection, current: Item, record: Item) -> int | None:
        """The day an updated item belongs on: the same-plan day of its new start date, when it has one."""
        if current.day_id is None or record.start_local is None:
            return current.day_id
        if current.start_local is not None and current.start_local.date() == record.start_local.date():
            return current.day_id
        row = conn.execute(
            "SELECT d2.id FROM days d JOIN days d2 ON d2.trip_id = d.trip_id AND d2.option_id IS d.option_id "
            "WHERE d.id = ? AND d2.date = ? ORDER BY d2.id LIMIT 1",
            (current.day_id, record.start_local.date().isoformat()),
        ).fetchone()
        return current.day_id if row is None else int(row[0])

    def move_item(
        self, p: Principal, item_id: int, *, day_id: int | None, position: int | None = None
    ) -> Item:
        """Move an item to another day (or to the unscheduled list with ``day_id=None``), or to another place
        in its own day. On another day it takes that day's date and keeps its local times, zones and duration.
        Timed items stay in time order, so ``position`` (default: last, or its time's place) decides only where
        an untimed item goes among them. Unscheduled, an item keeps its times. Positions stay dense."""
        p.require_write("move an item")
        with self.store.transaction() as conn:
            item = self._child(conn, p, ITEM, item_id)
            self._check_day(conn, item.trip_id, day_id)
            old = [i for i in order_of(conn, item.trip_id, item.day_id) if i != item_id]
            others = [i for i in items_of(conn, item.trip_id, day_id) if i.id != item_id]
            conn.execute("UPDATE items SET position = ? WHERE id = ?", (-1_000_000 - item_id, item_id))
            redated: dict[str, list[str]] = {}
            moved = item
            if day_id != item.day_id:
                write_order(conn, old)
                conn.execute(
                    "UPDATE items SET day_id = ?, updated_at = ? WHERE id = ?", (day_id, self._now(), item_id)
                )
                if day_id is not None:
                    when = day_date(conn, day_id)
                    redated = redate_item(conn, item, when, self._now())
                    moved = item.model_copy(update=redate(item, when))
            if day_id is not None and (position is None or time_key(moved) is not None):
                new = insert_in_time(others, moved)
            else:
                new = [i.id for i in others if i.id is not None]
                new.insert(len(new) if position is None else max(0, min(position, len(new))), item_id)
            if day_id is not None:
                by_id = {i.id: i for i in [*others, moved]}
                new = time_order([by_id[i] for i in new])
            write_order(conn, new)
            at = new.index(item_id)
            where = f"day {day_id}" if day_id is not None else "unscheduled"
            self._log(
                conn,
                p,
                "item.move",
                "item",
                item_id,
                f"Moved '{item.title}' to {where}, position {at}",
                trip_id=item.trip_id,
                details={"from_day": item.day_id, "to_day": day_id, "position": at}
                | ({"redated": redated} if redated else {}),
            )
        return self.get_item(p, item_id)

    def duplicate_item(
        self, p: Principal, item_id: int, *, day_id: int | Literal["same"] | None = "same"
    ) -> Item:
        """A copy of an item on the same day (or on ``day_id``; None = unscheduled), placed by its time: the
        copy is a new booking to make, so its confirmation numbers are cleared, its status is proposed and it
        has no external id. On another day it takes that day's date, local times kept."""
        p.require_write("duplicate an item")
        with self.store.transaction() as conn:
            item = self._child(conn, p, ITEM, item_id)
        target = item.day_id if day_id == "same" else day_id
        fields: dict[str, Any] = item.model_dump(
            exclude={"id", "created_at", "updated_at", "trip_id", "day_id", "position", "external_id"}
        ) | {"confirmation_numbers": [], "status": "proposed"}
        if target is not None:
            with self.store.transaction() as conn:
                self._check_day(conn, item.trip_id, target)
                fields |= redate(item, day_date(conn, target))
        return self.add_item(p, item.trip_id, day_id=target, **fields)

    def reorder_items(
        self, p: Principal, trip_id: int, day_id: int | None, item_ids: Sequence[int]
    ) -> list[Item]:
        """Set the order of a day's items (or of the unscheduled ones). ``item_ids`` must be exactly that
        list. On a day, timed items then snap back to time order (only untimed items move freely among them):
        returns the items in their final order."""
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
            write_order(conn, item_ids)
            final = normalise_day(conn, trip_id, day_id)
            self._log(
                conn,
                p,
                "item.reorder",
                "trip",
                trip_id,
                f"Reordered {len(item_ids)} item(s)",
                trip_id=trip_id,
                details={"day_id": day_id, "order": final},
            )
        return [self.get_item(p, i) for i in final]

    def apply_board(self, p: Principal, trip_id: int, board: Mapping[int | None, Sequence[int]]) -> list[int]:
        """Set the day and order of every item of a trip at once, as a drag-and-drop board returns them.

        ``board`` maps each day id (``None``: the unscheduled list) to its item ids in order; every item of
        the trip appears exactly once, and a day left out holds nothing. An item dropped on another day takes
        that day's date (local times kept), and every day the board changed is put back in time order (timed
        items by their times; untimed ones where they were dropped). Only the items whose day or position
        changed are written, in one transaction with one activity-log entry. Returns their ids (when every
        move snapped back, the ids the board moved, though nothing is written): empty when the board matches
        the store, in which case nothing is written."""
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
            asked = sorted(i for i, to in wanted.items() if current[i] != to)
            if not asked:
                return []
            now = self._now()
            items = {i.id: i for i in self._children(conn, ITEMS, trip_id, "id")}
            dates = {
                r[0]: date.fromisoformat(r[1])
                for r in conn.execute("SELECT id, date FROM days WHERE trip_id = ?", (trip_id,))
            }
            redated: dict[str, dict[str, list[str]]] = {}
            lists: dict[int | None, list[int]] = {d: list(ids) for d, ids in board.items()}
            for item_id in asked:
                day_id = wanted[item_id][0]
                if day_id is not None and day_id != current[item_id][0]:
                    before = items[item_id]
                    changes = redate(before, dates[day_id])
                    if changes:
                        items[item_id] = before.model_copy(update=changes)
                        redated[str(item_id)] = {
                            k: [_minutes(getattr(before, k)), _minutes(v)] for k, v in changes.items()
                        }
            touched = {wanted[i][0] for i in asked}
            for day_id in touched:
                if day_id is not None:
                    lists[day_id] = time_order([items[i] for i in lists[day_id]])
            final = {i: (d, n) for d, ids in lists.items() for n, i in enumerate(ids)}
            changed = sorted(i for i, to in final.items() if current[i] != to)
            # Two passes, so the unique (trip, day, position) index never clashes: out of the way, then home.
            for item_id in changed:
                day_id, _ = final[item_id]
                moved_day = day_id != current[item_id][0]
                conn.execute(
                    "UPDATE items SET day_id = ?, position = ?"
                    + (", updated_at = ?" if moved_day else "")
                    + " WHERE id = ?",
                    (day_id, -1_000_000 - item_id, *([now] if moved_day else []), item_id),
                )
            conn.executemany(
                "UPDATE items SET position = ? WHERE id = ?", [(final[i][1], i) for i in changed]
            )
            for key in redated:
                item = items[int(key)]
                conn.execute(
                    "UPDATE items SET start_local = ?, end_local = ? WHERE id = ?",
                    (_iso(item.start_local), _iso(item.end_local), int(key)),
                )
            if not changed:
                return asked  # every move snapped back to time order: nothing to write, the board redraws
            moved = [i for i in changed if final[i][0] != current[i][0]]
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
                    "changed": {str(i): {"day_id": final[i][0], "position": final[i][1]} for i in changed},
                    "redated": redated,
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


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _minutes(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")
