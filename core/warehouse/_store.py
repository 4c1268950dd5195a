"""The Warehouse: spool in, DuckDB out, one process at a time on the file.

Only one process may open a DuckDB file read-write, and then no other process can open it at all. So processes
never hold the file: they append events to their own spool segments (``record``), and whoever needs the
database takes ``<data_dir>/warehouse.lock`` (a cross-process file lock), opens DuckDB, ingests every pending
segment and runs its query, then closes the file and lets go of the lock. Opening costs ~0.2 ms.

``duckdb`` and ``pandas`` are imported on first use: ``record`` (the gateway's hot path) needs neither.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import filelock
import pydantic_core

from core._common import as_date
from core.errors import ValidationError, WarehouseError
from core.routing.preferences import UserPreferences
from core.warehouse import _schema, _spool, queries
from core.warehouse._models import PerformanceStats, Period, UsageRow, UsageSummary
from core.warehouse.events import Event, UsageEvent

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from core.config import Settings

__all__ = ["Warehouse"]

logger = logging.getLogger(__name__)

_DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    # Only the extensions built into the wheel (json, parquet, icu); nothing may be downloaded.
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
# Segments per ingest transaction. Fewer, larger transactions are faster (DuckDB writes whole row groups
# straight to the file): 1M events ingest in ~1.3 s as one batch, ~2.4 s in 64 MB batches.
_MAX_BATCH_FILES = 1024
_MAX_BATCH_BYTES = 1 << 30
_NO_PROMPTS = frozenset({"table", "prompt_text", "response_text"})
_TABLE_ONLY = frozenset({"table"})
_ZERO = timedelta(0)

# One lock object per lock file in this process: thread-local re-entrancy (nested connect() in one thread
# works), and threads of one process exclude each other like processes do.
_locks: dict[Path, filelock.FileLock] = {}
_locks_guard = threading.Lock()


def _forget_locks_in_child() -> None:
    """A forked child takes new lock objects: filelock refuses one inherited across fork."""
    global _locks_guard
    _locks.clear()
    _locks_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_locks_in_child)
_schema_ready: set[Path] = set()


def _lock_for(path: Path) -> filelock.FileLock:
    with _locks_guard:
        lock = _locks.get(path)
        if lock is None:
            lock = _locks[path] = filelock.FileLock(path, poll_interval=0.005)
        return lock


def _utc_naive(value: datetime | None = None) -> datetime:
    """A datetime as the warehouse stores it: UTC, without tzinfo. Naive input is taken to be UTC already."""
    value = value or datetime.now(UTC)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


class _CountMismatch(Exception):
    def __init__(self, got: int, expected: int) -> None:
        super().__init__(f"read {got} rows where the segment names promise {expected}")


class Warehouse:
    """The usage warehouse of one data folder: ``<data_dir>/warehouse.duckdb`` fed by ``<data_dir>/spool/``.

    Safe to use from many threads and many processes at once. ``record`` never blocks on the database and
    never raises; everything else takes the warehouse lock for as long as it needs the file. The Warehouse
    objects of a process on one folder share one spool writer (the first one's ``seal_interval_s`` applies).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        lock_timeout_s: float = 30.0,
        seal_interval_s: float = 1.0,
        store_prompts: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.path = self.data_dir / "warehouse.duckdb"
        self.spool_dir = self.data_dir / "spool"
        self.lock_path = self.data_dir / "warehouse.lock"
        self.lock_timeout_s = lock_timeout_s
        self.seal_interval_s = seal_interval_s
        self.store_prompts = store_prompts

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        cfg = settings.warehouse
        return cls(
            settings.data_dir,
            lock_timeout_s=cfg.lock_timeout_s,
            seal_interval_s=cfg.seal_interval_s,
            store_prompts=cfg.store_prompts,
        )

    def __repr__(self) -> str:
        return f"Warehouse({str(self.data_dir)!r})"

    # -- writing (hot path) ----------------------------------------------------------------------------------

    def record(self, event: Event) -> None:
        """Append an event to this process's spool segment (a few µs). Never raises: failures are logged."""
        try:
            created = event.created_at
            if created.tzinfo is not None and created.utcoffset() != _ZERO:
                event = event.model_copy(update={"created_at": created.astimezone(UTC)})
            exclude = _TABLE_ONLY if self.store_prompts or not isinstance(event, UsageEvent) else _NO_PROMPTS
            line = _spool.serialize(event, set(exclude))
            _spool.writer_for(self.spool_dir, self.seal_interval_s).write(event.table, line)
        except (OSError, pydantic_core.PydanticSerializationError):
            logger.exception(
                "Could not spool a %s event (id %s) to %s; the event is lost. "
                "Check that the folder is writable and the disk is not full.",
                getattr(event, "table", type(event).__name__),
                getattr(event, "id", "?"),
                self.spool_dir,
            )

    def flush(self) -> None:
        """Seal this process's open segment so the next ingest (by any process) picks it up."""
        writer = _spool.existing_writer(self.spool_dir)
        if writer is not None:
            writer.seal()

    def close(self) -> None:
        """Seal and stop this process's spool writer for the folder (a later ``record`` starts a new one)."""
        _spool.close_writer(self.spool_dir)

    # -- the database ----------------------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Generator[float]:
        """Hold the warehouse lock; yields the monotonic deadline for anything else that waits inside."""
        deadline = time.monotonic() + self.lock_timeout_s
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock = _lock_for(self.lock_path)
        try:
            lock.acquire(timeout=self.lock_timeout_s)
        except filelock.Timeout as e:
            raise WarehouseError(
                f"The usage warehouse {self.path} is busy: another process held {self.lock_path.name} "
                f"for more than {self.lock_timeout_s:g} s.",
                hint="Hint: a long query or ingest in another TravelOps process (app, notebook, report) "
                "holds it; retry, or raise warehouse.lock_timeout_s in config/travelops.yml.",
            ) from e
        try:
            yield deadline
        finally:
            lock.release()

    def _open(self, deadline: float) -> duckdb.DuckDBPyConnection:
        import duckdb

        fresh = not self.path.exists()
        delay = 0.005
        while True:
            try:
                con = duckdb.connect(str(self.path), config=_DUCKDB_CONFIG)
                break
            except duckdb.IOException as e:
                # The file is held by a program that does not take our lock (e.g. a notebook's own
                # connection).
                if "lock" not in str(e).lower() or time.monotonic() + delay > deadline:
                    raise WarehouseError(
                        f"Could not open the usage warehouse {self.path}: {e}",
                        hint="Hint: another program keeps the file open without the warehouse lock; "
                        "close it "
                        "(in notebooks use Warehouse(...).query or .connect(), which take turns).",
                    ) from e
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
            except duckdb.Error as e:
                raise WarehouseError(
                    f"Could not open the usage warehouse {self.path}: {e}",
                    hint="Hint: if the file is damaged, move it aside; the next open creates a new one.",
                ) from e
        try:
            if fresh or self.path not in _schema_ready:
                self._ensure_schema(con)
                _schema_ready.add(self.path)
        except BaseException:
            con.close()
            raise
        return con

    def _ensure_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        import duckdb

        try:
            row = con.execute("SELECT max(version) FROM schema_version").fetchone()
            version = row[0] if row and row[0] is not None else 0
        except duckdb.CatalogException:
            version = 0
        if version > _schema.SCHEMA_VERSION:
            raise WarehouseError(
                f"The usage warehouse {self.path} has schema version {version}, newer than this TravelOps "
                f"understands ({_schema.SCHEMA_VERSION}).",
                hint="Hint: upgrade TravelOps in this environment.",
            )
        if version == _schema.SCHEMA_VERSION:
            return
        con.execute("BEGIN TRANSACTION")
        for statement in _schema.DDL:
            con.execute(statement)
        con.execute("INSERT INTO schema_version VALUES (?, ?)", [_schema.SCHEMA_VERSION, _utc_naive()])
        con.execute("COMMIT")

    @contextmanager
    def connect(self, *, ingest: bool = True) -> Generator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection under the warehouse lock, after ingesting pending segments.

        Keep the block short: every other process waits for it."""
        with self._locked() as deadline:
            con = self._open(deadline)
            try:
                if ingest:
                    self._ingest(con, _spool.pending_segments(self.spool_dir))
                yield con
            finally:
                con.close()

    def query(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        """Flush this process's events, ingest everyone's, run ``sql`` (``?`` placeholders) to a DataFrame."""
        import duckdb

        self.flush()
        with self.connect() as con:
            try:
                return con.execute(sql, params).df()
            except duckdb.Error as e:
                raise WarehouseError(
                    f"Warehouse query failed: {e}", hint=f"Hint: check the SQL: {' '.join(sql.split())[:300]}"
                ) from e

    # -- ingest ----------------------------------------------------------------------------------------------

    def ingest(self) -> int:
        """Ingest every sealed segment and every orphaned open one (owner process gone). Returns rows added.

        This process's own open segment is left alone: call ``flush()`` first to include it (``query`` does).
        """
        with self._locked() as deadline:
            segments = _spool.pending_segments(self.spool_dir)
            if not segments:
                return 0
            con = self._open(deadline)
            try:
                return self._ingest(con, segments)
            finally:
                con.close()

    def _ingest(self, con: duckdb.DuckDBPyConnection, segments: list[_spool.Segment]) -> int:
        if not segments:
            return 0
        done = {
            name
            for (name,) in con.execute(
                "SELECT name FROM spool_segments WHERE name IN (SELECT unnest(?::VARCHAR[]))",
                [[s.key for s in segments]],
            ).fetchall()
        }
        # Committed before, but the process died before deleting the file: just delete it.
        _spool.remove(s for s in segments if s.key in done)
        by_table: dict[str, list[_spool.Segment]] = {}
        for segment in segments:
            if segment.key in done:
                continue
            if segment.table not in _schema.EVENT_COLUMNS:
                target = _spool.quarantine(segment)
                logger.error(
                    "Spool segment %s names no known table; moved it to %s.", segment.path.name, target
                )
                continue
            by_table.setdefault(segment.table, []).append(segment)
        total = 0
        for table, pending in by_table.items():
            batch: list[_spool.Segment] = []
            size = 0
            for segment in pending:
                length = segment.path.stat().st_size
                if batch and (len(batch) >= _MAX_BATCH_FILES or size + length > _MAX_BATCH_BYTES):
                    total += self._ingest_batch(con, table, batch)
                    batch, size = [], 0
                batch.append(segment)
                size += length
            if batch:
                total += self._ingest_batch(con, table, batch)
        return total

    def _ingest_batch(self, con: duckdb.DuckDBPyConnection, table: str, batch: list[_spool.Segment]) -> int:
        """Insert segments and their ``spool_segments`` rows in one transaction, then delete the files."""
        import duckdb

        expected = sum(s.rows or 0 for s in batch)
        sql = (
            f"INSERT INTO {table} SELECT {_schema.column_list(table)} FROM read_json(?, "
            f"format='newline_delimited', columns={_schema.json_columns(table)})"
        )
        con.execute("BEGIN TRANSACTION")
        try:
            row = con.execute(sql, [[str(s.path) for s in batch]]).fetchone()
            inserted = int(row[0]) if row else 0
            if inserted != expected:
                raise _CountMismatch(inserted, expected)
            self._mark_ingested(con, [(s.key, s.rows or 0) for s in batch])
            con.execute("COMMIT")
        except (
            duckdb.InvalidInputException,
            duckdb.ConversionException,
            duckdb.ConstraintException,
            _CountMismatch,
        ):
            con.execute("ROLLBACK")
            if len(batch) > 1:  # find the bad segment: one at a time
                return sum(self._ingest_batch(con, table, [s]) for s in batch)
            return self._salvage(con, table, batch[0])
        except duckdb.Error as e:
            con.execute("ROLLBACK")
            raise WarehouseError(
                f"Could not ingest {len(batch)} spool segment(s) into {table} of {self.path}: {e}",
                hint="Hint: the segments stay in the spool and are retried next time; check disk space.",
            ) from e
        _spool.remove(batch)
        return inserted

    def _salvage(self, con: duckdb.DuckDBPyConnection, table: str, segment: _spool.Segment) -> int:
        """A segment that does not read cleanly: keep its readable lines, or set it aside."""
        import duckdb

        sql = (
            f"INSERT INTO {table} SELECT {_schema.column_list(table)} FROM read_json(?, "
            f"format='newline_delimited', columns={_schema.json_columns(table)}, ignore_errors=true) "
            "WHERE id IS NOT NULL"
        )
        con.execute("BEGIN TRANSACTION")
        try:
            row = con.execute(sql, [str(segment.path)]).fetchone()
            inserted = int(row[0]) if row else 0
            self._mark_ingested(con, [(segment.key, inserted)])
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            target = _spool.quarantine(segment)
            logger.exception(
                "Spool segment %s cannot be read; moved it to %s for inspection.", segment.key, target
            )
            return 0
        logger.warning(
            "Spool segment %s: ingested %d readable row(s) of %s; unreadable lines were skipped.",
            segment.key,
            inserted,
            segment.rows,
        )
        _spool.remove([segment])
        return inserted

    @staticmethod
    def _mark_ingested(con: duckdb.DuckDBPyConnection, segments: list[tuple[str, int]]) -> None:
        con.execute(
            "INSERT INTO spool_segments SELECT unnest(?::VARCHAR[]), unnest(?::BIGINT[]), ?",
            [[k for k, _ in segments], [n for _, n in segments], _utc_naive()],
        )

    # -- performance -----------------------------------------------------------------------------------------

    def refresh_performance(self) -> None:
        """Rebuild ``model_performance`` from ``model_usage`` (ok/error attempts), feedback and benchmarks."""
        self.flush()
        with self.connect() as con:
            queries.refresh_performance(con, _utc_naive())

    def performance(self) -> dict[tuple[str, str], PerformanceStats]:
        """(model id "provider/name", task type) -> stats, as of the last ``refresh_performance()``."""
        with self.connect(ingest=False) as con:
            rows = queries.performance_rows(con)
        return {
            (model, task): PerformanceStats(
                calls=calls,
                success_rate=success,
                avg_cost=cost,
                avg_ms=avg_ms,
                p50_ms=p50,
                p95_ms=p95,
                avg_quality=quality,
                quality_samples=samples,
            )
            for model, task, calls, success, cost, avg_ms, p50, p95, quality, samples in rows
        }

    # -- preferences and feedback ----------------------------------------------------------------------------

    def get_preferences(self, user_id: str) -> UserPreferences | None:
        with self.connect(ingest=False) as con:
            return queries.load_preferences(con, user_id)

    def set_preferences(self, prefs: UserPreferences) -> None:
        """Insert or replace a user's preferences (``created_at`` of an existing row is kept)."""
        now = _utc_naive()
        created = _utc_naive(prefs.created_at) if prefs.created_at else now
        with self.connect(ingest=False) as con:
            queries.save_preferences(con, prefs, created, now)

    def record_feedback(self, request_id: str, score: float, user_id: str | None = None) -> None:
        """An agent's rating (0 = useless .. 1 = perfect) of the reply to ``request_id``.

        The latest rating of a request replaces the quality logged with its successful attempt in
        ``refresh_performance``."""
        if not request_id:
            raise ValidationError("Feedback needs the request_id of the reply being rated; got an empty one.")
        given = cast(object, score)  # callers without type checks pass anything
        if isinstance(given, bool) or not isinstance(given, int | float) or not 0.0 <= given <= 1.0:
            raise ValidationError(
                f"Feedback score {score!r} for request {request_id!r} is not between 0 and 1.",
                hint="Hint: give 0 for useless, 1 for perfect, e.g. 0.8 (map 1-5 stars as (stars-1)/4).",
            )
        with self.connect(ingest=False) as con:
            queries.insert_feedback(con, _new_id(), request_id, float(score), user_id, _utc_naive())

    # -- summaries -------------------------------------------------------------------------------------------

    def usage_summary(self, since: date | None = None) -> UsageSummary:
        """Totals and breakdowns by model, task and user of ``model_usage`` since a day (UTC): one query."""
        rows = queries.usage_summary_rows(self, since)
        total: dict[str, Any] = next(r for r in rows if r["level"] == "total")

        def breakdown(level: str) -> list[UsageRow]:
            picked = sorted(
                (r for r in rows if r["level"] == level), key=lambda r: (-r["cost_usd"], str(r["key"]))
            )
            return [_usage_row(r) for r in picked]

        first, last = as_date(total["first_day"]), as_date(total["last_day"])
        return UsageSummary(
            period=Period(start=since or first, end=last),
            calls=int(total["calls"]),
            errors=int(total["errors"]),
            cache_hits=int(total["cache_hits"]),
            total_cost_usd=float(total["cost_usd"]),
            tokens=int(total["tokens"]),
            by_model=breakdown("model"),
            by_task=breakdown("task"),
            by_user=breakdown("user"),
        )


def _new_id() -> str:
    from core.warehouse.events import new_id

    return new_id()


def _nan_to_none(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def _usage_row(r: dict[str, Any]) -> UsageRow:
    attempts = int(r["calls"]) - int(r["cache_hits"])
    key = r["key"]
    return UsageRow(
        key=None if key is None or key != key else str(key),
        calls=int(r["calls"]),
        errors=int(r["errors"]),
        cache_hits=int(r["cache_hits"]),
        cost_usd=float(r["cost_usd"]),
        tokens=int(r["tokens"]),
        p50_ms=_nan_to_none(r["p50_ms"]),
        p95_ms=_nan_to_none(r["p95_ms"]),
        error_rate=int(r["errors"]) / attempts if attempts else 0.0,
    )
