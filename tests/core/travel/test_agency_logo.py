"""The agency logo: a PNG or JPEG of at most 1 MiB, stored under the data folder, admin only."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.errors import PermissionDenied
from core.security import Principal
from core.travel import RecordInvalid, TravelService


def image(fmt: str = "PNG", size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 80, 160)).save(out, format=fmt)
    return out.getvalue()


def test_a_png_logo_is_stored_under_the_data_folder_and_recorded_on_the_profile(
    service: TravelService, admin: Principal
) -> None:
    data = image()

    agency = service.save_agency_logo(admin, data, "logo.png")

    assert agency.logo_path == "agency/logo-1.png"
    assert (service.store.path.parent / "agency" / "logo-1.png").read_bytes() == data
    assert service.agency_logo(admin) == data
    assert not list((service.store.path.parent / "agency").glob(".*.tmp")), "no temporary file left"


def test_a_jpeg_replaces_the_png_and_its_old_file_goes(service: TravelService, admin: Principal) -> None:
    service.save_agency_logo(admin, image(), "logo.png")

    agency = service.save_agency_logo(admin, image("JPEG"), "logo.jpeg")

    assert agency.logo_path == "agency/logo-1.jpg"
    assert sorted(p.name for p in (service.store.path.parent / "agency").iterdir()) == ["logo-1.jpg"]


def test_the_file_type_is_read_from_its_bytes_not_its_name(service: TravelService, admin: Principal) -> None:
    with pytest.raises(RecordInvalid) as e:
        service.save_agency_logo(admin, b"GIF89a not a png", "logo.png")

    assert "logo.png is not a PNG or JPEG image" in str(e.value)
    assert e.value.problems == {"logo": "not a PNG or JPEG"}
    assert service.get_agency(admin).logo_path is None


def test_a_logo_over_one_mebibyte_is_refused_naming_the_limit(
    service: TravelService, admin: Principal
) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024)

    with pytest.raises(RecordInvalid, match="the limit is 1 MiB"):
        service.save_agency_logo(admin, big, "huge.png")


def test_an_empty_file_is_refused(service: TravelService, admin: Principal) -> None:
    with pytest.raises(RecordInvalid, match=r"empty\.png is empty"):
        service.save_agency_logo(admin, b"", "empty.png")


def test_only_an_admin_changes_the_logo(service: TravelService, admin: Principal, viewer: Principal) -> None:
    agent = service.create_user(admin, display_name="Ann Agent", role="agent").principal()

    for who in (viewer, agent):
        with pytest.raises(PermissionDenied):
            service.save_agency_logo(who, image(), "logo.png")
        with pytest.raises(PermissionDenied):
            service.remove_agency_logo(who)


def test_removing_the_logo_clears_the_profile_and_deletes_the_file(
    service: TravelService, admin: Principal
) -> None:
    service.save_agency_logo(admin, image(), "logo.png")

    agency = service.remove_agency_logo(admin)

    assert agency.logo_path is None and service.agency_logo(admin) is None
    assert not (service.store.path.parent / "agency" / "logo-1.png").exists()
    assert service.remove_agency_logo(admin).logo_path is None, "removing twice changes nothing"
