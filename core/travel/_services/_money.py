"""Money: the agency's suppliers and each trip's payment schedule (amounts in integer cents)."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.security import Principal
from core.travel._models import PaymentSchedule, Supplier, merge, parse_record
from core.travel._services._base import ServiceBase
from core.travel._services._mapper import PAYMENT, PAYMENT_ORDER, PAYMENTS, SUPPLIERS

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
