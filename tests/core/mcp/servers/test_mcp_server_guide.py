"""guide through an in-process MCP client: instructions, the workflow overview and status, one prompt per step."""

from __future__ import annotations

import pytest
from mcp import MCPError
from mcp.types import TextContent
from servers_helpers import connected, failed, ok

from core.config import Settings
from core.mcp.servers import build
from core.security import Principal
from core.travel import STEPS, TravelService, Workflow
from core.travel.fixtures import SampleAgency

pytestmark = pytest.mark.anyio
ADMIN = Principal.default_admin()


async def test_there_is_one_prompt_per_workflow_step_each_taking_an_optional_trip(settings: Settings) -> None:
    async with connected(build("guide", settings)) as client:
        prompts = (await client.list_prompts()).prompts
    assert [p.name for p in prompts] == [
        "step-01-start-interview",
        "step-02-generate-concepts",
        "step-03-create-summary",
        "step-04-process-results",
        "step-05-curate-options",
        "step-06-save-selections",
        "step-07-plan-activities",
        "step-08-verify-trip",
        "step-09-generate-proposal",
        "step-10-publish-proposal",
        "step-11-handle-feedback",
        "step-12-confirm-booking",
    ]
    for prompt, step in zip(prompts, STEPS, strict=True):
        assert prompt.title == f"Step {step.number}: {step.title}" and prompt.description == step.purpose
        assert [(a.name, a.required) for a in prompt.arguments or []] == [("trip_id", False)]


async def test_a_step_prompt_with_a_trip_fills_in_its_context_and_checklist(
    settings: Settings, agency: SampleAgency
) -> None:
    trip = next(t for t in agency.trips if t.name == "Anniversary in Florence")
    with TravelService.open(settings) as service:
        current = Workflow(service).status(ADMIN, trip.id or 0).current
    assert current is not None
    async with connected(build("guide", settings)) as client:
        here = await client.get_prompt(
            f"step-{current.number:02d}-{current.key.replace('_', '-')}", {"trip_id": str(trip.id)}
        )
        elsewhere = await client.get_prompt("step-12-confirm-booking", {"trip_id": str(trip.id)})
        alone = await client.get_prompt("step-01-start-interview")
    text = here.messages[0].content
    assert isinstance(text, TextContent)
    assert text.text.startswith(f"You are working step {current.number} of 12, '{current.title}'")
    assert f"Trip {trip.id} '{trip.name}'" in text.text and "Its workflow is at this step" in text.text
    assert "- [ ] " in text.text and f"continue_trip(trip_id={trip.id})" in text.text
    other = elsewhere.messages[0].content
    assert isinstance(other, TextContent)
    assert f"set_workflow_step(trip_id={trip.id}, step=12)" in other.text
    first = alone.messages[0].content
    assert isinstance(first, TextContent)
    assert "find it with get_anything" in first.text and "Tools for this step:" in first.text


async def test_a_step_prompt_for_an_unknown_trip_says_how_to_find_one(
    settings: Settings, agency: SampleAgency
) -> None:
    async with connected(build("guide", settings)) as client:
        with pytest.raises(MCPError, match=r"No trip 77 in this agency\. Search with get_anything"):
            await client.get_prompt("step-08-verify-trip", {"trip_id": "77"})


async def test_get_instruction_gives_the_text_at_a_verbosity_and_names_the_known_ones_when_missing(
    settings: Settings,
) -> None:
    async with connected(build("guide", settings)) as client:
        minimal = ok(
            await client.call_tool("get_instruction", {"name": "verify_trip", "verbosity": "minimal"})
        )
        normal = ok(await client.call_tool("get_instruction", {"name": "verify_trip"}))
        unknown = failed(await client.call_tool("get_instruction", {"name": "verify"}))
    assert minimal["category"] == "workflow" and len(minimal["text"]) < len(normal["text"])
    assert unknown.startswith("No instruction named 'verify'. Known: ") and "verify_trip" in unknown


async def test_list_instructions_filters_by_category_and_names_the_categories(settings: Settings) -> None:
    async with connected(build("guide", settings)) as client:
        workflow = ok(await client.call_tool("list_instructions", {"category": "workflow"}))
        everything = ok(await client.call_tool("list_instructions", {}))
        unknown = failed(await client.call_tool("list_instructions", {"category": "visas"}))
    assert {i["name"] for i in workflow["instructions"]} == {s.instruction for s in STEPS}
    assert len(everything["instructions"]) > len(workflow["instructions"])
    assert unknown == (
        "No instructions in category 'visas'. Categories: general, policy, workflow. Fix: use one of those, or "
        "leave category out for all."
    )


async def test_instructions_are_created_once_then_updated_keeping_what_was_left_out(
    settings: Settings,
) -> None:
    created_args = {
        "name": "visa_checks",
        "text": "Check visa rules for every passport.",
        "category": "policy",
    }
    async with connected(build("guide", settings)) as client:
        created = ok(await client.call_tool("create_instruction", created_args))
        twice = failed(await client.call_tool("create_instruction", created_args))
        updated = ok(
            await client.call_tool("update_instruction", {"name": "visa_checks", "minimal": "Check visas."})
        )
        short = ok(await client.call_tool("get_instruction", {"name": "visa_checks", "verbosity": "minimal"}))
        missing = failed(await client.call_tool("update_instruction", {"name": "visa_rules", "text": "x"}))
        nothing = failed(await client.call_tool("update_instruction", {"name": "visa_checks"}))
        bad_name = failed(await client.call_tool("create_instruction", {"name": "Visa Checks", "text": "x"}))
    assert created["category"] == "policy" and created["variants"] == []
    assert "exists already. Fix: change it with update_instruction" in twice
    assert updated["text"] == "Check visa rules for every passport." and updated["variants"] == ["minimal"]
    assert short["text"] == "Check visas."
    assert missing.startswith("No instruction named 'visa_rules'.") and "create_instruction" in missing
    assert nothing.startswith("Nothing to change.")
    assert bad_name.startswith("Invalid arguments for create_instruction: name = 'Visa Checks'")


async def test_travel_agent_start_welcomes_and_lists_the_twelve_steps_with_their_prompts(
    settings: Settings,
) -> None:
    async with connected(build("guide", settings)) as client:
        start = ok(await client.call_tool("travel_agent_start", {}))
    assert "travel agent" in start["welcome"]
    assert [s["number"] for s in start["steps"]] == list(range(1, 13))
    assert start["steps"][7]["prompt"] == "step-08-verify-trip"
    assert any("get_anything" in line for line in start["how_to_begin"])


async def test_status_counts_the_trips_at_each_step(settings: Settings, agency: SampleAgency) -> None:
    with TravelService.open(settings) as service:
        wf = Workflow(service)
        states = {t.id: wf.state(ADMIN, t.id or 0) for t in agency.trips}
    async with connected(build("guide", settings)) as client:
        status = ok(await client.call_tool("status", {}))
    assert status["trips"] == len(agency.trips)
    assert status["not_started"] == sum(1 for s in states.values() if s is None)
    assert status["completed"] == sum(1 for s in states.values() if s is not None and s.current_step is None)
    for line in status["by_step"]:
        expected = sorted(t for t, s in states.items() if s is not None and s.current_step == line["number"])
        assert (line["trips"], sorted(line["trip_ids"])) == (len(expected), expected)


async def test_help_names_our_servers_and_this_servers_prompts(settings: Settings) -> None:
    async with connected(build("guide", settings)) as client:
        help_ = ok(await client.call_tool("help", {}))
    assert [s["name"] for s in help_["servers"]] == [
        "travel-db",
        "documents",
        "guide",
        "research",
        "travelops",
    ]
    assert len(help_["prompts"]) == 12 and "travel_agent_start" in help_["tools"]
