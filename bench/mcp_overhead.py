"""MCP manager overhead, failover and stale-cache latency against the test echo server (stdio), in one run.

- overhead: N read calls through ``McpManager`` (cache bypassed, so every call reaches the server) vs N calls
  through a bare ``mcp.Client`` (same handshake, ``mode="legacy"``) to its own process of the same server, in
  blocks of back-to-back calls whose order rotates each round. Three ways into the manager:
  ``manager_median_ms`` / ``ratio``: calls awaited on the manager's own loop (``manager.run``: the agent
  loop's path, no thread hop); ``manager_sync_*``: ``call_tool_sync`` (pages, the CLI); ``manager_cross_loop_*``:
  ``await call_tool`` from another event loop. The last two hop to the manager's loop thread and back on every
  call. Target: ratio <= 1.15.
- failover: two instances; SIGKILL the one serving, then time until the next call succeeds. Target <= 1000 ms.
- stale: every instance down (kept down by the echo server's --fail-if-exists), a read-only call answers from
  the last-known-good store. Target <= 5 ms.

Usage: ``python bench/mcp_overhead.py [CALLS]``. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mcp import Client, StdioServerParameters

from core.config import McpConfig, McpServerConfig, Settings
from core.mcp import McpManager
from core.warehouse import Warehouse

ECHO = str(Path(__file__).resolve().parents[1] / "tests" / "core" / "mcp" / "servers" / "echo_server.py")
CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
ROUNDS = 10
WARMUP = 50
FAILOVERS = 5
STALE_CALLS = 200


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def server(*extra: str, instances: int = 1, health_interval_s: float = 15.0) -> McpServerConfig:
    return McpServerConfig(
        command=sys.executable,
        args=[ECHO, *extra],
        instances=instances,
        timeout_s=5.0,
        start_timeout_s=15.0,
        health_interval_s=health_interval_s,
    )


async def overhead(data_dir: Path) -> dict[str, float]:
    settings = Settings(data_dir=data_dir, mcp=McpConfig(servers={"echo": server()}))
    warehouse = Warehouse(data_dir)
    manager = McpManager(settings, warehouse)
    params = StdioServerParameters(command=sys.executable, args=[ECHO])
    timings: dict[str, list[float]] = {"raw": [], "loop": [], "sync": [], "async": []}
    args = {"text": "a read call"}
    per_round = max(CALLS // ROUNDS, 1)
    async with Client(params, mode="legacy", read_timeout_seconds=5.0, cache=None) as client:
        await client.list_tools()  # as the manager does (so both validate results against the output schema)
        await manager.astart(raise_on_failure=True)

        async def raw(n: int) -> list[float]:
            out = []
            for _ in range(n):
                t = time.perf_counter()
                await client.call_tool("echo", args)
                out.append((time.perf_counter() - t) * 1000)
            return out

        async def on_manager_loop(n: int) -> list[float]:  # runs on the manager's loop (manager.run)
            out = []
            for _ in range(n):
                t = time.perf_counter()
                await manager.call_tool("echo", "echo", args, use_cache=False)
                out.append((time.perf_counter() - t) * 1000)
            return out

        async def via_sync(n: int) -> list[float]:
            out = []
            for _ in range(n):
                t = time.perf_counter()
                manager.call_tool_sync("echo", "echo", args, use_cache=False)
                out.append((time.perf_counter() - t) * 1000)
            return out

        async def via_async(n: int) -> list[float]:  # awaited from this (another) loop: one hop per call
            out = []
            for _ in range(n):
                t = time.perf_counter()
                await manager.call_tool("echo", "echo", args, use_cache=False)
                out.append((time.perf_counter() - t) * 1000)
            return out

        async def via_loop(n: int) -> list[float]:
            return await manager.run(on_manager_loop, n)

        paths = {"raw": raw, "loop": via_loop, "sync": via_sync, "async": via_async}
        try:
            for run in paths.values():
                await run(WARMUP)
            names = list(paths)
            for r in range(ROUNDS):  # blocks of back-to-back calls, the block order rotating each round
                for name in names[r % len(names) :] + names[: r % len(names)]:
                    timings[name] += await paths[name](per_round)
        finally:
            await manager.astop()
            warehouse.close()
    med = {k: statistics.median(v) for k, v in timings.items()}
    return {
        "calls": len(timings["loop"]),
        "manager_median_ms": round(med["loop"], 4),
        "raw_median_ms": round(med["raw"], 4),
        "ratio": round(med["loop"] / med["raw"], 3),
        "manager_p99_ms": round(pct(timings["loop"], 0.99), 4),
        "raw_p99_ms": round(pct(timings["raw"], 0.99), 4),
        "manager_sync_median_ms": round(med["sync"], 4),
        "sync_ratio": round(med["sync"] / med["raw"], 3),
        "manager_cross_loop_median_ms": round(med["async"], 4),
        "cross_loop_ratio": round(med["async"] / med["raw"], 3),
    }


def failover_and_stale(data_dir: Path) -> dict[str, float]:
    flag = data_dir / "keep-echo-down"
    settings = Settings(
        data_dir=data_dir,
        mcp=McpConfig(
            servers={"echo": server("--fail-if-exists", str(flag), instances=2, health_interval_s=5.0)}
        ),
    )
    failover_ms: list[float] = []
    stale_ms: list[float] = []
    warehouse = Warehouse(data_dir)
    with McpManager(settings, warehouse) as manager:
        manager.wait_for_sync("echo", timeout=20.0)
        for _ in range(FAILOVERS):
            manager.wait_for_sync("echo", timeout=20.0)  # both up (the last victim restarted)
            serving = manager.call_tool_sync("echo", "whoami", use_cache=False)
            pid = serving.structured["pid"]
            os.kill(pid, signal.SIGKILL)
            t = time.perf_counter()
            while True:  # each failed call raises quickly; bounded by the loop count
                result = manager.call_tool_sync("echo", "whoami", use_cache=False)
                if not result.is_error:
                    break
            failover_ms.append((time.perf_counter() - t) * 1000)
            if result.structured["pid"] == pid:
                raise SystemExit("failover answered from the killed process")
        manager.wait_for_sync("echo", timeout=20.0)
        manager.call_tool_sync("echo", "echo", {"text": "remember me"})  # last known good
        flag.touch()
        for status in manager.list_servers()[0].instances:
            assert status.pid is not None
            os.kill(status.pid, signal.SIGKILL)
        manager.wait_for_sync("echo", health="down", timeout=20.0)
        for _ in range(STALE_CALLS):
            t = time.perf_counter()
            result = manager.call_tool_sync("echo", "echo", {"text": "remember me"}, use_cache=False)
            stale_ms.append((time.perf_counter() - t) * 1000)
            if result.from_cache != "stale":
                raise SystemExit(f"expected a stale answer, got {result.from_cache}")
    warehouse.close()
    return {
        "failover_ms": round(statistics.median(failover_ms), 2),
        "failover_max_ms": round(max(failover_ms), 2),
        "stale_hit_ms": round(statistics.median(stale_ms), 4),
        "stale_hit_p99_ms": round(pct(stale_ms, 0.99), 4),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out: dict[str, object] = {"benchmark": "mcp_overhead"}
        out.update(asyncio.run(overhead(Path(tmp) / "a")))
        out.update(failover_and_stale(Path(tmp) / "b"))
        out["targets"] = {"ratio": 1.15, "failover_ms": 1000, "stale_hit_ms": 5}
        out["cores"] = os.cpu_count() or 1
    print(json.dumps(out))


if __name__ == "__main__":
    main()
