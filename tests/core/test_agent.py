"""The agent loop against the local OpenAI-compatible fake provider (real HTTP) and real stdio MCP servers
through the manager: the echo server of the manager's tests, and the trip desk of ``agent_helpers``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import psutil
import pytest
from agent_helpers import command as trip_desk_command

from core.agent import Agent, AgentRun, _select
from core.config import McpConfig, McpServerConfig, Settings, load_settings
from core.errors import ProviderError, ValidationError
from core.gateway import CallContext, Gateway, GatewayResult
from core.gateway.offline import OFFLINE_BANNER
from core.mcp import McpManager, ToolInfo
from core.testing import FakeProvider

ECHO = Path(__file__).parent / "mcp" / "servers" / "echo_server.py"
SPAWNED = ("echo_server.py", "agent_helpers.py")
PRICE_IN = 2e-6
PRICE_OUT = 8e-6
ASK = [{"role": "user", "content": "Find me something about Lisbon."}]

# Sync runs are bounded by the Gateway's and the manager's own timeouts; this bounds each test as a whole.
pytestmark = pytest.mark.timeout(60)

StartAgent = Callable[..., tuple[Agent, FakeProvider | None]]


def make_config(tmp_path: Path, base_url: str) -> Path:
    """A lab provider on the fake (its key comes from LAB_KEY: unset, the offline drafter answers)."""
    text = f"""
data_dir: ./data
models:
  providers:
    lab:
      kind: openai_compatible
      api_base: {base_url}
      api_key: ${{LAB_KEY}}
      models:
        - {{name: primary, input_cost_per_token: {PRICE_IN}, output_cost_per_token: {PRICE_OUT}, capabilities: [tools, json]}}
        - {{name: backup, input_cost_per_token: 1e-6, output_cost_per_token: 4e-6, capabilities: [tools, json]}}
workflows:
  travel_planning:
    default_model: lab/primary
    complex_tasks_model: lab/primary
    fallback_model: lab/backup
gateway:
  num_retries: 0
  retry_after_s: 0
  timeout_s: 5
routing:
  task_types:
    general: {{complexity: routine}}
    client_discovery: {{complexity: routine}}
    trip_concepts: {{complexity: complex}}
"""
    path = tmp_path / "travelops.yml"
    path.write_text(text)
    return path


def servers(*names: str) -> dict[str, McpServerConfig]:
    known = {
        "echo": McpServerConfig(
            command=sys.executable, args=[str(ECHO)], timeout_s=5.0, start_timeout_s=15.0
        ),
        "trip-desk": McpServerConfig(
            command=trip_desk_command()[0], args=trip_desk_command()[1], timeout_s=5.0, start_timeout_s=15.0
        ),
    }
    return {n: known[n] for n in names}


def our_servers() -> list[psutil.Process]:
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and any(s in " ".join(proc.cmdline()) for s in SPAWNED):
                found.append(proc)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture
def start_agent(tmp_path: Path, fake_provider: FakeProvider) -> Iterator[StartAgent]:
    """``start_agent("echo", keys=True, gateway_class=Gateway, **agent_kw)``: an Agent over a Gateway on the fake
    provider (keys=False: no key, so the offline drafter) and a started manager of the named servers, sharing
    the Gateway's warehouse. Managers are stopped after the test and no server process may be left."""
    managers: list[McpManager] = []

    def start(
        *names: str, keys: bool = True, gateway_class: type[Gateway] = Gateway, **agent_kw: Any
    ) -> tuple[Agent, FakeProvider | None]:
        settings = load_settings(
            make_config(tmp_path, fake_provider.base_url), environ={"LAB_KEY": "sk-lab"} if keys else {}
        )
        settings = settings.model_copy(update={"mcp": McpConfig(servers=servers(*names))})
        gateway = gateway_class(settings)
        manager = McpManager(settings, gateway.warehouse)
        managers.append(manager)
        manager.start(raise_on_failure=True)
        return Agent(gateway, manager, **agent_kw), fake_provider if keys else None

    yield start
    for manager in managers:
        manager.stop()
    _, alive = psutil.wait_procs(our_servers(), timeout=5.0)
    assert not alive, f"server processes left running: {[(p.pid, p.cmdline()) for p in alive]}"


def rows(agent: Agent, sql: str) -> list[dict[str, Any]]:
    assert agent.manager is not None
    agent.manager.stop()  # writes the manager's queued mcp_calls rows; stopping twice is harmless
    warehouse = agent.gateway.warehouse
    warehouse.flush()
    df = warehouse.query(sql)
    return df.astype(object).where(df.notna(), None).to_dict("records")


def last_request(fake: FakeProvider) -> dict[str, Any]:
    return fake.stats().last_requests[-1].body


# ---------------------------------------------------------------------------------------------------- the loop


def test_the_model_calls_a_tool_gets_its_result_and_answers_with_it_and_everything_is_recorded(
    start_agent: StartAgent,
) -> None:
    agent, fake = start_agent("echo")
    assert fake is not None
    fake.configure(
        "primary",
        tool_calls=[{"name": "echo__echo", "arguments": {"text": "Tram 28 leaves Martim Moniz"}}],
        reply="Here is what I found.",
    )
    context = CallContext(user_id="ana", trip_id="41")

    run = agent.run("general", ASK, context=context)

    assert run.stopped == "answered" and run.steps == 2 and not run.offline
    assert run.answer.startswith("Here is what I found.") and "Tram 28 leaves Martim Moniz" in run.answer
    [call] = run.tool_calls
    assert (call.server, call.tool, call.name, call.status, call.is_error) == (
        "echo",
        "echo",
        "echo__echo",
        "ok",
        False,
    )
    assert call.arguments == {"text": "Tram 28 leaves Martim Moniz"} and call.instance == "echo#1"
    assert "Tram 28 leaves Martim Moniz" in call.result_text and call.from_cache == "none"
    assert [m.tool_calls for m in run.model_calls] == [1, 0]
    assert all(m.model == "lab/primary" and m.why for m in run.model_calls)
    # the transcript is a valid tool conversation, and the fake saw the result go back
    roles = [m["role"] for m in run.messages]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert run.messages[2]["tool_call_id"] == run.messages[1]["tool_calls"][0]["id"] == call.call_id
    sent = last_request(fake)
    assert sent["messages"][-1]["role"] == "tool" and "Tram 28" in sent["messages"][-1]["content"]
    offered = {t["function"]["name"] for t in sent["tools"]}
    assert "echo__echo" in offered and "echo__whoami" in offered
    # cost and latency add up
    assert run.cost_usd > 0
    assert run.cost_usd == pytest.approx(sum(m.cost_usd for m in run.model_calls))
    spent = sum(m.latency_ms for m in run.model_calls) + sum(t.latency_ms for t in run.tool_calls)
    assert run.latency_ms >= spent
    # recorded by the Gateway and the manager, under the run's own session id
    session = f"agent-{run.run_id}"
    usage = rows(agent, "select request_id, session_id, user_id, trip_id, cost_usd, status from model_usage")
    assert {r["request_id"] for r in usage} == {m.request_id for m in run.model_calls}
    assert {(r["session_id"], r["user_id"], r["trip_id"], r["status"]) for r in usage} == {
        (session, "ana", "41", "ok")
    }
    assert sum(r["cost_usd"] for r in usage) == pytest.approx(run.cost_usd)
    calls = rows(agent, "select server, tool, status, session_id, user_id, trip_id from mcp_calls")
    assert calls == [
        {
            "server": "echo",
            "tool": "echo",
            "status": "ok",
            "session_id": session,
            "user_id": "ana",
            "trip_id": "41",
        }
    ]


def test_the_async_run_does_the_same_work_as_the_sync_one(start_agent: StartAgent) -> None:
    agent, fake = start_agent("echo")
    assert fake is not None
    fake.configure(
        "primary",
        tool_calls=[
            {"name": "echo__echo", "arguments": {"text": "first"}},
            {"name": "echo__echo", "arguments": {"text": "second"}},
        ],
    )

    async def go() -> AgentRun:
        with anyio.fail_after(60):
            return await agent.arun("general", ASK)

    run = asyncio.run(go())

    assert run.stopped == "answered" and run.steps == 2
    assert [c.arguments["text"] for c in run.tool_calls] == ["first", "second"]
    assert "first" in run.answer and "second" in run.answer
    assert [m["role"] for m in run.messages] == ["user", "assistant", "tool", "tool", "assistant"]


def consume(stream: Iterator[str | AgentRun]) -> tuple[list[str], AgentRun]:
    """The text pieces a streamed run yielded, and the AgentRun it ended with (which must come last, once)."""
    items = list(stream)
    *pieces, run = items
    assert isinstance(run, AgentRun)
    assert all(isinstance(p, str) for p in pieces)
    return [p for p in pieces if isinstance(p, str)], run


def test_a_streamed_run_yields_the_answer_in_pieces_then_the_run_accounted_like_run(
    start_agent: StartAgent,
) -> None:
    agent, fake = start_agent("echo")
    assert fake is not None
    fake.configure("primary", reply="Lisbon in May is mild, with long light evenings and few crowds.")

    pieces, run = consume(agent.stream("general", ASK, context=CallContext(user_id="ana")))

    assert len(pieces) > 1 and "".join(pieces) == run.answer
    assert run.answer.startswith("Lisbon in May is mild")
    assert run.stopped == "answered" and run.steps == 1 and run.tool_calls == [] and not run.offline
    assert last_request(fake)["stream"] is True
    [call] = run.model_calls
    assert call.model == "lab/primary" and call.why and call.cost_usd > 0
    assert [m["role"] for m in run.messages] == ["user", "assistant"]
    usage = rows(agent, "select request_id, session_id, user_id, cost_usd, status from model_usage")
    assert [(r["request_id"], r["session_id"], r["user_id"], r["status"]) for r in usage] == [
        (call.request_id, f"agent-{run.run_id}", "ana", "ok")
    ]
    assert run.cost_usd > 0 and sum(r["cost_usd"] for r in usage) == pytest.approx(run.cost_usd)


def test_a_streamed_run_makes_the_tool_calls_and_streams_only_the_final_answer(
    start_agent: StartAgent,
) -> None:
    agent, fake = start_agent("echo")
    assert fake is not None
    fake.configure(
        "primary",
        tool_calls=[{"name": "echo__echo", "arguments": {"text": "Tram 28 leaves Martim Moniz"}}],
        reply="Here is what I found.",
    )

    pieces, run = consume(agent.stream("general", ASK))

    assert run.stopped == "answered" and run.steps == 2
    assert [m.tool_calls for m in run.model_calls] == [1, 0]
    [call] = run.tool_calls
    assert (call.server, call.tool, call.status) == ("echo", "echo", "ok")
    assert "".join(pieces) == run.answer
    assert run.answer.startswith("Here is what I found.") and "Tram 28 leaves Martim Moniz" in run.answer
    assert [m["role"] for m in run.messages] == ["user", "assistant", "tool", "assistant"]
    usage = rows(agent, "select request_id, cost_usd from model_usage")
    assert {r["request_id"] for r in usage} == {m.request_id for m in run.model_calls}
    assert sum(r["cost_usd"] for r in usage) == pytest.approx(run.cost_usd)
    assert run.cost_usd == pytest.approx(sum(m.cost_usd for m in run.model_calls))


def test_a_run_stops_at_max_steps_without_calling_the_tools_the_last_step_asked_for(
    start_agent: StartAgent,
) -> None:
    agent, fake = start_agent("echo", max_steps=1)
    assert fake is not None
    fake.configure("primary", tool_calls=[{"name": "echo__echo", "arguments": {"text": "again"}}])

    run = agent.run("general", ASK)

    assert run.stopped == "max_steps" and run.steps == 1 and run.tool_calls == []
    assert any("max_steps=1" in n and "echo__echo" in n and "not called" in n for n in run.notes)
    assert fake.stats().count("primary") == 1
    assert rows(agent, "select * from mcp_calls") == []


def test_a_run_stops_cleanly_once_its_cost_passes_the_cap(start_agent: StartAgent) -> None:
    agent, fake = start_agent("echo", cost_cap_usd=0.0001)
    assert fake is not None
    fake.configure(
        "primary",
        tool_calls=[{"name": "echo__echo", "arguments": {"text": "pricey"}}],
        prompt_tokens=100,
        completion_tokens=20,
    )
    one_call = 100 * PRICE_IN + 20 * PRICE_OUT  # $0.00036

    capped = agent.run("general", ASK)
    roomy = Agent(agent.gateway, agent.manager, cost_cap_usd=0.001).run("general", ASK)

    assert capped.stopped == "cost_cap" and capped.steps == 1 and capped.tool_calls == []
    assert capped.cost_usd == pytest.approx(one_call)
    assert any("past its cost cap of $0.000100" in n and "not called" in n for n in capped.notes)
    assert roomy.stopped == "answered" and roomy.steps == 2
    assert roomy.cost_usd == pytest.approx(2 * one_call)


def test_bad_json_arguments_go_back_to_the_model_with_the_schema_and_the_tool_is_not_called(
    start_agent: StartAgent,
) -> None:
    agent, fake = start_agent("echo", gateway_class=TruncatingGateway)
    assert fake is not None
    fake.configure("primary", tool_calls=[{"name": "echo__echo", "arguments": {"text": "hi"}}])

    run = agent.run("general", ASK)

    assert run.stopped == "answered" and run.steps == 2
    [call] = run.tool_calls
    assert (call.status, call.is_error, call.raw_arguments) == ("invalid_arguments", True, '{"text": "hi"')
    assert "were not valid JSON" in call.result_text and '"text"' in call.result_text
    assert '"required": ["text"]' in call.result_text  # the schema, so the model can try again
    tool_message = last_request(fake)["messages"][-1]
    assert tool_message["role"] == "tool" and "were not valid JSON" in tool_message["content"]
    assert rows(agent, "select * from mcp_calls") == []


def test_tool_errors_unknown_tools_and_unavailable_tools_go_back_to_the_model_not_up(
    start_agent: StartAgent,
) -> None:
    agent, fake = start_agent("echo")
    assert fake is not None
    fake.configure(
        "primary",
        tool_calls=[
            {"name": "echo__fail", "arguments": {"message": "No trip matches 'Lisbn'"}},
            {"name": "echo__nope", "arguments": {}},
            {"name": "echo__crash", "arguments": {"code": 3}},
        ],
    )

    run = agent.run("general", ASK)

    assert run.stopped == "answered"
    failed, unknown, crashed = run.tool_calls
    assert (failed.status, failed.is_error) == ("tool_error", True)
    assert "No trip matches 'Lisbn'" in failed.result_text
    assert unknown.status == "unknown_tool" and unknown.server is None
    assert (
        "There is no tool named 'echo__nope'" in unknown.result_text and "echo__echo" in unknown.result_text
    )
    assert crashed.status == "unavailable" and "was not retried" in crashed.result_text
    assert "No trip matches 'Lisbn'" in run.answer and "There is no tool named" in run.answer


# ---------------------------------------------------------------------------------------------------- which tools


def test_a_workflow_step_offers_its_tools_only_and_routes_its_task_type(start_agent: StartAgent) -> None:
    agent, fake = start_agent("trip-desk", "echo")
    assert fake is not None
    fake.configure("primary", reply="Three concepts.")

    run = agent.run("", ASK, step=2)

    assert run.task == "trip_concepts" and run.workflow_step == 2
    assert run.tools == [
        "trip-desk.continue_trip",
        "trip-desk.get_workflow_status",
        "trip-desk.get_anything",
        "trip-desk.destination_facts",
    ]
    sent = last_request(fake)
    assert [t["function"]["name"] for t in sent["tools"]] == [
        "trip-desk__continue_trip",
        "trip-desk__get_workflow_status",
        "trip-desk__get_anything",
        "trip-desk__destination_facts",
    ]
    assert sent["messages"][0]["role"] == "system" and "Generate concepts" in sent["messages"][0]["content"]
    assert run.notes[0].startswith(
        "Left out tools named by workflow step 2 that no running MCP server offers: "
        "get_workflow_instructions, advance_workflow_phase, fetch_page. Offered: "
    )
    assert "echo.whoami" in run.notes[0] and "trip-desk.health_check" in run.notes[0]
    [usage] = rows(agent, "select task_type, workflow_step from model_usage")
    assert usage == {"task_type": "trip_concepts", "workflow_step": 2}


def test_allowed_tools_take_bare_or_server_qualified_names_and_note_unknown_ones(
    start_agent: StartAgent,
) -> None:
    agent, fake = start_agent("trip-desk", "echo")
    assert fake is not None

    run = agent.run("general", ASK, allowed_tools=["health_check", "echo.whoami", "echo.teleport"])

    assert run.tools == ["trip-desk.health_check", "echo.whoami"]
    assert "offers: echo.teleport. Offered:" in run.notes[0]
    assert agent.run("general", ASK, allowed_tools=[]).tools == []


def test_tool_names_are_made_safe_for_every_provider_and_unique() -> None:
    schema = {"type": "object", "properties": {}}
    infos = [
        ToolInfo(
            server="my server/β",
            name="get.thing",
            input_schema=schema,
            read_only=True,
            idempotent=True,
            destructive=False,
        ),
        ToolInfo(
            server="my server/β",
            name="get thing",
            input_schema=schema,
            read_only=True,
            idempotent=True,
            destructive=False,
        ),
        ToolInfo(
            server="s", name="x" * 80, input_schema=schema, read_only=True, idempotent=True, destructive=False
        ),
    ]

    tools, notes = _select(infos, None, "")

    assert [t.name for t in tools] == ["my_server____get_thing", "my_server____get_thing_2", "s__" + "x" * 61]
    assert all(len(t.name) <= 64 for t in tools) and notes == []


# ---------------------------------------------------------------------------------------------------- offline


def test_offline_the_run_calls_read_only_tools_without_required_arguments_and_drafts_from_them(
    start_agent: StartAgent,
) -> None:
    agent, _ = start_agent("echo", keys=False)

    first = agent.run("general", ASK)
    second = agent.run("general", ASK)

    assert first.offline and first.stopped == "answered" and first.steps == 1
    assert first.answer.startswith(OFFLINE_BANNER)
    assert "offline" in first.model_calls[0].model_label and first.cost_usd == 0
    [whoami] = (
        first.tool_calls
    )  # echo, fail, slow and freeze need arguments; crash and the writes are not read-only
    assert (whoami.tool, whoami.step, whoami.call_id, whoami.status) == ("whoami", 0, "offline_1", "ok")
    assert whoami.result_text.strip() in first.answer
    assert [m["role"] for m in first.messages] == ["user", "assistant", "tool", "assistant"]
    assert any("called the read-only tools echo.whoami first" in n for n in first.notes)
    assert second.answer == first.answer  # deterministic


def test_offline_the_step_tools_get_the_trip_id_from_the_context(start_agent: StartAgent) -> None:
    agent, _ = start_agent("trip-desk", keys=False)

    run = agent.run("", ASK, step=2, context=CallContext(trip_id="41"))

    assert run.offline and run.task == "trip_concepts"
    assert [(c.tool, c.arguments) for c in run.tool_calls] == [
        ("continue_trip", {"trip_id": 41}),
        ("get_workflow_status", {"trip_id": 41}),
    ]
    assert "Lisbon spring 2027 (trip 41)" in run.answer and "Client picked a favourite concept" in run.answer
    assert (
        "Offline, not called: read-only tools with required arguments the context cannot fill: "
        "trip-desk.get_anything, trip-desk.destination_facts." in run.notes
    )


# ---------------------------------------------------------------------------------------------------- errors


def test_a_gateway_failure_propagates(start_agent: StartAgent) -> None:
    agent, fake = start_agent("echo")
    assert fake is not None
    fake.configure("primary", fail_first=100)
    fake.configure("backup", fail_first=100)
    settings = agent.gateway.settings
    no_offline = settings.model_copy(
        update={
            "models": settings.models.model_copy(
                update={"providers": {"lab": settings.models.providers["lab"]}}
            )
        }
    )
    agent = Agent(Gateway(no_offline), agent.manager)

    with pytest.raises(ProviderError, match="Every model failed"):
        agent.run("general", ASK)


def test_bad_settings_and_inputs_are_refused_with_the_fix(tmp_path: Path) -> None:
    gateway = Gateway(Settings(data_dir=tmp_path))
    with pytest.raises(ValidationError, match="max_steps must be at least 1"):
        Agent(gateway, None, max_steps=0)
    with pytest.raises(ValidationError, match="at least one message"):
        Agent(gateway, None).run("general", [])
    with pytest.raises(ValidationError, match="no workflow step 13"):
        Agent(gateway, None).run("", ASK, step=13)


# ---------------------------------------------------------------------------------------------------- helpers


class TruncatingGateway(Gateway):
    """The real Gateway, except that the arguments of the tool calls it returns lose their last character."""

    def complete(self, messages: Sequence[Mapping[str, Any]], **kw: Any) -> GatewayResult:
        result = super().complete(messages, **kw)
        calls = [
            {**c, "function": {**c["function"], "arguments": c["function"]["arguments"][:-1]}}
            for c in result.tool_calls
        ]
        return result.model_copy(update={"tool_calls": calls})
