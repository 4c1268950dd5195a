"""PDF documents carry real text: pypdf reads the client's name, the dates and the totals back out."""

from __future__ import annotations

import io
import re

import pytest
from documents_helpers import SECRETS, TODAY, DocTrip
from pypdf import PdfReader

from core.documents import build_view, render, template_dirs
from core.documents._pdf import cleaner, find_unicode_font, latin1, render_pdf
from core.documents._spec import KINDS
from core.security import Principal
from core.travel import TravelService, format_money


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_proposal_pdf_text_has_the_client_the_dates_and_every_tier_total(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    doc = render(service, admin, doc_trip.trip_id, kind="proposal", fmt="pdf", today=TODAY)
    text = pdf_text(doc.bytes)

    assert doc.bytes.startswith(b"%PDF-") and doc.content_type == "application/pdf"
    assert "Ana & Rui Silva" in text
    assert "2 May 2027" in text and "9 May 2027" in text
    for option_id in doc_trip.option_ids.values():
        total = service.trip_totals(admin, doc_trip.trip_id, option_id=option_id).client_total_cents
        assert format_money(total, "EUR") in text


def test_invoice_pdf_text_has_the_total_the_balance_due_the_schedule_and_the_terms(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    totals = service.trip_totals(admin, doc_trip.trip_id, today=TODAY)
    text = pdf_text(render(service, admin, doc_trip.trip_id, kind="invoice", fmt="pdf", today=TODAY).bytes)

    assert "Ana & Rui Silva" in text
    assert format_money(totals.client_total_cents, "EUR") in text
    assert f"Balance due {format_money(totals.balance_due_cents, 'EUR')}" in text
    assert "Paid 10 January 2027" in text and "20 March 2027" in text
    assert "Cancellation." in text


def test_itinerary_pdf_has_times_zones_and_confirmations_but_no_prices_or_secrets(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    text = pdf_text(render(service, admin, doc_trip.trip_id, kind="itinerary", fmt="pdf", today=TODAY).bytes)

    assert "Ana & Rui Silva" in text and "2 May 2027" in text
    assert "America/New_York" in text and "Europe/Lisbon" in text and "ABC123" in text
    assert not re.search(r"EUR\s*\d", text)
    for secret in (*SECRETS, "Cancelled Tagus cruise"):
        assert secret not in text


def test_a_client_called_script_is_plain_text_in_the_pdf(
    service: TravelService, admin: Principal, script_trip: DocTrip
) -> None:
    text = pdf_text(
        render(service, admin, script_trip.trip_id, kind="proposal", fmt="pdf", today=TODAY).bytes
    )

    assert "<script>alert(1)</script>" in text


def test_without_a_unicode_font_the_pdf_uses_latin1_with_close_spellings(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    plan = service.get_trip_plan(admin, doc_trip.trip_id, today=TODAY)
    view = build_view(
        service, admin, plan, KINDS["itinerary"], version=1, today=TODAY, dirs=template_dirs(None)
    )

    text = pdf_text(render_pdf(view, unicode_font=False))

    assert "TP 202 JFK -> LIS" in text  # "→" is not in Latin-1
    assert "Ana & Rui Silva" in text and "2 May 2027 - 9 May 2027" in text


def test_latin1_keeps_accents_it_has_and_spells_out_the_rest() -> None:
    assert latin1("Zoë Müller → “Łódź” €5 … 京") == 'Zoë Müller -> "Lódz" EUR5 ... ?'
    assert latin1("line one\nline two") == "line one\nline two"


def test_characters_the_unicode_font_lacks_are_replaced_not_dropped_silently() -> None:
    covered = frozenset(range(0x10000)) - {ord("京")}

    assert cleaner(covered)("Kyoto 京都 → Nara") == "Kyoto ?都 → Nara"


@pytest.mark.skipif(find_unicode_font() is None, reason="DejaVu Sans is not installed here")
def test_with_dejavu_installed_unicode_text_is_embedded_as_is(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    text = pdf_text(render(service, admin, doc_trip.trip_id, kind="itinerary", fmt="pdf", today=TODAY).bytes)

    assert "TP 202 JFK → LIS" in text
