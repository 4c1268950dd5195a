"""The MCP manager against the echo server as real stdio processes (and over streamable HTTP)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import psutil
import pytest
from mcp_helpers import ECHO, EchoFactory, HttpEcho, StartManager, assert_no_orphans

from core.config import McpConfig, McpServerConfig, McpToolPolicy, Settings
from core.errors import ToolUnavailable, ValidationError
from core.mcp import McpManager
from core.mcp._cache import ResultCache
from core.mcp._models import ToolResult
from core.warehouse import Warehouse


def pids(manager: McpManager, server: str) -> list[int | None]:
    return [i.pid for s in manager.list_servers() if s.name == server for i in s.instances]


def test_start_reports_each_instance_up_with_its_pid_and_the_tools_with_their_annotations(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo(instances=2)}, raise_on_failure=True)

    [status] = manager.list_servers()
    assert status.health == "up" and status.tool_count == 8
    assert [i.id for i in status.instances] == ["echo#1", "echo#2"]
    assert all(i.health == "up" and i.pid and psutil.pid_exists(i.pid) for i in status.instances)
    tools = {t.name: t for t in manager.list_tools("echo")}
    assert (tools["echo"].read_only, tools["echo"].cache_ttl_s) == (True, 300.0)
    assert (tools["set_value"].read_only, tools["set_value"].idempotent, tools["set_value"].destructive) == (
        False,
        True,
        False,
    )
    assert (tools["append_note"].idempotent, tools["append_note"].cache_ttl_s) == (False, None)
    assert tools["crash"].destructive is True
    assert tools["echo"].input_schema["properties"]["text"]["type"] == "string"


def test_configured_tool_policies_override_the_servers_annotations(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    tools = {
        "append_note": McpToolPolicy(idempotent=True),
        "echo": McpToolPolicy(cache_ttl_s=0),
        "crash": McpToolPolicy(read_only=True),
    }
    manager = start_manager({"echo": echo(tools=tools, cache_ttl_s=60)})

    infos = {t.name: t for t in manager.list_tools("echo")}
    assert infos["append_note"].idempotent is True
    assert infos["echo"].read_only is True and infos["echo"].cache_ttl_s is None
    assert infos["whoami"].cache_ttl_s == 60
    assert infos["crash"].read_only is True and infos["crash"].destructive is False
    first = manager.call_tool_sync("echo", "echo", {"text": "a"})
    again = manager.call_tool_sync("echo", "echo", {"text": "a"})
    assert (first.from_cache, again.from_cache) == ("none", "none")
    assert again.structured["calls"] == first.structured["calls"] + 1


def test_read_only_results_come_from_the_cache_with_equal_arguments_in_any_key_order(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo()})

    first = manager.call_tool_sync("echo", "set_value", {"key": "k", "value": "v"})
    second = manager.call_tool_sync("echo", "set_value", {"value": "v", "key": "k"})
    assert (first.from_cache, second.from_cache) == ("none", "none")  # writes are never cached
    a = manager.call_tool_sync("echo", "echo", {"text": "hello"})
    b = manager.call_tool_sync("echo", "echo", {"text": "hello"})
    c = manager.call_tool_sync("echo", "echo", {"text": "hello"}, use_cache=False)
    d = manager.call_tool_sync("echo", "echo", {"text": "other"})
    assert (a.from_cache, b.from_cache, c.from_cache, d.from_cache) == ("none", "fresh", "none", "none")
    assert b.structured == a.structured and b.age_s is not None and b.age_s >= 0
    assert c.structured["calls"] == a.structured["calls"] + 1
    b.structured["text"] = "mutated by a caller"
    assert manager.call_tool_sync("echo", "echo", {"text": "hello"}).structured["text"] == "hello"


def test_the_result_cache_expires_fresh_entries_but_keeps_the_last_known_good_one() -> None:
    now = [1000.0]
    cache = ResultCache(timer=lambda: now[0])
    result = ToolResult(server="s", tool="t", text="x", content=[], instance="s#1", latency_ms=1.0)
    cache.put("s", "t", "{}", result, ttl_s=10)
    assert cache.get_fresh("s", "t", "{}") is not None
    now[0] += 11
    assert cache.get_fresh("s", "t", "{}") is None
    stale = cache.get_last_good("s", "t", "{}")
    assert stale is not None and cache.age(stale[1]) == 11


def test_tool_errors_and_unknown_tools_are_reported_not_retried(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo(instances=2)})

    failed = manager.call_tool_sync("echo", "fail", {"message": "no such trip"})
    assert failed.is_error and "no such trip" in failed.text and failed.from_cache == "none"
    with pytest.raises(ValidationError, match=r"has no tool 'ecko'. Did you mean 'echo'\?"):
        manager.call_tool_sync("echo", "ecko", {"text": "x"})
    with pytest.raises(ValidationError, match=r"Unknown MCP server 'nope'. Configured: echo"):
        manager.call_tool_sync("nope", "echo", {})
    bad_args = manager.call_tool_sync("echo", "echo", {"wrong": 1})
    assert bad_args.is_error


def test_concurrent_calls_are_balanced_to_the_instance_with_fewer_in_flight(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo(instances=2)})

    async def two_at_once() -> list[ToolResult]:
        with anyio.fail_after(10):
            return list(
                await asyncio.gather(
                    manager.call_tool("echo", "slow", {"seconds": 0.5}),
                    manager.call_tool("echo", "slow", {"seconds": 0.6}),
                )
            )

    results = asyncio.run(two_at_once())
    assert sorted(r.instance for r in results) == ["echo#1", "echo#2"]
    assert len({r.structured["pid"] for r in results}) == 2


def test_killing_the_serving_instance_mid_run_keeps_calls_succeeding_and_restarts_it_without_orphans(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo(instances=2)})
    victim = manager.call_tool_sync("echo", "whoami", use_cache=False).structured["pid"]
    assert victim == pids(manager, "echo")[0]

    async def calls_while_killing() -> list[ToolResult]:
        results: list[ToolResult] = []
        with anyio.fail_after(20):
            for i in range(60):
                if i == 20:
                    os.kill(victim, signal.SIGKILL)
                results.append(await manager.call_tool("echo", "whoami", use_cache=False))
        return results

    results = asyncio.run(calls_while_killing())
    assert all(not r.is_error for r in results)
    after_kill = [r.structured["pid"] for r in results[21:]]
    assert victim not in after_kill
    [restarted, _] = manager.wait_for_sync("echo", timeout=20)
    assert restarted.pid not in (None, victim) and restarted.restarts == 1
    assert "SIGKILL" in (manager.list_servers()[0].instances[0].last_error or "SIGKILL")
    assert not psutil.pid_exists(victim) or psutil.Process(victim).status() == psutil.STATUS_ZOMBIE
    manager.stop()
    assert_no_orphans()


def test_an_idempotent_write_moves_to_another_instance_when_one_times_out(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo(instances=2, timeout_s=1.0)})
    first_pid = pids(manager, "echo")[0]

    result = manager.call_tool_sync(
        "echo", "set_value", {"key": "k", "value": "v", "stall_on_pid": first_pid}
    )

    assert not result.is_error and result.instance == "echo#2"


def test_a_non_idempotent_write_is_not_retried_and_the_error_names_server_tool_instance_and_cause(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo(instances=2, timeout_s=1.0)})
    first_pid = pids(manager, "echo")[0]

    with pytest.raises(ToolUnavailable) as timed_out:
        manager.call_tool_sync("echo", "append_note", {"note": "n", "stall_on_pid": first_pid})
    message = str(timed_out.value)
    assert "'append_note' on server 'echo' failed on instance echo#1: no answer within 1 s" in message
    assert "not retried" in message and "idempotent: true" in message
    with pytest.raises(ToolUnavailable) as crashed:
        manager.call_tool_sync("echo", "crash", {"code": 7})
    message = str(crashed.value)
    assert "'crash' on server 'echo' failed on instance echo#1: the server process" in message
    assert "exited with code 7" in message and "crashing on request" in message
    assert manager.call_tool_sync("echo", "append_note", {"note": "still fine"}).instance == "echo#2"


def test_when_every_instance_is_down_a_read_only_tool_answers_stale_and_a_write_names_the_last_error(
    start_manager: StartManager, echo: EchoFactory, tmp_path: Path
) -> None:
    flag = tmp_path / "keep-down"
    manager = start_manager(
        {"echo": echo("--fail-if-exists", str(flag), instances=2, timeout_s=1.0, cache_ttl_s=0)}
    )
    fresh = manager.call_tool_sync("echo", "echo", {"text": "remember me"})
    flag.touch()
    for pid in pids(manager, "echo"):
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
    manager.wait_for_sync("echo", health="down", timeout=20)
    manager.wait_for_sync("echo", instance=1, health="starting", timeout=20)  # a restart attempt ...
    manager.wait_for_sync("echo", instance=1, health="down", timeout=20)  # ... that fails: the flag is there

    stale = manager.call_tool_sync("echo", "echo", {"text": "remember me"})
    assert stale.from_cache == "stale" and stale.structured == fresh.structured and stale.age_s is not None
    with pytest.raises(ToolUnavailable) as unavailable:
        manager.call_tool_sync("echo", "echo", {"text": "never asked before"})
    assert "No earlier result is cached" in str(unavailable.value)
    with pytest.raises(ToolUnavailable) as write:
        manager.call_tool_sync("echo", "append_note", {"note": "n"})
    message = str(write.value)
    assert "MCP tool 'append_note' on server 'echo' is unavailable" in message
    assert "exited with code 3 during start" in message and "missing ECHO_CONFIG" in message
    assert "travelops mcp list" in message

    flag.unlink()
    manager.wait_for_sync("echo", instance=1, timeout=30)
    assert manager.call_tool_sync("echo", "echo", {"text": "remember me"}).from_cache == "none"


def test_a_server_that_exits_at_start_fails_within_its_start_timeout_naming_command_and_stderr(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    started = time.monotonic()
    with pytest.raises(ToolUnavailable) as failed:
        start_manager({"broken": echo("--exit-at-start", "3", start_timeout_s=10)}, raise_on_failure=True)
    assert time.monotonic() - started < 10
    message = str(failed.value)
    assert "MCP server 'broken'" in message and "exited with code 3 during start" in message
    assert f"command: {sys.executable} {ECHO} --exit-at-start 3" in message
    assert "missing ECHO_CONFIG, cannot start" in message


def test_a_server_that_never_answers_initialize_fails_when_its_start_timeout_passes(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    started = time.monotonic()
    manager = start_manager({"mute": echo("--hang", start_timeout_s=1.5)})
    elapsed = time.monotonic() - started

    [status] = manager.list_servers()
    assert status.health != "up" and 1.4 < elapsed < 5
    assert "did not answer initialize within 1.5 s" in (status.last_error or "")
    assert "hanging before initialize" in (status.last_error or "")
    with pytest.raises(ToolUnavailable, match="Last error: MCP server 'mute'"):
        manager.call_tool_sync("mute", "echo", {"text": "x"}, timeout_s=0.5)


def test_a_command_that_does_not_exist_is_named_with_the_fix(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"ghost": echo(command="no-such-mcp-server-xyz", args=[])})

    [status] = manager.list_servers()
    assert "'no-such-mcp-server-xyz' was not found on PATH" in (status.last_error or "")
    assert "mcp.servers.ghost.command" in (status.last_error or "")


def test_three_missed_health_checks_take_a_frozen_instance_down_and_it_is_restarted(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo(health_interval_s=0.2, timeout_s=0.3)})
    [frozen_pid] = pids(manager, "echo")

    async def freeze_and_watch() -> None:
        with anyio.fail_after(20):
            call = asyncio.ensure_future(manager.call_tool("echo", "freeze", {"seconds": 30}, timeout_s=20))
            await manager.wait_for("echo", health="down", timeout=15)
            await manager.wait_for("echo", health="up", timeout=15)
            with pytest.raises(ToolUnavailable):
                await call

    asyncio.run(freeze_and_watch())
    [status] = manager.list_servers()
    assert status.instances[0].pid != frozen_pid
    assert not psutil.pid_exists(frozen_pid) or psutil.Process(frozen_pid).status() == psutil.STATUS_ZOMBIE


def test_restart_replaces_the_process_of_one_instance(start_manager: StartManager, echo: EchoFactory) -> None:
    manager = start_manager({"echo": echo(instances=2)})
    before = pids(manager, "echo")

    status = manager.restart_sync("echo", "echo#2")

    assert status.health == "up" and status.pid not in before and status.restarts == 1
    assert pids(manager, "echo")[0] == before[0]


def test_every_call_becomes_one_warehouse_row_with_instance_status_and_bytes(
    start_manager: StartManager, echo: EchoFactory, warehouse: Warehouse, tmp_path: Path
) -> None:
    flag = tmp_path / "down"
    manager = start_manager({"echo": echo("--fail-if-exists", str(flag))})
    manager.call_tool_sync("echo", "echo", {"text": "hi"}, session_id="s1", user_id="u1", trip_id="41")
    manager.call_tool_sync("echo", "echo", {"text": "hi"}, trip_id="41")
    manager.call_tool_sync("echo", "fail", {"message": "nope"})
    flag.touch()
    os.kill(pids(manager, "echo")[0] or 0, signal.SIGKILL)
    manager.wait_for_sync("echo", health="down", timeout=20)
    manager.call_tool_sync("echo", "echo", {"text": "hi"}, use_cache=False)
    manager.stop()

    rows = warehouse.query(
        "select server, instance, tool, status, bytes_out, bytes_in, error, session_id, user_id, trip_id, "
        "latency_ms from mcp_calls order by created_at"
    ).to_dict("records")
    assert [(r["instance"], r["tool"], r["status"]) for r in rows] == [
        ("echo#1", "echo", "ok"),
        ("echo#1", "echo", "cache"),
        ("echo#1", "fail", "error"),
        ("echo#1", "echo", "stale"),
    ]
    assert rows[0]["bytes_out"] == len(b'{"text":"hi"}') and rows[0]["bytes_in"] > 20
    assert (rows[0]["session_id"], rows[0]["user_id"], rows[0]["trip_id"]) == ("s1", "u1", "41")
    assert "nope" in rows[2]["error"] and all(r["latency_ms"] >= 0 for r in rows)


def test_async_callers_on_another_loop_and_sync_callers_share_the_sessions(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo()})

    async def from_another_loop() -> ToolResult:
        with anyio.fail_after(10):
            return await manager.call_tool("echo", "whoami", use_cache=False)

    assert asyncio.run(from_another_loop()).structured == manager.call_tool_sync("echo", "whoami").structured


def test_code_run_on_the_managers_loop_calls_tools_without_a_thread_hop(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo()})

    async def three_calls(prefix: str) -> list[str]:
        assert asyncio.get_running_loop() is manager._bridge.loop  # what makes the calls inside hop-free
        return [
            (await manager.call_tool("echo", "echo", {"text": f"{prefix}{i}"})).structured["text"]
            for i in range(3)
        ]

    async def from_another_loop() -> list[str]:
        with anyio.fail_after(10):
            return await manager.run(three_calls, "async-")

    assert manager.run_sync(three_calls, "sync-", timeout=10) == ["sync-0", "sync-1", "sync-2"]
    assert asyncio.run(from_another_loop()) == ["async-0", "async-1", "async-2"]


def test_a_cancelled_caller_cancels_its_call_on_the_managers_loop(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"echo": echo()})

    async def impatient() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(manager.call_tool("echo", "slow", {"seconds": 30}), timeout=0.3)

    asyncio.run(impatient())
    [status] = manager.wait_for_sync("echo", timeout=5)
    assert status.in_flight == 0
    assert manager.call_tool_sync("echo", "whoami", use_cache=False).instance == "echo#1"


def test_a_disabled_server_is_listed_with_its_reason_and_refuses_calls(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    manager = start_manager({"off": echo(enabled=False, disabled_reason="GITHUB_TOKEN is not set")})

    [status] = manager.list_servers()
    assert (status.health, status.disabled_reason) == ("disabled", "GITHUB_TOKEN is not set")
    with pytest.raises(ToolUnavailable, match="disabled: GITHUB_TOKEN is not set"):
        manager.call_tool_sync("off", "echo", {})


def test_calls_before_start_say_to_start_the_manager(echo: EchoFactory, tmp_path: Path) -> None:
    manager = McpManager(Settings(data_dir=tmp_path, mcp=McpConfig(servers={"echo": echo()})))
    with pytest.raises(ToolUnavailable, match="not running"):
        manager.call_tool_sync("echo", "echo", {"text": "x"})


def test_http_instances_fail_over_when_one_server_dies(
    start_manager: StartManager, echo: EchoFactory, http_echo: type[HttpEcho]
) -> None:
    first, second = http_echo(), http_echo()
    manager = start_manager({"web": echo(command=None, args=[], urls=[first.url, second.url], timeout_s=3.0)})
    [status] = manager.list_servers()
    assert status.kind == "http" and [i.url for i in status.instances] == [first.url, second.url]
    served = manager.call_tool_sync("web", "whoami", use_cache=False)
    assert served.instance == "web#1" and served.structured["pid"] == first.proc.pid

    first.kill()
    started = time.monotonic()
    after = manager.call_tool_sync("web", "whoami", use_cache=False)

    assert after.instance == "web#2" and after.structured["pid"] == second.proc.pid
    assert time.monotonic() - started < 3.0  # a refused connection is noticed at once, not at the timeout


def launcher(echo: EchoFactory) -> McpServerConfig:
    """The echo server behind a shell that stays its parent (as npx/uvx stay the parents of real servers) and
    also starts a helper that ignores stdin (so only a kill of the whole group ends it)."""
    return echo(command="/bin/sh", args=["-c", f"sleep 600 & {sys.executable} {ECHO}; exit $?"])


def family(pid: int | None) -> list[psutil.Process]:
    assert pid is not None
    parent = psutil.Process(pid)
    return [parent, *parent.children(recursive=True)]


def test_stop_also_kills_what_a_launcher_started(start_manager: StartManager, echo: EchoFactory) -> None:
    manager = start_manager({"wrapped": launcher(echo)})
    processes = family(pids(manager, "wrapped")[0])
    assert len(processes) == 3 and any("echo_server.py" in " ".join(p.cmdline()) for p in processes)

    manager.stop()

    _, alive = psutil.wait_procs(processes, timeout=10)
    assert not alive


def test_an_http_server_that_is_not_listening_fails_its_start_at_once_naming_the_url(
    start_manager: StartManager, echo: EchoFactory
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/mcp"
    started = time.monotonic()
    manager = start_manager({"web": echo(command=None, args=[], url=url, start_timeout_s=10)})

    [status] = manager.list_servers()
    assert time.monotonic() - started < 5 and status.health != "up"
    assert f"MCP server 'web' (instance web#1, url: {url}) could not be reached: ConnectError" in (
        status.last_error or ""
    )
    assert "Fix: start that server, or correct mcp.servers.web.url" in (status.last_error or "")


def test_server_processes_and_their_children_die_with_a_parent_killed_by_sigkill(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        f"""
import json, sys
from core.config import McpConfig, McpServerConfig, Settings
from core.mcp import McpManager
echo = [{str(ECHO)!r}]
settings = Settings(data_dir={str(tmp_path)!r}, mcp=McpConfig(servers={{
    "echo": McpServerConfig(command=sys.executable, args=echo, instances=2),
    "wrapped": McpServerConfig(command="/bin/sh", args=["-c", "sleep 600 & " + sys.executable + " " + echo[0]]),
}}))
manager = McpManager(settings)
manager.start(raise_on_failure=True)
print(json.dumps([i.pid for s in manager.list_servers() for i in s.instances]), flush=True)
sys.stdin.read()
"""
    )
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        assert parent.stdout is not None
        servers = [p for pid in json.loads(parent.stdout.readline()) for p in family(pid)]
        assert len(servers) == 5 and all(p.is_running() for p in servers)  # 2 echo; sh, sleep and echo
        parent.kill()
        parent.wait(timeout=10)
        _, alive = psutil.wait_procs(servers, timeout=10)
        assert not alive, f"orphaned server processes: {[(p.pid, p.cmdline()) for p in alive]}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=10)
        for stream in (parent.stdin, parent.stdout):
            if stream is not None:
                stream.close()
