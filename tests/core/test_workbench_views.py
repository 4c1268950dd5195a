"""The client table and profile (core.profiles) and the itinerary map's points (core.places), on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.places import GAZETTEER, locate, map_points
from core.profiles import client_profile, client_table
from core.security import FieldCipher, Principal
from core.travel import TravelService, TravelStore

ME = Principal.default_admin()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TravelService]:
    svc = TravelService(TravelStore(tmp_path / "travel.db"), FieldCipher.load(tmp_path, environ={}))
    yield svc
    svc.close()


@pytest.mark.parametrize(
    ("place", "city"),
    [
        ("Le Bristol, Paris", "paris"),
        ("New York JFK", "new york"),  # the longer name beats the airport code
        ("Hotel Paris, Lisbon", "lisbon"),  # the rightmost of two equally long names
        ("Blue Lagoon near Reykjavík", "reykjavik"),  # accents do not matter
    ],
)
def test_known_places_are_found_in_free_text(place: str, city: str) -> None:
    assert locate(place) == GAZETTEER[city]


def test_unknown_places_and_common_words_are_not_guessed() -> None:
    assert locate("Somewhere nice") is None and locate(None) is None
    assert locate("mad hatter tea party") is None  # "MAD" is Madrid's airport only in capitals
    assert locate("Transfer to MAD") == GAZETTEER["mad"] != GAZETTEER["madrid"] == locate("Madrid")


def _household(service: TravelService) -> tuple[int, int]:
    client = service.create_client(ME, name="Ana & Rui Silva", email="ana@example.com", tags=["vip"])
    assert client.id is not None
    service.add_traveler(
        ME, client.id, first_name="Ana", last_name="Silva",
        documents=[{"kind": "passport", "number": "P1234567", "country": "PT", "expiry": "2031-01-31"}],
    )  # fmt: skip
    trip = service.create_trip(
        ME, name="Lisbon in May", client_id=client.id, start_date="2027-05-02", end_date="2027-05-04",
        destinations=["Lisbon"], currency="EUR", planning_fee_cents=10_000, status="confirmed",
    )  # fmt: skip
    assert trip.id is not None
    return client.id, trip.id


def test_map_points_place_items_exactly_by_city_or_not_at_all_in_itinerary_order(
    service: TravelService,
) -> None:
    _, trip_id = _household(service)
    days = service.ensure_days(ME, trip_id)
    service.add_items(
        ME, trip_id,
        [
            {"day_id": days[1].id, "kind": "activity", "title": "Fado dinner", "place_name": "Alfama, Lisbon"},
            {"day_id": days[0].id, "kind": "activity", "title": "Viewpoint", "lat": 38.7139, "lon": -9.1334},
            {"day_id": days[0].id, "kind": "note", "title": "Remember umbrellas"},
            {"day_id": None, "kind": "activity", "title": "Mystery tour", "place_name": "Somewhere"},
        ],
    )  # fmt: skip
    points = map_points(service.get_trip_plan(ME, trip_id))
    frame = points.frame()
    assert frame[["order", "title", "precision"]].to_dict("records") == [
        {"order": 1, "title": "Viewpoint", "precision": "exact"},
        {"order": 2, "title": "Fado dinner", "precision": "approximate"},
    ]
    assert (frame["lat"].iloc[0], frame["lon"].iloc[0]) == (38.7139, -9.1334)
    assert points.unplaced == ["Mystery tour"]  # notes are never on the map


def test_the_client_table_finds_households_through_their_trips_and_says_why(service: TravelService) -> None:
    client_id, _ = _household(service)
    service.create_client(ME, name="Bo Berg", email="bo@example.com")
    everyone = client_table(service, ME)
    assert everyone["name"].tolist() == ["Ana & Rui Silva", "Bo Berg"]
    assert everyone.set_index("id").loc[client_id, "trips"] == 1

    found = client_table(service, ME, "lisbon")
    assert found["id"].tolist() == [client_id]
    assert found["matched"].iloc[0].startswith("trip 'Lisbon in May'")


def test_a_profile_counts_only_trips_that_went_ahead_and_masks_document_numbers(
    service: TravelService,
) -> None:
    client_id, _ = _household(service)
    service.create_trip(ME, name="Maybe Rome", client_id=client_id, currency="EUR")  # planning: not counted
    profile = client_profile(service, ME, client_id)

    assert [t.name for t in profile.trips] == ["Lisbon in May", "Maybe Rome"]
    assert profile.lifetime_value == {"EUR": 10_000}  # the planning fee of the confirmed trip
    assert profile.open_trips == 2
    [ana] = profile.travelers
    assert ana.documents[0].masked == "••••4567"
    assert "P1234567" not in profile.model_dump_json()
    assert any(a.action == "client.create" for a in profile.activity)
