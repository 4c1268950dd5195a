"""The read-only SQL explorer behind ``explore_database``: one SELECT on a read-only connection, bounded in rows,
time and value size, never reading the encrypted columns."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import ValidationError
from core.mcp.servers._common import Output

__all__ = ["MAX_SQL_ROWS", "SECRET_COLUMNS", "SQL_TIMEOUT_S", "QueryResult", "run_readonly_query"]

MAX_SQL_ROWS = 500
SQL_TIMEOUT_S = 2.0
_SQL_MAX_LENGTH = 5_000_000  # bytes of any one value a query may build (zeroblob(1e9) is refused)
_CELL_CHARS = 2_000
# Encrypted at rest; explore_database never reads them (the services decrypt for the people allowed to).
SECRET_COLUMNS: frozenset[tuple[str, str]] = frozenset({("travel_documents", "number_enc")})
_READ_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)


class QueryResult(Output):
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    elapsed_ms: float


def _secret_refusal(table: str, column: str) -> str:
    return (
        f"explore_database may not read {table}.{column}: passport, visa and id numbers are stored "
        "encrypted and never leave the store. Fix: select other columns (number_last4 holds the last four "
        "characters), not '*'."
    )


def run_readonly_query(
    path: Path,
    sql: str,
    *,
    max_rows: int = 100,
    timeout_s: float = SQL_TIMEOUT_S,
    clock: Callable[[], float] = time.monotonic,
) -> QueryResult:
    """Run one SELECT on a read-only connection to ``path``: ``mode=ro``, ``query_only``, an authorizer
    that allows only reads (and never ``SECRET_COLUMNS``), at most ``max_rows`` rows and ``timeout_s``
    seconds. Raises ``ValidationError`` saying what to change."""
    text = sql.strip().rstrip(";").strip()
    words = _strip_comments(text).split(None, 1)
    first = words[0].upper() if words else ""
    if first not in ("SELECT", "WITH"):
        raise ValidationError(
            f"explore_database runs one read-only SELECT (or WITH … SELECT); got {first or 'nothing'!r}.",
            hint="Fix: write a SELECT, e.g. SELECT name FROM sqlite_master WHERE type = 'table'. Change data "
            "with the write tools (create_trip, bulk_trip_operations, …).",
        )
    denied: list[str] = []

    def authorize(
        action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None
    ) -> int:
        if action == sqlite3.SQLITE_READ and (arg1, arg2) in SECRET_COLUMNS:
            denied.append(_secret_refusal(str(arg1), str(arg2)))
            return sqlite3.SQLITE_DENY
        if action not in _READ_ACTIONS:
            denied.append(
                "explore_database only reads: this statement would change the database or its settings."
            )
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    started = clock()
    deadline = started + timeout_s

    def out_of_time() -> int:
        return 1 if clock() > deadline else 0

    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout_s)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _SQL_MAX_LENGTH)
        conn.set_authorizer(authorize)
        conn.set_progress_handler(out_of_time, 1_000)
        try:
            cursor = conn.execute(text)
            fetched = cursor.fetchmany(max_rows + 1)
        except (sqlite3.Warning, sqlite3.ProgrammingError) as e:
            raise ValidationError(
                f"explore_database runs exactly one statement: {e}",
                hint="Fix: send one SELECT, without another statement after a ';'.",
            ) from e
        except sqlite3.DatabaseError as e:
            if denied:
                raise ValidationError(denied[0]) from e
            if "interrupted" in str(e):
                raise ValidationError(
                    f"The query took longer than {timeout_s:g} s and was stopped.",
                    hint="Fix: add a WHERE clause or a LIMIT, or aggregate (COUNT, GROUP BY) instead of "
                    "scanning everything.",
                ) from e
            raise ValidationError(
                f"SQLite refused the query: {e}.",
                hint="Fix: check table and column names (SELECT sql FROM sqlite_master lists the schema).",
            ) from e
        columns = [d[0] for d in cursor.description or []]
    finally:
        conn.close()
    rows = [[_cell(v) for v in row] for row in fetched[:max_rows]]
    return QueryResult(
        columns=columns,
        rows=rows,
        row_count=len(rows),
        truncated=len(fetched) > max_rows,
        elapsed_ms=round((clock() - started) * 1000, 1),
    )


def _strip_comments(sql: str) -> str:
    text = sql.lstrip()
    while text.startswith(("--", "/*")):
        if text.startswith("--"):
            text = text.split("\n", 1)[1] if "\n" in text else ""
        else:
            text = text.split("*/", 1)[1] if "*/" in text else ""
        text = text.lstrip()
    return text


def _cell(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, str) and len(value) > _CELL_CHARS:
        return value[:_CELL_CHARS] + f"… ({len(value)} characters)"
    return value
