"""core.planning: a trip through the workflow with the assistant, offline (no keys), over real stores in
tmp_path; and the MCP call summary the MCP servers page shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core import analytics, planning
from core.agent import Agent
from core.config import Settings, load_settings
from core.errors import ValidationError
from core.gateway import Gateway
from core.models import Registry
from core.security import Principal
from core.travel import TravelService
from core.travel.workflow import STEPS, Workflow
from core.warehouse import McpCallEvent, Warehouse

REPO = Path(__file__).parents[2]
ME = Principal.default_admin()


@dataclass
class Desk:
    settings: Settings
    service: TravelService
    workflow: Workflow
    warehouse: Warehouse
    agent: Agent


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    text = (REPO / "config" / "travelops.yml").read_text(encoding="utf-8")
    config = tmp_path / "travelops.yml"
    config.write_text(re.sub(r"^data_dir:.*$", f"data_dir: {tmp_path / 'data'}", text, count=1, flags=re.M))
    settings = load_settings(config, environ={})  # no keys: the offline drafter answers
    warehouse = Warehouse.from_settings(settings)
    gateway = Gateway(settings, registry=Registry.from_settings(settings), warehouse=warehouse)
    service = TravelService.open(settings)
    yield Desk(settings, service, Workflow(service), warehouse, Agent(gateway, None))
    service.close()
    gateway.caches.close()
    warehouse.close()


def test_suggestions_tick_the_items_the_answer_talks_about_else_the_first_unticked(desk: Desk) -> None:
    trip = planning.create_trip(desk.service, desk.workflow, ME, name="Lisbon in May")
    assert trip.id is not None
    progress = planning.current_progress(desk.workflow.status(ME, trip.id))
    assert progress is not None and progress.step.number == 1

    talks = planning.suggest(progress, "Agree the budget and the currency first, then the travel dates.")
    assert [(s.kind, s.item) for s in talks] == [("tick", 3), ("tick", 4)]  # dates, budget and currency

    silent = planning.suggest(progress, "Hello!")
    assert [(s.kind, s.item, s.label) for s in silent] == [("tick", 0, f"Tick '{STEPS[0].checklist[0]}'")]

    for i in range(len(STEPS[0].checklist)):
        desk.workflow.tick(ME, trip.id, 1, i)
    done = planning.current_progress(desk.workflow.status(ME, trip.id))
    assert done is not None
    [advance] = planning.suggest(done, "All set.")
    assert advance.kind == "advance" and advance.step == 1


def test_asking_offline_answers_from_the_drafter_and_nothing_changes_until_a_suggestion_is_applied(
    desk: Desk,
) -> None:
    trip = planning.create_trip(
        desk.service, desk.workflow, ME, name="Kyoto in autumn", destinations=["Kyoto"]
    )
    assert trip.id is not None
    status = desk.workflow.status(ME, trip.id)

    reply = planning.ask(desk.agent, ME, trip.id, status, "What do we need from the client?")

    assert reply.run.offline and reply.run.answer and reply.step == 1
    assert reply.run.tools == [] and reply.run.notes == []  # no MCP manager: no tools, and no note about them
    assert reply.request_id == reply.run.model_calls[-1].request_id
    assert desk.workflow.status(ME, trip.id) == status  # asking writes nothing

    message = planning.apply(desk.workflow, ME, trip.id, reply.suggestions[0])

    assert message.startswith("Done: tick")
    assert desk.workflow.status(ME, trip.id).steps[0].ticked != status.steps[0].ticked

    second = planning.ask(desk.agent, ME, trip.id, status, "And then?", [reply])
    sent = [m["content"] for m in second.run.messages if m["role"] == "user"]
    assert sent == ["What do we need from the client?", "And then?"]  # the earlier turn goes along


def test_a_rating_is_stored_as_the_quality_of_the_replys_last_model_call(desk: Desk) -> None:
    trip = planning.create_trip(desk.service, desk.workflow, ME, name="Rome")
    assert trip.id is not None
    reply = planning.ask(desk.agent, ME, trip.id, desk.workflow.status(ME, trip.id), "Where do we start?")

    planning.rate(desk.warehouse, reply, 0.75, "1")

    rows = desk.warehouse.query("SELECT request_id, score, user_id FROM quality_feedback").to_dict("records")
    assert rows == [{"request_id": reply.request_id, "score": 0.75, "user_id": "1"}]
    with pytest.raises(ValidationError, match="not between 0 and 1"):
        planning.rate(desk.warehouse, reply, 5, "1")


def test_mark_done_refuses_naming_the_unticked_items_unless_forced(desk: Desk) -> None:
    trip = planning.create_trip(desk.service, desk.workflow, ME, name="Oslo")
    assert trip.id is not None
    desk.workflow.tick(ME, trip.id, 1, 0)

    with pytest.raises(ValidationError) as refused:
        planning.mark_done(desk.workflow, ME, trip.id)
    assert all(f"'{item}'" in str(refused.value) for item in STEPS[0].checklist[1:])
    assert f"'{STEPS[0].checklist[0]}'" not in str(refused.value)

    assert planning.mark_done(desk.workflow, ME, trip.id, force=True) == (
        f"Step 1 done; now at step 2 '{STEPS[1].title}'."
    )


def test_start_tick_and_go_to_change_the_workflow_and_say_what_they_did(desk: Desk) -> None:
    trip = desk.service.create_trip(ME, name="Bergen")
    assert trip.id is not None

    assert planning.start(desk.workflow, ME, trip.id) == "Started the workflow at step 1."
    assert planning.tick(desk.workflow, ME, trip.id, 1, 0, done=True) == f"Ticked '{STEPS[0].checklist[0]}'."
    assert STEPS[0].checklist[0] in desk.workflow.status(ME, trip.id).steps[0].ticked
    assert (
        planning.tick(desk.workflow, ME, trip.id, 1, 0, done=False) == f"Unticked '{STEPS[0].checklist[0]}'."
    )
    assert desk.workflow.status(ME, trip.id).steps[0].ticked == []
    assert planning.go_to(desk.workflow, ME, trip.id, 3) == f"Now at step 3 '{STEPS[2].title}'."
    assert desk.workflow.status(ME, trip.id).current_step == 3


def test_an_empty_question_is_refused_before_any_model_call(desk: Desk) -> None:
    trip = planning.create_trip(desk.service, desk.workflow, ME, name="Nice")
    assert trip.id is not None
    with pytest.raises(ValidationError, match="question is empty"):
        planning.ask(desk.agent, ME, trip.id, desk.workflow.status(ME, trip.id), "   ")
    with pytest.raises(ValidationError, match="question is empty"):  # at the call, before anything streams
        planning.ask_stream(desk.agent, ME, trip.id, desk.workflow.status(ME, trip.id), "   ")


def test_asking_streamed_yields_the_answer_in_pieces_then_the_reply_like_ask(desk: Desk) -> None:
    trip = planning.create_trip(desk.service, desk.workflow, ME, name="Porto", destinations=["Porto"])
    assert trip.id is not None
    status = desk.workflow.status(ME, trip.id)

    *pieces, reply = planning.ask_stream(desk.agent, ME, trip.id, status, "What do we need from the client?")

    assert isinstance(reply, planning.Reply) and all(isinstance(p, str) for p in pieces)
    assert pieces and "".join(str(p) for p in pieces) == reply.run.answer
    assert reply.run.offline and reply.step == 1 and reply.question == "What do we need from the client?"
    assert reply.suggestions == planning.suggest(status.steps[0], reply.run.answer)
    assert reply.request_id == reply.run.model_calls[-1].request_id


def test_mcp_call_stats_count_calls_errors_cache_and_stale_hits_per_server_and_tool(desk: Desk) -> None:
    assert analytics.mcp_call_stats(desk.warehouse).empty
    for tool, status, ms in [
        ("help", "ok", 10.0), ("help", "ok", 30.0), ("help", "error", 50.0), ("help", "cache", 0.1),
        ("help", "stale", 0.1), ("status", "ok", 5.0),
    ]:  # fmt: skip
        desk.warehouse.record(
            McpCallEvent(server="guide", instance="guide#1", tool=tool, latency_ms=ms, status=status)
        )

    rows = analytics.mcp_call_stats(desk.warehouse).to_dict("records")

    assert [
        (r["tool"], r["calls"], r["ok"], r["errors"], r["cache_hits"], r["stale_hits"]) for r in rows
    ] == [
        ("help", 5, 2, 1, 1, 1),
        ("status", 1, 1, 0, 0, 0),
    ]
    assert rows[0]["error_rate"] == pytest.approx(0.2) and rows[0]["cache_rate"] == pytest.approx(0.4)
    assert rows[0]["avg_ms"] == pytest.approx(30.0)  # cache answers are not latency
