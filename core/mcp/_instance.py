"""One server's instances. Each instance owns one long-lived ``ClientSession`` inside one supervisor task.

The supervisor connects (spawn or HTTP), runs the ``initialize`` handshake and lists the tools within
``start_timeout_s``, then serves until the session fails: the process exits (noticed at once from its stdout),
three health pings in a row go unanswered, a call finds the connection closed, or a restart is asked for. Then
it waits out a backoff (0.2 s, 0.5 s, 1 s, 2 s, 5 s, 10 s, 30 s ...; reset after 10 s of good health) and
connects again, until the manager stops. Everything here runs on the manager's event loop: no locks.

Sessions use the ``initialize`` handshake (``mode="legacy"`` in ``mcp.Client`` terms): every server speaks it,
and the health check's ``ping`` exists only there.
"""

from __future__ import annotations

import difflib
import logging
import math
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import anyio
import httpx2
import mcp_types as types
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

from core.errors import ValidationError
from core.mcp._models import Health, InstanceStatus, ServerStatus, ToolInfo
from core.mcp._stdio import StdioTransport
from core.mcp._watchdog import GroupWatchdog

if TYPE_CHECKING:
    from core.config import McpServerConfig

__all__ = ["Instance", "InstanceFailure", "ServerRuntime", "ToolPolicy"]

logger = logging.getLogger(__name__)

BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
STABLE_AFTER_S = 10.0
MISSES_FOR_DOWN = 3
_CLIENT_INFO = types.Implementation(name="travelops", version="0.1.0")
# Failures of the connection itself (as opposed to an error the server answered with).
_TRANSPORT_ERRORS = (
    OSError,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    anyio.EndOfStream,
    httpx2.HTTPError,
)


class InstanceFailure(Exception):
    """A call could not complete on one instance (crash, timeout, transport error); another may serve it."""

    def __init__(self, instance: str, kind: Literal["crash", "timeout", "transport"], detail: str) -> None:
        self.instance = instance
        self.kind = kind
        self.detail = detail
        super().__init__(f"{instance}: {detail}")


class _StartFailure(Exception):
    pass


def _quote(text: str) -> str:
    """Lines of a process's stderr, set off from the message around them."""
    return "\n".join(f"  | {line}" for line in text.splitlines())


def _first_leaf(group: BaseExceptionGroup[Exception]) -> Exception:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ToolPolicy:
    read_only: bool
    idempotent: bool
    destructive: bool
    ttl_s: float  # > 0 only for read-only tools whose results may be cached

    @property
    def retryable(self) -> bool:
        return self.read_only or self.idempotent


class _WatchedHttpTransport(httpx2.AsyncBaseTransport):
    """Reports connection failures at once: the SDK's HTTP client otherwise leaves the caller to time out."""

    def __init__(self, instance: Instance) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self._instance = instance

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            return await self._inner.handle_async_request(request)
        except httpx2.TransportError as e:
            self._instance.connection_failed(f"{type(e).__name__}: {e or 'connection failed'}")
            raise

    async def aclose(self) -> None:
        await self._inner.aclose()


class ServerRuntime:
    """A configured, enabled server: its instances, its tools, and the policy for each tool."""

    def __init__(
        self,
        name: str,
        cfg: McpServerConfig,
        *,
        base_dir: Path | None = None,
        watchdog: GroupWatchdog | None = None,
    ) -> None:
        self.name = name
        self.cfg = cfg
        self.base_dir = base_dir
        self.watchdog = watchdog
        urls = [*([cfg.url] if cfg.url else []), *cfg.urls] if cfg.kind == "http" else []
        count = len(urls) if urls else cfg.instances
        self.instances = [Instance(self, i + 1, urls[i] if urls else None) for i in range(count)]
        self.tools: dict[str, types.Tool] | None = None  # None until an instance has listed them
        self._policies: dict[str, ToolPolicy] = {}
        self._changed = anyio.Event()

    # -- state changes ---------------------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everyone waiting for a change of any instance's health."""
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_changed(self, timeout: float) -> None:
        with anyio.move_on_after(timeout):
            await self._changed.wait()

    @property
    def command_line(self) -> str | None:
        return " ".join([self.cfg.command, *self.cfg.args]) if self.cfg.command else None

    def pick(self, exclude: set[Instance]) -> Instance | None:
        """The healthy instance with the fewest calls in flight (first one on ties), or None."""
        best: Instance | None = None
        for inst in self.instances:
            if (
                inst.health == "up"
                and inst not in exclude
                and (best is None or inst.in_flight < best.in_flight)
            ):
                best = inst
        return best

    def any_starting(self, exclude: set[Instance]) -> bool:
        return any(i.health == "starting" and i not in exclude for i in self.instances)

    def last_error(self) -> str | None:
        errors = [(i.error_at, i.last_error) for i in self.instances if i.last_error]
        return max(errors)[1] if errors else None

    # -- tools -----------------------------------------------------------------------------------------------

    def set_tools(self, tools: list[types.Tool]) -> None:
        self.tools = {t.name: t for t in tools}
        self._policies.clear()

    def policy(self, tool: str) -> ToolPolicy:
        policy = self._policies.get(tool)
        if policy is not None:
            return policy
        if self.tools is not None and tool not in self.tools:
            known = sorted(self.tools)
            close = difflib.get_close_matches(tool, known, n=1)
            raise ValidationError(
                f"MCP server '{self.name}' has no tool '{tool}'."
                + (f" Did you mean '{close[0]}'?" if close else "")
                + f" Its tools: {', '.join(known) or '(none)'}.",
                hint="Use one of those names (list them with `travelops mcp list`).",
            )
        ann = self.tools[tool].annotations if self.tools is not None else None
        read_only = bool(ann and ann.read_only_hint)
        idempotent = bool(ann and ann.idempotent_hint)
        destructive = True if ann is None or ann.destructive_hint is None else ann.destructive_hint
        override = self.cfg.tools.get(tool)
        ttl = self.cfg.cache_ttl_s
        if override is not None:
            read_only = read_only if override.read_only is None else override.read_only
            idempotent = idempotent if override.idempotent is None else override.idempotent
            ttl = ttl if override.cache_ttl_s is None else override.cache_ttl_s
        policy = ToolPolicy(
            read_only=read_only,
            idempotent=idempotent,
            destructive=destructive and not read_only,
            ttl_s=ttl if read_only else 0.0,
        )
        if self.tools is not None:  # before the first listing only config is known: don't remember that
            self._policies[tool] = policy
        return policy

    def tool_infos(self) -> list[ToolInfo]:
        out: list[ToolInfo] = []
        for name, tool in (self.tools or {}).items():
            p = self.policy(name)
            out.append(
                ToolInfo(
                    server=self.name,
                    name=name,
                    title=tool.title or (tool.annotations.title if tool.annotations else None),
                    description=tool.description or "",
                    input_schema=tool.input_schema,
                    output_schema=tool.output_schema,
                    read_only=p.read_only,
                    idempotent=p.idempotent,
                    destructive=p.destructive,
                    cache_ttl_s=p.ttl_s if p.ttl_s > 0 else None,
                )
            )
        return out

    def status(self) -> ServerStatus:
        healths = {i.health for i in self.instances}
        health: Health = "up" if "up" in healths else "starting" if "starting" in healths else "down"
        return ServerStatus(
            name=self.name,
            kind=self.cfg.kind,
            enabled=True,
            health=health,
            command=self.command_line,
            instances=[i.status() for i in self.instances],
            tool_count=len(self.tools or {}),
            last_error=self.last_error(),
        )


class Instance:
    """One process (stdio) or URL (HTTP) of a server, with its supervisor task ``run``."""

    def __init__(self, server: ServerRuntime, index: int, url: str | None) -> None:
        self.server = server
        self.index = index
        self.url = url
        self.id = f"{server.name}#{index}"
        self.health: Health = "starting"
        self.session: ClientSession | None = None
        self.transport: StdioTransport | None = None
        self.last_error: str | None = None
        self.error_at = 0.0
        self.in_flight = 0
        self.calls = 0
        self.failures = 0
        self.missed_pings = 0
        self.sessions = 0
        self.starts_settled = 0  # start attempts that ended, up or failed
        self.up_since: datetime | None = None
        self.first_attempt = anyio.Event()  # set when the first start attempt ended, up or failed
        self._down = anyio.Event()
        self._kill_on_down = False
        self._restart_requested = False
        self._wake = anyio.Event()  # ends a backoff wait early
        self._probe = anyio.Event()  # runs a health check now
        self._start_scope: anyio.CancelScope | None = None
        self._start_abort: str | None = None

    def __repr__(self) -> str:
        return f"<Instance {self.id} {self.health}>"

    @property
    def pid(self) -> int | None:
        t = self.transport
        return t.pid if t is not None and t.returncode is None else None

    def status(self) -> InstanceStatus:
        return InstanceStatus(
            id=self.id,
            index=self.index,
            health=self.health,
            pid=self.pid if self.health != "down" else None,
            url=self.url,
            last_error=self.last_error,
            in_flight=self.in_flight,
            missed_pings=self.missed_pings,
            restarts=max(self.sessions - 1, 0),
            calls=self.calls,
            failures=self.failures,
            up_since=self.up_since,
        )

    # -- signals from outside the supervisor -----------------------------------------------------------------

    def mark_down(self, reason: str, *, kill: bool = False) -> None:
        """Take the instance out of rotation now; the supervisor closes the session and reconnects."""
        if self.health == "up":
            self.health = "down"
            self._set_error(reason)
            self._kill_on_down = kill
            self.up_since = None
            self._down.set()
            self.server.notify()

    def connection_failed(self, detail: str) -> None:
        """The HTTP client could not reach the server: fail the start at once, or take a live session down."""
        if self._start_scope is not None:
            self._start_abort = detail
            self._start_scope.cancel()
        else:
            self.mark_down(f"connection to {self.url} failed: {detail}")

    def request_restart(self) -> None:
        self._restart_requested = True
        if self.health == "up":
            self.mark_down("restart requested")
        self._wake.set()

    def request_probe(self) -> None:
        self._probe.set()

    def _set_error(self, message: str) -> None:
        self.last_error = message
        self.error_at = time.monotonic()

    def _set_health(self, health: Health) -> None:
        if self.health != health:
            self.health = health
            self.server.notify()

    # -- calls -----------------------------------------------------------------------------------------------

    async def call(self, tool: str, arguments: dict[str, Any], timeout: float) -> types.CallToolResult:
        """Call on this instance. Raises ``InstanceFailure`` when the instance failed; ``MCPError`` when the
        server answered with a JSON-RPC error."""
        session = self.session
        if session is None or self.health != "up":
            raise InstanceFailure(self.id, "crash", self.last_error or "not connected")
        self.in_flight += 1
        self.calls += 1
        try:
            return await session.call_tool(tool, arguments, read_timeout_seconds=timeout)
        except MCPError as e:
            if e.code == CONNECTION_CLOSED:
                self.failures += 1
                detail = self._closed_detail()
                self.mark_down(detail)
                raise InstanceFailure(self.id, "crash", detail) from e
            if e.code == REQUEST_TIMEOUT:
                self.failures += 1
                self.request_probe()
                raise InstanceFailure(self.id, "timeout", f"no answer within {timeout:g} s") from e
            raise
        except _TRANSPORT_ERRORS as e:
            self.failures += 1
            detail = f"{type(e).__name__}: {e}"
            self.mark_down(detail)
            raise InstanceFailure(self.id, "transport", detail) from e
        finally:
            self.in_flight -= 1

    async def explain(self, failure: InstanceFailure) -> str:
        """The failure's detail, with the process's exit code and stderr once reaped (waits <= 1 s):
        for messages, not for failover, which must not wait."""
        t = self.transport
        if failure.kind != "crash" or t is None or not t.exited.is_set():
            return failure.detail
        await t.wait_exit(1.0)
        tail = t.stderr_tail(5)
        return f"the server process (pid {t.pid}) {t.describe_exit()}" + (
            f"; its stderr ends with:\n{_quote(tail)}" if tail else ""
        )

    def _closed_detail(self) -> str:
        t = self.transport
        if t is not None and t.exited.is_set():
            return f"the server process (pid {t.pid}) {t.describe_exit()}"
        return "the connection closed"

    # -- the supervisor --------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, serve, reconnect with backoff; until cancelled (the manager stopping)."""
        attempt = 0
        while True:
            self._restart_requested = False
            self._set_health("starting")
            up_at: float | None = None
            try:
                up_at = await self._session_once()
            except _StartFailure as e:
                self.starts_settled += 1
                if str(e) != self.last_error:  # the same failure again and again is logged once
                    logger.warning("%s", e)
                self._set_error(str(e))
            except Exception as e:  # a supervisor must outlive any one session's failure
                self._set_error(f"unexpected error in the session of {self.id}: {type(e).__name__}: {e}")
                logger.exception("MCP instance %s: unexpected error in its session", self.id)
            self.health = "down"
            self.session = None
            self.up_since = None
            self.first_attempt.set()
            self.server.notify()
            if up_at is not None and time.monotonic() - up_at >= STABLE_AFTER_S:
                attempt = 0
            if self._restart_requested:
                continue
            delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            attempt += 1
            with anyio.move_on_after(delay):
                await self._wake.wait()
            self._wake = anyio.Event()

    async def _session_once(self) -> float | None:
        """One session from spawn to teardown. Returns when it went down after being up (the monotonic time it
        came up); raises ``_StartFailure`` when it never came up."""
        cfg = self.server.cfg
        self._down = anyio.Event()
        self._kill_on_down = False
        self._probe = anyio.Event()
        self._start_abort = None
        self.missed_pings = 0
        self.transport = None
        phase = "start"
        up_at: float | None = None
        error: BaseException | None = None
        scope = self._start_scope = anyio.CancelScope(deadline=anyio.current_time() + cfg.start_timeout_s)
        try:
            with scope:
                async with AsyncExitStack() as stack:
                    read, write = await self._open_transport(stack)
                    session = await stack.enter_async_context(
                        ClientSession(
                            read, write, read_timeout_seconds=cfg.start_timeout_s, client_info=_CLIENT_INFO
                        )
                    )
                    phase = "initialize"
                    await session.initialize()
                    phase = "tools/list"
                    tools = await self._list_tools(session)
                    scope.deadline = math.inf
                    self._start_scope = None
                    self.server.set_tools(tools)
                    self.session = session
                    self.sessions += 1
                    up_at = time.monotonic()
                    self.up_since = datetime.now(UTC)
                    self.last_error = None
                    self.starts_settled += 1
                    self.first_attempt.set()
                    self._set_health("up")
                    phase = "serve"
                    try:
                        await self._serve(session)
                    finally:
                        self.health = "down"
                        self.session = None
                        if self._kill_on_down and self.transport is not None:
                            self.transport.kill()
        except (MCPError, *_TRANSPORT_ERRORS, RuntimeError, ValueError) as e:
            error = e
        except ExceptionGroup as group:  # the SDK's task groups wrap what their host task raised
            error = _first_leaf(group)
        finally:
            self._start_scope = None
        if up_at is not None:
            if error is not None and self.last_error is None:
                self._set_error(f"session failed: {type(error).__name__}: {error}")
            return up_at
        raise _StartFailure(self._start_message(phase, error, timed_out=scope.cancelled_caught))

    async def _open_transport(self, stack: AsyncExitStack) -> Any:
        cfg = self.server.cfg
        if cfg.kind == "stdio":
            assert cfg.command is not None
            cwd = cfg.cwd
            if cwd is not None and self.server.base_dir is not None and not Path(cwd).is_absolute():
                cwd = str(self.server.base_dir / cwd)
            self.transport = StdioTransport(
                self.id, cfg.command, cfg.args, env=cfg.env, cwd=cwd, watchdog=self.server.watchdog
            )
            return await stack.enter_async_context(self.transport)
        assert self.url is not None
        http = await stack.enter_async_context(
            httpx2.AsyncClient(
                headers=cfg.headers,
                timeout=httpx2.Timeout(cfg.timeout_s, read=max(cfg.timeout_s, 300.0)),
                transport=_WatchedHttpTransport(self),
            )
        )
        return await stack.enter_async_context(streamable_http_client(self.url, http_client=http))

    @staticmethod
    async def _list_tools(session: ClientSession) -> list[types.Tool]:
        tools: list[types.Tool] = []
        cursor: str | None = None
        for _ in range(100):  # a server that paginates forever cannot hang the start
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await session.list_tools(params=params)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    async def _serve(self, session: ClientSession) -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._health_loop, session)
            if self.transport is not None:
                tg.start_soon(self._watch_exit, self.transport)
            await self._down.wait()
            tg.cancel_scope.cancel()

    async def _watch_exit(self, transport: StdioTransport) -> None:
        await transport.exited.wait()
        self.mark_down(f"the server process (pid {transport.pid}) closed its stdout")
        if await transport.wait_exit(1.0) is not None:
            tail = transport.stderr_tail(5)
            self._set_error(
                f"the server process (pid {transport.pid}) {transport.describe_exit()}"
                + (f"; its stderr ends with:\n{_quote(tail)}" if tail else "")
            )

    async def _health_loop(self, session: ClientSession) -> None:
        cfg = self.server.cfg
        ping_timeout = min(cfg.timeout_s, cfg.health_interval_s)
        while True:
            wait = cfg.health_interval_s if self.missed_pings == 0 else min(cfg.health_interval_s, 1.0)
            with anyio.move_on_after(wait):
                await self._probe.wait()
            self._probe = anyio.Event()
            try:
                await session.send_request(
                    types.PingRequest(params=types.RequestParams()),
                    types.EmptyResult,
                    request_read_timeout_seconds=ping_timeout,
                )
                self.missed_pings = 0
            except (MCPError, *_TRANSPORT_ERRORS) as e:
                self.missed_pings += 1
                if self.missed_pings >= MISSES_FOR_DOWN:
                    self.mark_down(
                        f"missed {MISSES_FOR_DOWN} health checks in a row "
                        f"(ping, {ping_timeout:g} s each; last: {e})",
                        kill=True,
                    )
                    return

    def _start_message(self, phase: str, error: BaseException | None, *, timed_out: bool) -> str:
        cfg = self.server.cfg
        name = self.server.name
        t = self.transport
        where = f"MCP server '{name}' (instance {self.id}"
        where += f", command: {self.server.command_line})" if cfg.kind == "stdio" else f", url: {self.url})"
        tail = t.stderr_tail() if t is not None else ""
        stderr = f" Its stderr ends with:\n{_quote(tail)}\n" if tail else " It wrote nothing to stderr. "
        if self._start_abort is not None:
            return (
                f"{where} could not be reached: {self._start_abort}. "
                f"Fix: start that server, or correct mcp.servers.{name}.url (and headers)."
            )
        if isinstance(error, FileNotFoundError) and t is not None and t.pid is None:
            return (
                f"{where} could not be started: '{cfg.command}' was not found on PATH. "
                f"Fix: install it, or give its full path in mcp.servers.{name}.command."
            )
        if isinstance(error, PermissionError) and t is not None and t.pid is None:
            return f"{where} could not be started: {error}. Fix: make mcp.servers.{name}.command executable."
        if timed_out:
            pid = f" (pid {t.pid}, now stopped)" if t is not None and t.pid else ""
            return (
                f"{where} did not answer {phase} within {cfg.start_timeout_s:g} s{pid}.{stderr}"
                f"Fix: check that the command starts an MCP server on stdio (not HTTP, not a prompt), "
                f"or raise mcp.servers.{name}.start_timeout_s."
            )
        if t is not None and t.exited.is_set():
            return (
                f"{where} {t.describe_exit()} during start (while waiting for {phase}).{stderr}"
                "Fix: run the command by hand to see why it stops; "
                f"check mcp.servers.{name} (command, args, env)."
            )
        return (
            f"{where} failed during {phase}: {type(error).__name__}: {error}.{stderr}"
            f"Fix: check that it is an MCP server and that mcp.servers.{name} is right."
        )
