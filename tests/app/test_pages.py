"""Every page launches on the demo data and on an empty data folder; the key interactions change the stores."""

from __future__ import annotations

import pytest
from app_helpers import PAGES, AppEnv, button, next_after, open_page, problems, texts

from app import state
from core.security import Principal
from core.travel import TravelService
from core.warehouse import Warehouse

ME = Principal.default_admin()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_launches_on_the_demo_data_without_an_error(demo_env: AppEnv, page: str) -> None:
    at = open_page(page)
    assert problems(at) == []
    assert at.title, "every page has a title"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_launches_on_an_empty_data_folder_and_says_what_to_do(
    empty_env: AppEnv, page: str
) -> None:
    at = open_page(page)
    assert problems(at) == []
    if page == "mcp":  # no server in the configuration: how to add or import one
        assert any("travelops mcp import" in t for t in texts(at.info)), texts(at.info)
    elif page == "reports":  # no report written yet: how to make one and how to schedule one
        assert any("travelops report run" in t for t in texts(at.info)), texts(at.info)
    elif page == "settings":  # a new store's agency is the placeholder: the page says to fill the profile in
        assert any("My Agency" in t for t in texts(at.warning)), texts(at.warning)
    elif page != "models":  # the registry comes from the configuration, so Models is never empty
        assert any("travelops demo seed" in t or "Render one" in t for t in texts(at.info)), texts(at.info)


def test_a_client_with_an_invalid_email_shows_the_error_under_the_email_and_writes_nothing(
    demo_env: AppEnv,
) -> None:
    at = open_page("clients")
    prefix = f"{state.CLIENT_FORM_PREFIX}new.0."
    at.text_input(key=prefix + "name").input("Zed & Ivy Quinn")
    at.text_input(key=prefix + "email").input("zed-at-example")
    button(at, "Create client").click().run()

    assert problems(at) == [texts(at.error)[0]]
    below = next_after(at, prefix + "email")
    assert below.type == "error" and "not a valid email address" in str(below.value)
    with TravelService.open(demo_env.settings()) as service:
        assert service.search_clients(ME, "Quinn") == []

    at.text_input(key=prefix + "email").input("zed.quinn@example.org")
    button(at, "Create client").click().run()

    assert problems(at) == []
    assert any("Created client 'Zed & Ivy Quinn'" in t for t in texts(at.success))
    with TravelService.open(demo_env.settings()) as service:
        [client] = service.search_clients(ME, "Quinn")
        assert client.email == "zed.quinn@example.org"
    assert at.session_state[state.CLIENT_SELECTED] == client.id  # the new client's profile is open
    assert "Zed & Ivy Quinn" in texts(at.subheader)


def test_a_client_that_looks_like_an_existing_one_is_created_only_after_create_anyway(
    demo_env: AppEnv,
) -> None:
    with TravelService.open(demo_env.settings()) as service:
        existing = service.list_clients(ME)[0]
        before = len(service.list_clients(ME))
    at = open_page("clients")
    prefix = f"{state.CLIENT_FORM_PREFIX}new.0."
    at.text_input(key=prefix + "name").input("Someone Else")
    at.text_input(key=prefix + "email").input(existing.email or "")
    button(at, "Create client").click().run()

    assert any("looks like an existing client" in t and existing.name in t for t in texts(at.warning))
    with TravelService.open(demo_env.settings()) as service:
        assert len(service.list_clients(ME)) == before

    at.button(key=state.CLIENT_CREATE_ANYWAY).click().run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        assert len(service.list_clients(ME)) == before + 1


def test_searching_finds_a_client_through_its_trip_and_opens_the_profile(demo_env: AppEnv) -> None:
    with TravelService.open(demo_env.settings()) as service:
        trip = next(t for t in service.list_trips(ME) if t.client_id is not None)
        client = service.get_client(ME, trip.client_id or 0)
    at = open_page("clients")
    at.text_input(key=state.CLIENT_SEARCH).input(trip.destinations[0]).run()
    at.selectbox(key=state.CLIENT_PICK).set_value(client.id).run()

    assert problems(at) == []
    assert client.name in texts(at.subheader)
    assert any(m.label == "Lifetime value" for m in at.metric)
    # travel document numbers only ever show masked
    assert any("••••" in t for t in texts(at.markdown))


def test_editing_a_client_validates_beside_the_field_then_saves(demo_env: AppEnv) -> None:
    with TravelService.open(demo_env.settings()) as service:
        client = service.list_clients(ME)[0]
    at = open_page("clients")
    at.selectbox(key=state.CLIENT_PICK).set_value(client.id).run()
    prefix = f"{state.CLIENT_FORM_PREFIX}edit.{client.id}."
    at.text_input(key=prefix + "phone").input("call me maybe")
    button(at, "Save changes").click().run()

    below = next_after(at, prefix + "phone")
    assert below.type == "error" and "is not a phone number" in str(below.value)
    with TravelService.open(demo_env.settings()) as service:
        assert service.get_client(ME, client.id or 0).phone == client.phone

    at.text_input(key=prefix + "phone").input("+351 912 000 111")
    button(at, "Save changes").click().run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        assert service.get_client(ME, client.id or 0).phone == "+351 912 000 111"


def _trip_with_a_busy_day(service: TravelService) -> tuple[int, int, list[int], int]:
    """A trip, a day of it with two items or more (their ids in order), and another day of the trip."""
    for trip in service.list_trips(ME):
        assert trip.id is not None
        plan = service.get_trip_plan(ME, trip.id)
        busy = [d for d in plan.days if len(d.items) >= 2]
        if busy and len(plan.days) >= 2:
            day = busy[0]
            other = next(d for d in plan.days if d.day.id != day.day.id)
            items = [i.id for i in sorted(day.items, key=lambda i: i.position) if i.id is not None]
            assert day.day.id is not None and other.day.id is not None
            return trip.id, day.day.id, items, other.day.id
    raise AssertionError("the demo has no trip with a busy day")


def test_moving_an_item_down_and_to_another_day_changes_the_positions_in_the_store(demo_env: AppEnv) -> None:
    with TravelService.open(demo_env.settings()) as service:
        trip_id, day_id, items, other_day = _trip_with_a_busy_day(service)
        # ↑ ↓ move items without a time (timed ones stay in time order): put a note first on the day.
        note = service.add_item(
            ME, trip_id, day_id=day_id, position=0, kind="note", title="Bring the vouchers"
        ).id
        other_date = service.get_day(ME, other_day).date
    at = open_page("itinerary")
    at.selectbox(key=state.ITINERARY_TRIP).set_value(trip_id).run()
    first = items[0]

    at.button(key=f"itinerary.down.{note}").click().run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        order = [
            i.id
            for i in sorted(service.list_items(ME, trip_id), key=lambda i: i.position)
            if i.day_id == day_id
        ]
        assert order[:2] == [first, note]
        start = service.get_item(ME, first).start_local

    at.button(key=f"itinerary.move.{first}.{other_day}").click().run()  # "Move to…" → the other day

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        moved = service.get_item(ME, first)
        assert moved.day_id == other_day
        if start is not None:  # it takes the day's date and keeps its local time
            assert moved.start_local is not None
            assert (moved.start_local.date(), moved.start_local.time()) == (other_date, start.time())


def test_rendering_a_pdf_records_the_document_and_offers_the_download(demo_env: AppEnv) -> None:
    with TravelService.open(demo_env.settings()) as service:
        trip = next(t for t in service.list_trips(ME) if t.status == "planning")
        assert trip.id is not None
        before = service.list_documents(ME, trip.id, kind="proposal")
    at = open_page("documents")
    at.selectbox(key=state.DOCUMENTS_TRIP).set_value(trip.id).run()
    at.multiselect(key=f"{state.DOCUMENTS_FORMATS}.proposal").set_value(["pdf"])
    if any(b.label == "Render anyway" for b in at.button):  # preflight notices: the page asks first
        at.checkbox(key=f"documents.anyway.{trip.id}.proposal").check()
        button(at, "Render anyway").click().run()
    else:
        button(at, "Render a new proposal").click().run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        after = service.list_documents(ME, trip.id, kind="proposal")
    [new] = [d for d in after if d not in before]
    assert new.format == "pdf" and new.version == max(d.version for d in after)
    assert any(b.label == "Download PDF" for b in at.download_button)


def test_saving_a_routing_rule_rewrites_the_config_file_and_reloads_it(demo_env: AppEnv) -> None:
    original = demo_env.config.read_text(encoding="utf-8")
    at = open_page("models")
    new = f"{state.RULES_PREFIX}0.0."
    at.text_input(key=new + "name").input("visa questions")
    at.text_input(key=new + "keywords").input("visa, passport")
    at.selectbox(key=new + "model").set_value("anthropic/claude-sonnet-4-6")
    button(at, "Save rules").click().run()

    assert problems(at) == []
    rules = demo_env.settings().routing.rules
    assert [(r.name, r.keywords, r.model) for r in rules] == [
        ("visa questions", ["visa", "passport"], "anthropic/claude-sonnet-4-6")
    ]
    assert demo_env.config.with_name("travelops.yml.bak").read_text(encoding="utf-8") == original
    assert "# TravelOps configuration." in demo_env.config.read_text(encoding="utf-8")  # comments kept
    # the page reloaded the settings: the rule is now rule 1 of the form
    assert at.text_input(key=f"{state.RULES_PREFIX}1.0.name").value == "visa questions"


def test_a_routing_rule_that_matches_nothing_is_refused_beside_it_and_the_file_is_unchanged(
    demo_env: AppEnv,
) -> None:
    original = demo_env.config.read_text(encoding="utf-8")
    at = open_page("models")
    new = f"{state.RULES_PREFIX}0.0."
    at.text_input(key=new + "name").input("catch nothing")
    at.selectbox(key=new + "model").set_value("openai/gpt-4.1")
    button(at, "Save rules").click().run()

    assert [e for e in texts(at.error) if "needs 'tasks' or 'keywords'" in e]
    assert demo_env.config.read_text(encoding="utf-8") == original
    assert not demo_env.config.with_name("travelops.yml.bak").exists()


def test_the_route_explain_playground_shows_the_model_and_the_reason(demo_env: AppEnv) -> None:
    at = open_page("models")
    at.selectbox(key=state.EXPLAIN_TASK).set_value("itinerary_draft")
    at.text_area(key=state.EXPLAIN_PROMPT).input("Plan five days in Kyoto for a family of four.")
    button(at, "Explain").click().run()

    assert problems(at) == []
    # no keys in tests: only the offline drafter can answer, and the page says so
    assert any("offline/drafter" in t for t in texts(at.markdown))
    assert any("offline drafter · no AI model" in t for t in texts(at.markdown))  # the badge
    [reason] = [t for t in texts(at.info) if "est. $" in t]
    assert "itinerary_draft" in reason


def test_saving_preferences_stores_them_in_the_warehouse(demo_env: AppEnv) -> None:
    at = open_page("models")
    at.selectbox(key=state.PREFS_PREFIX + "pick").set_value("maria").run()
    k = f"{state.PREFS_PREFIX}maria."
    at.selectbox(key=k + "preferred").set_value("openai/gpt-4.1-mini")
    at.radio(key=k + "mode").set_value("cost")
    button(at, "Save preferences").click().run()

    assert problems(at) == []
    prefs = Warehouse.from_settings(demo_env.settings()).get_preferences("maria")
    assert prefs is not None
    assert (prefs.preferred_model, prefs.performance_preference) == ("openai/gpt-4.1-mini", "cost")


def test_the_what_if_reprices_the_last_30_days_under_another_policy(demo_env: AppEnv) -> None:
    at = open_page("costs")
    at.selectbox(key=state.WHATIF_PREFIX + "routine").set_value("offline/drafter")
    at.selectbox(key=state.WHATIF_PREFIX + "complex").set_value("offline/drafter")
    button(at, "Re-price the last 30 days").click().run()

    assert problems(at) == []
    figures = {m.label: m.value for m in at.metric}
    assert figures["What-if policy"] == "$0.00"  # everything on the free drafter
    assert figures["Actual"] != "$0.00"


def test_the_itinerary_page_creates_the_proposal_tiers_of_a_trip_that_has_none(demo_env: AppEnv) -> None:
    with TravelService.open(demo_env.settings()) as service:
        client = service.list_clients(ME)[0]
        assert client.id is not None
        trip = service.create_trip(ME, name="Tierless", client_id=client.id, start_date="2027-09-01")
        assert trip.id is not None
    at = open_page("itinerary")
    at.selectbox(key=state.ITINERARY_TRIP).set_value(trip.id).run()
    assert any(e.label == "Proposal tiers" for e in at.expander)

    button(at, "Create tiers (Essential, Signature, Ultimate)").click().run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        assert [o.label for o in service.list_options(ME, trip.id)] == ["Essential", "Signature", "Ultimate"]
