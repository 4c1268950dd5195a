"""Across the process boundary, once per server: ``python -m core.mcp.servers NAME`` over stdio (what Claude
Desktop and Continue run), and once over streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client
from servers_helpers import ok

from core.config import Settings
from core.travel.fixtures import SampleAgency

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[4]
START_AND_CALL_S = 60.0  # a cold start imports the server's dependencies; the call itself is quick

# One cheap call per server, and what its answer must hold.
ROUND_TRIPS: dict[str, tuple[str, dict[str, Any], str]] = {
    "travel-db": ("get_anything", {"query": "lisbn"}, "Slow days in Lisbon"),
    "documents": ("list_templates", {}, "itinerary"),
    "guide": ("travel_agent_start", {}, "Start interview"),
    "research": ("destination_facts", {"country_or_city": "Kyoto"}, "Asia/Tokyo"),
    "travelops": ("ask", {"prompt": "Two days in Porto"}, "Offline draft"),
}


def server_env(settings: Settings, config_file: Path) -> dict[str, str]:
    return {
        "TRAVELOPS_CONFIG": str(config_file),
        "TRAVELOPS_DATA_DIR": str(settings.data_dir),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "PYTHONPATH": str(REPO),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", list(ROUND_TRIPS))
async def test_each_server_answers_a_tool_call_over_stdio_in_its_own_process(
    name: str, settings: Settings, config_file: Path, agency: SampleAgency, tmp_path: Path
) -> None:
    tool, arguments, expected = ROUND_TRIPS[name]
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "core.mcp.servers", name],
        env=server_env(settings, config_file),
        cwd=str(REPO),
    )
    with (tmp_path / "stderr.txt").open("w+", encoding="utf-8") as errlog:
        with anyio.fail_after(START_AND_CALL_S):
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write, read_timeout_seconds=START_AND_CALL_S) as session,
            ):
                await session.initialize()
                tools = await session.list_tools()
                result = await session.call_tool(tool, arguments)
        errlog.seek(0)
        stderr = errlog.read()
    assert tool in {t.name for t in tools.tools}
    assert expected in str(ok(result)), stderr


@pytest.mark.slow
async def test_a_server_serves_streamable_http_on_localhost_and_stops_cleanly(
    settings: Settings, config_file: Path, agency: SampleAgency
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "core.mcp.servers", "guide", "--http", "0"],
        cwd=REPO,
        env={**os.environ, **server_env(settings, config_file)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        with anyio.fail_after(START_AND_CALL_S):
            line = await anyio.to_thread.run_sync(process.stderr.readline)
            assert line.startswith("listening on http://127.0.0.1:"), line
            url = line.split("listening on ", 1)[1].strip()
            async with Client(url, read_timeout_seconds=START_AND_CALL_S) as client:
                prompts = (await client.list_prompts()).prompts
                start = ok(await client.call_tool("travel_agent_start", {}))
        assert len(prompts) == 12 and len(start["steps"]) == 12
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode is not None


def test_an_unknown_server_name_exits_with_a_message_naming_ours(
    settings: Settings, config_file: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "core.mcp.servers", "zen"],
        cwd=REPO,
        env={**os.environ, **server_env(settings, config_file)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Unknown MCP server 'zen'. Ours: travel-db, documents, guide, research, travelops." in done.stderr
