"""Shared by the travel tests (a module, not conftest: tests import it by a name no other folder uses)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ANCHOR = date(2026, 11, 26)  # "today" for every test that depends on it


@dataclass(frozen=True)
class CleanTrip:
    client_id: int
    traveler_ids: list[int]
    trip_id: int
    day_ids: list[int]  # day 1 .. day 8 (2027-05-02 .. 2027-05-09)
    outbound: int
    hotel: int
    sintra: int
    fado: int
    inbound: int
    walk: int  # optional: not in totals
    boat: int  # cancelled: not in totals
    idea: int  # a note, unscheduled
    deposit: int
    balance: int
