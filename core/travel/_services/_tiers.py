"""Proposal tiers: copy a tier, make a shared item one tier's own, accept a tier, remove one, the defaults.

A tier is an ``ItineraryOption`` (1..``MAX_TIERS``). Its plan is the shared days (``option_id`` None), the
unscheduled items and its own days (``Day.option_id``); see ``core.travel._totals.counted_items``. Renaming a
tier is ``update_option(p, option_id, label=...)``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from core.security import Principal
from core.travel._models import (
    DEFAULT_TIER_LABELS,
    MAX_TIERS,
    SYSTEM_FIELDS,
    Day,
    Item,
    ItineraryOption,
    RecordInvalid,
    parse_record,
)
from core.travel._search import delete_doc
from core.travel._services._base import ServiceBase
from core.travel._services._index import index_item
from core.travel._services._mapper import DAY_ORDER, DAYS, ITEM, ITEMS, OPTION, OPTION_ORDER, OPTIONS

__all__ = ["MIN_TIERS", "TiersMixin"]

MIN_TIERS = 2  # a proposal with tiers offers at least two (ensure_tiers)
_NOT_COPIED = SYSTEM_FIELDS | {"trip_id", "day_id", "position", "external_id"}


class TiersMixin(ServiceBase):
    """Copy, fork, accept, remove and create a trip's proposal tiers (each one transaction, one log entry)."""

    # -- helpers -----------------------------------------------------------------------------------------------

    def _options(self, conn: sqlite3.Connection, trip_id: int) -> list[ItineraryOption]:
        return self._children(conn, OPTIONS, trip_id, OPTION_ORDER)

    @staticmethod
    def _free_tier(options: list[ItineraryOption], trip_id: int) -> int:
        taken = {o.tier for o in options}
        free = [t for t in range(1, MAX_TIERS + 1) if t not in taken]
        if not free:
            raise RecordInvalid(
                f"Invalid itinerary option: trip {trip_id} already has {MAX_TIERS} options; a trip has at "
                f"most {MAX_TIERS}.",
                problems={"tier": f"at most {MAX_TIERS} options"},
                hint="Fix: remove an option you no longer offer (remove_option), or rename one instead.",
            )
        return free[0]

    def _option_day(self, conn: sqlite3.Connection, source: Day, option_id: int) -> int:
        """The id of ``option_id``'s day on ``source``'s date (created, with its title, when missing)."""
        row = conn.execute(
            "SELECT id FROM days WHERE trip_id = ? AND option_id = ? AND date = ? ORDER BY id LIMIT 1",
            (source.trip_id, option_id, source.date.isoformat()),
        ).fetchone()
        if row is not None:
            return int(row[0])
        day = Day(trip_id=source.trip_id, option_id=option_id, date=source.date, title=source.title)
        return self._insert(conn, DAYS, day)

    def _copy_item(
        self, conn: sqlite3.Connection, p: Principal, item: Item, day_id: int, **changes: Any
    ) -> int:
        """A copy of ``item`` appended to ``day_id`` (same trip); ``changes`` override fields."""
        fields = item.model_dump(exclude=set(_NOT_COPIED)) | changes
        record = parse_record(Item, fields | {"trip_id": item.trip_id, "day_id": day_id}, what="item")
        position = conn.execute(
            "SELECT COUNT(*) FROM items WHERE trip_id = ? AND day_id IS ?", (item.trip_id, day_id)
        ).fetchone()[0]
        new_id = self._insert(conn, ITEMS, record, position=position)
        archived = bool(
            conn.execute("SELECT archived FROM trips WHERE id = ?", (item.trip_id,)).fetchone()[0]
        )
        index_item(conn, p.agency_id, new_id, record, archived)
        return new_id

    @staticmethod
    def _compact(conn: sqlite3.Connection, trip_id: int, day_id: int | None) -> None:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM items WHERE trip_id = ? AND day_id IS ? ORDER BY position", (trip_id, day_id)
            ).fetchall()
        ]
        conn.executemany(
            "UPDATE items SET position = ? WHERE id = ?", [(-1 - i, x) for i, x in enumerate(ids)]
        )
        conn.executemany("UPDATE items SET position = ? WHERE id = ?", [(i, x) for i, x in enumerate(ids)])

    # -- the tiers -------------------------------------------------------------------------------------------

    def ensure_tiers(self, p: Principal, trip_id: int, n: int = 3) -> list[ItineraryOption]:
        """At least ``n`` (2..4) tiers: the missing ones are added with their default names (Essential,
        Signature, Ultimate, Bespoke) as drafts. Returns every option of the trip, by tier."""
        p.require_write("add itinerary options")
        if not MIN_TIERS <= n <= MAX_TIERS:
            raise RecordInvalid(
                f"Invalid tiers: n = {n}; a proposal offers {MIN_TIERS} to {MAX_TIERS} tiers.",
                problems={"n": f"from {MIN_TIERS} to {MAX_TIERS}"},
                hint=f"Fix: ask for {MIN_TIERS} to {MAX_TIERS} tiers (3 gives Essential, Signature, Ultimate).",
            )
        with self.store.transaction() as conn:
            self._trip_row(conn, p, trip_id)
            options = self._options(conn, trip_id)
            live = [o for o in options if o.status != "archived"]
            added: list[str] = []
            for _ in range(n - len(live)):
                tier = self._free_tier(options, trip_id)
                record = ItineraryOption(trip_id=trip_id, tier=tier, label=DEFAULT_TIER_LABELS[tier])
                self._insert(conn, OPTIONS, record)
                options = self._options(conn, trip_id)
                added.append(record.label)
            if added:
                self._log(
                    conn,
                    p,
                    "option.create",
                    "trip",
                    trip_id,
                    f"Added tiers {', '.join(added)}",
                    trip_id=trip_id,
                )
        return self._list_children(p, trip_id, OPTIONS, OPTION_ORDER)

    def copy_option(self, p: Principal, option_id: int, *, label: str | None = None) -> ItineraryOption:
        """A new tier (the next free one, at most ``MAX_TIERS``) with a copy of ``option_id``'s own days and
        items (same dates and order; confirmation numbers cleared, status proposed), as a draft. ``label``
        defaults to the tier's default name."""
        p.require_write("copy an itinerary option")
        with self.store.transaction() as conn:
            source = self._child(conn, p, OPTION, option_id)
            tier = self._free_tier(self._options(conn, source.trip_id), source.trip_id)
            record = parse_record(
                ItineraryOption,
                {
                    "trip_id": source.trip_id,
                    "tier": tier,
                    "label": (label or "").strip(),
                    "notes": source.notes,
                },
                what="itinerary option",
            )
            new_id = self._insert(conn, OPTIONS, record)
            days = [
                d for d in self._children(conn, DAYS, source.trip_id, DAY_ORDER) if d.option_id == option_id
            ]
            copied = 0
            for day in days:
                assert day.id is not None
                day_id = self._insert(conn, DAYS, day.model_copy(update={"option_id": new_id, "id": None}))
                for item in self._children(conn, ITEMS, source.trip_id, "position"):
                    if item.day_id == day.id:
                        self._copy_item(conn, p, item, day_id, confirmation_numbers=[], status="proposed")
                        copied += 1
            self._log(
                conn,
                p,
                "option.copy",
                "option",
                new_id,
                f"Copied option {source.tier} '{source.label}' to option {tier} '{record.label}' "
                f"({len(days)} day(s), {copied} item(s))",
                trip_id=source.trip_id,
                details={"from": option_id},
            )
        return self._child(self.store.connection(), p, OPTION, new_id)

    def fork_item(self, p: Principal, item_id: int, *, option_id: int) -> Item:
        """Make a shared item ``option_id``'s own: it moves to that option's day of the same date (created
        when missing) and every other live option gets an identical copy on its own day, so the other tiers'
        plans and totals do not change. Returns the item (same id) where it now is."""
        p.require_write("change an item's tier")
        with self.store.transaction() as conn:
            item = self._child(conn, p, ITEM, item_id)
            option = self._child(conn, p, OPTION, option_id)
            if option.trip_id != item.trip_id:
                raise RecordInvalid(
                    f"Invalid tier: option {option_id} is not an option of trip {item.trip_id}.",
                    problems={"option_id": "not an option of this trip"},
                    hint="Fix: use an option id from list_options for the item's trip.",
                )
            if option.status == "archived":
                raise RecordInvalid(
                    f"Invalid tier: option {option_id} ('{option.label}') is archived.",
                    problems={"option_id": "archived"},
                    hint="Fix: choose a live option, or set this one back to 'draft' first.",
                )
            if item.day_id is None:
                raise RecordInvalid(
                    f"Invalid item: '{item.title}' is unscheduled, so it cannot belong to one tier.",
                    problems={"day_id": "unscheduled"},
                    hint="Fix: put the item on a day first (move_item), then give it its tier.",
                )
            day = self._model(
                DAYS, self._row(conn, "SELECT * FROM days WHERE id = ?", (item.day_id,), "day", 0)
            )
            if day.option_id == option_id:
                return item
            if day.option_id is not None:
                raise RecordInvalid(
                    f"Invalid item: '{item.title}' already belongs to option {day.option_id}, not to every tier.",
                    problems={"option_id": "the item already belongs to another option"},
                    hint="Fix: duplicate the item to the other tier instead, or move it with move_item.",
                )
            others = [
                o for o in self._options(conn, item.trip_id) if o.status != "archived" and o.id != option_id
            ]
            target = self._option_day(conn, day, option_id)
            end = conn.execute(
                "SELECT COUNT(*) FROM items WHERE trip_id = ? AND day_id = ?", (item.trip_id, target)
            ).fetchone()[0]
            conn.execute("UPDATE items SET day_id = ?, position = ? WHERE id = ?", (target, end, item_id))
            self._compact(conn, item.trip_id, item.day_id)
            copies: list[int] = []
            for other in others:
                assert other.id is not None
                copies.append(self._copy_item(conn, p, item, self._option_day(conn, day, other.id)))
            self._log(
                conn,
                p,
                "item.fork",
                "item",
                item_id,
                f"'{item.title}' now belongs to option {option.tier} '{option.label}'; "
                f"{len(copies)} other tier(s) keep a copy",
                trip_id=item.trip_id,
                details={"option_id": option_id, "copies": copies},
            )
        return self._child(self.store.connection(), p, ITEM, item_id)

    def accept_option(self, p: Principal, option_id: int) -> ItineraryOption:
        """The client chose this tier: it becomes accepted and every other option of the trip archived."""
        p.require_write("accept an itinerary option")
        with self.store.transaction() as conn:
            option = self._child(conn, p, OPTION, option_id)
            archived = [
                o.label
                for o in self._options(conn, option.trip_id)
                if o.id != option_id and o.status != "archived"
            ]
            now = self._now()
            conn.execute(
                "UPDATE itinerary_options SET status = 'archived', updated_at = ? WHERE trip_id = ? AND id != ?",
                (now, option.trip_id, option_id),
            )
            conn.execute(
                "UPDATE itinerary_options SET status = 'accepted', updated_at = ? WHERE id = ?",
                (now, option_id),
            )
            self._log(
                conn,
                p,
                "option.accept",
                "option",
                option_id,
                f"The client chose option {option.tier} '{option.label}'"
                + (f"; archived {', '.join(archived)}" if archived else ""),
                trip_id=option.trip_id,
            )
        return self._child(self.store.connection(), p, OPTION, option_id)

    def option_named(self, p: Principal, trip_id: int, name: str) -> ItineraryOption:
        """The trip's option whose label is ``name`` (case and surrounding spaces ignored); refused naming the
        labels there are."""
        with self.store.snapshot() as conn:
            self._trip(conn, p, trip_id)
            options = self._options(conn, trip_id)
        wanted = name.strip().casefold()
        for option in options:
            if option.label.strip().casefold() == wanted:
                return option
        known = ", ".join(f"'{o.label}'" for o in options) or "none yet (travelops tiers ensure TRIP_ID)"
        raise RecordInvalid(
            f"Trip {trip_id} has no option named '{name}'.",
            problems={"option": f"no option named '{name}'"},
            hint=f"Fix: use one of its options: {known}.",
        )

    def remove_option(self, p: Principal, option_id: int) -> None:
        """Delete an option with its own days and their items (shared days and items stay)."""
        p.require_write("remove an itinerary option")
        with self.store.transaction() as conn:
            option = self._child(conn, p, OPTION, option_id)
            items = [
                r[0]
                for r in conn.execute(
                    "SELECT i.id FROM items i JOIN days d ON d.id = i.day_id WHERE d.option_id = ?",
                    (option_id,),
                ).fetchall()
            ]
            for item_id in items:
                conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
                delete_doc(conn, "item", item_id)
            conn.execute("DELETE FROM days WHERE option_id = ?", (option_id,))
            conn.execute("DELETE FROM itinerary_options WHERE id = ?", (option_id,))
            self._log(
                conn,
                p,
                "option.remove",
                "option",
                option_id,
                f"Removed option {option.tier} '{option.label}' ({len(items)} item(s))",
                trip_id=option.trip_id,
            )
