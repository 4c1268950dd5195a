"""The report of one import: counts per original table and one ``RowIssue`` per notable row."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.errors import ValidationError

__all__ = ["Action", "D1DumpError", "ImportReport", "Outcome", "RowIssue", "TableCounts"]

Action = Literal["imported", "merged", "skipped", "fixed"]
Outcome = Literal["imported", "merged", "unchanged", "skipped"]


class D1DumpError(ValidationError):
    """The file is not a SQL dump SQLite can run, or has none of the original system's tables."""


# ------------------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------------------


class RowIssue(BaseModel):
    """What happened to one original row, when it is worth a look: ``merged`` into an existing record,
    ``fixed`` (imported with something dropped or changed), ``skipped`` (not imported), or ``imported`` with a
    warning."""

    model_config = ConfigDict(frozen=True)

    table: str
    row_key: str
    action: Action
    reason: str


class TableCounts(BaseModel):
    """Rows of one original table. ``read == imported + merged + unchanged + skipped``; ``fixed`` counts the
    imported or merged rows that needed a fix."""

    table: str
    read: int = 0
    imported: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: int = 0
    fixed: int = 0


class ImportReport(BaseModel):
    """The result of ``import_d1``: counts per table, records created, and one ``RowIssue`` per notable row."""

    source: str
    layout: Literal["v2", "old", "v2+old"]
    today: date
    tables: list[TableCounts]
    created: dict[str, int]
    ignored_tables: list[str]
    issues: list[RowIssue]

    def counts(self, table: str) -> TableCounts:
        """The counts of ``table`` (any case); zeros for a table the dump does not have."""
        for t in self.tables:
            if t.table.lower() == table.lower():
                return t
        return TableCounts(table=table)

    def issues_for(
        self, table: str, row_key: str | None = None, action: Action | None = None
    ) -> list[RowIssue]:
        return [
            i
            for i in self.issues
            if i.table.lower() == table.lower()
            and (row_key is None or i.row_key == row_key)
            and (action is None or i.action == action)
        ]

    def total(self, outcome: Literal["read", "imported", "merged", "unchanged", "skipped", "fixed"]) -> int:
        return sum(getattr(t, outcome) for t in self.tables)

    @property
    def changed(self) -> bool:
        """True when the import wrote anything."""
        return any(self.created.values()) or self.total("imported") + self.total("merged") > 0

    def render(self, *, keys_per_reason: int = 4) -> str:
        """Counts per table, what was created, then the issues grouped by table, action and reason."""
        lines = [f"Import of {self.source} (original schema: {self.layout})", ""]
        header = ("table", "read", "imported", "merged", "unchanged", "skipped", "fixed")
        width = max([len(header[0]), *(len(t.table) for t in self.tables)])
        lines.append(f"{header[0]:<{width}}" + "".join(f"{h:>11}" for h in header[1:]))
        for t in [*self.tables, self._total_row()]:
            numbers = (t.read, t.imported, t.merged, t.unchanged, t.skipped, t.fixed)
            lines.append(f"{t.table:<{width}}" + "".join(f"{n:>11}" for n in numbers))
        made = ", ".join(f"{n} {what}" for what, n in self.created.items() if n)
        lines += ["", f"Created: {made or 'nothing (everything was already imported or skipped)'}."]
        if self.ignored_tables:
            lines.append(f"Ignored tables: {', '.join(self.ignored_tables)}.")
        titles = {"skipped": "Skipped", "merged": "Merged", "fixed": "Fixed", "imported": "Imported, look"}
        for action, title in titles.items():
            order = {t.table: n for n, t in enumerate(self.tables)}
            groups: dict[tuple[str, str], list[str]] = defaultdict(list)
            for i in sorted(self.issues, key=lambda i: order.get(i.table, len(order))):
                if i.action == action:
                    groups[i.table, i.reason].append(i.row_key)
            if not groups:
                continue
            count = sum(len(keys) for keys in groups.values())
            lines += ["", f"{title} ({count}):"]
            for (table, reason), keys in groups.items():
                shown = ", ".join(f"#{k}" for k in keys[:keys_per_reason])
                more = f" (+{len(keys) - keys_per_reason} more)" if len(keys) > keys_per_reason else ""
                lines.append(f"  {table} {shown}{more}: {reason}")
        return "\n".join(lines)

    def _total_row(self) -> TableCounts:
        return TableCounts(
            table="total",
            read=self.total("read"),
            imported=self.total("imported"),
            merged=self.total("merged"),
            unchanged=self.total("unchanged"),
            skipped=self.total("skipped"),
            fixed=self.total("fixed"),
        )
