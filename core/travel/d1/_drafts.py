"""Drafts: what one original row becomes, before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["ItemDraft", "PartyRef", "Person", "Row", "TripDraft"]


@dataclass
class Row:
    """One original row's outcome and its notes for the report."""

    table: str
    key: str
    fixes: list[str] = field(default_factory=list[str])
    warnings: list[str] = field(default_factory=list[str])


@dataclass
class Person(Row):
    external_id: str = ""
    client_name: str | None = None
    first: str | None = None
    last: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    date_of_birth: date | None = None
    documents: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    preferences: dict[str, Any] = field(default_factory=dict[str, Any])
    loyalty: list[dict[str, str]] = field(default_factory=list[dict[str, str]])
    client_notes: list[str] = field(default_factory=list[str])
    traveler_notes: list[str] = field(default_factory=list[str])
    group: tuple[str, str, str] | None = None  # (external id, household name, group table key)
    skip: str | None = None


@dataclass
class PartyRef:
    """Someone a trip names: by original client id, by email, or only by name."""

    row: Row
    client_key: tuple[str, str] | None = None  # (table, original id)
    email: str | None = None
    name: str | None = None
    role: str | None = None
    notes: str | None = None


@dataclass
class ItemDraft:
    on: date | None  # the day it sits on; None = unscheduled
    fields: dict[str, Any]
    order: int = 0


@dataclass
class TripDraft(Row):
    external_id: str = ""
    fields: dict[str, Any] = field(default_factory=dict[str, Any])
    days: dict[date, tuple[str, list[str]]] = field(default_factory=dict[date, tuple[str, list[str]]])
    items: list[ItemDraft] = field(default_factory=list[ItemDraft])
    payments: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    party: list[PartyRef] = field(default_factory=list[PartyRef])
    notes: list[str] = field(default_factory=list[str])
    children: list[Row] = field(default_factory=list[Row])  # rows of other tables folded into this trip
    zone: str | None = None

    def start(self) -> date | None:
        value = self.fields.get("start_date")
        return value if isinstance(value, date) else None

    def end(self) -> date | None:
        value = self.fields.get("end_date")
        return value if isinstance(value, date) else None
