"""Issue 13's browser walk: a new advisor builds, prices and proposes a trip from a blank page, in a real browser.

A fresh data folder (no demo), a real ``streamlit run`` and Debian's Chromium: the agency profile, a client with
two travelers (one with a passport), a trip with dates, party, budget and currency, its days and items, the
itinerary .ics (each event on its day, and still after a drag to another day), a deposit on the invoice, and the
proposal PDF with three tiers that differ, then the client's choice of tier, a deposit received and the invoice.
A screenshot after each step goes to test-artifacts/build/; the stores are checked after the key steps; the
browser console stays clean throughout. The add forms must start blank for the next traveler and item (they
once kept the last record's values, and a traveler was saved with another's passport).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import ARTIFACTS as ALL_ARTIFACTS
from browser_helpers import WAIT_MS, open_app, open_page, wait_until_rendered
from icalendar import Calendar
from playwright.sync_api import expect
from pypdf import PdfReader

from app.components.formatting import when
from app.components.item_form import DETAIL_LABEL
from core.config import load_settings
from core.documents import KINDS
from core.security import Principal
from core.travel import TravelService, TripPlan

ARTIFACTS = ALL_ARTIFACTS / "build"
BOARD = 'iframe[title="streamlit_sortables.sortable_items"]'
ME = Principal.default_admin()
AGENCY = "Blue Compass Travel"
CLIENT = "Harper Household"
TRIP = "Lisbon long weekend"
START = date(2027, 5, 10)  # four days: 10-13 May 2027
END = START + timedelta(days=3)

pytestmark = pytest.mark.slow


# ------------------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------------------


class Shots:
    """Numbered full-page screenshots: test-artifacts/build/NN_name.png."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.n = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()

    def __call__(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.n:02d}_{name}.png"), full_page=True)


@contextmanager
def store(config: Path) -> Iterator[TravelService]:
    with TravelService.open(load_settings(config)) as service:
        yield service


def the_plan(config: Path) -> TripPlan:
    with store(config) as service:
        trips = service.list_trips(ME, limit=50)
        assert [t.name for t in trips] == [TRIP], [t.name for t in trips]
        assert trips[0].id is not None
        return service.get_trip_plan(ME, trips[0].id)


def main(page: Any) -> Any:
    return page.get_by_test_id("stMain")


def no_trouble(page: Any, errors: list[str], where: str) -> None:
    """No exception box, no error alert, no console error."""
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, f"{where}: {exceptions.first.inner_text()}"
    alerts = page.get_by_test_id("stAlertContentError")
    assert alerts.count() == 0, f"{where}: {alerts.first.inner_text()}"
    assert errors == [], f"{where}: console errors {errors}"


def fill(scope: Any, label: str, text: str) -> None:
    box = scope.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Tab")


def type_date(scope: Any, label: str, day: date) -> None:
    """A Streamlit date input (yyyy-mm-dd segments): type the date into its segments, as a person does."""
    field = scope.get_by_test_id("stDateInput").filter(has=scope.page.get_by_text(label, exact=True)).first
    field.get_by_role("spinbutton", name=f"year, {label}").click()
    scope.page.keyboard.type(f"{day:%Y%m%d}", delay=30)  # each full segment moves on to the next
    scope.page.keyboard.press("Tab")
    shown = field.locator('[data-testid="hidden-dateinput-container"] input')
    expect(shown).to_have_value(day.isoformat())


def choose(page: Any, scope: Any, label: str, option: str) -> None:
    """Open the selectbox/multiselect ``label`` in ``scope`` and click its option ``option``."""
    box = scope.get_by_test_id("stSelectbox").or_(scope.get_by_test_id("stMultiSelect"))
    box = box.filter(has=page.get_by_text(label, exact=True)).first
    box.click()
    page.keyboard.type(option)  # the list is virtualised: type to search, as a person does
    page.get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")  # a multiselect stays open


def expander(page: Any, title: str) -> Any:
    """The expander ``title`` of the main area, opened."""
    found = main(page).get_by_test_id("stExpander").filter(has=page.locator("summary", has_text=title)).first
    found.wait_for(timeout=WAIT_MS)
    if found.locator("details").first.get_attribute("open") is None:
        found.locator("summary").first.click()
    return found


def submit(page: Any, scope: Any, button: str) -> None:
    scope.get_by_role("button", name=button, exact=True).click()
    wait_until_rendered(page)


def download(page: Any, button: str) -> bytes:
    with page.expect_download(timeout=WAIT_MS) as info:
        main(page).get_by_role("button", name=button).first.click()
    path = info.value.path()
    return Path(path).read_bytes()


def segment(page: Any, name: str, option: str) -> None:
    """Pick ``option`` of the segmented control ``name`` (a radio group) and wait for the rerun."""
    group = main(page).get_by_role("radiogroup", name=name)
    radio = group.get_by_role("radio", name=option, exact=True)
    for _ in range(3):  # a click that lands while the page redraws itself is lost: click again
        radio.click()
        wait_until_rendered(page)
        expect(group).to_have_count(1, timeout=20_000)  # the previous run's copy is gone
        if radio.is_checked():
            break
    expect(radio).to_be_checked()


def render_document(page: Any, kind: str) -> None:
    """On Documents: pick the ``kind`` (proposal, itinerary, invoice), tick "I have read the notices" when asked, render, wait for it."""
    kind_title = KINDS[kind].title
    segment(page, "Document", kind_title)
    form = main(page).get_by_test_id("stForm").first
    ack = form.get_by_text("I have read the notices above")
    if ack.count():
        notices = main(page).get_by_test_id("stAlertContentWarning").first.inner_text()
        print(f"{kind_title} notices: {notices}")
        ack.click()
    form.get_by_role("button", name=re.compile(r"^(Render anyway|Render a new )")).click()
    main(page).get_by_text(re.compile(r"^Rendered \w+ v\d+")).wait_for(timeout=WAIT_MS)
    wait_until_rendered(page)


def events_by_summary(ics: bytes) -> dict[str, datetime]:
    """VEVENT summary -> DTSTART (local to its TZID) of an .ics file."""
    calendar = Calendar.from_ical(ics)
    out: dict[str, datetime] = {}
    for event in calendar.walk("VEVENT"):
        out[str(event["SUMMARY"])] = event.decoded("DTSTART")
    return out


def drag(page: Any, source: Any, target: Any, *, below: bool = False) -> None:
    """Press on ``source``, move to ``target`` (its upper or lower part) in small steps, release (dnd-kit needs
    a 10 px move with the button down before a drag starts; see test_itinerary_drag.py)."""
    a, b = source.bounding_box(), target.bounding_box()
    assert a and b, "both cards are on screen"
    x0, y0 = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2
    x1, y1 = b["x"] + b["width"] / 2, b["y"] + b["height"] * (0.8 if below else 0.2)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 4, y0 + 12, steps=4)
    page.mouse.move(x1, y1, steps=25)
    page.mouse.move(x1, y1 + 1, steps=2)
    page.mouse.up()


# The items of the walk: (day, tier (None: shared by every tier), kind, title, local start, zone, sell, cost,
# confirmation, details by their form label). Six kinds; the hotel differs per tier, so do the tier totals.
ITEMS: list[tuple[int, str | None, str, str, str, str, str, str, str, dict[str, str]]] = [
    (1, None, "Flight", "TAP TP1351 London to Lisbon", "09:30", "Europe/London", "420.00", "360.00", "TPX7Q2",
     {"Carrier (airline, operator, company, line)": "TAP", "Flight or train number": "TP1351",
      "From (airport or station)": "LHR", "To (airport or station)": "LIS"}),
    (1, None, "Transfer", "Airport transfer to the hotel", "13:30", "Europe/Lisbon", "60.00", "45.00", "TRF-5521",
     {"Vehicle": "Minivan", "Pick-up": "LIS arrivals", "Drop-off": "Hotel"}),
    (1, "Essential", "Hotel", "Hotel Lisboa Plaza", "15:00", "Europe/Lisbon", "540.00", "450.00", "LP-1001",
     {"Room": "Classic double", "Board (e.g. B&B)": "B&B"}),
    (1, "Signature", "Hotel", "Memmo Alfama", "15:00", "Europe/Lisbon", "960.00", "780.00", "MEM-88412",
     {"Room": "Deluxe river view", "Board (e.g. B&B)": "B&B"}),
    (1, "Ultimate", "Hotel", "Four Seasons Ritz Lisbon", "15:00", "Europe/Lisbon", "2250.00", "1900.00",
     "FSR-7731", {"Room": "Premier suite", "Board (e.g. B&B)": "B&B"}),
    (2, None, "Activity", "Alfama walking tour", "10:00", "Europe/Lisbon", "90.00", "60.00", "ALF-204",
     {"Meeting point": "Largo do Chafariz de Dentro"}),
    (3, None, "Rail", "Train to Sintra", "09:15", "Europe/Lisbon", "12.00", "9.00", "CP-88231",
     {"Carrier (airline, operator, company, line)": "CP", "From (airport or station)": "Rossio",
      "To (airport or station)": "Sintra"}),
    (4, None, "Car", "Private driver to the airport", "14:00", "Europe/Lisbon", "180.00", "140.00", "DRV-3310",
     {"Car class": "Mercedes V-Class", "Pick-up": "Hotel", "Drop-off": "LIS departures"}),
]  # fmt: skip
SHARED_CENTS = 42000 + 6000 + 9000 + 1200 + 18000
TIER_TOTALS = {"Essential": SHARED_CENTS + 54000, "Signature": SHARED_CENTS + 96000,
               "Ultimate": SHARED_CENTS + 225000}  # fmt: skip


# ------------------------------------------------------------------------------------------------------------
# the walk
# ------------------------------------------------------------------------------------------------------------


def test_a_new_advisor_builds_prices_and_proposes_a_trip_from_a_blank_page(
    fresh_app_url: str, fresh_config: Path, browser: Any
) -> None:
    context, page, errors = open_app(browser, fresh_app_url, accept_downloads=True)
    shot = Shots(page)
    with store(fresh_config) as service:
        assert service.list_clients(ME) == [] and service.list_trips(ME) == [], "the data folder is not fresh"
        assert service.get_agency(ME).is_placeholder
    shot("home")

    # -- 1. Agency profile ------------------------------------------------------------------------------------
    open_page(page, "Agency profile")
    expect(main(page).get_by_text("is still the placeholder")).to_be_visible()
    shot("agency_placeholder")
    form = main(page).get_by_test_id("stForm").first
    fill(form, "Agency name", AGENCY)
    fill(form, "Address", "Rua das Flores 12\n1200-195 Lisboa\nPortugal")
    fill(form, "Phone", "+351 21 000 0000")
    fill(form, "Email", "hello@bluecompass.example")
    fill(form, "Website", "https://bluecompass.example")
    choose(page, form, "Default currency", "EUR")
    fill(
        form,
        "Invoice terms",
        "A 30% deposit confirms the booking.\n\nThe balance is due 45 days before travel.",
    )
    submit(page, form, "Save profile")
    expect(main(page).get_by_text(re.compile(r"^Saved: "))).to_be_visible(timeout=WAIT_MS)
    expect(main(page).get_by_text("is still the placeholder")).to_have_count(0)
    shot("agency_saved")
    no_trouble(page, errors, "Agency profile")
    with store(fresh_config) as service:
        agency = service.get_agency(ME)
        assert (agency.name, agency.default_currency, agency.is_placeholder) == (AGENCY, "EUR", False)
        assert agency.phone == "+351 21 000 0000" and "Lisboa" in agency.address

    # -- 2. Clients: a client and two travelers, one with a passport -----------------------------------------
    open_page(page, "Clients")
    new = expander(page, "New client")
    fill(new, "Name (household)", CLIENT)
    fill(new, "Email", "harper@example.com")
    fill(new, "Phone", "+44 20 7946 0000")
    submit(page, new, "Create client")
    expect(main(page).get_by_text(f"Created client '{CLIENT}'.")).to_be_visible(timeout=WAIT_MS)
    expect(main(page).get_by_role("heading", name=CLIENT)).to_be_visible()
    shot("client_created")

    travelers = [
        ("Eleanor", "Harper", date(1984, 3, 2), ("passport", "P7654321", "GB", date(2032, 8, 31))),
        ("Sam", "Harper", date(1986, 11, 20), None),
    ]
    for first, last, born, passport in travelers:
        add = expander(page, "Add traveler")
        left_over = {
            label: add.get_by_label(label, exact=True).input_value()
            for label in ("Legal first name(s)", "Legal last name(s)", "New document number", "Country")
        }
        assert not any(left_over.values()), f"Add traveler still holds the last traveler's {left_over}"
        fill(add, "Legal first name(s)", first)
        fill(add, "Legal last name(s)", last)
        type_date(add, "Date of birth", born)
        if passport is not None:
            _, number, country, expiry = passport
            fill(add, "New document number", number)
            fill(add, "Country", country)
            type_date(add, "Expiry", expiry)
        submit(page, add, "Add traveler")
        expect(main(page).get_by_text(f"Added {first} {last}.")).to_be_visible(timeout=WAIT_MS)
    shot("client_travelers")
    expect(main(page).get_by_text(re.compile(r"^Passport •+4321 \(GB\), expires 31 Aug 2032"))).to_have_count(
        1
    )
    no_trouble(page, errors, "Clients")
    with store(fresh_config) as service:
        clients = service.list_clients(ME)
        assert [c.name for c in clients] == [CLIENT]
        assert clients[0].id is not None
        people = service.list_travelers(ME, clients[0].id)
        assert sorted(t.full_name for t in people) == ["Eleanor Harper", "Sam Harper"]
        eleanor = next(t for t in people if t.first_name == "Eleanor")
        assert [(d.kind, d.number.get_secret_value(), d.country, d.expiry) for d in eleanor.documents] == [
            ("passport", "P7654321", "GB", date(2032, 8, 31))
        ]
        assert next(t for t in people if t.first_name == "Sam").documents == []
        client_id = clients[0].id

    # -- 3. Trips: dates (four days), party, budget, currency EUR --------------------------------------------
    open_page(page, "Trips")
    new = expander(page, "New trip")
    choose(page, new, "Client", f"{CLIENT} (#{client_id})")
    wait_until_rendered(page)
    new = expander(page, "New trip")
    fill(new, "Trip name", TRIP)
    party = new.get_by_test_id("stMultiSelect").first
    for person in ("Eleanor Harper", "Sam Harper"):  # the household's travelers come preselected
        expect(party.get_by_text(person)).to_be_visible()
    type_date(new, "Start date", START)
    type_date(new, "End date", END)
    fill(new, "Destinations (comma separated)", "Lisbon, Sintra")
    fill(new, "Budget", "6000.00")
    choose(page, new, "Currency", "EUR")
    submit(page, new, "Create trip")
    expect(main(page).get_by_text(f"Created trip '{TRIP}'.")).to_be_visible(timeout=WAIT_MS)
    shot("trip_created")
    no_trouble(page, errors, "Trips")
    plan = the_plan(fresh_config)
    trip = plan.trip
    assert trip.id is not None
    trip_id = trip.id
    assert (trip.start_date, trip.end_date, trip.currency, trip.budget_cents) == (START, END, "EUR", 600000)
    assert trip.client_id == client_id and len(trip.party) == 2

    # -- 4. Itinerary: three tiers, four days, items of six kinds, the hotel differs per tier -----------------
    open_page(page, "Itinerary")
    shot("itinerary_empty")
    tiers = expander(page, "Proposal tiers")
    tiers.get_by_role("button", name=re.compile(r"^Create tiers")).click()
    wait_until_rendered(page)
    expect(
        main(page).get_by_text(re.compile(r"^Added the tiers: Essential, Signature, Ultimate"))
    ).to_be_visible()
    shot("tiers_created")
    for day, tier, kind, title, at, zone, sell, cost, confirmation, details in ITEMS:
        add_item(page, day, tier, kind, title, at, zone, sell, cost, confirmation, details)
    shot("itinerary_items")
    no_trouble(page, errors, "Itinerary")
    plan = the_plan(fresh_config)
    shared = {d.day.id: d.day.date for d in plan.days if d.day.option_id is None}
    assert sorted(shared.values()) == [START + timedelta(days=n) for n in range(4)], "four shared days"
    days = {d.day.id: d.day.date for d in plan.days}
    items = [i for d in plan.days for i in d.items]
    assert len(items) == len(ITEMS) and len({i.kind for i in items}) == 6, [(i.kind, i.title) for i in items]
    assert all(i.sell_cents > 0 and i.confirmation_numbers for i in items)
    expected = {
        title: (START + timedelta(days=day - 1), at, zone) for day, _, _, title, at, zone, *_ in ITEMS
    }
    for item in items:
        assert item.start_local is not None and item.day_id is not None
        on, at, zone = expected[item.title]
        assert (days[item.day_id], f"{item.start_local:%H:%M}", item.start_tz) == (on, at, zone), item
    field_of = {label: name for name, label in DETAIL_LABEL.items()}
    typed = {title: {field_of[k]: v for k, v in d.items()} for *_, title, _, _, _, _, _, d in ITEMS}
    stored = {i.title: i.details.model_dump(exclude_none=True) for i in items}
    extra = {t: {k: v for k, v in stored[t].items() if k not in typed[t]} for t in typed}
    assert not any(extra.values()), f"details nobody typed were stored: {extra}"  # the add form starts blank
    assert {t: {k: v for k, v in stored[t].items() if k in typed[t]} for t in typed} == typed
    options = {o.id: o.label for o in plan.options}
    tier_of_day = {d.day.id: options.get(d.day.option_id) for d in plan.days}
    tier_of = {title: tier for _, tier, _, title, *_ in ITEMS}
    assert {i.title: tier_of_day[i.day_id] for i in items} == tier_of
    with store(fresh_config) as service:
        totals = {
            options[o]: service.trip_totals(ME, trip_id, option_id=o).client_total_cents for o in options
        }
    assert totals == TIER_TOTALS, totals

    # -- 5. Documents: the itinerary .ics, each event on its day ---------------------------------------------
    open_page(page, "Documents")
    render_document(page, "itinerary")
    shot("itinerary_rendered")
    ics = download(page, "Download ICS")
    events = events_by_summary(ics)
    # no tier is chosen yet, so the itinerary is the shared plan (the tiers' hotels wait for the client's choice)
    on_day = {i.title: days[i.day_id] for i in items if i.day_id in shared}
    assert set(events) == set(on_day), sorted(events)
    for title, start in events.items():
        assert start.date() == on_day[title], f"{title}: DTSTART {start} is not on its day {on_day[title]}"
    no_trouble(page, errors, "Documents (itinerary)")

    # -- 6. Drag an item to another day on the board; the .ics follows ---------------------------------------
    open_page(page, "Itinerary")
    moving = next(i for i in items if i.kind == "activity")  # day 2, 10:00
    target_day = next(d for d in plan.days if d.day.date == START + timedelta(days=2))  # day 3
    board = page.frame_locator(BOARD)
    source = board.locator(".sortable-item", has_text=moving.title).first
    source.wait_for(timeout=WAIT_MS)
    last_of_target = sorted(target_day.items, key=lambda i: i.position)[-1]
    target = board.locator(".sortable-item", has_text=last_of_target.title).first
    source.scroll_into_view_if_needed()
    drag(page, source, target, below=True)
    main(page).get_by_text("Saved the new order").wait_for(timeout=WAIT_MS)
    wait_until_rendered(page)
    shot("itinerary_dragged")
    no_trouble(page, errors, "Itinerary (drag)")
    with store(fresh_config) as service:
        moved = service.get_item(ME, moving.id or 0)
    assert moved.day_id == target_day.day.id, "the dragged item is not on the day it was dropped on"
    assert moving.start_local is not None
    assert moved.start_local is not None and moved.start_local.date() == target_day.day.date, (
        f"dragged to {target_day.day.date}, the item still starts {moved.start_local}: the move kept the old date"
    )
    assert moved.start_local.time() == moving.start_local.time() and moved.start_tz == moving.start_tz

    open_page(page, "Documents")
    render_document(page, "itinerary")
    ics = download(page, "Download ICS")
    after = events_by_summary(ics)
    assert after[moving.title].date() == target_day.day.date, after[moving.title]
    assert after[moving.title].time() == events[moving.title].time()
    assert str(after[moving.title].tzinfo) == str(events[moving.title].tzinfo)
    shot("itinerary_rerendered")
    no_trouble(page, errors, "Documents (itinerary after the drag)")

    # -- 7. The proposal PDF: three tiers, three different totals, the agency's name -------------------------
    render_document(page, "proposal")
    shot("proposal_rendered")
    proposal = pdf_text(download(page, "Download PDF"))
    assert AGENCY in proposal and "My Agency" not in proposal, proposal
    for tier, cents in TIER_TOTALS.items():
        assert tier in proposal and f"{cents / 100:,.2f}" in proposal, (
            f"{tier} {cents / 100:,.2f}\n{proposal}"
        )
    assert len(set(TIER_TOTALS.values())) == 3
    no_trouble(page, errors, "Documents (proposal)")

    # -- 8. The client chooses Signature (the tier bar of the Itinerary page) ---------------------------------
    open_page(page, "Itinerary")
    expander(page, "Proposal tiers")
    signature = f"Signature · EUR {TIER_TOTALS['Signature'] / 100:,.2f}"
    segment(page, "Tier", signature)
    main(page).get_by_role("button", name="Client chose this tier").click()
    wait_until_rendered(page)
    expect(main(page).get_by_text("The client chose 'Signature'")).to_be_visible(timeout=WAIT_MS)
    shot("tier_chosen")
    no_trouble(page, errors, "Itinerary (tier chosen)")
    with store(fresh_config) as service:
        status = {o.label: o.status for o in service.list_options(ME, trip_id)}
        assert status["Signature"] == "accepted", status
        assert service.trip_totals(ME, trip_id).client_total_cents == TIER_TOTALS["Signature"]

    # -- 9. Money: schedule the deposit, mark it received, the invoice shows it paid -------------------------
    open_page(page, "Money")
    schedule = main(page).get_by_test_id("stForm").filter(has_text="Schedule the deposit").first
    deposit = schedule.get_by_label(re.compile(r"^Deposit \(EUR\)"))
    deposit.fill("500.00")
    deposit.press("Tab")
    submit(page, schedule, "Schedule payments")
    expect(main(page).get_by_text("Scheduled the deposit and the final payment")).to_be_visible(
        timeout=WAIT_MS
    )
    shot("money_scheduled")
    main(page).get_by_role("button", name="Mark received").first.click()
    wait_until_rendered(page)
    expect(main(page).get_by_text(re.compile(r"^Marked 'Deposit' received"))).to_be_visible(timeout=WAIT_MS)
    shot("money_deposit_received")
    no_trouble(page, errors, "Money")
    with store(fresh_config) as service:
        payments = service.list_payments(ME, trip_id)
    paid = [p for p in payments if p.kind == "deposit"]
    assert [(p.amount_cents, p.paid) for p in paid] == [(50000, True)], payments
    final = [p.amount_cents for p in payments if p.kind == "final"]
    assert final == [TIER_TOTALS["Signature"] - 50000], payments

    open_page(page, "Documents")
    render_document(page, "invoice")
    shot("invoice_rendered")
    invoice = pdf_text(download(page, "Download PDF"))
    assert AGENCY in invoice and "My Agency" not in invoice
    deposit_line = next((line for line in invoice.splitlines() if "Deposit" in line and "500.00" in line), "")
    assert re.search(r"\b(paid|received)\b", deposit_line, re.IGNORECASE), (
        f"the invoice does not show the deposit as paid: {deposit_line!r}\n{invoice}"
    )
    assert re.search(r"^Paid\b.*500\.00", invoice, re.MULTILINE), invoice
    assert "Memmo Alfama" in invoice and "Four Seasons" not in invoice, invoice  # the chosen tier's hotel
    assert f"{TIER_TOTALS['Signature'] / 100:,.2f}" in invoice, invoice
    no_trouble(page, errors, "Documents (invoice)")

    context.close()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def add_item(
    page: Any,
    day: int,
    tier: str | None,
    kind: str,
    title: str,
    at: str,
    zone: str,
    sell: str,
    cost: str,
    confirmation: str,
    details: dict[str, str],
) -> None:
    """The Itinerary page's "Add an item": the kind, then the form, as a person fills it."""
    segment(page, "Kind of item", kind)
    form = main(page).get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Add item")).first
    try:
        form.get_by_label(next(iter(details)), exact=True).wait_for(timeout=10_000)  # the kind's own fields
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"failed_add_{kind}.png"))
        raise
    fill(form, "Title", title)
    choose(page, form, "Day", f"Day {day} · {when(START + timedelta(days=day - 1))}")
    choose(page, form, "Tier", tier or "All tiers")  # the form keeps the last item's day and tier
    type_time(form, "Start (local)", at)
    zone_box = form.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Start zone", exact=True)).first
    if zone not in zone_box.inner_text():
        choose(page, form, "Start zone", zone)
    for label, value in details.items():
        fill(form, label, value)
    fill(form, "Confirmation numbers", confirmation)
    fill(form, "Cost (EUR)", cost)
    fill(form, "Sell (EUR)", sell)
    form.get_by_role("button", name="Add item").click()
    main(page).get_by_text(f"Added '{title}'.").wait_for(timeout=WAIT_MS)
    wait_until_rendered(page)


def type_time(scope: Any, label: str, at: str) -> None:
    """A Streamlit time input (HH:mm segments): type the time into its segments."""
    hour, minute = at.split(":")
    scope.get_by_role("spinbutton", name=f"hour, {label}").click()
    scope.page.keyboard.type(hour + minute, delay=30)
    scope.page.keyboard.press("Tab")
    expect(scope.get_by_role("spinbutton", name=f"hour, {label}")).to_have_text(hour)
    expect(scope.get_by_role("spinbutton", name=f"minute, {label}")).to_have_text(minute)
