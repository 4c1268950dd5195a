"""Import from the original system: a Cloudflare D1 export (a SQLite SQL dump) into the travel domain.

::

    from core.security import Principal
    from core.travel.d1 import import_d1

    report = import_d1(service, Principal.default_admin(), Path("dump.sql"))
    print(report.render())            # counts per table, then every row that was merged, fixed or skipped

The dump runs into an in-memory SQLite database (stdlib ``sqlite3``; ATTACH and ``VACUUM INTO`` are refused,
so a dump cannot write files), then each original row becomes our records through ``TravelService`` calls, so
every rule of the domain (validation, encryption of document numbers, search index, activity log) applies.
Every rule of the import (tables, idempotence, duplicates, names, dates, money, times, secrets) is in
docs/d1-import.md.

The parts: ``_report`` (the report models), ``_dump`` (loading the dump in its sandbox), ``values`` (reading
dates, times, money and names; public, so tests use it), ``_fixes`` (validation with safe fixes), ``_drafts``
and ``_mappers`` (what a row becomes), ``_people`` and ``_party`` (households, merges, who travels),
``_trip_reader``, ``_trips`` and ``_trip_writer`` (trips of both schemas), ``_run`` and ``_importer`` (the
shared state and the small importer that runs the parts).
"""

from core.travel.d1._importer import import_d1
from core.travel.d1._report import D1DumpError, ImportReport, RowIssue, TableCounts

__all__ = ["D1DumpError", "ImportReport", "RowIssue", "TableCounts", "import_d1"]
