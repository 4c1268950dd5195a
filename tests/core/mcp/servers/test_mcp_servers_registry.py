"""The registry of our servers: each builds, serves the tools DESIGN.md §7 names, and annotates them honestly."""

from __future__ import annotations

import pytest
from servers_helpers import connected, failed

from core.config import Settings
from core.errors import ValidationError
from core.mcp.servers import SERVERS, build, serve
from core.travel import STEPS
from core.travel.workflow import DOCUMENT_TOOLS, GUIDE_TOOLS, RESEARCH_TOOLS, TRAVEL_DB_TOOLS

pytestmark = pytest.mark.anyio

# (read_only, idempotent, destructive) per tool: what a client, and our manager's cache and failover, may trust.
READ = (True, True, False)
IDEMPOTENT = (False, True, False)
WRITE = (False, False, False)
DESTRUCTIVE = (False, False, True)
ANNOTATIONS: dict[str, dict[str, tuple[bool, bool, bool]]] = {
    "travel-db": {
        "get_anything": READ,
        "continue_trip": READ,
        "get_recent_activities": READ,
        "create_client": WRITE,
        "create_trip": WRITE,
        "create_trip_with_client": WRITE,
        "bulk_trip_operations": DESTRUCTIVE,
        "initialize_workflow": IDEMPOTENT,
        "advance_workflow_phase": WRITE,
        "set_workflow_step": IDEMPOTENT,
        "get_workflow_status": READ,
        "get_workflow_instructions": READ,
        "health_check": READ,
        "explore_database": READ,
    },
    "documents": {
        "list_templates": READ,
        "get_template": READ,
        "render_template": WRITE,
        "generate_itinerary": WRITE,
    },
    "guide": {
        "get_instruction": READ,
        "list_instructions": READ,
        "create_instruction": IDEMPOTENT,
        "update_instruction": DESTRUCTIVE,
        "travel_agent_start": READ,
        "status": READ,
        "help": READ,
    },
    "research": {"destination_facts": READ, "list_destinations": READ, "fetch_page": READ},
    "travelops": {"ask": WRITE, "compare": WRITE, "route_explain": READ},
}

# Tools that reach outside the agency (the web, paid model APIs).
OPEN_WORLD = {"research": {"fetch_page"}, "travelops": {"ask", "compare"}}


def test_the_registry_names_our_five_servers() -> None:
    assert list(SERVERS) == ["travel-db", "documents", "guide", "research", "travelops"]


@pytest.mark.parametrize("name", list(SERVERS))
async def test_each_server_serves_its_tools_with_honest_annotations_and_structured_output(
    name: str, settings: Settings
) -> None:
    async with connected(build(name, settings)) as client:
        tools = (await client.list_tools()).tools
    assert {t.name: t for t in tools}.keys() == ANNOTATIONS[name].keys()
    for tool in tools:
        ann = tool.annotations
        assert ann is not None, tool.name
        assert (ann.read_only_hint, ann.idempotent_hint, ann.destructive_hint) == ANNOTATIONS[name][tool.name]
        assert tool.output_schema is not None, f"{tool.name} has no structured output"
        assert tool.description, f"{tool.name} has no description"
    open_world = {t.name for t in tools if t.annotations and t.annotations.open_world_hint}
    assert open_world == OPEN_WORLD.get(name, set())


def test_the_tool_lists_of_the_design_and_the_workflow_are_what_the_servers_serve() -> None:
    assert set(TRAVEL_DB_TOOLS) == set(ANNOTATIONS["travel-db"])
    assert set(DOCUMENT_TOOLS) == set(ANNOTATIONS["documents"])
    assert set(GUIDE_TOOLS) == set(ANNOTATIONS["guide"])
    assert set(RESEARCH_TOOLS) <= set(ANNOTATIONS["research"])
    served = {tool for tools in ANNOTATIONS.values() for tool in tools}
    for step in STEPS:
        assert set(step.tools) <= served, f"step {step.number} uses tools no server of ours serves"


def test_an_unknown_server_name_lists_ours(settings: Settings) -> None:
    with pytest.raises(
        ValidationError, match=r"Unknown MCP server 'd1-database'\. Ours: travel-db, documents"
    ):
        build("d1-database", settings)
    with pytest.raises(ValidationError, match=r"mcp\.servers"):
        serve("github", settings)


async def test_an_unknown_tool_or_argument_is_refused_with_the_known_ones(settings: Settings) -> None:
    async with connected(build("research", settings)) as client:
        unknown_tool = failed(await client.call_tool("destination_fact", {"country_or_city": "Japan"}))
        unknown_argument = failed(await client.call_tool("destination_facts", {"country": "Japan"}))
    assert "Unknown tool 'destination_fact' on the research server" in unknown_tool
    assert "destination_facts" in unknown_tool
    assert "Unknown argument(s) country for destination_facts" in unknown_argument
    assert "Its arguments: country_or_city" in unknown_argument
