"""The Money page and the tier bar, driven through AppTest on the demo data: schedule, mark received, remove,
add a payment, commission received; tiers: create, copy, rename, accept, remove.

The Money page is not in the navigation yet (app/main.py is the lead's), so it runs as its own script."""

from __future__ import annotations

from datetime import date

from app_helpers import REPO, TIMEOUT_S, AppEnv, button, problems, texts
from streamlit.testing.v1 import AppTest

from app.components import money, tiers
from core.security import Principal
from core.travel import TravelService

ME = Principal.default_admin()
PAGE = str(REPO / "pages" / "money.py")


def open_money(trip_id: int) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
    at.selectbox(key="money.trip").set_value(trip_id).run()
    return at


def bar(trip_id: int) -> AppTest:
    script = (
        "from app.components.feedback import show_flash\n"
        "from app.components.tiers import tier_bar\n"
        f"show_flash()\ntier_bar({trip_id})\n"
    )  # as a page uses it: the flash of the last action on top
    return AppTest.from_string(script, default_timeout=TIMEOUT_S).run()


def a_trip(env: AppEnv, status: str) -> int:
    with TravelService.open(env.settings()) as service:
        trip = next(t for t in service.list_trips(ME) if t.status == status)
        assert trip.id is not None
        return trip.id


def test_the_money_page_shows_the_schedule_and_marks_a_payment_received(demo_env: AppEnv) -> None:
    trip_id = a_trip(demo_env, "planning")
    at = open_money(trip_id)
    assert problems(at) == []
    assert at.title[0].value == "Money"
    labels = [m.label for m in at.metric]
    assert any(label.startswith("Trip total") for label in labels) and any(
        label.startswith("Commission received") for label in labels
    )
    with TravelService.open(demo_env.settings()) as service:
        deposit = next(p for p in service.list_payments(ME, trip_id) if p.kind == "deposit")
    assert not deposit.paid

    at.date_input(key=f"{money.PAID_ON}{deposit.id}").set_value(date(2026, 12, 1))
    at.button(key=f"{money.PREFIX}paid.{deposit.id}").click().run()

    assert problems(at) == []
    assert any("received on" in t for t in texts(at.success))
    with TravelService.open(demo_env.settings()) as service:
        paid = service.get_payment(ME, deposit.id or 0)
    assert (paid.paid, paid.paid_on) == (True, date(2026, 12, 1))


def test_scheduling_asks_for_replace_beside_the_box_then_replaces_the_payments(demo_env: AppEnv) -> None:
    trip_id = a_trip(demo_env, "planning")
    at = open_money(trip_id)
    form = next(n for n in at.number_input if n.label.startswith("Deposit"))
    form.set_value(250.0)
    button(at, "Schedule payments").click().run()

    assert any("tick “Replace the current payments”" in t for t in texts(at.error)), texts(at.error)
    with TravelService.open(demo_env.settings()) as service:
        assert all(p.amount_cents != 25_000 for p in service.list_payments(ME, trip_id))

    next(n for n in at.number_input if n.label.startswith("Deposit")).set_value(250.0)
    next(c for c in at.checkbox if c.label == "Replace the current payments").check()
    button(at, "Schedule payments").click().run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        payments = service.list_payments(ME, trip_id)
        signature = next(o for o in service.list_options(ME, trip_id) if o.tier == 2)
        total = service.trip_totals(ME, trip_id, option_id=signature.id).client_total_cents
    assert [(p.kind, p.amount_cents) for p in payments] == [("deposit", 25_000), ("final", total - 25_000)]


def test_adding_and_removing_a_payment_and_receiving_a_commission(demo_env: AppEnv) -> None:
    trip_id = a_trip(demo_env, "confirmed")
    at = open_money(trip_id)
    next(n for n in at.number_input if n.label.startswith("Amount")).set_value(75.5)
    next(t for t in at.text_input if t.label == "Description").input("Museum passes")
    button(at, "Add payment").click().run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        added = next(p for p in service.list_payments(ME, trip_id) if p.description == "Museum passes")
    assert added.amount_cents == 7_550
    assert "Museum passes" in texts(at.text)  # stored text is drawn as text

    at.button(key=f"{money.PREFIX}remove.{added.id}").click().run()
    with TravelService.open(demo_env.settings()) as service:
        assert all(p.id != added.id for p in service.list_payments(ME, trip_id))
        before = service.trip_totals(ME, trip_id).commission_received_cents
    toggle = next(t for t in at.toggle if not t.value)
    toggle.set_value(True).run()

    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        assert service.trip_totals(ME, trip_id).commission_received_cents > before


def test_an_amount_of_zero_is_refused_under_the_amount(demo_env: AppEnv) -> None:
    at = open_money(a_trip(demo_env, "planning"))
    button(at, "Add payment").click().run()
    assert any("greater than 0" in t or "more than 0" in t for t in texts(at.error)), texts(at.error)


def test_the_tier_bar_creates_copies_renames_accepts_and_removes_tiers(demo_env: AppEnv) -> None:
    with TravelService.open(demo_env.settings()) as service:
        trip = next(
            t for t in service.list_trips(ME) if t.status == "cancelled"
        )  # the demo gives it no tiers
        assert trip.id is not None
    at = bar(trip.id)
    assert problems(at) == []
    button(at, "Create tiers (Essential, Signature, Ultimate)").click().run()
    with TravelService.open(demo_env.settings()) as service:
        options = service.list_options(ME, trip.id)
    assert [o.label for o in options] == ["Essential", "Signature", "Ultimate"]

    at.segmented_control(key=f"{tiers.PICK}{trip.id}").set_value(options[2].id).run()
    button(at, "Copy tier").click().run()
    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        options = service.list_options(ME, trip.id)
    assert [(o.tier, o.label) for o in options][-1] == (4, "Bespoke")
    assert at.segmented_control(key=f"{tiers.PICK}{trip.id}").value == options[3].id  # the copy is picked
    assert next(b for b in at.button if b.label == "Copy tier").disabled  # four tiers: no more copies

    next(t for t in at.text_input if t.label == "New name").input(" ")
    button(at, "Rename").click().run()
    assert any("A tier needs a name" in t for t in texts(at.error))
    next(t for t in at.text_input if t.label == "New name").input("Honeymoon")
    button(at, "Rename").click().run()
    button(at, "Client chose this tier").click().run()
    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        statuses = {o.label: o.status for o in service.list_options(ME, trip.id)}
    assert statuses == {
        "Essential": "archived",
        "Signature": "archived",
        "Ultimate": "archived",
        "Honeymoon": "accepted",
    }

    button(at, "Remove tier").click().run()  # not confirmed: nothing removed
    assert any("Tick" in t for t in texts(at.error))
    next(c for c in at.checkbox if c.label.startswith("Yes, remove")).check()
    button(at, "Remove tier").click().run()
    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        assert [o.label for o in service.list_options(ME, trip.id)] == ["Essential", "Signature", "Ultimate"]


def test_the_money_page_on_an_empty_data_folder_says_what_to_do(empty_env: AppEnv) -> None:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
    assert problems(at) == []
    assert any("travelops demo seed" in t for t in texts(at.info))


def test_names_people_typed_are_escaped_before_they_reach_a_markdown_label() -> None:
    assert money.plain("Honeymoon [VIP](https://x.example) :red[!]") == (
        r"Honeymoon \[VIP\]\(https\:\/\/x\.example\) \:red\[\!\]".replace(r"\/", "/")
    )
