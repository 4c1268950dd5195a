"""get_anything: one ranked, typo-tolerant search over clients, travelers, trips, confirmations, notes."""

from __future__ import annotations

import pytest
from travel_helpers import CleanTrip

from core.errors import ValidationError
from core.security import FieldCipher, Principal
from core.travel import TravelService, TravelStore


def first(service: TravelService, admin: Principal, query: str, **kw: object) -> tuple[str, int, str]:
    hits = service.get_anything(admin, query, **kw)  # type: ignore[arg-type]
    assert hits, f"nothing found for {query!r}"
    return hits[0].kind, hits[0].id, hits[0].matched


def test_a_typo_in_a_destination_finds_the_trip(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    hits = service.get_anything(admin, "Lisbn")
    assert (hits[0].kind, hits[0].id, hits[0].title) == ("trip", clean_trip.trip_id, "Lisbon in May")
    assert hits[0].matched == "destination (typo: lisbn -> lisbon)"
    assert "2027-05-02 → 2027-05-09" in hits[0].subtitle and "Ana & Rui Silva" in hits[0].subtitle


def test_a_confirmation_number_finds_its_item_and_trip(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    hits = service.get_anything(admin, "fado42")
    assert (hits[0].kind, hits[0].id, hits[0].matched) == ("item", clean_trip.fado, "confirmation number")
    assert hits[0].trip_id == clean_trip.trip_id and hits[0].client_id == clean_trip.client_id
    assert hits[0].subtitle == "Activity · Lisbon in May · 2027-05-04 20:00 · conf FADO42"
    shared = service.get_anything(admin, "ABC123")  # one booking reference on both flights
    assert {h.id for h in shared[:2]} == {clean_trip.outbound, clean_trip.inbound}


def test_a_travelers_name_finds_the_traveler_first(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    hits = service.get_anything(admin, "Rui Silva")
    assert (hits[0].kind, hits[0].id, hits[0].title, hits[0].matched) == (
        "traveler",
        clean_trip.traveler_ids[1],
        "Rui Silva",
        "name",
    )
    assert hits[0].subtitle == "Traveler · Ana & Rui Silva"


def test_a_typo_in_a_name_still_finds_the_person(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    assert first(service, admin, "Rui Slva")[:2] == ("traveler", clean_trip.traveler_ids[1])


def test_emails_phones_and_notes_are_searchable(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    assert first(service, admin, "ana.silva@example") == ("client", clean_trip.client_id, "email")
    assert first(service, admin, "912 345 678") == ("client", clean_trip.client_id, "phone")
    assert first(service, admin, "speaks German") == ("item", clean_trip.sintra, "notes")
    assert first(service, admin, "anniversary") == ("trip", clean_trip.trip_id, "notes")


def test_words_can_match_different_fields_of_one_record(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    assert first(service, admin, "silva sintra")[:2] == ("trip", clean_trip.trip_id)


def test_an_exact_name_ranks_above_names_that_merely_contain_it(
    service: TravelService, admin: Principal
) -> None:
    for name in ("Mariana Costa", "Anabela Rossi", "Ana", "Diana Ana Kim"):
        service.create_client(admin, name=name)
    titles = [h.title for h in service.get_anything(admin, "ana")]
    assert titles[0] == "Ana"
    assert titles.index("Anabela Rossi") < titles.index("Mariana Costa")  # starts with it beats contains it
    assert titles.index("Diana Ana Kim") < titles.index("Mariana Costa")  # a word starting with it too


def test_accents_apostrophes_and_case_do_not_matter(service: TravelService, admin: Principal) -> None:
    zoe = service.create_client(admin, name="Zoë O'Brien")
    assert first(service, admin, "ZOE OBRIEN")[:2] == ("client", zoe.id)
    assert first(service, admin, "o'brien")[:2] == ("client", zoe.id)


def test_short_queries_match_the_start_of_names(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    assert ("traveler", clean_trip.traveler_ids[1]) in [
        (h.kind, h.id) for h in service.get_anything(admin, "Ru")
    ]
    assert service.get_anything(admin, "  ") == []


def test_archived_records_are_hidden_unless_asked_for(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.archive_trip(admin, clean_trip.trip_id)
    assert all(h.trip_id != clean_trip.trip_id for h in service.get_anything(admin, "lisbon"))
    hits = service.get_anything(admin, "lisbon", include_archived=True)
    assert hits[0].id == clean_trip.trip_id and hits[0].subtitle.endswith("archived")
    assert service.get_anything(admin, "FADO42") == []  # the trip's items are archived with it


def test_search_can_be_limited_to_kinds_and_counts(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    assert {h.kind for h in service.get_anything(admin, "silva", kinds=["traveler"])} == {"traveler"}
    assert len(service.get_anything(admin, "a", limit=2)) <= 2
    with pytest.raises(ValidationError, match="limit = 0 is out of range"):
        service.get_anything(admin, "silva", limit=0)
    with pytest.raises(ValidationError, match="Unknown kind"):
        service.get_anything(admin, "silva", kinds=["supplier"])


def test_changes_show_in_search_at_once(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_client(admin, clean_trip.client_id, name="The Pereira Household")
    assert first(service, admin, "Pereira")[:2] == ("client", clean_trip.client_id)
    assert ("trip", clean_trip.trip_id) in [(h.kind, h.id) for h in service.get_anything(admin, "Pereira")]
    assert "Ana & Rui Silva" not in [h.title for h in service.get_anything(admin, "Ana & Rui")]
    service.remove_item(admin, clean_trip.fado)
    assert service.get_anything(admin, "FADO42") == []


def test_the_typo_vocabulary_follows_writes_from_another_process(
    service: TravelService, admin: Principal, clean_trip: CleanTrip, cipher: FieldCipher
) -> None:
    assert service.get_anything(admin, "Reykjavk") == []  # warms this process's vocabulary cache
    with TravelService(TravelStore(service.store.path), cipher) as other:
        other.create_trip(admin, name="Northern lights", destinations=["Reykjavik"])
    assert first(service, admin, "Reykjavk")[0] == "trip"


def test_a_rebuilt_index_answers_like_the_live_one(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    queries = ["Lisbn", "FADO42", "Rui Silva", "anniversary", "silva sintra"]
    before = [service.get_anything(admin, q) for q in queries]
    assert service.reindex(admin) == 1 + 2 + 1 + 8  # client, travelers, trip, items
    after = [service.get_anything(admin, q) for q in queries]
    assert [[(h.kind, h.id) for h in hits] for hits in after] == [
        [(h.kind, h.id) for h in hits] for hits in before
    ]


def test_archiving_a_household_hides_its_travelers_from_search_until_restored(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.archive_client(admin, clean_trip.client_id)
    assert [h for h in service.get_anything(admin, "Rui Silva") if h.kind in ("client", "traveler")] == []
    service.archive_client(admin, clean_trip.client_id, archived=False)
    assert first(service, admin, "Rui Silva")[:2] == ("traveler", clean_trip.traveler_ids[1])


def test_names_in_other_scripts_are_searchable(service: TravelService, admin: Principal) -> None:
    client = service.create_client(admin, name="田中 花子", notes="Prefers a ryokan in Kyoto")
    assert first(service, admin, "田中 花子")[:2] == ("client", client.id)
    assert first(service, admin, "ryokan")[:2] == ("client", client.id)
