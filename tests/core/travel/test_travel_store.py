"""The SQLite store: WAL, migrations, all-or-nothing writes, processes and threads at once, encryption."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from travel_helpers import CleanTrip

from core.errors import TravelOpsError, ValidationError
from core.security import FieldCipher, Principal
from core.travel import SCHEMA_VERSION, RecordInvalid, StoreBusy, TravelService, TravelStore

WAIT_S = 120  # every wait on another process or thread is bounded


def dump(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def positions(path: Path, trip_id: int, day_id: int | None) -> list[int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT position FROM items WHERE trip_id = ? AND day_id IS ? ORDER BY position",
            (trip_id, day_id),
        ).fetchall()
    return [r[0] for r in rows]


def test_a_new_store_uses_wal_foreign_keys_and_the_latest_schema(tmp_path: Path) -> None:
    with TravelStore(tmp_path / "travel.db") as store:
        conn = store.connection()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_check() == ["ok"]


def test_a_fresh_store_has_the_default_agency_admin_and_seeded_instructions(
    service: TravelService, admin: Principal
) -> None:
    assert service.get_agency(admin).name == "My Agency"
    assert [u.role for u in service.list_users(admin)] == ["admin"]
    names = {i.name for i in service.list_instructions(admin)}
    assert {"travel_agent_start", "start_interview", "verify_trip", "confirm_booking"} <= names


def test_reopening_runs_no_migration_again_and_keeps_edits(tmp_path: Path, cipher: FieldCipher) -> None:
    admin = Principal.default_admin()
    with TravelService(TravelStore(tmp_path / "travel.db"), cipher) as svc:
        svc.save_instruction(admin, "verify_trip", text="Check everything twice.")
    with TravelService(TravelStore(tmp_path / "travel.db"), cipher) as svc:
        assert svc.get_instruction(admin, "verify_trip").text == "Check everything twice."
        assert len(svc.list_users(admin)) == 1


def test_a_store_from_a_newer_version_is_refused_with_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "travel.db"
    TravelStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(TravelOpsError, match="newer than this TravelOps knows") as e:
        TravelStore(path)
    assert "upgrade TravelOps" in str(e.value)


def test_a_writer_held_up_past_the_busy_timeout_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "travel.db"
    TravelStore(path).close()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        svc = TravelService(TravelStore(path, busy_timeout_s=0.2), FieldCipher(Fernet.generate_key()))
        with pytest.raises(StoreBusy, match="stayed locked by another process"):
            svc.create_client(Principal.default_admin(), name="Ana")
        svc.close()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_failing_multi_item_add_leaves_the_store_unchanged(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    before = dump(service.store.path)
    items = [
        {"day_id": clean_trip.day_ids[2], "kind": "activity", "title": "Tile museum", "sell_cents": 2000},
        {"day_id": clean_trip.day_ids[2], "kind": "activity", "title": "Tram 28", "position": 0},
        {"day_id": clean_trip.day_ids[3], "kind": "activity", "title": "Oceanarium", "sell_cents": -1},
    ]
    with pytest.raises(RecordInvalid, match="item #3: sell_cents = -1"):
        service.add_items(admin, clean_trip.trip_id, items)
    assert dump(service.store.path) == before
    assert service.get_anything(admin, "Tile museum") == []


def test_a_failing_trip_with_client_creates_no_client_and_no_travelers(
    service: TravelService, admin: Principal
) -> None:
    before = dump(service.store.path)
    with pytest.raises(RecordInvalid, match="Invalid trip: end_date"):
        service.create_trip_with_client(
            admin,
            client={"name": "Zoë Costa", "email": "zoe@example.com"},
            travelers=[{"first_name": "Zoë", "last_name": "Costa"}],
            trip={"name": "Porto", "start_date": "2027-06-10", "end_date": "2027-06-01"},
        )
    assert dump(service.store.path) == before


def test_calls_grouped_with_atomic_roll_back_together(service: TravelService, admin: Principal) -> None:
    before = dump(service.store.path)
    with pytest.raises(ValidationError), service.atomic():
        client = service.create_client(admin, name="Ana Silva")
        assert client.id is not None
        service.create_trip(admin, name="Lisbon", client_id=client.id, currency="???")
    assert dump(service.store.path) == before


def test_the_passport_number_is_not_in_the_raw_database_files(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.store.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
    raw = b"".join(p.read_bytes() for p in service.store.path.parent.glob("travel.db*"))
    assert b"P1234567" not in raw and b"P7654321" not in raw
    assert b"Ana" in raw  # the bytes are readable: the number is absent because it is encrypted
    traveler = service.get_traveler(admin, clean_trip.traveler_ids[0])
    assert traveler.documents[0].number.get_secret_value() == "P1234567"
    assert traveler.documents[0].masked == "••••4567"


def writer(path: str, key: str, worker: int, trip_id: int, day_id: int, n: int) -> list[int]:
    """One process's share of the concurrent-writers test (module level: spawned processes import it)."""
    svc = TravelService(TravelStore(Path(path)), FieldCipher(key))
    p = Principal.default_admin()
    rng = random.Random(worker)
    ids: list[int] = []
    for i in range(n):
        svc.create_client(p, name=f"Worker{worker} Client{i}", email=f"w{worker}.c{i}@example.com")
        item = svc.add_item(
            p,
            trip_id,
            day_id=day_id,
            position=rng.randrange(0, 3),
            kind="activity",
            title=f"w{worker} item {i}",
        )
        assert item.id is not None
        ids.append(item.id)
        if i % 4 == 0:
            svc.move_item(p, item.id, day_id=None, position=0)
    svc.close()
    return ids


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing_and_keep_positions_dense(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    path = tmp_path / "travel.db"
    svc = TravelService(TravelStore(path), FieldCipher(key))
    admin = Principal.default_admin()
    trip = svc.create_trip(admin, name="Shared trip", start_date="2027-05-02", end_date="2027-05-03")
    assert trip.id is not None
    day = svc.ensure_days(admin, trip.id)[0]
    assert day.id is not None
    n = 30
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        futures = [pool.submit(writer, str(path), key, w, trip.id, day.id, n) for w in (1, 2)]
        ids = [i for f in futures for i in f.result(timeout=WAIT_S)]

    assert len(set(ids)) == 2 * n
    assert len(svc.list_clients(admin, limit=500)) == 2 * n
    scheduled, unscheduled = positions(path, trip.id, day.id), positions(path, trip.id, None)
    assert scheduled == list(range(len(scheduled))) and unscheduled == list(range(len(unscheduled)))
    assert len(scheduled) + len(unscheduled) == 2 * n
    assert svc.store.integrity_check() == ["ok"]
    assert [h.title for h in svc.get_anything(admin, "Worker2 Client17")][:1] == ["Worker2 Client17"]
    svc.close()


def test_threads_sharing_one_service_keep_positions_dense(service: TravelService, admin: Principal) -> None:
    trip = service.create_trip(admin, name="Threads", start_date="2027-05-02", end_date="2027-05-02")
    assert trip.id is not None
    day = service.ensure_days(admin, trip.id)[0]
    barrier = threading.Barrier(4, timeout=WAIT_S)

    def work(worker: int) -> int:
        barrier.wait()
        rng = random.Random(worker)
        for i in range(15):
            service.add_item(
                admin, trip.id, day_id=day.id, position=rng.randrange(0, 5), kind="note", title=f"{i}"
            )
        return worker

    with ThreadPoolExecutor(max_workers=4) as pool:
        done = [f.result(timeout=WAIT_S) for f in [pool.submit(work, w) for w in range(4)]]
    assert sorted(done) == [0, 1, 2, 3]
    assert positions(service.store.path, trip.id, day.id) == list(range(60))


def test_a_service_opened_from_settings_lives_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import Settings

    monkeypatch.delenv("TRAVELOPS_SECRET_KEY", raising=False)
    with TravelService.open(Settings(data_dir=tmp_path / "data")) as svc:
        svc.create_client(Principal.default_admin(), name="Ana")
        assert svc.store.path == tmp_path / "data" / "travel.db"
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if not p.name.startswith("travel.db-")) == [
        "secret.key",
        "travel.db",
    ]


def test_a_version_1_store_upgrades_keeping_option_days_items_and_payments(
    tmp_path: Path, cipher: FieldCipher
) -> None:
    from core.travel._migrations import MIGRATIONS, run_script

    path = tmp_path / "travel.db"
    now = "2026-12-07T10:00:00.000+00:00"
    with sqlite3.connect(path, isolation_level=None) as conn:  # a store as version 1 wrote it
        v1 = MIGRATIONS[0]
        run_script(conn, v1.sql)
        assert v1.after is not None
        v1.after(conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO clients (id, agency_id, name, created_at, updated_at) VALUES (1, 1, 'Ana Silva', ?, ?)",
            (now, now),
        )
        conn.execute(
            "INSERT INTO trips (id, agency_id, client_id, name, status, currency, created_at, updated_at) "
            "VALUES (1, 1, 1, 'Lisbon', 'planning', 'EUR', ?, ?)",
            (now, now),
        )
        conn.execute(
            "INSERT INTO itinerary_options (id, trip_id, tier, label, status, created_at, updated_at) "
            "VALUES (7, 1, 3, 'Ultimate', 'draft', ?, ?)",
            (now, now),
        )
        conn.execute(
            "INSERT INTO days (id, trip_id, option_id, date, created_at, updated_at) "
            "VALUES (5, 1, 7, '2027-05-02', ?, ?)",
            (now, now),
        )
        conn.execute(
            "INSERT INTO items (id, trip_id, day_id, position, kind, title, status, currency, created_at, "
            "updated_at) VALUES (9, 1, 5, 0, 'hotel', 'Palace suite', 'proposed', 'EUR', ?, ?)",
            (now, now),
        )
        conn.execute(
            "INSERT INTO payments (trip_id, due_date, amount_cents, created_at, updated_at) "
            "VALUES (1, '2027-03-01', 50000, ?, ?)",
            (now, now),
        )

    admin = Principal.default_admin()
    with TravelService(TravelStore(path), cipher) as svc:
        conn = svc.store.connection()
        assert svc.store.schema_version == SCHEMA_VERSION
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert svc.store.integrity_check() == ["ok"]
        [option] = svc.list_options(admin, 1)
        assert (option.id, option.tier, option.label) == (7, 3, "Ultimate")
        plan = svc.get_trip_plan(admin, 1)
        [item] = plan.items()
        assert (item.id, item.day_id, item.title, item.details.given()) == (9, 5, "Palace suite", {})
        [payment] = svc.list_payments(admin, 1)
        assert (payment.kind, payment.amount_cents) == ("other", 50000)
        assert svc.get_agency(admin).is_placeholder
        assert svc.add_option(admin, 1, tier=4).label == "Bespoke"  # the widened tier check holds
        svc.remove_item(admin, 9)
        conn.execute("DELETE FROM itinerary_options WHERE id = 7")  # option days still cascade with it
        assert conn.execute("SELECT COUNT(*) FROM days WHERE id = 5").fetchone()[0] == 0
