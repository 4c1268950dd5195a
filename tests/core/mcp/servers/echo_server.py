"""A tiny MCP server for the manager's tests and benchmark. Test infrastructure, not product.

Run: ``python echo_server.py [--exit-at-start CODE] [--hang] [--fail-if-exists PATH] [--http PORT]``

Tools (annotations are what the manager reads):
- ``echo(text)``: read-only; returns the text, this process's pid and how many calls it has served.
- ``whoami()``: read-only; this process's pid.
- ``set_value(key, value)``: idempotent write (same arguments, same effect).
- ``append_note(note)``: non-idempotent write; returns how many notes this process holds. (Both writes take
  ``stall_on_pid``: the process with that pid never answers, so a test can time one out.)
- ``fail(message)``: read-only; always answers with a tool error.
- ``slow(seconds)``: read-only; answers after ``seconds``.
- ``freeze(seconds)``: read-only; blocks the whole server (pings go unanswered) for ``seconds``.
- ``crash(code)``: a write that kills the process at once (``os._exit``), without answering.

Flags:
- ``--exit-at-start CODE``: print a message to stderr and exit with CODE before speaking MCP.
- ``--hang``: start, never answer ``initialize`` (reads and ignores stdin).
- ``--fail-if-exists PATH``: behave like ``--exit-at-start 3`` while PATH exists (lets a test keep a server
  down across the manager's restarts, then let it come back by removing the file).
- ``--http PORT``: serve streamable HTTP on 127.0.0.1:PORT (path ``/mcp``) instead of stdio; PORT 0 picks a
  free port. Either way the first line on stdout is ``listening on http://127.0.0.1:<port>/mcp`` once the
  socket accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

if __name__ == "__main__" and "--hang" in sys.argv:
    # Before the MCP SDK's import (about a second on a busy machine): the manager's start-timeout test reads
    # this line from stderr within its 1.5 s, and must not depend on how fast the SDK loads.
    sys.stderr.write("echo server: hanging before initialize\n")
    sys.stderr.flush()
    for _ in sys.stdin:  # read and ignore until the client closes stdin
        pass
    sys.exit(0)

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, destructive_hint=False)
IDEMPOTENT = ToolAnnotations(read_only_hint=False, idempotent_hint=True, destructive_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, idempotent_hint=False, destructive_hint=False)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, idempotent_hint=False, destructive_hint=True)

server = MCPServer("echo", log_level="WARNING")
_calls = 0
_values: dict[str, str] = {}
_notes: list[str] = []


@server.tool(annotations=READ_ONLY)
async def echo(text: str) -> dict[str, Any]:
    """Return the text, with the pid of the process that answered."""
    global _calls
    _calls += 1
    return {"text": text, "pid": os.getpid(), "calls": _calls}


@server.tool(annotations=READ_ONLY)
async def whoami() -> dict[str, Any]:
    """The pid of the process that answered."""
    return {"pid": os.getpid()}


async def _stall_if(pid: int) -> None:
    if pid == os.getpid():  # lets a test make exactly one instance too slow to answer
        await asyncio.sleep(3600)


@server.tool(annotations=IDEMPOTENT)
async def set_value(key: str, value: str, stall_on_pid: int = 0) -> dict[str, Any]:
    """Set key to value (idempotent). The process whose pid is `stall_on_pid` never answers."""
    await _stall_if(stall_on_pid)
    _values[key] = value
    return {"key": key, "value": value, "pid": os.getpid()}


@server.tool(annotations=WRITE)
async def append_note(note: str, stall_on_pid: int = 0) -> dict[str, Any]:
    """Append a note (not idempotent: each call adds one). The process with pid `stall_on_pid` hangs."""
    await _stall_if(stall_on_pid)
    _notes.append(note)
    return {"notes": len(_notes), "pid": os.getpid()}


@server.tool(annotations=READ_ONLY)
async def fail(message: str) -> str:
    """Always fails with `message` (a tool error, not a crash)."""
    raise ToolError(message)


@server.tool(annotations=READ_ONLY)
async def slow(seconds: float) -> dict[str, Any]:
    """Answer after `seconds`."""
    await asyncio.sleep(seconds)
    return {"slept": seconds, "pid": os.getpid()}


@server.tool(annotations=READ_ONLY)
async def freeze(seconds: float) -> dict[str, Any]:
    """Block the whole server (event loop included) for `seconds`: pings go unanswered meanwhile."""
    time.sleep(seconds)
    return {"froze": seconds, "pid": os.getpid()}


@server.tool(annotations=DESTRUCTIVE)
async def crash(code: int = 1) -> str:
    """Kill this server process immediately, without answering."""
    sys.stderr.write(f"echo server {os.getpid()}: crashing on request with code {code}\n")
    sys.stderr.flush()
    os._exit(code)


def serve_http(port: int) -> None:
    import socket

    import anyio
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}/mcp", flush=True)
    config = uvicorn.Config(server.streamable_http_app(), log_level="warning")
    anyio.run(uvicorn.Server(config).serve, [sock])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exit-at-start", type=int, default=None)
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--fail-if-exists", type=Path, default=None)
    parser.add_argument("--http", type=int, default=None, metavar="PORT")
    args = parser.parse_args()
    if args.fail_if_exists is not None and args.fail_if_exists.exists():
        args.exit_at_start = 3
    if args.exit_at_start is not None:
        sys.stderr.write("echo server: missing ECHO_CONFIG, cannot start\n")
        sys.stderr.flush()
        sys.exit(args.exit_at_start)
    if args.hang:
        sys.stderr.write("echo server: hanging before initialize\n")
        sys.stderr.flush()
        for _ in sys.stdin:  # read and ignore until the client closes stdin
            pass
        return
    if args.http is not None:
        serve_http(args.http)
    else:
        server.run()


if __name__ == "__main__":
    main()
