"""Proposal tiers: the default three, copy a tier, fork a shared item, accept one, remove one."""

from __future__ import annotations

import pytest
from travel_helpers import ANCHOR, CleanTrip

from core.security import Principal
from core.travel import RecordInvalid, TravelService


def tier_totals(service: TravelService, admin: Principal, trip_id: int) -> dict[str, int]:
    return {
        o.label: service.trip_totals(admin, trip_id, option_id=o.id, today=ANCHOR).client_total_cents
        for o in service.list_options(admin, trip_id)
        if o.id and o.status != "archived"
    }


def test_ensure_tiers_adds_essential_signature_and_ultimate_once(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    first = service.ensure_tiers(admin, clean_trip.trip_id)
    again = service.ensure_tiers(admin, clean_trip.trip_id)
    assert [(o.tier, o.label, o.status) for o in first] == [
        (1, "Essential", "draft"),
        (2, "Signature", "draft"),
        (3, "Ultimate", "draft"),
    ]
    assert [o.id for o in again] == [o.id for o in first]
    with pytest.raises(RecordInvalid, match="2 to 4 tiers"):
        service.ensure_tiers(admin, clean_trip.trip_id, n=5)


def test_a_tier_is_renamed_with_update_option(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    essential = service.ensure_tiers(admin, clean_trip.trip_id)[0]
    assert essential.id
    assert service.update_option(admin, essential.id, label="Smart").label == "Smart"


def test_copy_option_gives_the_next_free_tier_with_its_own_days_and_items_unconfirmed(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    essential, signature, _ = service.ensure_tiers(admin, clean_trip.trip_id)
    assert essential.id and signature.id
    service.update_item(admin, clean_trip.hotel, status="booked", confirmation_numbers=["HX1"])
    hotel = service.fork_item(admin, clean_trip.hotel, option_id=signature.id)

    bespoke = service.copy_option(admin, signature.id, label="Honeymoon")

    assert (bespoke.tier, bespoke.label, bespoke.status) == (4, "Honeymoon", "draft")
    days = {d.id: d for d in service.list_days(admin, clean_trip.trip_id)}
    [copy] = [
        i
        for i in service.list_items(admin, clean_trip.trip_id)
        if i.day_id and days[i.day_id].option_id == bespoke.id
    ]
    assert copy.title == hotel.title and copy.sell_cents == hotel.sell_cents
    assert copy.day_id and days[copy.day_id].date == days[hotel.day_id or 0].date
    assert (copy.status, copy.confirmation_numbers) == ("proposed", [])
    totals = tier_totals(service, admin, clean_trip.trip_id)
    assert totals["Honeymoon"] == totals["Signature"]


def test_a_fifth_option_is_refused_with_a_fix(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    options = service.ensure_tiers(admin, clean_trip.trip_id, n=4)
    assert options[0].id
    with pytest.raises(RecordInvalid, match="at most 4") as e:
        service.copy_option(admin, options[0].id)
    assert "remove_option" in str(e.value.hint)


def test_forking_a_shared_item_leaves_every_other_tiers_total_unchanged(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    essential, signature, ultimate = service.ensure_tiers(admin, clean_trip.trip_id)
    assert essential.id and signature.id and ultimate.id
    before = tier_totals(service, admin, clean_trip.trip_id)

    hotel = service.fork_item(admin, clean_trip.hotel, option_id=ultimate.id)
    assert tier_totals(service, admin, clean_trip.trip_id) == before
    service.update_item(admin, clean_trip.hotel, sell_cents=hotel.sell_cents + 100_000)

    after = tier_totals(service, admin, clean_trip.trip_id)
    assert after["Ultimate"] == before["Ultimate"] + 100_000
    assert (after["Essential"], after["Signature"]) == (before["Essential"], before["Signature"])
    assert len({*after.values()}) == 2


def test_forking_refuses_an_unscheduled_item_and_an_item_of_another_tier(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    essential, signature, _ = service.ensure_tiers(admin, clean_trip.trip_id)
    assert essential.id and signature.id
    with pytest.raises(RecordInvalid, match="unscheduled"):
        service.fork_item(admin, clean_trip.idea, option_id=signature.id)
    service.fork_item(admin, clean_trip.hotel, option_id=signature.id)
    with pytest.raises(RecordInvalid, match="already belongs to option"):
        service.fork_item(admin, clean_trip.hotel, option_id=essential.id)


def test_accepting_a_tier_archives_every_other_in_one_activity_entry(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    essential, signature, ultimate = service.ensure_tiers(admin, clean_trip.trip_id)
    assert essential.id and signature.id and ultimate.id
    service.accept_option(admin, essential.id)
    before = service.recent_activity(admin, limit=1)[0].id

    service.accept_option(admin, signature.id)  # the client changed their mind

    statuses = {o.label: o.status for o in service.list_options(admin, clean_trip.trip_id)}
    assert statuses == {"Essential": "archived", "Signature": "accepted", "Ultimate": "archived"}
    entries = [e for e in service.recent_activity(admin, limit=5) if e.id > before]
    assert [e.action for e in entries] == ["option.accept"]
    assert "Signature" in entries[0].summary


def test_removing_a_tier_removes_its_items_and_keeps_the_shared_plan(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    _, signature, ultimate = service.ensure_tiers(admin, clean_trip.trip_id)
    assert signature.id and ultimate.id
    service.fork_item(admin, clean_trip.hotel, option_id=ultimate.id)
    items_before = len(service.list_items(admin, clean_trip.trip_id))

    service.remove_option(admin, ultimate.id)

    assert [o.label for o in service.list_options(admin, clean_trip.trip_id)] == ["Essential", "Signature"]
    assert len(service.list_items(admin, clean_trip.trip_id)) == items_before - 1
    assert all(d.option_id != ultimate.id for d in service.list_days(admin, clean_trip.trip_id))
    assert service.get_item(admin, clean_trip.fado).title  # shared items stay
    assert service.store.integrity_check() == ["ok"]


def test_a_viewer_cannot_change_tiers(
    service: TravelService, admin: Principal, viewer: Principal, clean_trip: CleanTrip
) -> None:
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.ensure_tiers(viewer, clean_trip.trip_id)
