"""The warehouse schema: tables, column types, and the version the file is at.

Timestamps are UTC, stored as naive ``TIMESTAMP`` (no time-zone arithmetic in dashboard queries). The event
tables (``model_usage``, ``mcp_calls``, ``budget_events``) have no primary key on purpose: an ART index
halves ingest speed, and idempotency is kept per spool segment instead (``spool_segments``).

A model's id is "provider/name", and the schema says how to read it from a ``model_usage`` row, once: the macro
``model_id(model_provider, model_name)``. Rows store the bare name (the gateway since a322469, the demo seed,
the original system), but the gateway wrote the full id into ``model_name`` before, and warehouse files keep
those rows: ``model_provider || '/' || model_name`` turns them into "openai/openai/gpt-4o". The macro keeps a
name that already starts with its provider. A macro, not a generated column or a view: DuckDB cannot add a
generated column to an existing table, a generated column breaks ``INSERT ... SELECT *``, and a view computes
the id for every row, where the dashboards' aggregates fold it once per group (``model_id(any_value(...),
any_value(...))``, 10M rows: 2x faster than folding each row).

Versions: 1 the tables; 2 the ``model_id`` macro (opening a version-1 file adds it).
"""

from __future__ import annotations

from typing import Final

SCHEMA_VERSION: Final = 2

# The one definition of a model id over model_usage columns; queries call it as ``MODEL_ID_SQL``.
MODEL_ID_MACRO: Final = """CREATE OR REPLACE MACRO model_id(provider, name) AS
    CASE WHEN starts_with(name, provider || '/') THEN name ELSE provider || '/' || name END"""
MODEL_ID_SQL: Final = "model_id(model_provider, model_name)"

# Columns of the tables filled from the spool, in table order. The spool writes one JSON object per event with
# these keys; ``read_json`` reads them with exactly these types (keys not listed are ignored).
EVENT_COLUMNS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "model_usage": (
        # the original system's columns
        ("id", "VARCHAR NOT NULL"),
        ("session_id", "VARCHAR"),
        ("model_provider", "VARCHAR NOT NULL"),
        ("model_name", "VARCHAR NOT NULL"),
        ("task_type", "VARCHAR NOT NULL"),
        ("tokens_used", "BIGINT"),
        ("cost_usd", "DOUBLE"),
        ("response_time_ms", "DOUBLE"),
        ("quality_score", "DOUBLE"),
        ("created_at", "TIMESTAMP NOT NULL"),
        # ours
        ("request_id", "VARCHAR NOT NULL"),
        ("attempt", "INTEGER"),
        ("user_id", "VARCHAR"),
        ("agency_id", "VARCHAR"),
        ("trip_id", "VARCHAR"),
        ("workflow_step", "INTEGER"),
        ("prompt_tokens", "BIGINT"),
        ("completion_tokens", "BIGINT"),
        ("cache_read_tokens", "BIGINT"),
        ("cache_write_tokens", "BIGINT"),
        ("status", "VARCHAR NOT NULL"),
        ("error_class", "VARCHAR"),
        ("cache_hit", "BOOLEAN"),
        ("fallback_from", "VARCHAR"),
        ("routing_reason", "VARCHAR"),
        ("is_demo", "BOOLEAN"),
        ("prompt_text", "VARCHAR"),
        ("response_text", "VARCHAR"),
    ),
    "mcp_calls": (
        ("id", "VARCHAR NOT NULL"),
        ("created_at", "TIMESTAMP NOT NULL"),
        ("server", "VARCHAR NOT NULL"),
        ("instance", "VARCHAR NOT NULL"),
        ("tool", "VARCHAR NOT NULL"),
        ("latency_ms", "DOUBLE"),
        ("status", "VARCHAR NOT NULL"),
        ("bytes_out", "BIGINT"),
        ("bytes_in", "BIGINT"),
        ("error", "VARCHAR"),
        ("session_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("trip_id", "VARCHAR"),
    ),
    "budget_events": (
        ("id", "VARCHAR NOT NULL"),
        ("created_at", "TIMESTAMP NOT NULL"),
        ("scope", "VARCHAR NOT NULL"),
        ("scope_id", "VARCHAR NOT NULL"),
        ("period", "VARCHAR NOT NULL"),
        ("period_key", "VARCHAR NOT NULL"),
        ("kind", "VARCHAR NOT NULL"),
        ("threshold", "DOUBLE"),
        ("spent_usd", "DOUBLE"),
        ("limit_usd", "DOUBLE"),
        ("message", "VARCHAR"),
    ),
}
EVENT_TABLES: Final = tuple(EVENT_COLUMNS)


def _table(name: str, columns: tuple[tuple[str, str], ...]) -> str:
    body = ",\n    ".join(f"{col} {kind}" for col, kind in columns)
    return f"CREATE TABLE IF NOT EXISTS {name} (\n    {body}\n)"


def json_columns(table: str) -> str:
    """The ``columns`` argument of ``read_json`` for an event table: ``{'id': 'VARCHAR', ...}``."""
    pairs = (f"'{col}': '{kind.removesuffix(' NOT NULL')}'" for col, kind in EVENT_COLUMNS[table])
    return "{" + ", ".join(pairs) + "}"


def column_list(table: str) -> str:
    return ", ".join(col for col, _ in EVENT_COLUMNS[table])


DDL: Final[tuple[str, ...]] = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)",
    *(_table(name, cols) for name, cols in EVENT_COLUMNS.items()),
    """CREATE TABLE IF NOT EXISTS spool_segments (
    name VARCHAR PRIMARY KEY,
    rows BIGINT NOT NULL,
    ingested_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS model_performance (
    id VARCHAR PRIMARY KEY,
    model_name VARCHAR NOT NULL,
    task_type VARCHAR NOT NULL,
    avg_response_time DOUBLE,
    avg_cost DOUBLE,
    avg_quality DOUBLE,
    success_rate DOUBLE,
    last_updated TIMESTAMP,
    model_provider VARCHAR,
    calls BIGINT,
    p50_ms DOUBLE,
    p95_ms DOUBLE,
    quality_samples BIGINT
)""",
    """CREATE TABLE IF NOT EXISTS user_model_preferences (
    user_id VARCHAR PRIMARY KEY,
    preferred_model VARCHAR,
    cost_threshold DOUBLE,
    performance_preference VARCHAR NOT NULL,
    fallback_models JSON,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS benchmark_runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    params JSON,
    status VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS benchmark_results (
    id VARCHAR PRIMARY KEY,
    run_id VARCHAR,
    task_type VARCHAR,
    case_id VARCHAR,
    model VARCHAR,
    score DOUBLE,
    cost_usd DOUBLE,
    latency_ms DOUBLE,
    prompt_tokens BIGINT,
    completion_tokens BIGINT,
    output VARCHAR,
    explanation VARCHAR,
    created_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS quality_feedback (
    id VARCHAR PRIMARY KEY,
    request_id VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    user_id VARCHAR,
    created_at TIMESTAMP NOT NULL
)""",
    MODEL_ID_MACRO,
)
