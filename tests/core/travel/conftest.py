"""Travel fixtures: a real SQLite store in tmp_path, the admin, a viewer, and a trip that checks clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from travel_helpers import CleanTrip

from core.security import FieldCipher, Principal
from core.travel import TravelService, TravelStore


@pytest.fixture
def cipher(tmp_path: Path) -> FieldCipher:
    return FieldCipher.load(tmp_path, environ={})


@pytest.fixture
def service(tmp_path: Path, cipher: FieldCipher) -> Iterator[TravelService]:
    svc = TravelService(TravelStore(tmp_path / "travel.db"), cipher)
    yield svc
    svc.close()


@pytest.fixture
def admin() -> Principal:
    return Principal.default_admin()


@pytest.fixture
def viewer(service: TravelService, admin: Principal) -> Principal:
    return service.create_user(
        admin, display_name="Vera Viewer", email="vera@agency.example", role="viewer"
    ).principal()


@pytest.fixture
def clean_trip(service: TravelService, admin: Principal) -> CleanTrip:
    """Lisbon, 2–9 May 2027, EUR, two travelers with valid passports: check_trip finds nothing on it.

    Money (cents): cost 365000, sell 404000, planning fee 25000; hotel commission 10% expected (23000), fado
    commission 15% received (2700); deposit 100000 paid, balance 329000 due 2027-03-20.
    """
    client = service.create_client(
        admin, name="Ana & Rui Silva", email="ana.silva@example.com", phone="+351 912 345 678"
    )
    assert client.id
    ana = service.add_traveler(
        admin,
        client.id,
        first_name="Ana",
        last_name="Silva",
        date_of_birth="1984-03-12",
        documents=[{"kind": "passport", "number": "P1234567", "country": "PT", "expiry": "2031-01-31"}],
    )
    rui = service.add_traveler(
        admin,
        client.id,
        first_name="Rui",
        last_name="Silva",
        date_of_birth="1982-07-30",
        documents=[{"kind": "passport", "number": "P7654321", "country": "PT", "expiry": "2030-06-30"}],
    )
    assert ana.id and rui.id
    trip = service.create_trip(
        admin,
        name="Lisbon in May",
        client_id=client.id,
        start_date="2027-05-02",
        end_date="2027-05-09",
        destinations=["Lisbon", "Sintra"],
        party=[ana.id, rui.id],
        currency="EUR",
        planning_fee_cents=25_000,
        budget_cents=600_000,
        notes="Anniversary trip",
    )
    assert trip.id
    days = service.ensure_days(admin, trip.id)
    d = [x.id for x in days]
    assert all(d)
    items = service.add_items(
        admin,
        trip.id,
        [
            dict(
                day_id=d[0],
                kind="flight",
                title="TP 202 JFK → LIS",
                place_name="New York JFK",
                start_local="2027-05-02T08:00",
                start_tz="America/New_York",
                end_local="2027-05-02T20:00",
                end_tz="Europe/Lisbon",
                status="booked",
                confirmation_numbers=["ABC123"],
                cost_cents=120_000,
                sell_cents=120_000,
            ),
            dict(
                day_id=d[0],
                kind="hotel",
                title="Avenida Palace",
                place_name="Avenida Palace, Lisbon",
                start_local="2027-05-02T21:00",
                start_tz="Europe/Lisbon",
                end_local="2027-05-09T11:00",
                status="booked",
                confirmation_numbers=["H-778899"],
                cost_cents=200_000,
                sell_cents=230_000,
                commission_rate=0.1,
                deposit_due="2027-03-01",
                final_payment_due="2027-04-01",
            ),
            dict(
                day_id=d[1],
                kind="activity",
                title="Sintra day trip",
                place_name="Sintra",
                start_local="2027-05-03T09:00",
                start_tz="Europe/Lisbon",
                end_local="2027-05-03T17:00",
                cost_cents=30_000,
                sell_cents=36_000,
                internal_notes="Guide: Marta, speaks German",
            ),
            dict(
                day_id=d[2],
                kind="activity",
                title="Fado dinner",
                place_name="Alfama, Lisbon",
                start_local="2027-05-04T20:00",
                start_tz="Europe/Lisbon",
                end_local="2027-05-04T23:00",
                status="booked",
                confirmation_numbers=["FADO42"],
                cost_cents=15_000,
                sell_cents=18_000,
                commission_rate=0.15,
                commission_status="received",
            ),
            dict(
                day_id=d[7],
                kind="flight",
                title="TP 201 LIS → JFK",
                place_name="Lisbon LIS",
                start_local="2027-05-09T13:00",
                start_tz="Europe/Lisbon",
                end_local="2027-05-09T16:00",
                end_tz="America/New_York",
                status="booked",
                confirmation_numbers=["ABC123"],
            ),
            dict(
                day_id=d[3],
                kind="activity",
                title="Miradouro sunset walk",
                place_name="Graça, Lisbon",
                start_local="2027-05-05T18:00",
                start_tz="Europe/Lisbon",
                end_local="2027-05-05T20:00",
                status="optional",
                sell_cents=5_000,
            ),
            dict(
                day_id=d[4],
                kind="activity",
                title="Boat trip",
                place_name="Belém, Lisbon",
                start_local="2027-05-06T10:00",
                start_tz="Europe/Lisbon",
                end_local="2027-05-06T12:00",
                status="cancelled",
                cost_cents=9_000,
                sell_cents=9_900,
            ),
            dict(kind="note", title="Ideas: LX Factory on Sunday"),
        ],
    )
    deposit = service.add_payment(
        admin,
        trip.id,
        due_date="2027-01-10",
        amount_cents=100_000,
        description="Deposit",
        paid=True,
        paid_on="2027-01-08",
    )
    balance = service.add_payment(
        admin, trip.id, due_date="2027-03-20", amount_cents=329_000, description="Balance"
    )
    ids = [i.id for i in items]
    assert all(ids) and deposit.id and balance.id
    return CleanTrip(
        client.id,
        [ana.id, rui.id],
        trip.id,
        [x for x in d if x],
        *[i for i in ids if i],
        deposit.id,
        balance.id,
    )
