"""The agency and its users."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.security import Principal
from core.travel._models import Agency, RecordInvalid, User, merge, parse_record
from core.travel._services._base import ServiceBase
from core.travel._services._mapper import AGENCIES, USERS

__all__ = ["LOGO_MAX_BYTES", "PROFILE_FIELDS", "AgencyMixin", "check_logo", "logo_format"]

# the profile's fields as people name them (what "saved: …" messages list); logo is the stored image
PROFILE_FIELDS = {
    "name": "name",
    "address": "address",
    "phone": "phone",
    "email": "email",
    "website": "website",
    "default_currency": "default currency",
    "terms": "terms",
    "logo_path": "logo",
}
LOGO_MAX_BYTES = 1024 * 1024  # 1 MiB: a letterhead logo, not a photograph
_LOGO_DIR = "agency"


def logo_format(data: bytes) -> str | None:
    """``"png"`` or ``"jpg"`` from the file's first bytes (its magic number), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    return None


def check_logo(data: bytes, filename: str = "") -> str:
    """The logo's extension (``png`` or ``jpg``) when ``data`` is a PNG or JPEG of at most 1 MiB; otherwise
    ``RecordInvalid`` (problem on ``logo``) saying what is wrong with ``filename`` and how to fix it."""
    shown = filename or "the file"
    if not data:
        raise RecordInvalid(
            f"Invalid logo: {shown} is empty.",
            problems={"logo": "empty file"},
            hint="Fix: choose a PNG or JPEG image.",
        )
    if len(data) > LOGO_MAX_BYTES:
        raise RecordInvalid(
            f"Invalid logo: {shown} is {len(data) / 1024 / 1024:.1f} MiB; the limit is 1 MiB.",
            problems={"logo": "larger than 1 MiB"},
            hint="Fix: export the logo smaller (a few hundred pixels wide is plenty for a letterhead).",
        )
    ext = logo_format(data)
    if ext is None:
        raise RecordInvalid(
            f"Invalid logo: {shown} is not a PNG or JPEG image.",
            problems={"logo": "not a PNG or JPEG"},
            hint="Fix: save the logo as PNG or JPEG and upload that file.",
        )
    return ext


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

    def update_agency_profile(
        self,
        p: Principal,
        changes: Mapping[str, Any],
        *,
        logo: bytes | None = None,
        logo_name: str = "",
        remove_logo: bool = False,
    ) -> tuple[Agency, list[str]]:
        """Save the profile form (admin only): ``changes`` of ``PROFILE_FIELDS`` (blank phone, email or website
        clears it) and, optionally, a new logo or its removal. Everything is validated before anything is
        written: one ``RecordInvalid`` names every bad field (``logo`` included). Returns the agency and the
        names (``PROFILE_FIELDS`` values) of what changed, in form order; nothing changed: nothing written."""
        p.require_admin("change the agency's settings")
        editable = set(PROFILE_FIELDS) - {"logo_path"}
        unknown = sorted(set(changes) - editable)
        if unknown:
            raise RecordInvalid(
                f"Invalid agency update: {', '.join(unknown)} cannot be changed this way.",
                problems={u: "not a profile field" for u in unknown},
                hint="Fix: pass name, address, phone, email, website, default_currency or terms; the logo "
                "as bytes (logo=...).",
            )
        before = self.get_agency(p)
        problems: dict[str, str] = {}
        messages: list[str] = []
        after: Agency | None = None
        try:
            after = parse_record(Agency, merge(before, changes, what="agency"), what="agency")
        except RecordInvalid as e:
            problems.update(e.problems)
            messages.append(e.message)
        if logo is not None:
            try:
                check_logo(logo, logo_name)
            except RecordInvalid as e:
                problems.update(e.problems)
                messages.append(e.message)
        if problems or after is None:
            raise RecordInvalid(
                " ".join(messages), problems=problems, hint="Fix the fields named and save again."
            )
        real = {k: getattr(after, k) for k in changes if getattr(before, k) != getattr(after, k)}
        agency = self.update_agency(p, **real) if real else before
        if logo is not None:
            agency = self.save_agency_logo(p, logo, logo_name)
        elif remove_logo:
            agency = self.remove_agency_logo(p)
        changed = [
            label
            for field, label in PROFILE_FIELDS.items()
            if field in real
            or (field == "logo_path" and (logo is not None or before.logo_path != agency.logo_path))
        ]
        return agency, changed

    def save_agency_logo(self, p: Principal, data: bytes, filename: str) -> Agency:
        """Store ``data`` (a PNG or JPEG of at most 1 MiB, recognised by its first bytes, whatever
        ``filename`` says) as the agency's logo under the data folder (``<db dir>/agency/logo-<id>.<ext>``,
        written to a temporary file and renamed into place) and record it on the profile (admin only)."""
        p.require_admin("change the agency's logo")
        shown = filename or "the file"
        ext = check_logo(data, filename)
        folder = self.store.path.parent / _LOGO_DIR
        relative = f"{_LOGO_DIR}/logo-{p.agency_id}.{ext}"
        target = self.store.path.parent / relative
        tmp = folder / f".logo-{p.agency_id}.{os.getpid()}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError as e:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise RecordInvalid(
                f"Could not store the logo in {folder}: {e.strerror or e}.",
                problems={"logo": "could not be written"},
                hint="Fix: check that the data folder is writable.",
            ) from e
        previous = self.get_agency(p).logo_path
        agency = self._set_logo(p, relative, f"Stored the agency logo ({shown}, {len(data)} bytes)")
        if previous and previous != relative:
            with contextlib.suppress(OSError):
                self._logo_file(previous).unlink(missing_ok=True)
        return agency

    def remove_agency_logo(self, p: Principal) -> Agency:
        """Take the logo off the profile and delete its file (admin only). No logo: nothing changes."""
        p.require_admin("change the agency's logo")
        previous = self.get_agency(p).logo_path
        if not previous:
            return self.get_agency(p)
        agency = self._set_logo(p, None, "Removed the agency logo")
        with contextlib.suppress(OSError):
            self._logo_file(previous).unlink(missing_ok=True)
        return agency

    def agency_logo(self, p: Principal) -> bytes | None:
        """The agency logo's bytes, or None (no logo, or its file is gone)."""
        stored = self.get_agency(p).logo_path
        if not stored:
            return None
        try:
            return self._logo_file(stored).read_bytes()
        except OSError:
            return None

    def _logo_file(self, stored: str) -> Path:
        path = Path(stored)
        return path if path.is_absolute() else self.store.path.parent / path

    def _set_logo(self, p: Principal, logo_path: str | None, summary: str) -> Agency:
        with self.store.transaction() as conn:
            current = self.get_agency(p)
            record = parse_record(
                Agency, merge(current, {"logo_path": logo_path}, what="agency"), what="agency"
            )
            self._update(conn, AGENCIES, p.agency_id, record)
            self._log(conn, p, "agency.logo", "agency", p.agency_id, summary)
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
