"""Recording and ingesting in one process: the spool, segments, idempotency, damaged files."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import filelock
import pytest
from warehouse_helpers import usage

from core.errors import WarehouseError
from core.warehouse import SCHEMA_VERSION, BudgetEvent, McpCallEvent, UsageEvent, Warehouse
from core.warehouse._schema import EVENT_COLUMNS

EVENT_TYPES = {"model_usage": UsageEvent, "mcp_calls": McpCallEvent, "budget_events": BudgetEvent}


def sealed(wh: Warehouse) -> list[Path]:
    return sorted(wh.spool_dir.glob("*.jsonl"))


def test_every_event_field_has_a_column_in_its_table() -> None:
    for table, model in EVENT_TYPES.items():
        fields = set(model.model_fields) - {"table"}
        assert fields == {col for col, _ in EVENT_COLUMNS[table]}, table


def test_recorded_events_show_up_in_a_query_with_every_field(warehouse: Warehouse) -> None:
    at = datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC)
    events = [
        usage(
            f"r{i}", at=at, cost_usd=0.001 * i, tokens_used=i, quality_score=0.5, user_id="maria", attempt=2
        )
        for i in range(50)
    ]
    for event in events:
        warehouse.record(event)
    warehouse.record(
        McpCallEvent(server="travel", instance="t1", tool="get_trip", latency_ms=3.5, status="ok")
    )
    budget = BudgetEvent(
        scope="agency", scope_id="a1", period="day", period_key="2026-11-02", kind="alert", threshold=0.8,
        spent_usd=40.0, limit_usd=50.0, message="80% of the daily budget spent",
    )  # fmt: skip
    warehouse.record(budget)

    rows = warehouse.query("SELECT * FROM model_usage ORDER BY cost_usd")
    assert list(rows["id"]) == [e.id for e in events]
    assert rows["id"].is_unique
    first = rows.iloc[1]
    assert first["request_id"] == "r1" and first["user_id"] == "maria" and first["attempt"] == 2
    assert first["created_at"] == datetime(2026, 11, 2, 9, 30, 15, 123456)  # UTC, stored naive
    assert first["status"] == "ok" and not first["cache_hit"] and not first["is_demo"]
    assert warehouse.query("SELECT tool FROM mcp_calls")["tool"].tolist() == ["get_trip"]
    assert warehouse.query("SELECT threshold, message FROM budget_events").iloc[0].tolist() == [
        0.8,
        "80% of the daily budget spent",
    ]


def test_timestamps_in_other_time_zones_are_stored_as_utc(warehouse: Warehouse) -> None:
    paris = timezone(timedelta(hours=1))
    warehouse.record(usage("r1", at=datetime(2026, 11, 2, 10, 0, tzinfo=paris)))
    assert warehouse.query("SELECT created_at FROM model_usage").iloc[0, 0] == datetime(2026, 11, 2, 9, 0)


def test_prompts_are_left_out_unless_store_prompts_is_on(tmp_path: Path) -> None:
    for store, expected in ((False, None), (True, "plan Rome")):
        wh = Warehouse(tmp_path / str(store), store_prompts=store)
        wh.record(usage("r1", prompt_text="plan Rome", response_text="Day 1: ..."))
        assert wh.query("SELECT prompt_text FROM model_usage").iloc[0, 0] == expected
        wh.close()


def test_the_spool_is_one_file_per_table_named_after_the_process(warehouse: Warehouse) -> None:
    warehouse.record(usage("r1"))
    warehouse.record(usage("r2"))
    warehouse.record(McpCallEvent(server="s", instance="i", tool="t", latency_ms=1, status="ok"))
    open_files = sorted(p.name for p in warehouse.spool_dir.glob("*.open"))
    assert [n.split(".")[1] for n in open_files] == ["mcp_calls", "model_usage"]
    assert all(n.startswith(f"{os.getpid()}_") for n in open_files)
    warehouse.flush()
    assert not list(warehouse.spool_dir.glob("*.open"))
    assert sorted(p.name.split(".", 1)[1] for p in sealed(warehouse)) == [
        "mcp_calls.1.jsonl",
        "model_usage.2.jsonl",
    ]


def test_open_segments_are_sealed_by_the_background_thread(warehouse: Warehouse) -> None:
    warehouse.record(usage("r1"))
    deadline = time.monotonic() + 5
    while not sealed(warehouse) and time.monotonic() < deadline:
        time.sleep(0.01)  # bounded poll: the sealer runs on its own schedule
    assert len(sealed(warehouse)) == 1


def test_ingest_reports_rows_and_empties_the_spool(warehouse: Warehouse) -> None:
    for i in range(10):
        warehouse.record(usage(f"r{i}"))
    assert warehouse.ingest() == 0  # this process's segment is still open
    warehouse.flush()
    assert warehouse.ingest() == 10
    assert not list(warehouse.spool_dir.iterdir())
    assert warehouse.ingest() == 0
    assert warehouse.query("SELECT count(*) AS n FROM model_usage")["n"][0] == 10


def test_a_segment_ingested_again_after_a_crash_before_its_deletion_is_not_duplicated(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    for i in range(25):
        warehouse.record(usage(f"r{i}"))
    warehouse.flush()
    [segment] = sealed(warehouse)
    copy = shutil.copy(segment, tmp_path / "copy")
    assert warehouse.ingest() == 25
    shutil.copy(copy, segment)  # as if the process died between COMMIT and unlink
    assert warehouse.ingest() == 0
    assert not segment.exists()
    counts = warehouse.query("SELECT count(*) AS n, count(DISTINCT id) AS ids FROM model_usage")
    assert counts.iloc[0].tolist() == [25, 25]
    assert warehouse.query("SELECT rows FROM spool_segments")["rows"].tolist() == [25]


def test_many_threads_record_at_once_without_losing_or_mixing_lines(warehouse: Warehouse) -> None:
    def work(t: int) -> None:
        for i in range(500):
            warehouse.record(usage(f"t{t}-{i}", user_id=f"thread-{t}"))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    counts = warehouse.query("SELECT count(*) AS n, count(DISTINCT request_id) AS ids FROM model_usage")
    assert counts.iloc[0].tolist() == [4000, 4000]


def test_threads_take_turns_on_the_database(warehouse: Warehouse) -> None:
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(8):
                warehouse.record(usage(f"t{t}-{i}"))
                warehouse.query("SELECT count(*) FROM model_usage")
        except BaseException as e:  # noqa: BLE001 - collected and asserted on below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert warehouse.query("SELECT count(*) AS n FROM model_usage")["n"][0] == 32


def test_record_never_raises_when_the_spool_cannot_be_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "spool").write_text("a file where the spool folder should be")
    wh = Warehouse(data)
    with caplog.at_level(logging.ERROR):
        wh.record(usage("r1"))
    assert "Could not spool a model_usage event" in caplog.text
    assert "is lost" in caplog.text


def test_a_damaged_segment_keeps_its_readable_lines(
    warehouse: Warehouse, caplog: pytest.LogCaptureFixture
) -> None:
    for i in range(3):
        warehouse.record(usage(f"r{i}"))
    warehouse.flush()
    [segment] = sealed(warehouse)
    lines = segment.read_bytes().splitlines(keepends=True)
    segment.write_bytes(lines[0] + b'{"id": "broken", "cost_usd": \n' + lines[1] + lines[2])
    segment.rename(segment.with_name(segment.name.replace(".3.jsonl", ".4.jsonl")))
    with caplog.at_level(logging.WARNING):
        assert warehouse.ingest() == 3
    assert "unreadable lines were skipped" in caplog.text
    assert not list(warehouse.spool_dir.iterdir())


def test_a_segment_that_cannot_be_read_at_all_is_set_aside_and_ingest_goes_on(
    warehouse: Warehouse, caplog: pytest.LogCaptureFixture
) -> None:
    warehouse.record(usage("good"))
    warehouse.flush()
    bad = warehouse.spool_dir / "999999_1_deadbeef_000001.model_usage.1.jsonl"
    bad.write_text('{"id": "x", "created_at": "2026-11-02T00:00:00"}\n')  # no model, task, request: NOT NULL
    with caplog.at_level(logging.ERROR):
        assert warehouse.ingest() == 1
    assert bad.with_name(bad.name + ".bad").exists()
    assert "cannot be read" in caplog.text


def test_the_schema_is_versioned_and_extensions_are_never_installed(warehouse: Warehouse) -> None:
    with warehouse.connect() as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        settings = con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name LIKE 'auto%_known_extensions' ORDER BY name"
        ).fetchall()
    assert settings == [("autoinstall_known_extensions", "false"), ("autoload_known_extensions", "false")]


def test_a_newer_schema_is_refused_with_a_hint(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    with wh.connect() as con:
        con.execute("INSERT INTO schema_version VALUES (?, now()::TIMESTAMP)", [SCHEMA_VERSION + 1])
    # Another process (an older TravelOps) opens the file.
    code = (
        "import sys; from pathlib import Path; from core.warehouse import Warehouse; "
        "from core.errors import WarehouseError\n"
        "try:\n    Warehouse(Path(sys.argv[1])).query('SELECT 1')\n"
        "except WarehouseError as e:\n    print(e)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert "newer than this TravelOps understands" in out.stdout, out.stderr


def test_a_busy_lock_ends_in_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path, lock_timeout_s=0.2)
    with filelock.FileLock(tmp_path / "warehouse.lock"), pytest.raises(WarehouseError) as caught:
        wh.query("SELECT 1")
    assert "is busy" in str(caught.value) and "lock_timeout_s" in str(caught.value)


def test_an_open_segment_whose_writer_still_holds_its_lock_is_left_alone(warehouse: Warehouse) -> None:
    # A writer in another pid namespace (another container on the same volume) looks dead to psutil; the lock
    # it holds on its open segment says otherwise.
    exited = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, timeout=60
    )
    dead_pid = int(exited.stdout)
    segment = warehouse.spool_dir / f"{dead_pid}_1000_cafebabe_000000.model_usage.open"
    warehouse.spool_dir.mkdir(parents=True, exist_ok=True)
    segment.write_text(usage("elsewhere").model_dump_json(exclude={"table"}) + "\n")
    with segment.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert warehouse.ingest() == 0
        assert segment.exists()
    assert warehouse.ingest() == 1  # lock gone, pid gone: an orphan
    assert warehouse.query("SELECT request_id FROM model_usage")["request_id"].tolist() == ["elsewhere"]


def test_a_warehouse_from_settings_uses_the_configured_folder_and_options(tmp_path: Path) -> None:
    from core.config import load_settings

    config = tmp_path / "travelops.yml"
    config.write_text(
        "data_dir: ./data\nwarehouse: {lock_timeout_s: 5, seal_interval_s: 0.5, store_prompts: true}\n"
    )
    settings = load_settings(config, environ={})
    wh = Warehouse.from_settings(settings)
    assert (wh.path, wh.spool_dir) == (settings.warehouse_path, settings.spool_dir)
    assert (wh.lock_timeout_s, wh.seal_interval_s, wh.store_prompts) == (5, 0.5, True)
