"""The demo agency: realistic, labelled, deterministic by seed, idempotent, all or nothing, documents when it
can render them (through a fake ``core.documents`` here, so these tests do not depend on its progress)."""

from __future__ import annotations

import importlib
import sys
import types
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from travel_helpers import ANCHOR

from core.config import Settings, load_settings
from core.errors import TravelOpsError
from core.security import Principal
from core.travel import TravelService
from core.travel import demo as demo_module
from core.travel.demo import DEMO_TAG, demo_client_ref, demo_trip_ref, seed_demo_agency

ME = Principal.default_admin()
EVERY_STATUS = {"planning", "confirmed", "in_progress", "completed", "cancelled"}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key in ("TRAVELOPS_DATA_DIR", "TRAVELOPS_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / "travelops.yml").write_text("data_dir: ./data\n", encoding="utf-8")
    return load_settings(tmp_path / "travelops.yml", environ={})


def fake_documents(monkeypatch: pytest.MonkeyPatch, *, fail_kind: str | None = None) -> list[tuple[int, str]]:
    """Install a ``core.documents`` whose ``render`` records the document as the real one will; return the
    calls it gets."""
    calls: list[tuple[int, str]] = []

    def render(
        service: TravelService, principal: Principal, trip_id: int, *, kind: str, fmt: str, **options: Any
    ) -> Any:
        calls.append((trip_id, kind))
        if kind == fail_kind:
            raise TravelOpsError(f"The {kind} template is missing.")
        return service.record_document(
            principal, trip_id, kind=kind, format=fmt, path=f"/docs/{trip_id}-{kind}.{fmt}"
        )

    module = types.ModuleType("core.documents")
    module.render = render  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "core.documents", module)
    return calls


def snapshot(settings: Settings) -> tuple[int, int, int, int]:
    """Clients, trips, users and the newest activity id: anything written changes one of them."""
    with TravelService.open(settings) as svc:
        newest = svc.recent_activity(ME, limit=1)
        return (
            len(svc.list_clients(ME, include_archived=True, limit=500)),
            len(svc.list_trips(ME, include_archived=True, limit=500)),
            len(svc.list_users(ME)),
            newest[0].id if newest else 0,
        )


def test_the_demo_has_three_agents_forty_clients_sixty_trips_in_every_status_and_many_workflow_steps(
    settings: Settings,
) -> None:
    report = seed_demo_agency(settings, anchor=ANCHOR, documents=False)

    assert report.created and report.seed == 1 and report.path == str(settings.travel_db_path)
    assert (report.agents, report.clients, report.trips) == (3, 40, 60)
    assert report.travelers >= report.clients
    assert set(report.statuses) == EVERY_STATUS and sum(report.statuses.values()) == 60
    steps = [k for k in report.workflow if k.startswith("step ")]
    assert len(steps) >= 5 and report.workflow["complete"] > 0 and report.workflow["not started"] > 0
    summary = report.summary()
    assert "3 agents, 40 clients with" in summary and "60 trips (" in summary and "Workflow: " in summary

    with TravelService.open(settings) as svc:
        clients = svc.list_clients(ME, limit=500)
        assert len(clients) == 40 and all(DEMO_TAG in c.tags for c in clients)
        assert {c.external_id for c in clients} == {demo_client_ref(n) for n in range(40)}
        trips = svc.list_trips(ME, limit=500)
        assert {t.external_id for t in trips} == {demo_trip_ref(n) for n in range(60)}
        for trip in trips:
            assert trip.id is not None
            assert len(svc.list_items(ME, trip.id)) >= 5
            if trip.status != "cancelled":  # the schedule is built on Signature (tier 2)
                signature = next(o for o in svc.list_options(ME, trip.id) if o.tier == 2)
                totals = svc.trip_totals(ME, trip.id, option_id=signature.id, today=ANCHOR)
                assert totals.sell_cents > 0 and totals.scheduled_cents == totals.client_total_cents
        agency = svc.get_agency(ME)
        assert (agency.name, agency.email) == ("Atlas & Tide Travel", "hello@atlasandtide.example")
        assert not agency.is_placeholder and agency.phone and agency.website and agency.address
        agents = [u for u in svc.list_users(ME) if u.role == "agent"]
        assert len(agents) == 3 and {t.agent_id for t in trips} == {a.id for a in agents}


def test_seeding_twice_finds_the_demo_and_writes_nothing(settings: Settings) -> None:
    first = seed_demo_agency(settings, anchor=ANCHOR, documents=False)
    before = snapshot(settings)

    again = seed_demo_agency(settings, anchor=ANCHOR, documents=False)
    other_seed = seed_demo_agency(settings, seed=2, documents=False)

    assert snapshot(settings) == before
    assert not again.created and not other_seed.created and again.seed is None
    assert again.model_dump(exclude={"created", "seed"}) == first.model_dump(exclude={"created", "seed"})
    assert "already in" in again.summary()


def test_the_same_seed_builds_the_same_demo_and_another_seed_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build(name: str, seed: int) -> list[Any]:
        home = tmp_path / name
        home.mkdir()
        (home / "travelops.yml").write_text("data_dir: ./data\n", encoding="utf-8")
        settings = load_settings(home / "travelops.yml", environ={})
        seed_demo_agency(settings, seed=seed, clients=6, anchor=ANCHOR, documents=False)
        with TravelService.open(settings) as svc:
            clients = [(c.external_id, c.name, c.email, c.phone) for c in svc.list_clients(ME)]
            trips = [
                (t.external_id, t.name, t.status, t.start_date, t.budget_cents) for t in svc.list_trips(ME)
            ]
        return clients + trips

    monkeypatch.delenv("TRAVELOPS_SECRET_KEY", raising=False)
    a, b, c = build("a", 7), build("b", 7), build("c", 8)
    assert a == b and a != c


def test_documents_are_rendered_once_per_trip_and_kind_and_a_later_run_fills_in_what_was_missing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo_agency(settings, clients=8, anchor=ANCHOR, documents=False)

    calls = fake_documents(monkeypatch)
    filled = seed_demo_agency(settings, clients=8, anchor=ANCHOR)
    assert not filled.created and filled.notes == []
    assert filled.documents_rendered == len(calls) == filled.documents > 0
    with TravelService.open(settings) as svc:
        status = {t.id: t.status for t in svc.list_trips(ME)}
    kinds = Counter((status[trip_id], kind) for trip_id, kind in calls)
    assert {s for s, _ in kinds} == EVERY_STATUS - {"cancelled"}
    assert kinds[("planning", "proposal")] == Counter(status.values())["planning"]
    assert (
        kinds[("confirmed", "invoice")]
        == kinds[("confirmed", "itinerary")]
        == Counter(status.values())["confirmed"]
    )
    assert len(set(calls)) == len(calls)

    again = seed_demo_agency(settings)
    assert (
        again.documents_rendered == 0
        and again.documents == filled.documents
        and len(calls) == filled.documents
    )


def test_a_document_that_fails_to_render_is_named_in_the_report_and_the_others_are_rendered(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_documents(monkeypatch, fail_kind="proposal")
    report = seed_demo_agency(settings, clients=8, anchor=ANCHOR)
    planning = report.statuses["planning"]
    [note] = report.notes
    assert note.startswith(f"{planning} document(s) could not be rendered: proposal of trip ")
    assert "The proposal template is missing." in note
    assert report.documents == report.documents_rendered > 0


def test_a_failure_while_seeding_leaves_the_store_as_it_was(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = demo_module.build_sample_agency

    def half_then_crash(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise TravelOpsError("The disk is full.")

    monkeypatch.setattr(demo_module, "build_sample_agency", half_then_crash)
    with pytest.raises(TravelOpsError, match="disk is full"):
        seed_demo_agency(settings, clients=4, anchor=ANCHOR, documents=False)
    assert snapshot(settings)[:3] == (0, 0, 1)

    monkeypatch.setattr(demo_module, "build_sample_agency", real)
    assert seed_demo_agency(settings, clients=4, anchor=ANCHOR).created


def test_with_the_real_core_documents_each_trip_gets_its_documents_written_and_recorded(
    settings: Settings,
) -> None:
    if not callable(getattr(importlib.import_module("core.documents"), "render", None)):
        pytest.skip("core.documents has no render() yet")
    report = seed_demo_agency(settings, clients=4, anchor=ANCHOR)
    assert report.notes == [] and report.documents == report.documents_rendered > 0
    with TravelService.open(settings) as svc:
        docs = [d for t in svc.list_trips(ME) if t.id for d in svc.list_documents(ME, t.id)]
    assert len(docs) == report.documents and {d.format for d in docs} == {"html"}
    assert all(Path(d.path).is_file() and Path(d.path).stat().st_size > 0 for d in docs)
    assert all(settings.data_dir in Path(d.path).parents for d in docs)
    assert seed_demo_agency(settings, clients=4, anchor=ANCHOR).documents_rendered == 0


def test_the_demo_never_overwrites_an_agency_profile_someone_set(settings: Settings) -> None:
    with TravelService.open(settings) as svc:
        svc.update_agency(ME, name="Blue Compass Travel")
    seed_demo_agency(settings, clients=2, anchor=ANCHOR, documents=False)
    with TravelService.open(settings) as svc:
        assert svc.get_agency(ME).name == "Blue Compass Travel"
