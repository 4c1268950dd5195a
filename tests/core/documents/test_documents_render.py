"""render(): where files go, how renders are recorded and versioned, and what bad input says."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from documents_helpers import TODAY, DocTrip

from core.config import load_settings
from core.documents import KINDS, render
from core.errors import PermissionDenied, TravelOpsError, ValidationError
from core.security import FieldCipher, Principal
from core.travel import NotFound, RecordInvalid, TravelService, TravelStore
from core.travel.fixtures import build_sample_agency


def test_each_render_is_recorded_with_the_next_version_and_who_rendered_it(
    service: TravelService, admin: Principal, doc_trip: DocTrip, tmp_path: Path
) -> None:
    first = render(service, admin, doc_trip.trip_id, kind="proposal", fmt="html", today=TODAY)
    second = render(service, admin, doc_trip.trip_id, kind="proposal", fmt="pdf", today=TODAY)
    invoice = render(service, admin, doc_trip.trip_id, kind="invoice", fmt="html", today=TODAY)

    assert (first.version, second.version, invoice.version) == (1, 2, 1)  # per kind
    assert first.path == tmp_path / "documents" / str(doc_trip.trip_id) / "proposal-v1.html"
    assert second.path.name == "proposal-v2.pdf" and second.path.read_bytes() == second.bytes
    assert second.document.version == 2 and second.document.kind == "proposal"
    recorded = service.list_documents(admin, doc_trip.trip_id, kind="proposal")
    assert [(d.version, d.format, d.created_by) for d in recorded] == [(2, "pdf", 1), (1, "html", 1)]
    assert recorded[0].path == str(second.path)
    activity = service.recent_activity(admin, trip_id=doc_trip.trip_id, limit=3)
    assert activity[0].action == "document.create" and "invoice v1" in activity[0].summary


def test_the_version_shows_in_the_document_itself(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    render(service, admin, doc_trip.trip_id, kind="itinerary", fmt="html", today=TODAY)
    doc = render(service, admin, doc_trip.trip_id, kind="itinerary", fmt="html", today=TODAY)

    assert f"Trip {doc_trip.trip_id} · itinerary v2" in doc.bytes.decode()


def test_passing_the_version_records_the_html_and_pdf_of_one_rendering_together(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    render(service, admin, doc_trip.trip_id, kind="invoice", fmt="html", today=TODAY, version=1)
    render(service, admin, doc_trip.trip_id, kind="invoice", fmt="pdf", today=TODAY, version=1)

    recorded = service.list_documents(admin, doc_trip.trip_id, kind="invoice")
    assert sorted((d.version, d.format) for d in recorded) == [(1, "html"), (1, "pdf")]


def test_a_version_already_recorded_is_refused_and_leaves_no_file(
    service: TravelService, admin: Principal, doc_trip: DocTrip, tmp_path: Path
) -> None:
    render(service, admin, doc_trip.trip_id, kind="invoice", fmt="pdf", today=TODAY, version=1)
    before = sorted(p.name for p in (tmp_path / "documents").rglob("*"))

    with pytest.raises(RecordInvalid, match="already recorded"):
        render(service, admin, doc_trip.trip_id, kind="invoice", fmt="pdf", today=TODAY, version=1)

    assert sorted(p.name for p in (tmp_path / "documents").rglob("*")) == before


def test_out_names_the_file_or_the_folder_to_write(
    service: TravelService, admin: Principal, doc_trip: DocTrip, tmp_path: Path
) -> None:
    file = render(
        service, admin, doc_trip.trip_id, kind="itinerary", fmt="ics", out=tmp_path / "x" / "trip.ics"
    )
    (tmp_path / "folder").mkdir()
    into = render(service, admin, doc_trip.trip_id, kind="itinerary", fmt="pdf", out=tmp_path / "folder")

    assert file.path == tmp_path / "x" / "trip.ics" and file.path.read_bytes() == file.bytes
    assert into.path == tmp_path / "folder" / "itinerary-v2.pdf"
    assert {d.path for d in service.list_documents(admin, doc_trip.trip_id)} == {
        str(file.path),
        str(into.path),
    }


def test_with_settings_documents_go_under_its_data_dir(
    service: TravelService, admin: Principal, doc_trip: DocTrip, tmp_path: Path
) -> None:
    config = tmp_path / "elsewhere.yml"
    config.write_text("data_dir: other-data\n")
    settings = load_settings(config, environ={})

    doc = render(service, admin, doc_trip.trip_id, kind="proposal", fmt="html", settings=settings)

    assert doc.path == tmp_path / "other-data" / "documents" / str(doc_trip.trip_id) / "proposal-v1.html"


def test_an_unknown_trip_is_not_found_by_its_id(service: TravelService, admin: Principal) -> None:
    with pytest.raises(NotFound, match="No trip 4242"):
        render(service, admin, 4242, kind="proposal", fmt="pdf")


@pytest.mark.parametrize("kind", ["proposal", "invoice"])
def test_ics_is_only_for_the_itinerary_and_the_error_says_what_to_use(
    service: TravelService, admin: Principal, doc_trip: DocTrip, kind: str
) -> None:
    with pytest.raises(ValidationError) as e:
        render(service, admin, doc_trip.trip_id, kind=kind, fmt="ics")

    assert f"fmt ics is not available for kind {kind}" in str(e.value)
    assert "html or pdf" in str(e.value) and "kind itinerary fmt ics" in str(e.value)
    assert service.list_documents(admin, doc_trip.trip_id) == []


def test_unknown_kinds_and_formats_list_the_choices(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    with pytest.raises(
        ValidationError, match=r"Unknown document kind 'brochure'.*proposal, itinerary, invoice"
    ):
        render(service, admin, doc_trip.trip_id, kind="brochure", fmt="pdf")
    with pytest.raises(ValidationError, match=r"Unknown format 'docx'.*html, pdf, ics"):
        render(service, admin, doc_trip.trip_id, kind="invoice", fmt="docx")


def test_a_viewer_cannot_render_because_every_render_is_recorded(
    service: TravelService, admin: Principal, doc_trip: DocTrip, tmp_path: Path
) -> None:
    viewer = service.create_user(admin, display_name="Vera Viewer", role="viewer").principal()

    with pytest.raises(PermissionDenied, match="render a document"):
        render(service, viewer, doc_trip.trip_id, kind="itinerary", fmt="html")
    assert not (tmp_path / "documents").exists()


def test_an_agent_is_recorded_as_the_author(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    agent = service.create_user(admin, display_name="Marta Reis", role="agent")
    assert agent.id

    doc = render(service, agent.principal(), doc_trip.trip_id, kind="itinerary", fmt="html")

    assert doc.document.created_by == agent.id


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TravelService, list[int]]]:
    """The demo's sample agency (every trip status), built once for the module."""
    root = tmp_path_factory.mktemp("sample")
    service = TravelService(TravelStore(root / "travel.db"), FieldCipher.load(root, environ={}))
    agency = build_sample_agency(
        service, Principal.default_admin(), clients=6, seed=7, anchor=date(2026, 11, 26)
    )
    yield service, [t.id for t in agency.trips if t.id]
    service.close()


@pytest.mark.parametrize("kind, fmt", [(k, f) for k, spec in KINDS.items() for f in spec.formats])
def test_every_sample_trip_renders_in_every_kind_and_format(
    sample: tuple[TravelService, list[int]], kind: str, fmt: str
) -> None:
    service, trips = sample
    admin = Principal.default_admin()
    statuses = {service.get_trip(admin, t).status for t in trips}
    assert {"planning", "confirmed", "cancelled"} <= statuses

    for trip_id in trips:
        doc = render(service, admin, trip_id, kind=kind, fmt=fmt)
        assert doc.path.is_file() and doc.bytes


def test_an_unwritable_target_is_a_clear_error_and_nothing_is_recorded(
    service: TravelService, admin: Principal, doc_trip: DocTrip, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(TravelOpsError, match=r"Could not write .*a-file/x/trip.html.*Fix:"):
        render(
            service, admin, doc_trip.trip_id, kind="itinerary", fmt="html", out=blocker / "x" / "trip.html"
        )
    assert service.list_documents(admin, doc_trip.trip_id) == []
