"""Usage warehouse: spool ingest and dashboard queries, each against raw DuckDB measured in the same run.

1. 1M usage events recorded through ``Warehouse.record`` into 10k-event spool segments;
   ``Warehouse.ingest()`` timed (lock, open, read_json, commit, delete, close) vs inserting the same rows
   from Arrow into a raw DuckDB file (open, insert, close). Also the cost of one ``record()`` call.
2. 10M rows of ``model_usage`` (made with DuckDB's ``range()``); median of 5 runs of ``cost_by_day`` and
   ``p95_by_task`` through the Warehouse (lock, flush, ingest check, open, query, close) vs the same SQL on an
   open raw connection.

Targets (2 cores): ingest >= 500k rows/s; each dashboard query <= 250 ms. Ratios: ``ingest_ratio`` is our
speed as a share of the raw insert's, ``*_ms_ratio`` our time over raw DuckDB's. Prints one JSON object.
Usage: python bench/warehouse.py [ingest_events] [query_rows]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from _usage_rows import TASKS, generate_usage

from core.warehouse import UsageEvent, Warehouse, cost_by_day, p95_by_task

INGEST_EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
QUERY_ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
SEGMENT_EVENTS = 10_000
RUNS = 5

MODELS = [
    ("anthropic", "claude-haiku-4-5"),
    ("anthropic", "claude-sonnet-4-6"),
    ("openai", "gpt-4.1-mini"),
    ("openai", "gpt-4.1"),
    ("offline", "drafter"),
]


def record_events(wh: Warehouse, n: int) -> list[int]:
    """Record n varied usage events, sealing a segment every SEGMENT_EVENTS. Returns ns per record() call."""
    start = datetime.now(UTC) - timedelta(days=30)
    timings: list[int] = []
    clock = time.perf_counter_ns
    for i in range(n):
        provider, name = MODELS[i % 5]
        status = "error" if i % 50 == 0 else "cache_hit" if i % 20 == 0 else "ok"
        prompt, completion = 500 + i % 4000, 100 + i % 900
        event = UsageEvent.model_construct(
            id=f"{i:012d}-{os.getpid()}",
            created_at=start + timedelta(seconds=i * 2.5),
            session_id=f"s-{i // 8}",
            model_provider=provider,
            model_name=name,
            task_type=TASKS[i % 13],
            tokens_used=prompt + completion,
            cost_usd=(prompt + 5 * completion) * 1e-6,
            response_time_ms=200.0 + (i * 7919) % 3000,
            quality_score=0.8 if i % 3 == 0 else None,
            request_id=f"r-{i}",
            user_id=f"agent-{i % 4}",
            agency_id="bench",
            prompt_tokens=prompt,
            completion_tokens=completion,
            status=status,
            error_class="RateLimitError" if status == "error" else None,
            cache_hit=status == "cache_hit",
            routing_reason="routine task",
        )
        t0 = clock()
        wh.record(event)
        timings.append(clock() - t0)
        if i % SEGMENT_EVENTS == SEGMENT_EVENTS - 1:
            wh.flush()
    wh.flush()
    return timings


def bench_ingest(root: Path) -> dict[str, float]:
    wh = Warehouse(root / "ingest", seal_interval_s=3600)
    wh.ingest()  # create the file and schema outside the timing
    timings = record_events(wh, INGEST_EVENTS)
    segments = len(list(wh.spool_dir.glob("*.jsonl")))
    spool_mb = sum(p.stat().st_size for p in wh.spool_dir.glob("*.jsonl")) / 1e6

    t0 = time.perf_counter()
    rows = wh.ingest()
    ingest_s = time.perf_counter() - t0
    assert rows == INGEST_EVENTS, (rows, INGEST_EVENTS)

    with wh.connect(ingest=False) as con:
        rows_arrow = con.sql("SELECT * FROM model_usage").to_arrow_table()
        # The table as the warehouse created it (columns, types, constraints), from DuckDB's catalog.
        create = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'model_usage'").fetchone()
    assert create is not None
    raw = duckdb.connect(str(root / "raw.duckdb"))
    raw.execute(create[0])
    t0 = time.perf_counter()
    raw.register("rows_arrow", rows_arrow)
    raw.execute("INSERT INTO model_usage SELECT * FROM rows_arrow")
    raw.close()
    raw_s = time.perf_counter() - t0
    timings.sort()
    return {
        "ingest_rows": rows,
        "ingest_segments": segments,
        "spool_mb": round(spool_mb, 1),
        "ingest_s": round(ingest_s, 3),
        "ingest_rows_per_s": round(rows / ingest_s),
        "raw_ingest_rows_per_s": round(rows / raw_s),
        "ingest_ratio": round(raw_s / ingest_s, 3),  # share of the raw Arrow insert speed
        "record_us_median": round(timings[len(timings) // 2] / 1000, 2),
        "record_us_p99": round(timings[int(len(timings) * 0.99)] / 1000, 2),
    }


def median_ms(fn: Callable[[], object]) -> float:
    fn()  # warm the page cache and the code path
    runs = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(runs), 1)


def bench_queries(root: Path) -> dict[str, float]:
    wh = Warehouse(root / "queries")
    t0 = time.perf_counter()
    with wh.connect() as con:
        generate_usage(con, QUERY_ROWS, anchor_us=1764115200000000)
    generate_s = time.perf_counter() - t0

    out: dict[str, float] = {"query_rows": QUERY_ROWS, "generate_s": round(generate_s, 2)}
    out["cost_by_day_ms"] = median_ms(lambda: cost_by_day(wh))
    out["p95_by_task_ms"] = median_ms(lambda: p95_by_task(wh))
    raw = duckdb.connect(str(wh.path))
    out["raw_cost_by_day_ms"] = median_ms(lambda: cost_by_day(raw))
    out["raw_p95_by_task_ms"] = median_ms(lambda: p95_by_task(raw))
    raw.close()
    out["cost_by_day_ms_ratio"] = round(out["cost_by_day_ms"] / out["raw_cost_by_day_ms"], 3)
    out["p95_by_task_ms_ratio"] = round(out["p95_by_task_ms"] / out["raw_p95_by_task_ms"], 3)
    return out


def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-warehouse-") as tmp:
        root = Path(tmp)
        result: dict[str, object] = {"bench": "warehouse"}
        result |= bench_ingest(root)
        result |= bench_queries(root)
    result["targets"] = {
        "ingest_rows_per_s": ">= 500000",
        "cost_by_day_ms": "<= 250",
        "p95_by_task_ms": "<= 250",
    }
    result["duckdb"] = duckdb.__version__
    result["cores"] = os.cpu_count()
    result["load_avg_1m"] = round(os.getloadavg()[0], 2)  # other work on the machine skews the figures
    result["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
