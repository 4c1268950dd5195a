"""The agency profile on every document; the placeholder "My Agency" is never printed, and rendering warns."""

from __future__ import annotations

import io
import re

import pytest
from documents_helpers import AGENCY, TODAY, DocTrip, build_doc_trip, set_profile
from PIL import Image
from pypdf import PdfReader

from core.documents import PLACEHOLDER_WARNING, render
from core.security import Principal
from core.travel import PLACEHOLDER_AGENCY_NAME, TravelService, format_money


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 30), (20, 80, 160)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def placeholder_trip(service: TravelService, admin: Principal) -> DocTrip:
    return build_doc_trip(service, admin, profile=False)


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        ("proposal", "html"),
        ("proposal", "pdf"),
        ("itinerary", "html"),
        ("itinerary", "ics"),
        ("invoice", "pdf"),
    ],
)
def test_with_the_placeholder_profile_no_document_prints_my_agency_and_rendering_warns(
    service: TravelService, admin: Principal, placeholder_trip: DocTrip, kind: str, fmt: str
) -> None:
    doc = render(service, admin, placeholder_trip.trip_id, kind=kind, fmt=fmt, today=TODAY)

    text = pdf_text(doc.bytes) if fmt == "pdf" else doc.bytes.decode("utf-8")
    assert PLACEHOLDER_AGENCY_NAME not in text
    assert "Lisbon" in text  # the document itself is complete
    assert doc.warnings == (PLACEHOLDER_WARNING,)
    assert "travelops agency update --name" in PLACEHOLDER_WARNING


def test_with_a_profile_the_proposal_pdf_holds_the_agency_and_three_different_tier_totals(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    doc = render(service, admin, doc_trip.trip_id, kind="proposal", fmt="pdf", today=TODAY)
    text = pdf_text(doc.bytes)

    assert AGENCY in text and PLACEHOLDER_AGENCY_NAME not in text
    assert doc.warnings == ()
    totals = {
        service.trip_totals(admin, doc_trip.trip_id, option_id=o).client_total_cents
        for o in doc_trip.option_ids.values()
    }
    assert len(totals) == 3
    for cents in totals:
        assert format_money(cents, "EUR") in text
    assert PdfReader(io.BytesIO(doc.bytes)).metadata.author == AGENCY  # type: ignore[union-attr]


def test_the_html_header_carries_the_address_and_contacts_of_the_profile(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    page = render(service, admin, doc_trip.trip_id, kind="itinerary", fmt="html", today=TODAY).bytes.decode()

    assert f'<div class="agency">{AGENCY}</div>' in page
    assert "12 Rua do Ouro, 1100-060 Lisboa" in page
    assert "+351 213 000 111 · hello@bluecompass.example · bluecompass.example" in page
    assert f"<footer>{AGENCY} · Trip" in page


def test_the_profile_is_escaped_like_any_stored_text(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    set_profile(service, admin, name="<b>Bold</b> & Co", address="<script>x</script>")

    page = render(service, admin, doc_trip.trip_id, kind="proposal", fmt="html", today=TODAY).bytes.decode()

    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page and "<b>Bold" not in page
    assert "<script>x" not in page


def test_the_logo_is_inlined_in_html_and_drawn_in_the_pdf(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    service.save_agency_logo(admin, png(), "logo.png")

    page = render(service, admin, doc_trip.trip_id, kind="proposal", fmt="html", today=TODAY).bytes.decode()
    pdf = render(service, admin, doc_trip.trip_id, kind="proposal", fmt="pdf", today=TODAY).bytes

    assert re.search(r'<img class="logo" src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="Blue Compass', page)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1


def test_a_lost_logo_file_leaves_the_logo_out_instead_of_failing(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    service.save_agency_logo(admin, png(), "logo.png")
    (service.store.path.parent / "agency" / "logo-1.png").unlink()

    page = render(service, admin, doc_trip.trip_id, kind="proposal", fmt="html", today=TODAY).bytes.decode()

    assert "<img" not in page and AGENCY in page


def test_invoice_terms_come_from_the_profile_when_set_else_from_the_template(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    before = render(service, admin, doc_trip.trip_id, kind="invoice", fmt="html", today=TODAY).bytes.decode()
    set_profile(service, admin, terms="Pay within 30 days.\n\nNo refunds after\ndeparture.")
    after = render(service, admin, doc_trip.trip_id, kind="invoice", fmt="html", today=TODAY).bytes.decode()

    assert "Liability." in before and "Pay within 30 days." not in before
    assert "<p>Pay within 30 days.</p>" in after and "<p>No refunds after departure.</p>" in after
    assert "Liability." not in after


def test_the_calendar_is_named_after_the_trip_and_the_agency(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    ics = render(service, admin, doc_trip.trip_id, kind="itinerary", fmt="ics", today=TODAY).bytes.decode()

    assert f"X-WR-CALNAME:Lisbon in May ({AGENCY})" in ics
