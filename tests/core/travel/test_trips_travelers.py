"""Trips and travelers as an advisor enters them: the agency's currency by default, cancelling with a reason,
and an edit checked for duplicate clients like a creation."""

from __future__ import annotations

from core.security import Principal
from core.travel import TravelService


def test_a_new_trip_without_a_currency_takes_the_agencys_default_currency(
    service: TravelService, admin: Principal
) -> None:
    service.update_agency(admin, default_currency="EUR")

    trip = service.create_trip(admin, name="Lisbon in May")
    chosen = service.create_trip(admin, name="New York", currency="USD")
    _, _, with_client = service.create_trip_with_client(
        admin, client={"name": "Ana Silva"}, trip={"name": "Porto"}
    )

    assert (trip.currency, chosen.currency, with_client.currency) == ("EUR", "USD", "EUR")


def test_cancelling_a_trip_sets_its_status_and_logs_the_reason(
    service: TravelService, admin: Principal
) -> None:
    trip = service.create_trip(admin, name="Kyoto", status="confirmed")
    assert trip.id is not None

    cancelled = service.cancel_trip(admin, trip.id, reason="  the client  fell ill ")

    assert cancelled.status == "cancelled"
    [entry] = [e for e in service.recent_activity(admin, trip_id=trip.id) if e.action == "trip.cancel"]
    assert entry.summary == "Cancelled trip 'Kyoto': the client fell ill"
    assert entry.details["was"] == "confirmed"


def test_an_edit_is_checked_for_duplicates_but_not_against_its_own_client(
    service: TravelService, admin: Principal
) -> None:
    ana = service.create_client(admin, name="Ana Silva", email="ana@example.com")
    rui = service.create_client(admin, name="Rui Costa", email="rui@example.com")
    assert ana.id is not None and rui.id is not None

    own = service.duplicates_for_edit(admin, ana.id, {"name": "Ana Silva", "email": "ana@example.com"})
    other = service.duplicates_for_edit(admin, rui.id, {"name": "Rui Costa", "email": "ana@example.com"})

    assert own == []
    assert [m.client.id for m in other] == [ana.id]
