"""HTML documents: what each kind shows, what it never shows, and escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from documents_helpers import HOTELS, SECRETS, TODAY, DocTrip

from core.config import load_settings
from core.documents import render
from core.errors import ConfigError
from core.security import Principal
from core.travel import TravelService, format_money

SCRIPT = "<script>alert(1)</script>"


def html(service: TravelService, p: Principal, trip_id: int, kind: str, **kw: object) -> str:
    return render(service, p, trip_id, kind=kind, fmt="html", today=TODAY, **kw).bytes.decode("utf-8")  # type: ignore[arg-type]


def test_proposal_shows_every_tier_with_its_own_hotel_and_total_the_agency_and_validity(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    page = html(service, admin, doc_trip.trip_id, "proposal")

    assert "Ana &amp; Rui Silva" in page
    assert service.get_agency(admin).name in page
    assert "2 May 2027 – 9 May 2027" in page
    assert "Valid until" in page and "29 January 2027" in page  # issued 15 January + 14 days
    totals = {}
    for tier, option_id in doc_trip.option_ids.items():
        totals[tier] = service.trip_totals(admin, doc_trip.trip_id, option_id=option_id).client_total_cents
        assert format_money(totals[tier], "EUR") in page
        assert HOTELS[tier] in page
    assert len(set(totals.values())) == 3, "each tier has its own price"
    assert "Option 2: Signature" in page and "accepted" in page


def test_itinerary_shows_local_times_zones_places_and_confirmations_but_no_prices(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    page = html(service, admin, doc_trip.trip_id, "itinerary")

    assert "Day 1 · Sun 2 May 2027" in page
    assert "08:00 EDT → 20:00 WEST" in page  # the outbound flight, in the zones where it departs and lands
    assert "America/New_York → Europe/Lisbon" in page
    assert "Alfama, Lisbon" in page
    for code in ("ABC123", "ALF-22", "H-778899", "DEF456"):
        assert code in page
    assert HOTELS[2] in page and HOTELS[1] not in page and HOTELS[3] not in page  # the accepted tier only
    assert "Ideas: LX Factory" in page
    assert re.search(r"Day 5 · Thu 6 May 2027</h3>\s*<p class=\"notes\">At leisure.</p>", page)
    assert not re.search(r"EUR\s*\d", page), "the itinerary must not show prices"
    assert "Price" not in page


def test_invoice_shows_line_items_payment_schedule_balance_and_terms(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    totals = service.trip_totals(admin, doc_trip.trip_id, today=TODAY)
    page = html(service, admin, doc_trip.trip_id, "invoice")

    assert "Ana &amp; Rui Silva" in page
    assert format_money(totals.client_total_cents, "EUR") in page
    assert format_money(totals.balance_due_cents, "EUR") in page
    assert format_money(120_000, "EUR") in page  # the flight's line
    assert format_money(25_000, "EUR") in page  # the planning fee
    assert "10 January 2027" in page and "Paid 10 January 2027" in page
    assert "20 March 2027" in page and "Due" in page
    assert "Terms and conditions" in page and "Cancellation." in page
    assert "lines starting with #" not in page  # comments of terms.txt are not printed
    assert "Sunset at Miradouro" not in page  # optional: not billed


@pytest.mark.parametrize("kind", ["proposal", "itinerary", "invoice"])
def test_secrets_internal_notes_and_cancelled_items_never_appear(
    service: TravelService, admin: Principal, doc_trip: DocTrip, kind: str
) -> None:
    page = html(service, admin, doc_trip.trip_id, kind)

    for secret in SECRETS:
        assert secret not in page
    assert "Cancelled Tagus cruise" not in page


@pytest.mark.parametrize("kind", ["proposal", "itinerary", "invoice"])
def test_a_client_and_an_item_called_script_render_as_escaped_text(
    service: TravelService, admin: Principal, script_trip: DocTrip, kind: str
) -> None:
    page = html(service, admin, script_trip.trip_id, kind)

    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()


def test_a_template_beside_the_config_overrides_the_repository_one(
    service: TravelService, admin: Principal, doc_trip: DocTrip, tmp_path: Path
) -> None:
    config = tmp_path / "conf" / "travelops.yml"
    (config.parent / "templates").mkdir(parents=True)
    config.write_text(f"data_dir: {tmp_path}\n")
    (config.parent / "templates" / "itinerary.html.j2").write_text(
        "<p>Custom for {{ doc.header.client_name }}</p>\n"
    )
    settings = load_settings(config, environ={})

    page = html(service, admin, doc_trip.trip_id, "itinerary", settings=settings)
    proposal = html(service, admin, doc_trip.trip_id, "proposal", settings=settings)

    assert page == "<p>Custom for Ana &amp; Rui Silva</p>\n"  # autoescaped there too
    assert "Your options" in proposal  # the other kinds still come from config/templates


def test_a_template_that_names_an_unknown_field_fails_with_the_template_and_the_fix(
    service: TravelService, admin: Principal, doc_trip: DocTrip, tmp_path: Path
) -> None:
    config = tmp_path / "conf" / "travelops.yml"
    (config.parent / "templates").mkdir(parents=True)
    config.write_text(f"data_dir: {tmp_path}\n")
    (config.parent / "templates" / "invoice.html.j2").write_text("{{ doc.header.client_nmae }}")
    settings = load_settings(config, environ={})

    with pytest.raises(ConfigError, match=r"invoice.html.j2.*client_nmae.*Fix:"):
        html(service, admin, doc_trip.trip_id, "invoice", settings=settings)
    assert not list((tmp_path / "documents").rglob("invoice*")), "nothing written for a failed render"
