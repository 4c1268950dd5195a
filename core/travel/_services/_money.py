"""Money: the agency's suppliers and each trip's payment schedule (amounts in integer cents)."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from core.security import Principal
from core.travel._models import (
    PaymentSchedule,
    RecordInvalid,
    Supplier,
    Trip,
    format_money,
    merge,
    parse_record,
)
from core.travel._services._base import ServiceBase
from core.travel._services._mapper import (
    DAY_ORDER,
    DAYS,
    ITEMS,
    OPTION_ORDER,
    OPTIONS,
    PAYMENT,
    PAYMENT_ORDER,
    PAYMENTS,
    SUPPLIERS,
)
from core.travel._totals import compute_totals

__all__ = ["MoneyMixin"]


class MoneyMixin(ServiceBase):
    """Create, read, list and update suppliers; schedule, read, list, update, mark paid and remove a trip's
    payments."""

    def create_supplier(self, p: Principal, **fields: Any) -> Supplier:
        p.require_write("create a supplier")
        self._reject_system(fields, "supplier", also=["archived"])
        record = parse_record(Supplier, fields | {"agency_id": p.agency_id}, what="supplier")
        with self.store.transaction() as conn:
            supplier_id = self._insert(conn, SUPPLIERS, record)
            self._log(conn, p, "supplier.create", "supplier", supplier_id, f"Added supplier '{record.name}'")
        return self.get_supplier(p, supplier_id)

    def get_supplier(self, p: Principal, supplier_id: int) -> Supplier:
        return self._model(SUPPLIERS, self._supplier_row(self.store.connection(), p, supplier_id))

    def list_suppliers(self, p: Principal, *, include_archived: bool = False) -> list[Supplier]:
        rows = self.store.query(
            "SELECT * FROM suppliers WHERE agency_id = ? AND (? OR archived = 0) ORDER BY name COLLATE "
            "NOCASE",
            (p.agency_id, include_archived),
        )
        return [self._model(SUPPLIERS, r) for r in rows]

    def update_supplier(self, p: Principal, supplier_id: int, **changes: Any) -> Supplier:
        p.require_write("update a supplier")
        with self.store.transaction() as conn:
            current = self._model(SUPPLIERS, self._supplier_row(conn, p, supplier_id))
            record = parse_record(Supplier, merge(current, changes, what="supplier"), what="supplier")
            self._update(conn, SUPPLIERS, supplier_id, record)
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

    # -- payments --------------------------------------------------------------------------------------------

    def add_payment(self, p: Principal, trip_id: int, **fields: Any) -> PaymentSchedule:
        """A payment the client owes. Fields: due_date, amount_cents (> 0), description, paid, paid_on."""
        p.require_write("add a payment")
        return self._add_child(
            p,
            PAYMENT,
            trip_id,
            fields,
            summary=lambda r: f"Scheduled payment '{r.description}' due {r.due_date}",
        )

    def get_payment(self, p: Principal, payment_id: int) -> PaymentSchedule:
        return self._child(self.store.connection(), p, PAYMENT, payment_id)

    def list_payments(self, p: Principal, trip_id: int) -> list[PaymentSchedule]:
        return self._list_children(p, trip_id, PAYMENTS, PAYMENT_ORDER)

    def update_payment(self, p: Principal, payment_id: int, **changes: Any) -> PaymentSchedule:
        p.require_write("update a payment")
        return self._update_child(
            p, PAYMENT, payment_id, changes, summary=lambda r: f"Updated payment '{r.description}'"
        )

    def schedule_payments(
        self,
        p: Principal,
        trip_id: int,
        *,
        deposit_cents: int,
        deposit_due: date,
        final_due: date,
        replace: bool = False,
        option_id: int | None = None,
    ) -> list[PaymentSchedule]:
        """The usual schedule: a deposit and a final payment that together make the client total (items of
        the accepted tier, or of ``option_id``, plus the planning fee). Refused when the trip already has
        payments, unless ``replace`` (then every payment, paid or not, is replaced), and when the tiers differ
        in price and none is chosen. One transaction, one activity entry."""
        p.require_write("schedule payments")
        with self.store.transaction() as conn:
            trip = self._trip(conn, p, trip_id)
            existing = self._children(conn, PAYMENTS, trip_id, PAYMENT_ORDER)
            if existing and not replace:
                raise RecordInvalid(
                    f"Invalid payment schedule: trip {trip_id} already has {len(existing)} payment(s).",
                    problems={"replace": "the trip already has payments"},
                    hint="Fix: replace them (--replace, or tick “Replace the current payments”), or add one payment.",
                )
            total = self._client_total(conn, trip, option_id)
            if deposit_cents <= 0 or deposit_cents >= total:
                raise RecordInvalid(
                    f"Invalid payment schedule: deposit = {format_money(deposit_cents, trip.currency)} must be "
                    f"more than 0 and less than the client total of {format_money(total, trip.currency)}.",
                    problems={"deposit_cents": "not between 0 and the client total"},
                    hint="Fix: give a deposit smaller than the client total (e.g. 30% of it).",
                )
            if final_due < deposit_due:
                raise RecordInvalid(
                    f"Invalid payment schedule: final_due = {final_due} is before deposit_due = {deposit_due}.",
                    problems={"final_due": "before the deposit"},
                    hint="Fix: set the final payment on or after the deposit's due date.",
                )
            conn.execute("DELETE FROM payments WHERE trip_id = ?", (trip_id,))
            rows = [
                PaymentSchedule(
                    trip_id=trip_id,
                    kind="deposit",
                    due_date=deposit_due,
                    amount_cents=deposit_cents,
                    description="Deposit",
                ),
                PaymentSchedule(
                    trip_id=trip_id,
                    kind="final",
                    due_date=final_due,
                    amount_cents=total - deposit_cents,
                    description="Final payment",
                ),
            ]
            for row in rows:
                self._insert(conn, PAYMENTS, row)
            self._log(
                conn,
                p,
                "payment.schedule",
                "trip",
                trip_id,
                f"Scheduled a deposit of {format_money(deposit_cents, trip.currency)} due {deposit_due} and "
                f"the final {format_money(total - deposit_cents, trip.currency)} due {final_due}"
                + (f" (replacing {len(existing)} payment(s))" if existing else ""),
                trip_id=trip_id,
            )
        return self.list_payments(p, trip_id)

    def _client_total(self, conn: sqlite3.Connection, trip: Trip, option_id: int | None) -> int:
        """The client total of the accepted tier (or ``option_id``); refused when the live tiers differ and
        none is chosen."""
        assert trip.id is not None
        trip_id = trip.id
        days = self._children(conn, DAYS, trip_id, DAY_ORDER)
        items = self._children(conn, ITEMS, trip_id, "id")
        options = self._children(conn, OPTIONS, trip_id, OPTION_ORDER)
        if option_id is not None and option_id not in {o.id for o in options}:
            raise RecordInvalid(
                f"Invalid payment schedule: option_id = {option_id} is not an option of trip {trip_id}.",
                problems={"option_id": "not an option of this trip"},
                hint="Fix: use an option id from list_options, or leave it out to use the accepted tier.",
            )

        def total(option: int | None) -> int:
            return compute_totals(trip, days, items, [], options, option_id=option).client_total_cents

        chosen = option_id or next((o.id for o in options if o.status == "accepted"), None)
        live = [o for o in options if o.status != "archived"]
        if chosen is None and len({total(o.id) for o in live}) > 1:
            raise RecordInvalid(
                f"Invalid payment schedule: trip {trip_id}'s tiers differ in price and the client has not "
                "chosen one.",
                problems={"option_id": "no tier chosen"},
                hint="Fix: accept the client's tier first (accept_option), or give option_id.",
            )
        return total(chosen)

    def mark_paid(self, p: Principal, payment_id: int, *, paid_on: date | None = None) -> PaymentSchedule:
        return self.update_payment(p, payment_id, paid=True, paid_on=paid_on or self._clock().date())

    def remove_payment(self, p: Principal, payment_id: int) -> None:
        p.require_write("remove a payment")
        with self.store.transaction() as conn:
            payment = self._child(conn, p, PAYMENT, payment_id)
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
