"""A small, realistic agency built through the services: shared by the tests and the demo seed.

``build_sample_agency(service, principal, clients=5, seed=1, anchor=date(2026, 11, 26))`` creates households
with travelers and passports, suppliers, and about 1.5 trips per client across every status, each with days,
timed items (flights, transfers, hotel, activities) in the right time zones, money, three proposal tiers that
really differ (Essential, Signature, Ultimate: each its own hotel at its own price, Ultimate a private tour
too; a booked trip has Signature accepted and the others archived), a deposit and final payment and
(optionally) workflow progress. The same ``seed`` and ``anchor`` give the same agency;
``anchor`` (default: today) is the "now" the trips are placed around, so a demo seeded today has upcoming
trips.

With ``issues=True`` (the default) about one trip in seven gets a realistic problem for the checks to find (a
booked activity without its confirmation number, a passport that expires too soon); ``issues=False`` builds
trips on which ``check_trip`` finds nothing.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.security import Principal
from core.travel._models import Client, Supplier, Traveler, Trip, User
from core.travel._sample_data import (
    AGENT_NAMES as _AGENT_NAMES,
)
from core.travel._sample_data import (
    AIRLINES as _AIRLINES,
)
from core.travel._sample_data import (
    DESTINATIONS,
    Destination,
)
from core.travel._sample_data import (
    FIRST as _FIRST,
)
from core.travel._sample_data import (
    HOMES as _HOMES,
)
from core.travel._sample_data import (
    INTERESTS as _INTERESTS,
)
from core.travel._sample_data import (
    LAST as _LAST,
)
from core.travel._sample_data import (
    LEADS as _LEADS,
)
from core.travel._sample_data import (
    MEALS as _MEALS,
)
from core.travel._sample_data import (
    STATUS_CYCLE as _STATUS_CYCLE,
)
from core.travel._sample_data import (
    THEMES as _THEMES,
)
from core.travel._services import TravelService
from core.travel.workflow import STEPS, Workflow

__all__ = ["DESTINATIONS", "SampleAgency", "build_sample_agency"]


_TIER_RATES = {1: 1.0, 2: 1.6, 3: 2.4}  # nightly rate of each tier's hotel, times the trip's base rate
_TIER_ROOMS = {1: "Classic double", 2: "Deluxe room", 3: "Suite"}
_CHOSEN_TIER = 2  # booked trips: the client chose Signature


@dataclass
class SampleAgency:
    agents: list[User] = field(default_factory=list[User])
    suppliers: list[Supplier] = field(default_factory=list[Supplier])
    clients: list[Client] = field(default_factory=list[Client])
    travelers: list[Traveler] = field(default_factory=list[Traveler])
    trips: list[Trip] = field(default_factory=list[Trip])


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def _code(rng: random.Random, n: int = 6) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(n))


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at)


def _arrival(depart: datetime, from_tz: str, to_tz: str, hours: float) -> datetime:
    utc = depart.replace(tzinfo=ZoneInfo(from_tz)) + timedelta(hours=hours)
    return utc.astimezone(ZoneInfo(to_tz)).replace(tzinfo=None, second=0, microsecond=0)


def build_sample_agency(
    service: TravelService,
    principal: Principal,
    *,
    clients: int = 5,
    seed: int = 1,
    agents: int = 0,
    trips_per_client: float = 1.5,
    anchor: date | None = None,
    issues: bool = True,
    workflow: bool = True,
) -> SampleAgency:
    """Create the sample agency in ``service`` as ``principal`` and return what was created."""
    rng = random.Random(seed)
    today = anchor or date.today()
    out = SampleAgency()

    existing = {u.email: u for u in service.list_users(principal)}
    for first, last in _AGENT_NAMES[:agents]:
        email = f"{_ascii(first)}.{_ascii(last)}@agency.example"
        out.agents.append(
            existing.get(email)
            or service.create_user(principal, display_name=f"{first} {last}", email=email, role="agent")
        )
    owners = [a.id for a in out.agents if a.id is not None] or [principal.user_id]

    airlines = [
        service.create_supplier(
            principal, name=name, kind="airline", website=f"https://www.{_ascii(name)}.example"
        )
        for name, _ in _AIRLINES
    ]
    transfers = service.create_supplier(
        principal, name="Private Transfers Co.", kind="transfer", commission_rate=0.1
    )
    guides = service.create_supplier(
        principal, name="Local Experiences Ltd", kind="activity", commission_rate=0.15
    )
    out.suppliers.extend([*airlines, transfers, guides])
    hotel_suppliers: dict[str, Supplier] = {}

    for n in range(clients):
        client, travelers = _client(service, principal, rng, n, today, issues=issues)
        out.clients.append(client)
        out.travelers.extend(travelers)

    trip_count = max(1, round(clients * trips_per_client)) if clients else 0
    wf = Workflow(service)
    for n in range(trip_count):
        client = out.clients[n % len(out.clients)]
        party = [t for t in out.travelers if t.client_id == client.id]
        destination = DESTINATIONS[rng.randrange(len(DESTINATIONS))]
        first = rng.randrange(len(destination.hotels))  # one hotel per tier, from this one on
        hotels: list[Supplier] = []
        for k in range(len(destination.hotels)):
            hotel_name = destination.hotels[(first + k) % len(destination.hotels)]
            if hotel_name not in hotel_suppliers:
                hotel_suppliers[hotel_name] = service.create_supplier(
                    principal,
                    name=hotel_name,
                    kind="hotel",
                    commission_rate=0.1,
                    email=f"res@{_ascii(hotel_name)}.example",
                )
                out.suppliers.append(hotel_suppliers[hotel_name])
            hotels.append(hotel_suppliers[hotel_name])
        trip = _trip(
            service,
            principal,
            rng,
            n,
            client,
            party,
            destination,
            hotels,
            airlines,
            transfers,
            guides,
            owner=owners[n % len(owners)],
            today=today,
            issues=issues,
        )
        out.trips.append(trip)
        if workflow and trip.id is not None:
            _progress(wf, principal, trip, rng, today)
    return out


def _client(
    service: TravelService, p: Principal, rng: random.Random, n: int, today: date, *, issues: bool
) -> tuple[Client, list[Traveler]]:
    last = _LAST[(n * 7 + rng.randrange(3)) % len(_LAST)]
    firsts = rng.sample(_FIRST, 4)
    size = rng.choice((1, 2, 2, 2, 3, 4))
    home = _HOMES[n % len(_HOMES)]
    household = (
        f"The {last} Family"
        if size > 2
        else (f"{firsts[0]} {last}" if size == 1 else f"{firsts[0]} & {firsts[1]} {last}")
    )
    email = f"{_ascii(firsts[0])}.{_ascii(last)}{n}@example.com"
    phone = f"{home[3]} 555 {rng.randrange(1000, 9999)}"
    client = service.create_client(
        p,
        name=household,
        email=email,
        phone=phone,
        address=f"{rng.randrange(10, 999)} {rng.choice(('Oak', 'Maple', 'Harbor', 'Elm', 'King'))} St, "
        f"{home[0]}",
        notes=rng.choice(
            (
                "Prefers boutique hotels and late starts.",
                "Celebrates a wedding anniversary in spring.",
                "Loves food markets; avoid early flights.",
                "Travels with a stroller; needs step-free rooms.",
                "",
            )
        ),
        tags=rng.sample(("vip", "repeat", "honeymoon", "family", "foodie", "luxury"), 2),
    )
    assert client.id is not None
    travelers: list[Traveler] = []
    for i in range(size):
        adult = i < 2
        born = date(
            rng.randrange(1955, 1996) if adult else rng.randrange(2010, 2019),
            rng.randrange(1, 13),
            rng.randrange(1, 29),
        )
        expiry = today + timedelta(days=rng.randrange(2 * 365, 9 * 365))
        if issues and (n * 4 + i) % 11 == 5:
            expiry = today + timedelta(
                days=rng.randrange(120, 240)
            )  # expires within six months of most returns
        country = "CA" if home[0] == "Toronto" else "US"
        travelers.append(
            service.add_traveler(
                p,
                client.id,
                first_name=firsts[i],
                last_name=last,
                date_of_birth=born,
                email=f"{_ascii(firsts[i])}.{_ascii(last)}{n}.{i}@example.com" if adult else None,
                phone=phone if i == 0 else None,
                preferences={
                    "seat": rng.choice(("aisle", "window", "any")),
                    "meal": rng.choice(_MEALS),
                    "hotel_tier": rng.choice(("midrange", "upscale", "luxury")),
                    "interests": rng.sample(_INTERESTS, 3),
                },
                loyalty_programs=[{"program": "TAP Miles&Go", "number": f"TP{rng.randrange(10**8, 10**9)}"}]
                if adult and rng.random() < 0.5
                else [],
                documents=[
                    {
                        "kind": "passport",
                        "number": f"{rng.choice('ACEGKLMPRX')}{rng.randrange(10**7, 10**8)}",
                        "country": country,
                        "expiry": expiry,
                    }
                ],
            )
        )
    return client, travelers


def _trip(
    service: TravelService,
    p: Principal,
    rng: random.Random,
    n: int,
    client: Client,
    party: list[Traveler],
    dest: Destination,
    hotels: list[Supplier],
    airlines: list[Supplier],
    transfers: Supplier,
    guides: Supplier,
    *,
    owner: int,
    today: date,
    issues: bool,
) -> Trip:
    assert client.id is not None and transfers.id is not None and guides.id is not None
    status = _STATUS_CYCLE[n % len(_STATUS_CYCLE)]
    nights = rng.randrange(4, 10)
    if status == "completed":
        start = today - timedelta(days=rng.randrange(30, 300))
    elif status == "in_progress":
        start = today - timedelta(days=rng.randrange(1, nights))
    else:
        start = today + timedelta(days=rng.randrange(40, 320))
    end = start + timedelta(days=nights)
    currency = "EUR" if n % 5 == 4 else "USD"
    home = next(h for h in _HOMES if client.address and client.address.endswith(h[0]))
    theme = _THEMES[n % len(_THEMES)]
    trip = service.create_trip(
        p,
        name=f"{theme} {dest.city}" + (f" ({start.year})" if n >= len(_THEMES) * 2 else ""),
        client_id=client.id,
        agent_id=owner,
        status=status,
        start_date=start,
        end_date=end,
        destinations=[dest.city, dest.nearby],
        party=[t.id for t in party if t.id is not None],
        budget_cents=rng.randrange(6, 30) * 100_000,
        currency=currency,
        lead_source=rng.choice(_LEADS),
        planning_fee_cents=rng.choice((0, 25_000, 35_000, 50_000)),
        notes=rng.choice(("", "Surprise element for the anniversary dinner.", "Needs connecting rooms.", "")),
    )
    assert trip.id is not None
    options = (
        [service.add_option(p, trip.id, tier=tier, status="sent") for tier in (1, 2, 3)]
        if status != "cancelled"
        else []
    )
    days = service.ensure_days(p, trip.id)
    day_of = {d.date: d.id for d in days}
    booked = booked_status(status)
    item_status = "booked" if booked else "proposed"
    airline = airlines[n % len(airlines)]
    code = _AIRLINES[n % len(_AIRLINES)][1]
    people = len(party)

    def conf() -> list[str]:
        return [_code(rng)] if booked else []

    items: list[dict[str, Any]] = []
    depart = _local(start, time(rng.choice((8, 9, 10)), 0))
    arrive = _arrival(depart, home[1], dest.tz, dest.flight_hours)
    fare = rng.randrange(600, 1500) * 100 * people
    items.append(
        dict(
            day_id=day_of[start],
            kind="flight",
            title=f"{code} {rng.randrange(100, 999)} {home[2]} → {dest.airport}",
            place_name=f"{home[0]} {home[2]}",
            start_local=depart,
            start_tz=home[1],
            end_local=arrive,
            end_tz=dest.tz,
            supplier_id=airline.id,
            confirmation_numbers=conf(),
            status=item_status,
            cost_cents=fare,
            sell_cents=fare,
        )
    )
    transfer_start = arrive + timedelta(minutes=45)
    items.append(
        dict(
            day_id=day_of.get(transfer_start.date(), day_of[start]),
            kind="transfer",
            title=f"Private transfer {dest.airport} → your hotel",
            place_name=f"{dest.airport}, {dest.city}",
            start_local=transfer_start,
            start_tz=dest.tz,
            end_local=transfer_start + timedelta(hours=1),
            supplier_id=transfers.id,
            confirmation_numbers=conf(),
            status=item_status,
            cost_cents=9_000,
            sell_cents=12_000,
            commission_rate=0.1,
        )
    )
    check_in = max(transfer_start.date(), start)
    rate = rng.randrange(180, 650) * 100
    stay_nights = (end - check_in).days
    hotel_conf = conf()  # drawn in the order the one shared hotel drew them, so the rest of the sample stays
    hotel_notes = ("Breakfast included." if rng.random() < 0.6 else "", f"Rate code {_code(rng, 4)}")

    def stay(hotel: Supplier, tier: int, day_id: int | None, chosen: bool) -> dict[str, Any]:
        nightly = round(rate * _TIER_RATES[tier])
        return dict(
            day_id=day_id,
            kind="hotel",
            title=f"{hotel.name}, {stay_nights} nights",
            place_name=f"{hotel.name}, {dest.city}",
            start_local=_local(check_in, time(15, 0)),
            start_tz=dest.tz,
            end_local=_local(end, time(11, 0)),
            supplier_id=hotel.id,
            confirmation_numbers=hotel_conf if chosen else [],
            status=item_status if chosen else "proposed",
            cost_cents=nightly * stay_nights,
            sell_cents=nightly * stay_nights,
            commission_rate=0.1,
            commission_status=("received" if status == "completed" and chosen else "expected"),
            deposit_due=start - timedelta(days=60),
            final_payment_due=start - timedelta(days=30),
            client_notes=hotel_notes[0],
            internal_notes=hotel_notes[1],
            details={"room": _TIER_ROOMS[tier], "board": "breakfast" if hotel_notes[0] else "room only"},
        )

    if not options:  # a cancelled trip kept its one plan
        items.append(stay(hotels[0], 2, day_of[check_in], True))
    for option, hotel in zip(options, hotels, strict=False):  # each tier its own hotel (none if cancelled)
        assert option.id is not None
        title = next(d.title for d in days if d.date == check_in)
        day = service.add_day(p, trip.id, option_id=option.id, date=check_in, title=title)
        items.append(stay(hotel, option.tier, day.id, chosen=booked and option.tier == _CHOSEN_TIER))
    if options:  # the top tier adds a private tour the day after check-in
        tour_day = check_in + timedelta(days=1)
        title = next(d.title for d in days if d.date == tour_day)
        day = service.add_day(p, trip.id, option_id=options[-1].id, date=tour_day, title=title)
        tour_price = (rate // 2 + 20_000) * max(1, people)  # no draw: the rest of the sample stays
        items.append(
            dict(
                day_id=day.id,
                kind="activity",
                title=f"Private guided day: {dest.nearby}",
                place_name=f"{dest.nearby}, {dest.city}",
                start_local=_local(tour_day, time(14, 0)),
                start_tz=dest.tz,
                end_local=_local(tour_day, time(16, 30)),
                supplier_id=guides.id,
                status="proposed",
                cost_cents=tour_price,
                sell_cents=round(tour_price * 1.25),
                commission_rate=0.15,
                commission_status="expected",
                client_notes="Private guide and car, just for your party.",
            )
        )
    missing_done = False
    for offset in range(1, nights):
        day = start + timedelta(days=offset)
        if day <= check_in:
            continue
        choices = list(dest.activities)
        rng.shuffle(choices)
        price = rng.randrange(60, 260) * 100 * people
        confirmations = conf()
        if issues and booked and n % 7 == 3 and not missing_done:
            confirmations, missing_done = [], True
        items.append(
            dict(
                day_id=day_of[day],
                kind="activity",
                title=choices[0],
                place_name=f"{choices[0]}, {dest.city}",
                start_local=_local(day, time(10, 0)),
                start_tz=dest.tz,
                end_local=_local(day, time(13, 0)),
                supplier_id=guides.id,
                confirmation_numbers=confirmations,
                status=item_status,
                cost_cents=price,
                sell_cents=round(price * 1.2),
                commission_rate=0.15,
                commission_status=("received" if status == "completed" else "expected"),
            )
        )
        if rng.random() < 0.6:
            free = rng.choice(dest.free)
            items.append(
                dict(
                    day_id=day_of[day],
                    kind="activity",
                    title=free,
                    place_name=f"{free}, {dest.city}",
                    start_local=_local(day, time(17, 0)),
                    start_tz=dest.tz,
                    end_local=_local(day, time(19, 0)),
                    status="optional",
                    client_notes="Free: our local pick.",
                )
            )
    back = _local(end, time(15, 0))
    items.append(
        dict(
            day_id=day_of[end],
            kind="transfer",
            title=f"Private transfer hotel → {dest.airport}",
            place_name=dest.city,
            start_local=back - timedelta(hours=3),
            start_tz=dest.tz,
            end_local=back - timedelta(hours=2),
            supplier_id=transfers.id,
            confirmation_numbers=conf(),
            status=item_status,
            cost_cents=9_000,
            sell_cents=12_000,
            commission_rate=0.1,
        )
    )
    items.append(
        dict(
            day_id=day_of[end],
            kind="flight",
            title=f"{code} {rng.randrange(100, 999)} {dest.airport} → {home[2]}",
            place_name=f"{dest.city} {dest.airport}",
            start_local=back,
            start_tz=dest.tz,
            end_local=_arrival(back, dest.tz, home[1], dest.flight_hours + 1),
            end_tz=home[1],
            supplier_id=airline.id,
            confirmation_numbers=conf(),
            status=item_status,
            cost_cents=0,
            sell_cents=0,
            client_notes="Return fare included in the outbound ticket.",
        )
    )
    items.append(dict(kind="note", title=f"Ideas: {rng.choice(dest.free)}", client_notes="If time allows."))
    service.add_items(p, trip.id, [{**i, "currency": currency} for i in items])

    signature = next((o for o in options if o.tier == _CHOSEN_TIER), None)
    if booked and signature is not None and signature.id is not None:
        service.accept_option(p, signature.id)  # the client chose Signature; the other tiers are archived
    chosen = signature.id if signature is not None else None
    total = service.trip_totals(p, trip.id, option_id=chosen, today=today).client_total_cents
    if status != "cancelled" and total > 0:
        deposit_due = start - timedelta(days=90) if booked else today + timedelta(days=14)
        balance_due = max(start - timedelta(days=45), deposit_due)
        deposit, final = service.schedule_payments(
            p,
            trip.id,
            deposit_cents=round(total * 0.3),
            deposit_due=deposit_due,
            final_due=balance_due,
            option_id=chosen,
        )
        assert deposit.id is not None and final.id is not None
        if booked:
            service.mark_paid(p, deposit.id, paid_on=deposit_due)
        if booked and balance_due <= today:
            service.mark_paid(p, final.id, paid_on=balance_due)
    return service.get_trip(p, trip.id)


def booked_status(status: str) -> bool:
    return status in ("confirmed", "in_progress", "completed")


def _progress(wf: Workflow, p: Principal, trip: Trip, rng: random.Random, today: date) -> None:
    """Walk the workflow to a step that fits the trip's status (forced: the sample leaves some unticked)."""
    assert trip.id is not None
    if trip.status == "cancelled":
        return
    target = {"planning": rng.randrange(1, 10), "confirmed": 12, "in_progress": 13, "completed": 13}[
        trip.status
    ]
    wf.start(p, trip.id, today=today)
    for step in STEPS:
        if step.number >= target:
            break
        for i in range(len(step.checklist)):
            if rng.random() < 0.85:
                wf.tick(p, trip.id, step.number, i)
        wf.advance(p, trip.id, force=True, today=today)
