"""travel-db's tools about the store itself: its health, and the read-only SQL explorer (admins only)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from core.errors import TravelOpsError
from core.mcp.servers._common import READ_ONLY, Backend, TravelOpsServer, lesson
from core.mcp.servers.travel_db._explorer import MAX_SQL_ROWS, QueryResult, run_readonly_query
from core.mcp.servers.travel_db._schemas import ServerHealth, StoreCounts

__all__ = ["register_store"]


def register_store(server: TravelOpsServer, backend: Backend) -> None:
    """health_check, explore_database."""

    @server.tool(annotations=READ_ONLY)
    def health_check(
        deep: Annotated[bool, Field(description="Also run SQLite's integrity check (slower).")] = False,
    ) -> ServerHealth:
        """Is the travel store reachable, migrated, encrypted and sound?"""
        service, p = backend.service, backend.principal
        store = service.store

        def count(sql: str) -> int:
            row = store.query_one(sql, (p.agency_id,))
            return int(row[0]) if row else 0

        counts = StoreCounts(
            clients=count("SELECT COUNT(*) FROM clients WHERE agency_id = ?"),
            travelers=count(
                "SELECT COUNT(*) FROM travelers t JOIN clients c ON c.id = t.client_id WHERE c.agency_id = ?"
            ),
            trips=count("SELECT COUNT(*) FROM trips WHERE agency_id = ?"),
            items=count(
                "SELECT COUNT(*) FROM items i JOIN trips t ON t.id = i.trip_id WHERE t.agency_id = ?"
            ),
        )
        try:
            encryption = (
                "ok" if service.cipher.decrypt(service.cipher.encrypt("check")) == "check" else "broken"
            )
        except TravelOpsError as e:
            encryption = lesson(e)
        integrity = store.integrity_check() if deep else ["not run (deep=false)"]
        ok = encryption == "ok" and (not deep or integrity == ["ok"])
        return ServerHealth(
            ok=ok,
            store=str(store.path),
            schema_version=store.schema_version,
            counts=counts,
            encryption=encryption,
            integrity=integrity,
            notices=list(backend.settings.notices),
        )

    @server.tool(annotations=READ_ONLY)
    def explore_database(
        sql: Annotated[
            str,
            Field(
                min_length=1,
                max_length=10_000,
                description="One SELECT (or WITH … SELECT). The schema: SELECT name, sql FROM sqlite_master.",
            ),
        ],
        max_rows: Annotated[int, Field(ge=1, le=MAX_SQL_ROWS)] = 100,
    ) -> QueryResult:
        """Read the travel database with SQL, read-only: one SELECT, at most max_rows rows and 2 seconds;
        encrypted document numbers are never readable. Admins only; it sees every table as stored."""
        backend.principal.require_admin("explore the raw travel database")
        return run_readonly_query(backend.service.store.path, sql, max_rows=max_rows)
