"""The agency and its users."""

from __future__ import annotations

from typing import Any

from core.security import Principal
from core.travel._models import Agency, RecordInvalid, User, merge, parse_record
from core.travel._services._base import ServiceBase
from core.travel._services._mapper import AGENCIES, USERS

__all__ = ["AgencyMixin"]


class AgencyMixin(ServiceBase):
    """Read and change the principal's agency; create another agency; add, read and list users."""

    def get_agency(self, p: Principal) -> Agency:
        conn = self.store.connection()
        row = self._row(conn, "SELECT * FROM agencies WHERE id = ?", (p.agency_id,), "agency", p.agency_id)
        return self._model(AGENCIES, row)

    def update_agency(self, p: Principal, **changes: Any) -> Agency:
        p.require_admin("change the agency's settings")
        with self.store.transaction() as conn:
            current = self.get_agency(p)
            record = parse_record(Agency, merge(current, changes, what="agency"), what="agency")
            self._update(conn, AGENCIES, p.agency_id, record)
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
            agency_id = self._insert(conn, AGENCIES, record)
            admin = parse_record(
                User, {"agency_id": agency_id, "display_name": admin_name, "role": "admin"}, what="user"
            )
            user_id = self._insert(conn, USERS, admin)
            self._log(conn, p, "agency.create", "agency", agency_id, f"Created agency '{record.name}'")
        agency_row = self._row(
            self.store.connection(), "SELECT * FROM agencies WHERE id = ?", (agency_id,), "agency", agency_id
        )
        user_row = self._row(
            self.store.connection(), "SELECT * FROM users WHERE id = ?", (user_id,), "user", user_id
        )
        return self._model(AGENCIES, agency_row), self._model(USERS, user_row)

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
            user_id = self._insert(conn, USERS, record)
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
        return self._model(USERS, row)

    def list_users(self, p: Principal) -> list[User]:
        rows = self.store.query("SELECT * FROM users WHERE agency_id = ? ORDER BY id", (p.agency_id,))
        return [self._model(USERS, r) for r in rows]
