"""A trip built for documents: three tiers with their own hotels, a flight across time zones, an optional
item, a cancelled one, an unscheduled note, secrets that must never print, and a payment schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.security import Principal
from core.travel import TravelService

TODAY = date(2027, 1, 15)  # the issue date the tests render with
HOTELS = {1: "Memmo Alfama", 2: "Avenida Palace", 3: "Four Seasons Ritz"}
SECRETS = ("SECRET-RATE-77", "P1234567", "Supplier cost note")
AGENCY = "Blue Compass Travel"
PROFILE = dict(
    name=AGENCY,
    address="12 Rua do Ouro\n1100-060 Lisboa",
    phone="+351 213 000 111",
    email="hello@bluecompass.example",
    website="bluecompass.example",
)


def set_profile(service: TravelService, p: Principal, **changes: object) -> None:
    """Give the agency a real profile (a new store's is the placeholder "My Agency", never printed)."""
    service.update_agency(p, **(PROFILE | changes))


@dataclass(frozen=True)
class DocTrip:
    trip_id: int
    client_name: str
    option_ids: dict[int, int]  # tier -> option id
    outbound_id: int  # the flight New York -> Lisbon
    itinerary_timed_ids: list[int]  # timed items of the itinerary (shared + the accepted tier's)


def build_doc_trip(
    service: TravelService,
    p: Principal,
    *,
    client_name: str = "Ana & Rui Silva",
    item_title: str = "Alfama walking tour",
    accepted_tier: int | None = 2,
    profile: bool = True,
) -> DocTrip:
    if profile:
        set_profile(service, p)
    client = service.create_client(
        p, name=client_name, email="ana.silva@example.com", address="1 Rua Augusta"
    )
    assert client.id
    ana = service.add_traveler(
        p,
        client.id,
        first_name="Ana",
        last_name="Silva",
        documents=[{"kind": "passport", "number": "P1234567", "country": "PT", "expiry": "2031-01-31"}],
    )
    assert ana.id
    trip = service.create_trip(
        p,
        name="Lisbon in May",
        client_id=client.id,
        start_date="2027-05-02",
        end_date="2027-05-09",
        destinations=["Lisbon", "Sintra"],
        party=[ana.id],
        currency="EUR",
        planning_fee_cents=25_000,
        notes="Internal: Supplier cost note",
    )
    assert trip.id
    options = {
        tier: service.add_option(
            p, trip.id, tier=tier, status="accepted" if tier == accepted_tier else "sent"
        )
        for tier in (1, 2, 3)
    }
    shared = [d.id for d in service.ensure_days(p, trip.id)]
    assert all(shared)
    items = service.add_items(
        p,
        trip.id,
        [
            dict(
                day_id=shared[0],
                kind="flight",
                title="TP 202 JFK → LIS",
                place_name="New York JFK",
                start_local="2027-05-02T08:00",
                start_tz="America/New_York",
                end_local="2027-05-02T20:00",
                end_tz="Europe/Lisbon",
                status="booked",
                confirmation_numbers=["ABC123"],
                cost_cents=110_000,
                sell_cents=120_000,
                currency="EUR",
            ),
            dict(
                day_id=shared[1],
                kind="activity",
                title=item_title,
                place_name="Alfama, Lisbon",
                start_local="2027-05-03T10:00",
                start_tz="Europe/Lisbon",
                end_local="2027-05-03T13:00",
                status="booked",
                confirmation_numbers=["ALF-22"],
                cost_cents=12_000,
                sell_cents=15_000,
                currency="EUR",
                internal_notes="Supplier cost note",
            ),
            dict(
                day_id=shared[1],
                kind="cruise",
                title="Cancelled Tagus cruise",
                start_local="2027-05-03T18:00",
                start_tz="Europe/Lisbon",
                status="cancelled",
                sell_cents=9_000,
                currency="EUR",
            ),
            dict(
                day_id=shared[2],
                kind="activity",
                title="Sunset at Miradouro da Senhora do Monte",
                start_local="2027-05-04T19:00",
                start_tz="Europe/Lisbon",
                end_local="2027-05-04T20:30",
                status="optional",
                client_notes="Free: our local pick.",
                currency="EUR",
            ),
            dict(
                day_id=shared[7],
                kind="flight",
                title="TP 201 LIS → JFK",
                place_name="Lisbon LIS",
                start_local="2027-05-09T11:00",
                start_tz="Europe/Lisbon",
                end_local="2027-05-09T13:30",
                end_tz="America/New_York",
                status="booked",
                confirmation_numbers=["DEF456"],
                currency="EUR",
            ),
            dict(kind="note", title="Ideas: LX Factory", client_notes="If time allows.", currency="EUR"),
        ],
    )
    timed = [i.id for i in items if i.start_local and i.status != "cancelled"]
    for tier, option in options.items():
        assert option.id
        days = service.ensure_days(p, trip.id, option_id=option.id)
        [hotel] = service.add_items(
            p,
            trip.id,
            [
                dict(
                    day_id=days[0].id,
                    kind="hotel",
                    title=f"{HOTELS[tier]}, 7 nights",
                    place_name=f"{HOTELS[tier]}, Lisbon",
                    start_local="2027-05-02T21:30",
                    start_tz="Europe/Lisbon",
                    end_local="2027-05-09T10:00",
                    status="booked" if tier == accepted_tier else "proposed",
                    confirmation_numbers=["H-778899"] if tier == accepted_tier else [],
                    cost_cents=100_000 * tier,
                    sell_cents=150_000 * tier,
                    currency="EUR",
                    internal_notes="Rate code SECRET-RATE-77",
                )
            ],
        )
        if tier == accepted_tier:
            timed.append(hotel.id)
    total = service.trip_totals(p, trip.id).client_total_cents
    service.add_payment(
        p,
        trip.id,
        due_date="2027-01-10",
        amount_cents=100_000,
        description="Deposit",
        paid=True,
        paid_on="2027-01-10",
    )
    service.add_payment(
        p, trip.id, due_date="2027-03-20", amount_cents=total - 100_000, description="Balance"
    )
    outbound = items[0].id
    assert outbound
    return DocTrip(
        trip_id=trip.id,
        client_name=client_name,
        option_ids={tier: o.id for tier, o in options.items() if o.id},
        outbound_id=outbound,
        itinerary_timed_ids=[i for i in timed if i],
    )
