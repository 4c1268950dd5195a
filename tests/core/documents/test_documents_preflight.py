"""Preflight: what to look at before rendering, in core and on `travelops docs render` (--yes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from documents_helpers import TODAY, DocTrip, build_doc_trip, set_profile
from typer.testing import CliRunner

from core.cli import app
from core.documents import PLACEHOLDER_WARNING, preflight
from core.errors import ValidationError
from core.security import Principal
from core.travel import TravelService


def codes(service: TravelService, p: Principal, trip_id: int, kind: str = "proposal") -> list[str]:
    return [n.code for n in preflight(service, p, trip_id, kind, today=TODAY)]


def test_a_ready_trip_with_a_profile_has_no_notices(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    for kind in ("proposal", "itinerary", "invoice"):
        assert codes(service, admin, doc_trip.trip_id, kind) == []


def test_the_placeholder_agency_is_a_notice_that_names_the_fix(
    service: TravelService, admin: Principal
) -> None:
    trip = build_doc_trip(service, admin, profile=False)

    [notice] = preflight(service, admin, trip.trip_id, "proposal", today=TODAY)

    assert (notice.code, notice.message) == ("placeholder_agency", PLACEHOLDER_WARNING)


def test_a_trip_without_dates_or_items_gets_a_notice_for_each(
    service: TravelService, admin: Principal
) -> None:
    set_profile(service, admin)
    client = service.create_client(admin, name="Bo Berg", email="bo@example.com")
    assert client.id
    trip = service.create_trip(admin, name="Someday", client_id=client.id)
    assert trip.id

    found = codes(service, admin, trip.id)

    assert found[:2] == ["no_dates", "no_items"]
    notices = preflight(service, admin, trip.id, "invoice", today=TODAY)
    assert "Fix: set its start and end dates" in notices[0].message
    assert "nothing_invoiceable" not in [n.code for n in notices], "no items already says it"


def test_an_invoice_with_nothing_booked_and_nothing_accepted_is_a_notice(
    service: TravelService, admin: Principal
) -> None:
    set_profile(service, admin)
    client = service.create_client(admin, name="Bo Berg", email="bo@example.com")
    assert client.id
    trip = service.create_trip(
        admin, name="Porto", client_id=client.id, start_date="2027-06-01", end_date="2027-06-03"
    )
    assert trip.id
    service.add_items(admin, trip.id, [dict(kind="activity", title="Port tasting", sell_cents=5_000)])

    assert "nothing_invoiceable" in codes(service, admin, trip.id, "invoice")
    assert "nothing_invoiceable" not in codes(service, admin, trip.id, "proposal")


def test_open_check_flags_are_notices(service: TravelService, admin: Principal, doc_trip: DocTrip) -> None:
    service.add_items(
        admin,
        doc_trip.trip_id,
        [
            dict(
                kind="activity",
                title="Too late: a day after the trip",
                start_local="2027-05-12T10:00",
                start_tz="Europe/Lisbon",
                currency="EUR",
            )
        ],
    )

    notices = preflight(service, admin, doc_trip.trip_id, "proposal", today=TODAY)

    assert any(n.code.startswith("flag.") and n.message.startswith("Check: ") for n in notices)
    flags = service.check_trip(admin, doc_trip.trip_id, today=TODAY)
    assert [n.code for n in notices] == [f"flag.{f.code}" for f in flags]


def test_preflight_reads_only_and_refuses_an_unknown_kind(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    preflight(service, admin, doc_trip.trip_id, "invoice", today=TODAY)

    assert service.list_documents(admin, doc_trip.trip_id) == []
    with pytest.raises(ValidationError, match="brochure"):
        preflight(service, admin, doc_trip.trip_id, "brochure")


# ------------------------------------------------------------------------------------------------ the CLI
@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TRAVELOPS_DATA_DIR", raising=False)
    monkeypatch.delenv("TRAVELOPS_CONFIG", raising=False)
    path = tmp_path / "travelops.yml"
    path.write_text(f"data_dir: {tmp_path}\n")
    return path


def docs_render(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--config", str(config), "docs", "render", *args])
    return result.exit_code, result.stdout, result.stderr


def test_docs_render_with_notices_and_no_yes_lists_them_renders_nothing_and_exits_1(
    service: TravelService, admin: Principal, config: Path
) -> None:
    trip = build_doc_trip(service, admin, profile=False)

    code, out, err = docs_render(config, str(trip.trip_id), "--kind", "proposal")

    assert code == 1 and out == ""
    assert f"Before rendering the proposal of trip {trip.trip_id}:" in err
    assert "placeholder" in err and "pass --yes to render anyway" in err
    assert service.list_documents(admin, trip.trip_id) == []


def test_docs_render_yes_renders_anyway_and_repeats_the_warning(
    service: TravelService, admin: Principal, config: Path
) -> None:
    trip = build_doc_trip(service, admin, profile=False)

    code, out, err = docs_render(config, str(trip.trip_id), "--kind", "proposal", "--format", "html", "--yes")

    assert code == 0 and "Rendered proposal v1 (html" in out
    assert f"Warning: {PLACEHOLDER_WARNING}" in err
    [doc] = service.list_documents(admin, trip.trip_id)
    assert "My Agency" not in Path(doc.path).read_text(encoding="utf-8")
