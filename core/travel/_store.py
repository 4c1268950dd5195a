"""``TravelStore``: the SQLite file behind the travel domain (``<data_dir>/travel.db``).

- WAL journal, foreign keys on, ``busy_timeout``: readers never block; writers queue for up to
  ``busy_timeout_s``.
- One connection per thread (and per process: a forked child opens its own), so the app's threads, the MCP
  server processes and the CLI can share the file.
- ``transaction()`` is ``BEGIN IMMEDIATE`` ... ``COMMIT`` (nested calls become savepoints): a multi-row
  operation is all or nothing, and two writers never interleave.
- Migrations (``core.travel._migrations``) run on open, inside one write transaction.

The store knows tables, not services: services (``core.travel._services``) hold the rules.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.errors import TravelOpsError
from core.travel._migrations import MIGRATIONS, SCHEMA_VERSION, run_script

__all__ = ["StoreBusy", "TravelStore"]


class StoreBusy(TravelOpsError):
    """Another process held the write lock for longer than ``busy_timeout``."""


class _Local(threading.local):
    conn: sqlite3.Connection | None = None
    pid: int = 0
    depth: int = 0


class TravelStore:
    """The travel database. ``TravelStore(settings.travel_db_path)``; close it (or use ``with``) when done."""

    def __init__(self, path: Path | str, *, busy_timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self._local = _Local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    # ------------------------------------------------------------------------------------------------------
    # Connections
    # ------------------------------------------------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit mode: use ``transaction()`` / ``snapshot()`` to group
        statements)."""
        if self._closed:
            raise TravelOpsError(
                f"The travel store {self.path} is closed.", hint="Fix: open a new TravelStore."
            )
        local = self._local
        if local.conn is None or local.pid != os.getpid():
            local.conn = self._open()
            local.pid = os.getpid()
            local.depth = 0
        return local.conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            conn.close()
            raise TravelOpsError(
                f"The travel store {self.path} cannot use WAL journaling (got {mode!r}).",
                hint="Fix: keep the data directory on a local disk (WAL does not work on network file "
                "systems).",
            )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        with self._lock:
            self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        with self._lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = _Local()

    def __enter__(self) -> TravelStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------------------
    # Transactions
    # ------------------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Generator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``); nested use is a savepoint. Any exception rolls back."""
        conn = self.connection()
        local = self._local
        if local.depth > 0:
            name = f"sp{local.depth}"
            conn.execute(f"SAVEPOINT {name}")
            local.depth += 1
            try:
                yield conn
            except BaseException:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
                raise
            else:
                conn.execute(f"RELEASE {name}")
            finally:
                local.depth -= 1
            return
        self._begin(conn, "BEGIN IMMEDIATE")
        local.depth = 1
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            local.depth = 0

    @contextmanager
    def snapshot(self) -> Generator[sqlite3.Connection]:
        """A consistent read across several statements (a deferred transaction); inside a write, the write's
        view."""
        conn = self.connection()
        local = self._local
        if local.depth > 0:
            yield conn
            return
        self._begin(conn, "BEGIN")
        local.depth = 1
        try:
            yield conn
        finally:
            local.depth = 0
            if conn.in_transaction:
                conn.execute("COMMIT")

    def _begin(self, conn: sqlite3.Connection, statement: str) -> None:
        try:
            conn.execute(statement)
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise StoreBusy(
                    f"The travel store {self.path} stayed locked by another process for "
                    f"{self.busy_timeout_s:g} s.",
                    hint="Fix: try again; if it keeps happening, look for a stuck process holding the file.",
                ) from e
            raise

    # ------------------------------------------------------------------------------------------------------
    # Convenience
    # ------------------------------------------------------------------------------------------------------

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self.connection().execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return self.connection().execute(sql, params).fetchone()

    @property
    def schema_version(self) -> int:
        return int(self.connection().execute("PRAGMA user_version").fetchone()[0])

    def integrity_check(self) -> list[str]:
        """``["ok"]`` when the file, its indexes, foreign keys and the search index are sound; else the
        problems."""
        conn = self.connection()
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        problems += [f"foreign key: {tuple(r)}" for r in conn.execute("PRAGMA foreign_key_check")]
        try:
            conn.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as e:
            problems.append(f"search index: {e}")
        return [p for p in problems if p != "ok"] or ["ok"]

    # ------------------------------------------------------------------------------------------------------
    # Migrations
    # ------------------------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        conn = self.connection()
        if int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION:
            return
        # Migrations run with foreign keys off, so that one may rebuild a referenced table (dropping the old
        # table would otherwise cascade to its children); SQLite ignores the pragma inside a transaction, so it
        # is set before, and every reference is checked before the commit.
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with self.transaction():
                current = int(conn.execute("PRAGMA user_version").fetchone()[0])  # re-read under the lock
                if current > SCHEMA_VERSION:
                    raise TravelOpsError(
                        f"The travel store {self.path} has schema version {current}, newer than this "
                        f"TravelOps knows ({SCHEMA_VERSION}).",
                        hint="Fix: upgrade TravelOps, or point data_dir at another directory.",
                    )
                pending = [m for m in MIGRATIONS if m.version > current]
                for migration in pending:
                    run_script(conn, migration.sql)
                    if migration.after is not None:
                        migration.after(conn)
                    conn.execute(f"PRAGMA user_version = {migration.version}")
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise TravelOpsError(
                        f"Upgrading the travel store {self.path} would break {len(broken)} reference(s) "
                        f"(first: {tuple(broken[0])}); nothing was changed.",
                        hint="Fix: restore the file from a backup, or report this with the file.",
                    )
        finally:
            conn.execute("PRAGMA foreign_keys = ON")
