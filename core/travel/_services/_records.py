"""Records kept around the trips: the rendered-documents registry, the activity log and the assistant's
instructions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.security import Principal
from core.travel._models import (
    SYSTEM_FIELDS,
    ActivityEntry,
    Document,
    Instruction,
    NotFound,
    RecordInvalid,
    parse_record,
)
from core.travel._services._base import ServiceBase
from core.travel._services._mapper import DOCS, DOCUMENT, INSTRUCTIONS, check_limit

__all__ = ["RecordsMixin"]


class RecordsMixin(ServiceBase):
    """Record and list a trip's rendered documents (versioned per kind); read the agency's activity; read and
    save the assistant's instructions (admin only)."""

    def record_document(
        self,
        p: Principal,
        trip_id: int,
        *,
        kind: str,
        format: str,
        path: str | Path,
        version: int | None = None,
    ) -> Document:
        """Record a rendered document. ``version`` defaults to one more than the trip's latest of that
        ``kind``; pass the same version for the other formats of one rendering (html + pdf of proposal v3)."""
        p.require_write("record a document")
        with self.store.transaction() as conn:
            self._trip_row(conn, p, trip_id)
            if version is None:
                latest = conn.execute(
                    "SELECT IFNULL(MAX(version), 0) FROM documents WHERE trip_id = ? AND kind = ?",
                    (trip_id, kind),
                ).fetchone()[0]
                version = int(latest) + 1
            record = parse_record(
                Document,
                {
                    "trip_id": trip_id,
                    "kind": kind,
                    "format": format,
                    "path": str(path),
                    "version": version,
                    "created_by": p.user_id,
                },
                what="document",
            )
            if conn.execute(
                "SELECT 1 FROM documents WHERE trip_id = ? AND kind = ? AND version = ? AND format = ?",
                (trip_id, record.kind, record.version, record.format),
            ).fetchone():
                raise RecordInvalid(
                    f"Invalid document: {record.kind} v{record.version} ({record.format}) of trip {trip_id} "
                    "is already recorded.",
                    problems={"version": "already recorded"},
                    hint="Fix: leave version out to get the next one.",
                )
            doc_id = self._insert(conn, DOCS, record)
            self._log(
                conn,
                p,
                "document.create",
                "document",
                doc_id,
                f"Rendered {record.kind} v{record.version} ({record.format})",
                trip_id=trip_id,
                details={"path": str(path)},
            )
        return self._child(self.store.connection(), p, DOCUMENT, doc_id)

    def list_documents(self, p: Principal, trip_id: int, *, kind: str | None = None) -> list[Document]:
        """Documents of a trip, newest version first."""
        conn = self.store.connection()
        self._trip_row(conn, p, trip_id)
        rows = conn.execute(
            "SELECT * FROM documents WHERE trip_id = ? AND (? IS NULL OR kind = ?) ORDER BY kind, version "
            "DESC, format",
            (trip_id, kind, kind),
        ).fetchall()
        return [self._model(DOCS, r) for r in rows]

    # -- activity log and instructions -----------------------------------------------------------------------

    def recent_activity(
        self, p: Principal, *, trip_id: int | None = None, client_id: int | None = None, limit: int = 50
    ) -> list[ActivityEntry]:
        """The agency's activity, newest first (optionally for one trip or client)."""
        where, params = ["agency_id = ?"], [p.agency_id]
        if trip_id is not None:
            where.append("trip_id = ?")
            params.append(trip_id)
        if client_id is not None:
            where.append("client_id = ?")
            params.append(client_id)
        rows = self.store.query(
            f"SELECT * FROM activity_log WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            [*params, check_limit(limit)],
        )
        return [ActivityEntry.model_validate(dict(r) | {"details": json.loads(r["details"])}) for r in rows]

    def get_instruction(self, p: Principal, name: str) -> Instruction:
        """An instruction by name (``.for_verbosity("minimal"|"normal"|"detailed")`` gives its text)."""
        row = self.store.query_one("SELECT * FROM instructions WHERE name = ?", (name,))
        if row is None:
            known = [r[0] for r in self.store.query("SELECT name FROM instructions ORDER BY name")]
            raise NotFound(f"No instruction named {name!r}.", hint=f"Known: {', '.join(known)}.")
        return self._model(INSTRUCTIONS, row)

    def list_instructions(self, p: Principal, *, category: str | None = None) -> list[Instruction]:
        rows = self.store.query(
            "SELECT * FROM instructions WHERE (? IS NULL OR category = ?) ORDER BY category, name",
            (category, category),
        )
        return [self._model(INSTRUCTIONS, r) for r in rows]

    def save_instruction(self, p: Principal, name: str, **fields: Any) -> Instruction:
        """Create or change an instruction (admin only). Fields: category, title, text, variants."""
        p.require_admin("edit the assistant's instructions")
        self._reject_system(fields, "instruction", also=["name", "updated_by"])
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM instructions WHERE name = ?", (name,)).fetchone()
            base = self._model(INSTRUCTIONS, row).model_dump() if row else {}
            data = (
                {k: v for k, v in base.items() if k not in SYSTEM_FIELDS}
                | fields
                | {"name": name, "updated_by": p.user_id}
            )
            record = parse_record(Instruction, data, what="instruction")
            if row is None:
                self._insert(conn, INSTRUCTIONS, record)
            else:
                self._update(conn, INSTRUCTIONS, row["id"], record)
            self._log(
                conn,
                p,
                "instruction.save",
                "instruction",
                row["id"] if row else None,
                f"Saved instruction '{name}'",
            )
        return self.get_instruction(p, name)
