"""travel-db through an in-process MCP client, over the sample agency in a real SQLite store."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import pytest
from servers_helpers import connected, failed, ok

from core.config import Settings
from core.mcp.servers import build
from core.security import Principal
from core.travel import TravelService, Workflow
from core.travel.fixtures import SampleAgency

pytestmark = pytest.mark.anyio
ADMIN = Principal.default_admin()


def trip_named(agency: SampleAgency, words: str) -> int:
    trip = next(t for t in agency.trips if words in t.name)
    assert trip.id is not None
    return trip.id


def count(settings: Settings, sql: str) -> int:
    conn = sqlite3.connect(settings.travel_db_path)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


# -- search and continuing a trip ---------------------------------------------------------------------------


async def test_get_anything_finds_a_trip_despite_a_typo_and_points_to_continue_trip(
    settings: Settings, agency: SampleAgency
) -> None:
    lisbon = trip_named(agency, "Lisbon")
    async with connected(build("travel-db", settings)) as client:
        found = ok(await client.call_tool("get_anything", {"query": "lisbn", "limit": 5}))
    assert found["hits"][0]["kind"] == "trip" and found["hits"][0]["id"] == lisbon
    assert "typo" in found["hits"][0]["matched"]
    assert found["hint"] == f"Pick up a trip with continue_trip(trip_id={lisbon})."


async def test_get_anything_with_no_match_suggests_the_closest_names(
    settings: Settings, agency: SampleAgency
) -> None:
    porto = trip_named(agency, "Food and wine in Porto")
    async with connected(build("travel-db", settings)) as client:
        found = ok(await client.call_tool("get_anything", {"query": "Porto 2027"}))
        nothing = ok(await client.call_tool("get_anything", {"query": "zzzz qqqq"}))
    assert found["hits"] == []
    assert found["hint"].startswith("No match for 'Porto 2027'. Did you mean ")
    assert f"'Food and wine in Porto' (trip {porto})" in found["hint"]
    assert "Nothing is close either" in nothing["hint"] and "get_recent_activities" in nothing["hint"]


async def test_continue_trip_by_query_returns_the_plan_the_workflow_and_the_step_instruction(
    settings: Settings, agency: SampleAgency
) -> None:
    florence = trip_named(agency, "Anniversary in Florence")
    async with connected(build("travel-db", settings)) as client:
        result = ok(await client.call_tool("continue_trip", {"query": "Anniversary in Florence"}))
    assert result["plan"]["trip"]["id"] == florence
    assert result["plan"]["travelers"] and result["plan"]["days"]
    for traveler in result["plan"]["travelers"]:
        for document in traveler["documents"]:
            assert document["number"].startswith("••••")  # never the number itself
    workflow = result["workflow"]
    assert workflow["started"] and workflow["current_step"] == result["next_step"]["number"]
    assert workflow["current_open"] and "advance_workflow_phase" in workflow["next_action"]
    assert result["next_step"]["instruction"] and result["next_step"]["checklist"]


async def test_continue_trip_with_an_unknown_id_says_how_to_find_the_trip(
    settings: Settings, agency: SampleAgency
) -> None:
    async with connected(build("travel-db", settings)) as client:
        unknown = failed(await client.call_tool("continue_trip", {"trip_id": 41}))
        no_match = failed(await client.call_tool("continue_trip", {"query": "Lisbn sprng"}))
        neither = failed(await client.call_tool("continue_trip", {}))
    assert unknown.startswith("No trip 41 in this agency. Search with get_anything(")
    assert "Recent trips: '" in unknown
    assert no_match.startswith("No trip matches 'Lisbn sprng'. Did you mean 'Slow days in Lisbon' (trip ")
    assert "continue_trip needs trip_id or query" in neither


async def test_recent_activities_come_newest_first_and_can_be_limited_to_one_trip(
    settings: Settings, agency: SampleAgency
) -> None:
    porto = trip_named(agency, "Anniversary in Porto")
    async with connected(build("travel-db", settings)) as client:
        everything = ok(await client.call_tool("get_recent_activities", {"limit": 5}))["entries"]
        for_trip = ok(await client.call_tool("get_recent_activities", {"trip_id": porto}))["entries"]
        unknown = failed(await client.call_tool("get_recent_activities", {"trip_id": 999}))
    assert len(everything) == 5
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    assert for_trip and all(e["trip_id"] == porto for e in for_trip)
    assert unknown.startswith("No trip 999 in this agency.")


# -- clients and trips --------------------------------------------------------------------------------------


async def test_create_client_then_create_trip_records_them_and_says_what_to_do_next(
    settings: Settings, agency: SampleAgency
) -> None:
    async with connected(build("travel-db", settings)) as client:
        made = ok(
            await client.call_tool(
                "create_client", {"client": {"name": "Noor Haddad", "email": "noor@example.com"}}
            )
        )
        client_id = made["client"]["id"]
        trip = ok(
            await client.call_tool(
                "create_trip",
                {
                    "name": "Kyoto in autumn",
                    "client_id": client_id,
                    "start_date": "2027-11-02",
                    "end_date": "2027-11-10",
                    "destinations": ["Kyoto", "Nara"],
                    "currency": "JPY",
                    "budget_cents": 90_000_000,
                },
            )
        )
    assert f"create_trip(client_id={client_id}" in made["next"]
    assert trip["trip"]["client_id"] == client_id and trip["trip"]["currency"] == "JPY"
    assert trip["next"] == f"Start its workflow with initialize_workflow(trip_id={trip['trip']['id']})."
    with TravelService.open(settings) as service:
        assert service.get_trip(ADMIN, trip["trip"]["id"]).destinations == ["Kyoto", "Nara"]


async def test_create_client_refuses_a_probable_duplicate_unless_allowed(
    settings: Settings, agency: SampleAgency
) -> None:
    existing = agency.clients[0]
    again = {"client": {"name": existing.name, "email": existing.email}}
    async with connected(build("travel-db", settings)) as client:
        refused = failed(await client.call_tool("create_client", again))
        allowed = ok(await client.call_tool("create_client", {**again, "allow_duplicate": True}))
    assert f"may already be a client: '{existing.name}' (client {existing.id}, same email" in refused
    assert f"use client_id={existing.id}" in refused and "allow_duplicate=true" in refused
    assert allowed["client"]["id"] != existing.id


async def test_create_trip_with_client_records_household_travellers_and_trip_with_masked_passports(
    settings: Settings, agency: SampleAgency
) -> None:
    arguments = {
        "client": {"name": "Mara & Leo Costa", "email": "mara.costa@example.com"},
        "travelers": [
            {
                "first_name": "Mara",
                "last_name": "Costa",
                "date_of_birth": "1990-02-14",
                "documents": [{"number": "X9876543", "country": "BR", "expiry": "2031-05-01"}],
            },
            {"first_name": "Leo", "last_name": "Costa", "date_of_birth": "1988-09-30"},
        ],
        "trip": {"name": "Patagonia in March", "start_date": "2027-03-01", "end_date": "2027-03-12"},
    }
    async with connected(build("travel-db", settings)) as client:
        made = ok(await client.call_tool("create_trip_with_client", arguments))
    assert [t["first_name"] for t in made["travelers"]] == ["Mara", "Leo"]
    assert made["trip"]["party"] == [t["id"] for t in made["travelers"]]
    assert made["travelers"][0]["documents"][0]["number"] == "••••6543"
    assert "X9876543" not in str(made)


async def test_invalid_arguments_name_the_field_the_value_and_the_fix(
    settings: Settings, agency: SampleAgency
) -> None:
    async with connected(build("travel-db", settings)) as client:
        bad_date = failed(await client.call_tool("create_trip", {"name": "X", "start_date": "2027-13-01"}))
        bad_status = failed(await client.call_tool("create_trip", {"name": "X", "status": "booked"}))
        bad_type = failed(await client.call_tool("get_workflow_status", {"trip_id": "first"}))
        typo = failed(await client.call_tool("create_trip", {"nme": "X"}))
    assert bad_date.startswith("Invalid arguments for create_trip: start_date = '2027-13-01':")
    assert "Fix: write a date as YYYY-MM-DD" in bad_date
    assert "status" in bad_status and "planning" in bad_status  # the service names the field and the values
    assert "trip_id = 'first'" in bad_type and "Fix: write a whole number" in bad_type
    assert typo.startswith("Unknown argument(s) nme for create_trip. Its arguments: name, client_id")


# -- bulk operations ----------------------------------------------------------------------------------------


async def test_bulk_operations_apply_every_change_together(settings: Settings, agency: SampleAgency) -> None:
    trip = next(t for t in agency.trips if t.status == "planning" and t.start_date is not None)
    assert trip.id is not None and trip.start_date is not None
    with TravelService.open(settings) as service:
        item = service.list_items(ADMIN, trip.id)[0]
    operations: list[dict[str, Any]] = [
        {
            "op": "add_items",
            "trip_id": trip.id,
            "items": [
                {
                    "kind": "activity",
                    "title": "Cooking class",
                    "day_date": trip.start_date.isoformat(),
                    "start_local": f"{trip.start_date.isoformat()}T10:00",
                    "start_tz": "Europe/Rome",
                    "cost_cents": 12_000,
                    "sell_cents": 15_000,
                },
                {"kind": "note", "title": "Ask about dietary needs"},
            ],
        },
        {
            "op": "update_item",
            "item_id": item.id,
            "changes": {"status": "booked", "confirmation_numbers": ["Z9"]},
        },
        {"op": "update_trip", "trip_id": trip.id, "changes": {"status": "confirmed"}},
        {"op": "add_payment", "trip_id": trip.id, "due_date": "2027-01-15", "amount_cents": 50_000},
    ]
    async with connected(build("travel-db", settings)) as client:
        result = ok(await client.call_tool("bulk_trip_operations", {"operations": operations}))
    assert [a["op"] for a in result["applied"]] == ["add_items", "update_item", "update_trip", "add_payment"]
    assert result["trip_ids"] == [trip.id]
    with TravelService.open(settings) as service:
        titles = {i.title: i for i in service.list_items(ADMIN, trip.id)}
        assert titles["Cooking class"].day_id is not None and titles["Ask about dietary needs"].day_id is None
        assert service.get_item(ADMIN, item.id or 0).confirmation_numbers == ["Z9"]
        assert service.get_trip(ADMIN, trip.id).status == "confirmed"
        assert (date(2027, 1, 15), 50_000) in [
            (p.due_date, p.amount_cents) for p in service.list_payments(ADMIN, trip.id)
        ]


async def test_bulk_operations_change_nothing_when_one_fails_and_name_the_one_that_did(
    settings: Settings, agency: SampleAgency
) -> None:
    trip_id = trip_named(agency, "Anniversary in Porto")
    items_before = count(settings, f"SELECT COUNT(*) FROM items WHERE trip_id = {trip_id}")
    operations = [
        {"op": "add_items", "trip_id": trip_id, "items": [{"kind": "note", "title": "Will be rolled back"}]},
        {"op": "update_trip", "trip_id": trip_id, "changes": {"status": "confirmed"}},
        {"op": "update_item", "item_id": 99_999, "changes": {"status": "booked"}},
    ]
    async with connected(build("travel-db", settings)) as client:
        error = failed(await client.call_tool("bulk_trip_operations", {"operations": operations}))
        unknown_op = failed(
            await client.call_tool(
                "bulk_trip_operations", {"operations": [{"op": "delete_trip", "trip_id": 1}]}
            )
        )
    assert error.startswith("Operation #3 (update_item) failed: No item 99999 in your agency.")
    assert "Nothing was changed: all 3 operation(s) were rolled back." in error
    assert count(settings, f"SELECT COUNT(*) FROM items WHERE trip_id = {trip_id}") == items_before
    assert count(settings, f"SELECT COUNT(*) FROM trips WHERE id = {trip_id} AND status = 'confirmed'") == 0
    assert (
        "operations.0" in unknown_op
        and "'add_items', 'update_item', 'update_trip', 'add_payment'" in unknown_op
    )


# -- the workflow -------------------------------------------------------------------------------------------


async def test_the_workflow_tools_start_advance_and_revisit_a_trip(
    settings: Settings, agency: SampleAgency
) -> None:
    with TravelService.open(settings) as service:
        trip_id = service.create_trip(ADMIN, name="Iceland ring road", destinations=["Reykjavik"]).id
    first_step = [
        "Client household recorded (duplicates checked)",
        "Travelers recorded with legal names and dates of birth",
        "Passports recorded with their expiry dates",
        "Dates or travel window agreed",
        "Budget and currency agreed",
    ]
    async with connected(build("travel-db", settings)) as client:
        not_started = failed(await client.call_tool("advance_workflow_phase", {"trip_id": trip_id}))
        started = ok(await client.call_tool("initialize_workflow", {"trip_id": trip_id}))
        again = ok(await client.call_tool("initialize_workflow", {"trip_id": trip_id}))
        refused = failed(
            await client.call_tool("advance_workflow_phase", {"trip_id": trip_id, "done": first_step})
        )
        ticked = ok(await client.call_tool("get_workflow_status", {"trip_id": trip_id}))
        advanced = ok(
            await client.call_tool(
                "advance_workflow_phase",
                {"trip_id": trip_id, "done": [*first_step, 5], "verbosity": "minimal"},
            )
        )
        revisited = ok(
            await client.call_tool("set_workflow_step", {"trip_id": trip_id, "step": "verify_trip"})
        )
        by_trip = ok(await client.call_tool("get_workflow_instructions", {"trip_id": trip_id}))
        by_number = ok(
            await client.call_tool("get_workflow_instructions", {"step": "3", "verbosity": "detailed"})
        )
        bad_step = failed(await client.call_tool("set_workflow_step", {"trip_id": trip_id, "step": 13}))
    assert f"initialize_workflow(trip_id={trip_id})" in not_started
    assert started["workflow"]["current_step"] == 1 and started["next_step"]["key"] == "start_interview"
    assert again["workflow"]["current_step"] == 1
    # The refusal names the open item; the ticks made before it were rolled back with it.
    assert "'Interests, pace and special needs noted'" in refused and "force=true" in refused
    assert ticked["current_done"] == []
    assert advanced["workflow"]["current_step"] == 2 and advanced["next_step"]["verbosity"] == "minimal"
    assert advanced["workflow"]["steps"][0]["status"] == "done"
    assert revisited["workflow"]["current_step"] == 8 and by_trip["key"] == "verify_trip"
    assert by_number["number"] == 3 and by_number["verbosity"] == "detailed"
    assert "There is no workflow step 13" in bad_step and "verify_trip" in bad_step
    with TravelService.open(settings) as service:
        assert Workflow(service).status(ADMIN, trip_id or 0).current_step == 8


async def test_advancing_with_force_moves_on_and_notes_what_was_left_open(
    settings: Settings, agency: SampleAgency
) -> None:
    trip_id = trip_named(agency, "Anniversary in Florence")
    async with connected(build("travel-db", settings)) as client:
        before = ok(await client.call_tool("get_workflow_status", {"trip_id": trip_id}))
        after = ok(await client.call_tool("advance_workflow_phase", {"trip_id": trip_id, "force": True}))
    assert after["workflow"]["current_step"] == before["current_step"] + 1


# -- health and SQL -----------------------------------------------------------------------------------------


async def test_health_check_reports_the_store_its_counts_and_working_encryption(
    settings: Settings, agency: SampleAgency
) -> None:
    async with connected(build("travel-db", settings)) as client:
        quick = ok(await client.call_tool("health_check", {}))
        deep = ok(await client.call_tool("health_check", {"deep": True}))
    assert quick["ok"] and quick["encryption"] == "ok" and quick["schema_version"] >= 1
    assert quick["counts"] == {
        "clients": 5,
        "travelers": len(agency.travelers),
        "trips": 8,
        "items": quick["counts"]["items"],
    }
    assert quick["store"] == str(settings.travel_db_path)
    assert deep["integrity"] == ["ok"]


async def test_explore_database_answers_one_select_with_capped_rows(
    settings: Settings, agency: SampleAgency
) -> None:
    async with connected(build("travel-db", settings)) as client:
        tables = ok(
            await client.call_tool(
                "explore_database",
                {"sql": "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;"},
            )
        )
        capped = ok(
            await client.call_tool("explore_database", {"sql": "SELECT id, title FROM items", "max_rows": 3})
        )
        cte = ok(
            await client.call_tool(
                "explore_database",
                {
                    "sql": "-- trips per status\nWITH s AS (SELECT status FROM trips) SELECT status, COUNT(*) FROM s GROUP BY status"
                },
            )
        )
    assert ["trips"] in tables["rows"] and tables["columns"] == ["name"]
    assert capped["row_count"] == 3 and capped["truncated"] and capped["columns"] == ["id", "title"]
    assert sum(row[1] for row in cte["rows"]) == 8


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("DELETE FROM trips", "runs one read-only SELECT (or WITH … SELECT); got 'DELETE'"),
        ("UPDATE trips SET status = 'cancelled'", "got 'UPDATE'"),
        ("WITH x AS (SELECT 1) DELETE FROM trips", "only reads: this statement would change the database"),
        ("SELECT 1; DROP TABLE trips", "runs exactly one statement"),
        ("PRAGMA journal_mode = DELETE", "got 'PRAGMA'"),
        ("ATTACH DATABASE '/tmp/x.db' AS x", "got 'ATTACH'"),
        ("SELECT * FROM nowhere", "SQLite refused the query: no such table: nowhere"),
    ],
)
async def test_explore_database_refuses_anything_but_one_select(
    settings: Settings, agency: SampleAgency, sql: str, expected: str
) -> None:
    trips_before = count(settings, "SELECT COUNT(*) FROM trips")
    async with connected(build("travel-db", settings)) as client:
        error = failed(await client.call_tool("explore_database", {"sql": sql}))
    assert expected in error
    assert count(settings, "SELECT COUNT(*) FROM trips") == trips_before


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM travel_documents",
        "SELECT number_enc FROM travel_documents",
        "SELECT id FROM travel_documents WHERE number_enc LIKE 'g%'",
        "SELECT (SELECT number_enc FROM travel_documents LIMIT 1) AS n",
    ],
)
async def test_explore_database_never_reads_encrypted_document_numbers(
    settings: Settings, agency: SampleAgency, sql: str
) -> None:
    async with connected(build("travel-db", settings)) as client:
        error = failed(await client.call_tool("explore_database", {"sql": sql}))
        allowed = ok(
            await client.call_tool(
                "explore_database", {"sql": "SELECT id, number_last4 FROM travel_documents"}
            )
        )
    assert error.startswith("explore_database may not read travel_documents.number_enc")
    assert "number_last4" in error
    assert allowed["row_count"] == count(settings, "SELECT COUNT(*) FROM travel_documents")
