"""The Clients page's travelers: add one with a passport (masked once saved, kept when an edit leaves the number
blank), edit, remove; an edit that makes a person or a client look like another client's asks first."""

from __future__ import annotations

from datetime import date

from app_helpers import AppEnv, button, next_after, open_page, problems, texts
from streamlit.testing.v1 import AppTest

from app import state
from core.security import Principal
from core.travel import TravelService

ME = Principal.default_admin()


def profile_of(env: AppEnv) -> tuple[AppTest, int]:
    with TravelService.open(env.settings()) as service:
        client = service.list_clients(ME)[0]
    assert client.id is not None
    at = open_page("clients")
    at.selectbox(key=state.CLIENT_PICK).set_value(client.id).run()
    assert problems(at) == []
    return at, client.id


def test_a_traveler_added_with_a_passport_shows_masked_keeps_it_on_edit_and_can_be_removed(
    demo_env: AppEnv,
) -> None:
    at, client_id = profile_of(demo_env)
    new = f"clients.traveler.new.{client_id}."
    at.text_input(key=new + "first").input("Inês Maria")
    at.text_input(key=new + "last").input("Duarte")
    at.date_input(key=new + "dob").set_value(date(1990, 4, 2))
    at.text_input(key=new + "email").input("ines.duarte@example.org")
    at.radio(key=new + "seat").set_value("aisle")
    at.text_input(key=new + "meal").input("vegetarian")
    at.selectbox(key=new + "tier").set_value("luxury")
    at.text_input(key=new + "interests").input("wine, hiking")
    at.text_area(key=new + "loyalty").input("TAP Miles&Go, 998877")
    at.text_input(key=new + "doc.0.number").input("PX1234567")
    at.text_input(key=new + "doc.0.country").input("pt")
    at.date_input(key=new + "doc.0.expiry").set_value(date(2031, 5, 1))
    button(at, "Add traveler").click().run()

    assert problems(at) == []
    assert "Added Inês Maria Duarte." in texts(at.success)
    assert any("••••4567 (PT)" in t for t in texts(at.markdown))
    assert not any("PX1234567" in t for t in [*texts(at.markdown), *texts(at.text)])
    with TravelService.open(demo_env.settings()) as service:
        ines = next(t for t in service.list_travelers(ME, client_id) if t.last_name == "Duarte")
        assert ines.id is not None
        assert (ines.preferences.seat, ines.preferences.hotel_tier, ines.preferences.interests) == (
            "aisle", "luxury", ["wine", "hiking"],
        )  # fmt: skip
        assert [(lp.program, lp.number) for lp in ines.loyalty_programs] == [("TAP Miles&Go", "998877")]
        assert service.reveal_document_number(ME, ines.id) == "PX1234567"

    edit = f"clients.traveler.edit.{ines.id}."
    assert at.text_input(key=edit + "doc.0.number").value == ""  # the number is never put back in a field
    at.text_input(key=edit + "meal").input("vegan")
    at.date_input(key=edit + "doc.0.expiry").set_value(date(2032, 1, 31))
    button_in = [b for b in at.button if b.label == "Save traveler"]
    at.text_input(key=edit + "doc.0.country").input("XX")
    next(b for b in button_in if b.form_id == edit + "form").click().run()
    below = next_after(at, edit + "doc.0.remove")
    assert "unknown country code 'XX'" in str(below.value)

    at.text_input(key=edit + "doc.0.country").input("PT")
    next(b for b in at.button if b.label == "Save traveler" and b.form_id == edit + "form").click().run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        edited = service.get_traveler(ME, ines.id)
        assert edited.preferences.meal == "vegan"
        assert edited.documents[0].expiry == date(2032, 1, 31)
        assert service.reveal_document_number(ME, ines.id) == "PX1234567"  # unchanged, not the mask

    at.button(key=f"clients.traveler.remove.{ines.id}").click().run()

    assert problems(at) == []
    assert any("Removed Inês Maria Duarte" in t for t in texts(at.success))
    with TravelService.open(demo_env.settings()) as service:
        assert service.get_traveler(ME, ines.id).archived
    assert not any(b.key == f"clients.traveler.remove.{ines.id}" for b in at.button)


def test_a_traveler_edit_to_another_clients_email_asks_before_saving(demo_env: AppEnv) -> None:
    at, client_id = profile_of(demo_env)
    with TravelService.open(demo_env.settings()) as service:
        traveler = service.list_travelers(ME, client_id)[0]
        other = next(c for c in service.list_clients(ME) if c.id != client_id and c.email)
    edit = f"clients.traveler.edit.{traveler.id}."
    at.text_input(key=edit + "email").input(other.email or "")
    next(b for b in at.button if b.label == "Save traveler" and b.form_id == edit + "form").click().run()

    assert any("looks like another client's" in t and other.name in t for t in texts(at.warning))
    with TravelService.open(demo_env.settings()) as service:
        assert service.get_traveler(ME, traveler.id or 0).email == traveler.email

    at.button(key=edit + "anyway").click().run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        assert service.get_traveler(ME, traveler.id or 0).email == other.email


def test_a_client_edit_to_another_clients_email_asks_and_its_own_email_does_not(demo_env: AppEnv) -> None:
    at, client_id = profile_of(demo_env)
    with TravelService.open(demo_env.settings()) as service:
        other = next(c for c in service.list_clients(ME) if c.id != client_id and c.email)
    edit = f"{state.CLIENT_FORM_PREFIX}edit.{client_id}"
    button(at, "Save changes").click().run()
    assert problems(at) == [] and not texts(at.warning)  # its own email is no duplicate

    at.text_input(key=edit + ".email").input(other.email or "")
    button(at, "Save changes").click().run()

    assert any("looks like an existing client" in t and other.name in t for t in texts(at.warning))
    at.button(key=edit + ".anyway.cancel").click().run()
    with TravelService.open(demo_env.settings()) as service:
        assert service.get_client(ME, client_id).email != other.email


def test_the_profile_links_each_trip_and_a_new_trip_to_the_trips_page(demo_env: AppEnv) -> None:
    at, client_id = profile_of(demo_env)
    with TravelService.open(demo_env.settings()) as service:
        trips = service.list_trips(ME, client_id=client_id, include_archived=True)

    links = {el.proto.label: el.proto for el in at.get("page_link")}
    assert links["New trip for this client"].query_string == f"client={client_id}"
    assert {p.query_string for p in links.values()} >= {f"trip={t.id}" for t in trips}
    assert all(p.page.endswith("trips") for p in links.values()), [p.page for p in links.values()]
