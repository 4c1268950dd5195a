"""A model id is defined once, by the schema's ``model_id`` macro, and reads both spellings a row may have.

Rows store the bare name in ``model_name`` (the gateway since a322469, the demo seed, the original system); the
gateway stored the full id there before, and warehouse files keep those rows. Until the schema defined the id,
analytics folded the two (``MODEL_ID_SQL``) while five other queries concatenated provider and name.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from warehouse_helpers import usage

from core.warehouse import SCHEMA_VERSION, Warehouse, cost_by_day, p95_by_task, queries
from core.warehouse._schema import DDL, MODEL_ID_MACRO

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# The two expressions the queries used before the schema defined the id, verbatim.
CONCATENATED = "model_provider || '/' || model_name"
FOLDED = (  # analytics.MODEL_ID_SQL
    "CASE WHEN starts_with(model_name, model_provider || '/') THEN model_name "
    "ELSE model_provider || '/' || model_name END"
)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    wh = Warehouse(tmp_path / "data", lock_timeout_s=10)
    wh.record(usage("bare", model="openai/gpt-4o", at=AT, cost_usd=0.25, response_time_ms=100.0))
    # The gateway before a322469: the full id in model_name.
    wh.record(usage("full", model="openai/openai/gpt-4o", at=AT, cost_usd=0.5, response_time_ms=300.0))
    wh.record(usage("other", model="anthropic/claude-haiku-4-5", at=AT, cost_usd=1.0, response_time_ms=200.0))
    yield wh
    wh.close()


def ids(wh: Warehouse, expression: str) -> dict[str, str]:
    rows = wh.query(f"SELECT request_id, {expression} AS model FROM model_usage").to_dict("records")
    return {str(r["request_id"]): str(r["model"]) for r in rows}


def rows_for(wh: Warehouse, expression: str, model: str) -> list[str]:
    df = wh.query(f"SELECT request_id FROM model_usage WHERE {expression} = ? ORDER BY request_id", [model])
    return [str(r) for r in df["request_id"]]


def test_the_concatenation_was_wrong_for_rows_that_store_the_full_id_and_the_fold_was_right(
    warehouse: Warehouse,
) -> None:
    assert ids(warehouse, CONCATENATED) == {
        "bare": "openai/gpt-4o",
        "full": "openai/openai/gpt-4o",  # no such model: the registry, benchmarks and selector never match it
        "other": "anthropic/claude-haiku-4-5",
    }
    assert ids(warehouse, FOLDED) == {
        "bare": "openai/gpt-4o",
        "full": "openai/gpt-4o",
        "other": "anthropic/claude-haiku-4-5",
    }
    # Which rows a question about openai/gpt-4o got from each:
    assert rows_for(warehouse, CONCATENATED, "openai/gpt-4o") == ["bare"]
    assert rows_for(warehouse, FOLDED, "openai/gpt-4o") == ["bare", "full"]


def test_the_schemas_model_id_gets_the_rows_the_fold_got(warehouse: Warehouse) -> None:
    assert queries.MODEL_ID_SQL == "model_id(model_provider, model_name)"
    assert ids(warehouse, queries.MODEL_ID_SQL) == ids(warehouse, FOLDED)
    assert rows_for(warehouse, queries.MODEL_ID_SQL, "openai/gpt-4o") == ["bare", "full"]


def test_the_queries_that_concatenated_count_both_spellings_under_one_id(warehouse: Warehouse) -> None:
    costs = {r.model: (r.calls, r.cost_usd) for r in cost_by_day(warehouse).itertuples()}
    assert costs == {"anthropic/claude-haiku-4-5": (1, 1.0), "openai/gpt-4o": (2, 0.75)}

    # A percentile is not summed across the two spellings (see P95_BY_TASK_SQL), but both read the right id.
    p95 = sorted((r.model, r.calls) for r in p95_by_task(warehouse).itertuples())
    assert p95 == [("anthropic/claude-haiku-4-5", 1), ("openai/gpt-4o", 1), ("openai/gpt-4o", 1)]

    summary = warehouse.usage_summary()
    assert {(r.key, r.calls) for r in summary.by_model} == {
        ("anthropic/claude-haiku-4-5", 1),
        ("openai/gpt-4o", 2),
    }

    warehouse.refresh_performance()  # one model_performance row per id (its primary key), not two
    perf = warehouse.performance()
    assert set(perf) == {("anthropic/claude-haiku-4-5", "trip_summary"), ("openai/gpt-4o", "trip_summary")}
    assert perf["openai/gpt-4o", "trip_summary"].calls == 2


def test_a_version_1_warehouse_gets_the_model_id_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    for statement in DDL:
        if statement != MODEL_ID_MACRO:  # the schema as version 1 wrote it
            con.execute(statement)
    con.execute("INSERT INTO schema_version VALUES (1, now()::TIMESTAMP)")
    con.execute(
        "INSERT INTO model_usage (id, model_provider, model_name, task_type, created_at, request_id, status) "
        "VALUES ('u1', 'openai', 'openai/gpt-4o', 'trip_summary', TIMESTAMP '2026-11-02 09:00', 'r1', 'ok')"
    )
    con.close()

    wh = Warehouse(tmp_path)
    assert wh.query(f"SELECT {queries.MODEL_ID_SQL} AS m FROM model_usage")["m"].tolist() == ["openai/gpt-4o"]
    assert wh.query("SELECT max(version) AS v FROM schema_version")["v"].tolist() == [SCHEMA_VERSION]
    assert SCHEMA_VERSION == 2


def test_every_name_of_the_queries_face_imports() -> None:
    for name in queries.__all__:
        assert getattr(queries, name) is not None, name
