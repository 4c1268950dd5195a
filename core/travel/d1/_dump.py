"""Reading the dump: the SQL runs in an in-memory SQLite sandbox (no ATTACH, no ``VACUUM INTO``), and a file
that is not a dump SQLite can run fails with the line and statement at fault."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from core.travel.d1._report import D1DumpError

__all__ = ["NEW_TABLES", "OLD_TABLES", "Dump", "load_dump"]

NEW_TABLES = ("clients_v2", "trips_v2", "trip_client_assignments", "activitylog")
OLD_TABLES = (
    "clientgroups",
    "clients",
    "trips",
    "tripparticipants",
    "tripdays",
    "tripactivities",
    "accommodations",
    "tripcosts",
    "bookinghistory",
)
_IGNORED_PREFIXES = ("_cf_", "sqlite_", "d1_")
_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK)\b[^;]*;\s*$", re.IGNORECASE)
_REEXPORT = (
    "Fix: export the database again (`wrangler d1 export <database> --remote --output dump.sql`) and do not "
    "edit the file by hand."
)


def _deny_attach(action: int, *_: object) -> int:
    return (
        sqlite3.SQLITE_DENY if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH) else sqlite3.SQLITE_OK
    )


def _sandbox() -> sqlite3.Connection:
    """An in-memory database a dump cannot escape from (no ATTACH, no ``VACUUM INTO``)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.set_authorizer(_deny_attach)
    return conn


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise D1DumpError(
            f"No dump file at {path}.", hint="Fix: give the path of the .sql file `wrangler d1 export` wrote."
        )
    data = path.read_bytes()
    if data.startswith(b"SQLite format 3\x00"):
        raise D1DumpError(
            f"{path} is a SQLite database file, not a SQL dump.",
            hint=f"Fix: dump it first (`sqlite3 {path.name} .dump > dump.sql`) and import dump.sql.",
        )
    if data.startswith(b"\x1f\x8b"):
        raise D1DumpError(
            f"{path} is gzip-compressed.", hint=f"Fix: `gunzip {path.name}` and import the .sql."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise D1DumpError(
            f"{path} is not a text SQL dump: byte {e.start} (line {line}) is not UTF-8.", hint=_REEXPORT
        ) from e
    if not text.strip():
        raise D1DumpError(f"{path} is empty.", hint=_REEXPORT)
    return text


def _locate_failure(text: str) -> tuple[int, str, str]:
    """Run the dump statement by statement on a fresh database: (line, statement, error) of the first that
    fails."""
    conn = _sandbox()
    try:
        buffer: list[str] = []
        start = 1
        statements = 0
        for number, line in enumerate(text.splitlines(keepends=True), start=1):
            if not buffer:
                start = number
            buffer.append(line)
            statement = "".join(buffer)
            if not sqlite3.complete_statement(statement):
                continue
            buffer = []
            statements += 1
            if _TRANSACTION.match(statement):
                continue
            try:
                conn.executescript(statement)
            except sqlite3.Error as e:
                return start, statement.strip(), str(e)
        rest = "".join(buffer).strip()
        if rest and not statements:
            return start, rest, "there is no complete SQL statement in the file (is it a SQL dump?)"
        if rest:
            return start, rest, "the file ends in the middle of this statement (an incomplete download?)"
        return 0, "", ""
    finally:
        conn.close()


def load_dump(path: Path) -> sqlite3.Connection:
    text = _read_text(path)
    conn = _sandbox()
    try:
        conn.executescript(text)
    except sqlite3.Error as e:
        conn.close()
        line, statement, problem = _locate_failure(text)
        if not line:
            raise D1DumpError(f"{path} could not be run as SQL: {e}.", hint=_REEXPORT) from e
        shown = " ".join(statement.split())
        shown = shown if len(shown) <= 120 else shown[:117] + "..."
        raise D1DumpError(
            f"{path} is not a SQL dump SQLite can run: line {line}: {problem}, in `{shown}`.", hint=_REEXPORT
        ) from e
    if conn.in_transaction:
        conn.execute("COMMIT")
    return conn


class Dump:
    """The dump's tables, by lower-case name; rows as dicts with lower-case column names."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        self.names = {n.lower(): n for n in names}

    def has(self, key: str) -> bool:
        return key in self.names

    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def rows(self, key: str) -> list[dict[str, Any]]:
        if key not in self.names:
            return []
        quoted = self.names[key].replace('"', '""')
        cur = self.conn.execute(f'SELECT * FROM "{quoted}"')
        columns = [d[0].lower() for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur]

    def ignored(self) -> list[str]:
        known = set(NEW_TABLES) | set(OLD_TABLES)
        return sorted(
            n for key, n in self.names.items() if key not in known and not key.startswith(_IGNORED_PREFIXES)
        )
