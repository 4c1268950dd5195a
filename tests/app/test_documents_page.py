"""The Documents page asks before rendering when the preflight has notices, and warns about the placeholder
agency; a trip with nothing to look at renders at once."""

from __future__ import annotations

from pathlib import Path

from app_helpers import AppEnv, button, open_page, problems, texts

from app import state
from core.documents import preflight
from core.security import Principal
from core.travel import TravelService

ME = Principal.default_admin()


def make_trip(env: AppEnv, *, agency: str | None) -> int:
    """A clean trip (dates, a traveler, days, one booked activity) on an empty data folder."""
    with TravelService.open(env.settings()) as service:
        if agency:
            service.update_agency(ME, name=agency)
        client = service.create_client(ME, name="Ana Silva", email="ana@example.com")
        assert client.id
        ana = service.add_traveler(ME, client.id, first_name="Ana", last_name="Silva")
        assert ana.id
        trip = service.create_trip(
            ME, name="Porto weekend", client_id=client.id, start_date="2027-06-04", end_date="2027-06-06",
            party=[ana.id], currency="EUR",
        )  # fmt: skip
        assert trip.id
        days = service.ensure_days(ME, trip.id)
        service.add_items(
            ME, trip.id,
            [dict(day_id=days[1].id, kind="activity", title="Port cellar tour", start_local="2027-06-05T10:00",
                  start_tz="Europe/Lisbon", status="booked", confirmation_numbers=["PC-1"], cost_cents=4_000, sell_cents=5_000, currency="EUR")],
        )  # fmt: skip
        return trip.id


def documents(env: AppEnv, trip_id: int) -> list[Path]:
    with TravelService.open(env.settings()) as service:
        return [Path(d.path) for d in service.list_documents(ME, trip_id)]


def test_with_the_placeholder_agency_the_page_lists_the_notice_and_renders_only_when_asked(
    empty_env: AppEnv,
) -> None:
    trip_id = make_trip(empty_env, agency=None)
    at = open_page("documents")
    at.selectbox(key=state.DOCUMENTS_TRIP).set_value(trip_id).run()
    at.multiselect(key=f"{state.DOCUMENTS_FORMATS}.proposal").set_value(["html"])

    assert any("have a look (1)" in t for t in texts(at.warning))
    assert any("placeholder" in t for t in texts(at.text))
    assert [b.label for b in at.button if b.label.startswith("Render")] == ["Render anyway"]

    button(at, "Render anyway").click().run()  # not ticked: nothing happens but a reminder
    assert any("Tick" in t for t in texts(at.warning))
    assert documents(empty_env, trip_id) == []

    at.checkbox(key=f"documents.anyway.{trip_id}.proposal").check()
    button(at, "Render anyway").click().run()

    assert problems(at) == []
    [path] = documents(empty_env, trip_id)
    assert any("carries no agency name" in t for t in texts(at.warning)), "rendering warns"
    page = path.read_text(encoding="utf-8")
    assert "Porto weekend" in page and "My Agency" not in page


def test_a_trip_with_nothing_to_look_at_renders_at_once_with_the_agency_name(empty_env: AppEnv) -> None:
    trip_id = make_trip(empty_env, agency="Blue Compass Travel")
    with TravelService.open(empty_env.settings()) as service:
        assert preflight(service, ME, trip_id, "proposal") == []
    at = open_page("documents")
    at.selectbox(key=state.DOCUMENTS_TRIP).set_value(trip_id).run()
    at.multiselect(key=f"{state.DOCUMENTS_FORMATS}.proposal").set_value(["html"])
    button(at, "Render a new proposal").click().run()

    assert problems(at) == []
    assert not texts(at.warning)
    [path] = documents(empty_env, trip_id)
    assert "Blue Compass Travel" in path.read_text(encoding="utf-8")
