"""The importer: ``import_d1`` loads the dump and runs its parts in order (people, then trips of the newer and
the older schema, then the history it holds back)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core.security import Principal
from core.travel.d1._drafts import Row
from core.travel.d1._dump import NEW_TABLES, OLD_TABLES, Dump, load_dump
from core.travel.d1._party import Party
from core.travel.d1._people import People
from core.travel.d1._report import D1DumpError, ImportReport
from core.travel.d1._run import ImportRun
from core.travel.d1._trip_reader import TripReader
from core.travel.d1._trip_writer import TripWriter
from core.travel.d1._trips import TripsOld, TripsV2
from core.travel.d1.values import clean_text, pick

if TYPE_CHECKING:
    from core.travel._services import TravelService

__all__ = ["HELD", "import_d1"]

HELD = "held back: the travel service cannot append past activity yet; nothing of it was imported"


def import_d1(
    service: TravelService, principal: Principal, dump_path: Path | str, *, today: date | None = None
) -> ImportReport:
    """Import a Cloudflare D1 export of the original system (every rule is in docs/d1-import.md).

    Raises ``D1DumpError`` (a ``core.errors.ValidationError``) when the file is not a dump SQLite can run or
    has none of the original tables; row problems never raise, they are in the report. ``today`` decides
    what "active" means and dates payments whose date is unknown (default: the local date).
    """
    principal.require_write("import data")
    path = Path(dump_path)
    conn = load_dump(path)
    try:
        dump = Dump(conn)
        has_new = any(dump.has(t) for t in NEW_TABLES)
        has_old = any(dump.has(t) for t in OLD_TABLES)
        if not (has_new or has_old):
            found = ", ".join(sorted(dump.names.values())) or "no tables at all"
            raise D1DumpError(
                f"{path} has none of the original system's tables (clients_v2, trips_v2, ActivityLog, "
                f"trip_client_assignments, or the older Clients, Trips, ...). It has: {found}.",
                hint="Fix: check that this is the export of the original TravelOps D1 database.",
            )
        run = ImportRun(service, principal, dump, today or date.today())
        _Importer(run).run_all()
        layout: Literal["v2", "old", "v2+old"] = (
            "v2+old" if has_new and has_old else "v2" if has_new else "old"
        )
        return ImportReport(
            source=str(path),
            layout=layout,
            today=run.today,
            tables=list(run.counts.values()),
            created=run.created,
            ignored_tables=dump.ignored(),
            issues=run.issues,
        )
    finally:
        conn.close()


class _Importer:
    """Runs the parts of one import over its ``ImportRun``, in the order their rows depend on each other."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.people = People(run)
        writer = TripWriter(run, Party(run, self.people))
        reader = TripReader(run)
        self.trips_v2 = TripsV2(run, reader, writer)
        self.trips_old = TripsOld(run, reader, writer)

    def run_all(self) -> None:
        run, dump = self.run, self.run.dump
        for key in (*NEW_TABLES, *OLD_TABLES):
            if dump.has(key):
                run.table(key)  # every table the dump has is listed, in a stable order
        self.people.people_v2()
        self.people.people_old()
        self.trips_v2.import_trips()
        self.trips_old.import_trips()
        for key in ("activitylog", "bookinghistory"):
            table = dump.name(key)
            for n, row in enumerate(dump.rows(key), start=1):
                row_key = clean_text(pick(row, "activity_id", "booking_id", "history_id", "id")) or f"row {n}"
                run.record(Row(table, row_key), "skipped", HELD)
