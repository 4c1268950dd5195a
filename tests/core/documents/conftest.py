"""Documents fixtures: a real SQLite store in tmp_path, the admin, and a trip made for documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from documents_helpers import DocTrip, build_doc_trip

from core.security import FieldCipher, Principal
from core.travel import TravelService, TravelStore


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TravelService]:
    svc = TravelService(TravelStore(tmp_path / "travel.db"), FieldCipher.load(tmp_path, environ={}))
    yield svc
    svc.close()


@pytest.fixture
def admin() -> Principal:
    return Principal.default_admin()


@pytest.fixture
def doc_trip(service: TravelService, admin: Principal) -> DocTrip:
    return build_doc_trip(service, admin)


@pytest.fixture
def script_trip(service: TravelService, admin: Principal) -> DocTrip:
    """The same trip for a client, and with an item, called <script>alert(1)</script>."""
    return build_doc_trip(
        service, admin, client_name="<script>alert(1)</script>", item_title="<script>alert(1)</script>"
    )
