"""The read-only SQL explorer behind travel-db's explore_database, on a small SQLite file of its own."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from core.errors import ValidationError
from core.mcp.servers.travel_db import SECRET_COLUMNS, run_readonly_query


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Ten clients and two travel documents whose numbers are 'encrypted' (the explorer must never read them)."""
    path = tmp_path / "travel.db"
    conn = sqlite3.connect(path)
    try:
        conn.executescript(
            """
            CREATE TABLE clients (id INTEGER PRIMARY KEY, name TEXT, photo BLOB, notes TEXT);
            CREATE TABLE travel_documents (id INTEGER PRIMARY KEY, number_enc TEXT, number_last4 TEXT);
            INSERT INTO travel_documents (number_enc, number_last4) VALUES ('gAAA-secret-1', '1234'),
                                                                           ('gAAA-secret-2', '5678');
            """
        )
        conn.executemany(
            "INSERT INTO clients (name, photo, notes) VALUES (?, ?, ?)",
            [(f"Client {i}", b"\x00" * 16, "n" * (3_000 if i == 1 else 10)) for i in range(1, 11)],
        )
        conn.commit()
    finally:
        conn.close()
    return path


def snapshot(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT 'c', id, name FROM clients UNION ALL SELECT 'd', id, number_enc FROM travel_documents"
        ).fetchall()
    finally:
        conn.close()


def test_a_select_answers_its_columns_and_rows(db: Path) -> None:
    result = run_readonly_query(db, "SELECT id, name FROM clients WHERE id <= 2 ORDER BY id;")

    assert result.columns == ["id", "name"]
    assert result.rows == [[1, "Client 1"], [2, "Client 2"]]
    assert (result.row_count, result.truncated) == (2, False)
    assert result.elapsed_ms >= 0


def test_a_with_select_after_a_comment_is_a_select(db: Path) -> None:
    sql = "/* how many */ -- clients\nWITH c AS (SELECT id FROM clients) SELECT COUNT(*) AS n FROM c"

    assert run_readonly_query(db, sql).rows == [[10]]


def test_the_row_limit_holds_and_says_when_rows_were_left_out(db: Path) -> None:
    capped = run_readonly_query(db, "SELECT id FROM clients ORDER BY id", max_rows=3)
    exact = run_readonly_query(db, "SELECT id FROM clients ORDER BY id", max_rows=10)

    assert capped.rows == [[1], [2], [3]] and (capped.row_count, capped.truncated) == (3, True)
    assert (exact.row_count, exact.truncated) == (10, False)


def test_blobs_and_long_text_are_summarised_not_returned_whole(db: Path) -> None:
    [[photo, notes]] = run_readonly_query(db, "SELECT photo, notes FROM clients WHERE id = 1").rows

    assert photo == "<16 bytes>"
    assert notes.startswith("n" * 2_000) and notes.endswith("… (3000 characters)")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("INSERT INTO clients (name) VALUES ('x')", "got 'INSERT'"),
        ("UPDATE clients SET name = 'x'", "got 'UPDATE'"),
        ("DELETE FROM clients", "got 'DELETE'"),
        ("DROP TABLE clients", "got 'DROP'"),
        ("PRAGMA journal_mode = DELETE", "got 'PRAGMA'"),
        ("ATTACH DATABASE ':memory:' AS other", "got 'ATTACH'"),
        ("", "got 'nothing'"),
        ("WITH x AS (SELECT 1) DELETE FROM clients", "only reads: this statement would change the database"),
        ("WITH x AS (SELECT 1) INSERT INTO clients (name) SELECT 'x'", "only reads"),
        ("SELECT 1; DELETE FROM clients", "runs exactly one statement"),
    ],
)
def test_anything_but_one_select_is_refused_and_changes_nothing(db: Path, sql: str, expected: str) -> None:
    before = snapshot(db)

    with pytest.raises(ValidationError, match=expected):
        run_readonly_query(db, sql)

    assert snapshot(db) == before


def test_a_value_too_large_to_build_is_refused(db: Path) -> None:
    with pytest.raises(ValidationError, match="SQLite refused the query"):
        run_readonly_query(db, "SELECT zeroblob(1000000000)")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM travel_documents",
        "SELECT number_enc FROM travel_documents",
        "SELECT id FROM travel_documents WHERE number_enc LIKE 'g%'",
        "SELECT (SELECT number_enc FROM travel_documents LIMIT 1) AS n",
        "WITH d AS (SELECT number_enc AS n FROM travel_documents) SELECT length(n) FROM d",
    ],
)
def test_secret_columns_are_refused_however_they_are_reached(db: Path, sql: str) -> None:
    assert ("travel_documents", "number_enc") in SECRET_COLUMNS

    with pytest.raises(ValidationError) as refused:
        run_readonly_query(db, sql)

    assert str(refused.value).startswith("explore_database may not read travel_documents.number_enc")
    assert "number_last4" in str(refused.value)


def test_the_other_columns_of_a_table_with_a_secret_stay_readable(db: Path) -> None:
    result = run_readonly_query(db, "SELECT id, number_last4 FROM travel_documents ORDER BY id")

    assert result.rows == [[1, "1234"], [2, "5678"]]


def test_a_query_that_runs_past_its_time_limit_is_stopped(db: Path) -> None:
    ticks = itertools.count()
    endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT COUNT(*) FROM n"

    with pytest.raises(ValidationError, match=r"took longer than 2 s and was stopped") as refused:
        run_readonly_query(db, endless, timeout_s=2.0, clock=lambda: float(next(ticks)))

    assert "LIMIT" in str(refused.value)
