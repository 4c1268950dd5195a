"""The sample agency (shared with the demo seed): realistic, deterministic, clean when asked, scalable."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from travel_helpers import ANCHOR

from core.security import FieldCipher, Principal
from core.travel import TravelService, TravelStore, Workflow
from core.travel.fixtures import build_sample_agency


def fingerprint(service: TravelService, admin: Principal) -> list[Any]:
    out: list[Any] = []
    for client in service.list_clients(admin, limit=500):
        assert client.id
        out.append((client.name, client.email, client.phone, client.tags))
        out.extend(
            (t.full_name, t.date_of_birth, [d.masked for d in t.documents])
            for t in service.list_travelers(admin, client.id)
        )
    for trip in service.list_trips(admin, limit=500):
        assert trip.id
        out.append((trip.name, trip.status, trip.start_date, trip.end_date, trip.currency, trip.budget_cents))
        out.extend(
            (i.title, i.start_local, i.start_tz, i.cost_cents, i.sell_cents, i.confirmation_numbers)
            for i in service.list_items(admin, trip.id)
        )
        out.append(Workflow(service).status(admin, trip.id).current_step)
    return out


def build(tmp: Path, **kw: Any) -> TravelService:
    tmp.mkdir()
    service = TravelService(TravelStore(tmp / "travel.db"), FieldCipher.load(tmp, environ={}))
    build_sample_agency(service, Principal.default_admin(), anchor=ANCHOR, **kw)
    return service


def test_the_same_seed_builds_the_same_agency_and_another_seed_another(tmp_path: Path) -> None:
    admin = Principal.default_admin()
    a, b, c = build(tmp_path / "a", seed=7), build(tmp_path / "b", seed=7), build(tmp_path / "c", seed=8)
    assert fingerprint(a, admin) == fingerprint(b, admin)
    assert fingerprint(a, admin) != fingerprint(c, admin)
    for s in (a, b, c):
        s.close()


def test_the_demo_sized_agency_has_agents_every_status_and_workflow_progress(
    service: TravelService, admin: Principal
) -> None:
    agency = build_sample_agency(service, admin, clients=40, agents=3, seed=1, anchor=ANCHOR)
    assert (len(agency.clients), len(agency.trips), len(agency.agents)) == (40, 60, 3)
    assert set(Counter(t.status for t in agency.trips)) == {
        "planning",
        "confirmed",
        "in_progress",
        "completed",
        "cancelled",
    }
    assert {t.agent_id for t in agency.trips} == {a.id for a in agency.agents}
    assert all(any(d.kind == "passport" for d in t.documents) for t in agency.travelers)
    wf = Workflow(service)
    steps = Counter(wf.status(admin, t.id).current_step for t in agency.trips if t.id)
    assert len(steps) >= 6 and steps[None] > 0  # spread over the steps, some complete
    for trip in agency.trips:  # the schedule is built on Signature: the client's tier or the one to hold
        assert trip.id
        if trip.status != "cancelled":
            signature = next(o for o in service.list_options(admin, trip.id) if o.tier == 2)
            t = service.trip_totals(admin, trip.id, option_id=signature.id, today=ANCHOR)
            assert t.sell_cents > 0 and t.scheduled_cents == t.client_total_cents
    assert service.store.integrity_check() == ["ok"]


def test_the_tiers_really_differ_and_a_booked_trip_has_its_tier_accepted_and_the_others_archived(
    service: TravelService, admin: Principal
) -> None:
    agency = build_sample_agency(service, admin, clients=8, seed=1, anchor=ANCHOR, workflow=False)
    booked = {"confirmed", "in_progress", "completed"}
    for trip in agency.trips:
        assert trip.id
        options = service.list_options(admin, trip.id)
        if trip.status == "cancelled":
            assert options == []
            continue
        assert [o.label for o in options] == ["Essential", "Signature", "Ultimate"]
        totals = [service.trip_totals(admin, trip.id, option_id=o.id, today=ANCHOR) for o in options]
        assert totals[0].client_total_cents < totals[1].client_total_cents < totals[2].client_total_cents
        plan = service.get_trip_plan(admin, trip.id, today=ANCHOR)
        hotels = {d.day.option_id: i.title for d in plan.days for i in d.items if i.kind == "hotel"}
        assert set(hotels) == {o.id for o in options} and len(set(hotels.values())) == 3
        statuses = [o.status for o in options]
        assert statuses == (["archived", "accepted", "archived"] if trip.status in booked else ["sent"] * 3)


def test_with_issues_off_every_trip_checks_clean(service: TravelService, admin: Principal) -> None:
    agency = build_sample_agency(
        service, admin, clients=12, seed=3, anchor=ANCHOR, issues=False, workflow=False
    )
    flagged = {t.name: service.check_trip(admin, t.id, today=ANCHOR) for t in agency.trips if t.id}
    assert {name: flags for name, flags in flagged.items() if flags} == {}


def test_with_issues_on_the_checks_find_realistic_problems(service: TravelService, admin: Principal) -> None:
    agency = build_sample_agency(service, admin, clients=12, seed=3, anchor=ANCHOR, workflow=False)
    found = Counter(
        f.code for t in agency.trips if t.id for f in service.check_trip(admin, t.id, today=ANCHOR)
    )
    assert set(found) <= {"missing_confirmation", "passport_expires_soon", "passport_expired_on_return"}
    assert not {"sold_below_cost", "no_payment_schedule", "no_travelers"} & set(found)
    assert (
        found["missing_confirmation"] >= 1
        and found["passport_expires_soon"] + found["passport_expired_on_return"] >= 1
    )


def test_the_sample_is_searchable(service: TravelService, admin: Principal) -> None:
    agency = build_sample_agency(service, admin, clients=5, seed=1, anchor=ANCHOR, workflow=False)
    trip = agency.trips[0]
    hits = service.get_anything(admin, trip.destinations[0][:-1] + "x")  # a typo in the last letter
    assert trip.id in [h.id for h in hits if h.kind == "trip"]
