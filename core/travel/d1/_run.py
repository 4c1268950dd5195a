"""One import run: what every part of the importer shares (the service, the principal, the dump, the import
day) and what it keeps while it runs (counts, issues, records created, people and trips seen so far)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.security import Principal
from core.travel.d1._drafts import Row
from core.travel.d1._dump import Dump
from core.travel.d1._report import Outcome, RowIssue, TableCounts

if TYPE_CHECKING:
    from core.travel._services import TravelService

__all__ = ["ImportRun", "Part"]


class ImportRun:
    """The shared state of one ``import_d1`` call; ``record`` turns each row's outcome into counts and issues."""

    def __init__(self, service: TravelService, principal: Principal, dump: Dump, today: date) -> None:
        self.svc = service
        self.p = principal
        self.dump = dump
        self.today = today
        self.counts: dict[str, TableCounts] = {}
        self.issues: list[RowIssue] = []
        self.created: dict[str, int] = dict.fromkeys(
            ("clients", "travelers", "trips", "days", "items", "payments"), 0
        )
        self.default_currency = service.get_agency(principal).default_currency
        self.users = {
            u.email.lower(): u.id for u in service.list_users(principal) if u.email and u.id is not None
        }
        # original person -> (client id, traveler id or None), filled as people are imported
        self.people: dict[tuple[str, str], tuple[int, int | None]] = {}
        self.by_email: dict[str, tuple[int, int | None]] = {}
        self.groups_created: set[str] = set()  # ClientGroups households created by this run
        self.v2_trips: dict[tuple[str, date | None], tuple[int, Outcome]] = {}

    def table(self, key: str) -> str:
        """The dump's name of table ``key``, listed in the counts from now on."""
        name = self.dump.name(key)
        self.counts.setdefault(name, TableCounts(table=name))
        return name

    def record(self, row: Row, outcome: Outcome, reason: str = "") -> None:
        counts = self.counts.setdefault(row.table, TableCounts(table=row.table))
        counts.read += 1
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        if outcome == "skipped":
            self.issues.append(RowIssue(table=row.table, row_key=row.key, action="skipped", reason=reason))
            return
        if outcome == "unchanged":
            return
        if outcome == "merged":
            self.issues.append(RowIssue(table=row.table, row_key=row.key, action="merged", reason=reason))
        if row.fixes:
            counts.fixed += 1
        for fix in row.fixes:
            self.issues.append(RowIssue(table=row.table, row_key=row.key, action="fixed", reason=fix))
        for warning in row.warnings:
            self.issues.append(RowIssue(table=row.table, row_key=row.key, action="imported", reason=warning))


class Part:
    """A part of the importer: reads and writes through its run (``self.svc``, ``self.p``, ``self.record``)."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.svc = run.svc
        self.p = run.p
        self.dump = run.dump
        self.today = run.today

    def record(self, row: Row, outcome: Outcome, reason: str = "") -> None:
        self.run.record(row, outcome, reason)
