"""The MCP manager: every configured server's instances, health, balancing, failover, cache and usage events.

One manager per process. Its sessions live on a dedicated asyncio event loop in a background thread (started
by ``start()``), so sync callers (Streamlit pages, the CLI) and async callers (any loop, including the
agent's) share one set of sessions::

    with McpManager.from_settings(settings) as mcp:            # starts every enabled server
        mcp.list_servers()                                       # -> [ServerStatus]
        mcp.list_tools("travel-db")                              # -> [ToolInfo]
        mcp.call_tool_sync("travel-db", "get_anything", {"query": "Lisbon"})   # -> ToolResult

    result = await mcp.call_tool("time", "get_current_time", {"timezone": "UTC"}, trip_id="41")
    answers = await mcp.run(agent_steps, task)   # many calls in a row: run them on the manager's loop

Calls from another thread or event loop hop to the manager's loop and back (~0.1-0.2 ms on 2 vCPUs); code that
makes many calls in a row runs on the manager's loop with ``run`` / ``run_sync`` and pays that once.

How a call goes: a read-only tool's result within its TTL answers from the cache (``from_cache="fresh"``).
Else the call goes to the healthy instance with the fewest calls in flight, bounded by the server's
``timeout_s``. If that instance fails (crash, closed connection, timeout, transport error) the call moves to
the next healthy instance when the tool is read-only or idempotent; a non-idempotent write is not retried and
raises ``ToolUnavailable`` naming the instance and the error. When no instance is up, a read-only tool answers
with its last known good result (``from_cache="stale"``, however old); otherwise the call waits (within the
timeout) for an instance that is starting, or raises ``ToolUnavailable`` naming the server, the tool and the
last error. Each attempt is one ``mcp_calls`` row in the warehouse (a call that failed over is an ``error``
row, then an ``ok`` row), and so is each cache answer (``cache`` or ``stale``). Rows are handed to
``Warehouse.record`` in batches every 20 ms (and at ``stop``), off the calls' path.

The loop and its thread are ``_loop.LoopThread``; the batching of usage rows is ``_usage.UsageBatcher``; this
module keeps the call policy (cache, balancing, failover, stale answers) and the servers' lifecycle.

Annotations decide the policy: ``readOnlyHint`` / ``idempotentHint`` / ``destructiveHint`` as the server
declares them, overridden per tool by ``mcp.servers.<name>.tools.<tool>`` (``read_only``, ``idempotent``,
``cache_ttl_s``).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import importlib
import logging
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import mcp_types as types
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError as PydanticValidationError

from core.errors import ToolUnavailable, ValidationError
from core.mcp._cache import ResultCache, canonical_json
from core.mcp._instance import Instance, InstanceFailure, ServerRuntime
from core.mcp._loop import LoopThread
from core.mcp._models import CacheState, Health, InstanceStatus, ServerStatus, ToolInfo, ToolResult
from core.mcp._usage import CallContext, UsageBatcher
from core.mcp._watchdog import GroupWatchdog

if TYPE_CHECKING:
    from core.config import McpServerConfig, Settings
    from core.warehouse import Warehouse

__all__ = ["McpManager"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
_MARGIN_S = 5.0  # sync waits allow this much beyond the longest wait the loop side bounds itself
_running: weakref.WeakSet[McpManager] = weakref.WeakSet()


async def _invoke(fn: Callable[..., Awaitable[T]], args: tuple[Any, ...]) -> T:
    return await fn(*args)


async def _warm_imports(done: anyio.Event) -> None:
    def load() -> None:
        importlib.import_module("jsonschema")

    try:
        await anyio.to_thread.run_sync(load, abandon_on_cancel=True)
    finally:
        done.set()


@atexit.register
def _stop_all_at_exit() -> None:  # pragma: no cover - exercised by interpreter exit
    for manager in list(_running):
        manager.stop(timeout=5.0)


class McpManager:
    """Sessions to every enabled MCP server in ``settings.mcp.servers`` (or the ``servers`` named).

    Sync and async faces over one background event loop; see the module docstring for how a call is served.
    ``warehouse`` receives one ``McpCallEvent`` per call attempt and cache answer (None: record nothing).
    """

    def __init__(
        self,
        settings: Settings,
        warehouse: Warehouse | None = None,
        *,
        servers: Iterable[str] | None = None,
    ) -> None:
        configured = settings.mcp.servers
        if servers is not None:
            wanted = list(servers)
            unknown = [s for s in wanted if s not in configured]
            if unknown:
                raise ValidationError(
                    f"Unknown MCP server(s): {', '.join(unknown)}. "
                    f"Configured: {', '.join(sorted(configured)) or '(none)'}.",
                    hint="Add them under mcp.servers in the configuration "
                    "(or import them: `travelops mcp import FILE`).",
                )
            configured = {name: configured[name] for name in wanted}
        self.settings = settings
        self.warehouse = warehouse
        self._configs: dict[str, McpServerConfig] = dict(configured)
        self._base_dir = settings.source.parent if settings.source is not None else None
        self._servers: dict[str, ServerRuntime] = {}
        self._cache = ResultCache()
        self._watchdog = GroupWatchdog()
        self._bridge = LoopThread("mcp-manager")
        self._usage = UsageBatcher(warehouse)
        self._lock = threading.Lock()
        self._started = False

    @classmethod
    def from_settings(cls, settings: Settings, *, servers: Iterable[str] | None = None) -> McpManager:
        """A manager recording to the settings' warehouse (``data_dir``)."""
        from core.warehouse import Warehouse

        return cls(settings, Warehouse.from_settings(settings), servers=servers)

    def __repr__(self) -> str:
        return f"McpManager(servers={sorted(self._configs)}, running={self.running})"

    @property
    def running(self) -> bool:
        return self._started and self._bridge.alive

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self, *, raise_on_failure: bool = False) -> list[ServerStatus]:
        """Start every enabled server's instances and wait until each is up or has failed its first start
        (each bounded by its ``start_timeout_s``). A failed instance keeps being retried with backoff in the
        background.

        Returns the servers' statuses. With ``raise_on_failure`` a server with no instance up raises
        ``ToolUnavailable`` naming it, its command and its stderr tail (the manager is stopped first).
        """
        with self._lock:
            if self._started:
                return self.list_servers()
            self._bridge.start()
            self._started = True
            _running.add(self)
        longest = max((c.start_timeout_s for c in self._configs.values()), default=0.0)
        self._bridge.submit(self._start_all()).result(timeout=longest + _MARGIN_S)
        statuses = self.list_servers()
        failed = [s for s in statuses if s.enabled and s.health != "up"]
        if raise_on_failure and failed:
            self.stop()
            raise ToolUnavailable(
                f"{len(failed)} MCP server(s) did not start: "
                + " | ".join(f"{s.name}: {s.last_error or 'no instance came up'}" for s in failed),
                hint="Fix: correct mcp.servers.<name> in the configuration, "
                "or disable it with enabled: false.",
            )
        return statuses

    def stop(self, *, timeout: float = 15.0) -> None:
        """Stop every instance (EOF, then SIGTERM/SIGKILL to each process group) and the background loop."""
        if self._bridge.in_own_thread():
            raise RuntimeError("McpManager.stop() was called on the manager's own loop; call it from outside")
        with self._lock:
            if not self._started:
                return
            self._started = False
            _running.discard(self)
        self._bridge.stop(timeout)
        self._servers.clear()
        self._watchdog.close()
        self._usage.flush()  # what the loop queued in its last pass
        if self.warehouse is not None:
            self.warehouse.flush()  # seal this process's events so the next ingest (any process) sees them

    async def astart(self, *, raise_on_failure: bool = False) -> list[ServerStatus]:
        """``start`` for async callers (runs it in a worker thread: it blocks while servers start)."""
        return await anyio.to_thread.run_sync(lambda: self.start(raise_on_failure=raise_on_failure))

    async def astop(self) -> None:
        await anyio.to_thread.run_sync(self.stop)

    def __enter__(self) -> McpManager:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> McpManager:
        await self.astart()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.astop()

    async def _start_all(self) -> None:
        tg = self._bridge.task_group
        # The SDK validates structured results with jsonschema, whose import takes ~0.8 s here (a grammar is
        # compiled at import): pay it in a worker thread while the servers start, not in the first call.
        warmed = anyio.Event()
        tg.start_soon(_warm_imports, warmed)
        for name, cfg in self._configs.items():
            if not cfg.enabled:
                continue
            runtime = ServerRuntime(name, cfg, base_dir=self._base_dir, watchdog=self._watchdog)
            self._servers[name] = runtime
            for inst in runtime.instances:
                tg.start_soon(inst.run, name=f"mcp instance {inst.id}")
        for runtime in self._servers.values():
            with anyio.move_on_after(runtime.cfg.start_timeout_s + 1.0):
                for inst in runtime.instances:
                    await inst.first_attempt.wait()
        with anyio.move_on_after(5.0):
            await warmed.wait()

    # -- your own coroutines on the manager's loop -----------------------------------------------------------

    async def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``fn(*args)`` on the manager's loop and return its result (awaitable from any loop).

        Tool calls made inside it are awaited on the loop that owns the sessions, with no thread hop per call:
        the way for code that makes many calls in a row (the agent loop) to pay the hop once."""
        return await self._bridge.on_loop(_invoke(fn, args))

    def run_sync(self, fn: Callable[..., Awaitable[T]], *args: Any, timeout: float | None = None) -> T:
        """``run`` for sync callers; ``timeout`` (seconds, default: none) bounds the wait."""
        future = self._bridge.submit(_invoke(fn, args))
        if timeout is None:
            return future.result()
        return self._wait(future, timeout, f"run_sync({getattr(fn, '__name__', fn)!r})")

    def _wait(self, future: concurrent.futures.Future[T], timeout: float, what: str) -> T:
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError as e:
            future.cancel()
            raise ToolUnavailable(
                f"{what} did not finish within {timeout:g} s.",
                hint="The MCP manager's loop may be blocked; check `travelops mcp list`.",
            ) from e

    # -- status ----------------------------------------------------------------------------------------------

    def list_servers(self) -> list[ServerStatus]:
        """Every configured server (disabled ones too), with its instances' health, pid, errors and load."""
        out: list[ServerStatus] = []
        for name, cfg in self._configs.items():
            runtime = self._servers.get(name)
            if runtime is not None:
                out.append(runtime.status())
                continue
            out.append(
                ServerStatus(
                    name=name,
                    kind=cfg.kind,
                    enabled=cfg.enabled,
                    disabled_reason=cfg.disabled_reason if not cfg.enabled else None,
                    health="disabled" if not cfg.enabled else "down",
                    command=" ".join([cfg.command, *cfg.args]) if cfg.command else None,
                    instances=[],
                    last_error=None if not cfg.enabled else "not started",
                )
            )
        return out

    def list_tools(self, server: str | None = None) -> list[ToolInfo]:
        """The tools of one server (or of every running server), as last listed by an instance."""
        if server is not None:
            return self._runtime(server).tool_infos()
        return [info for runtime in list(self._servers.values()) for info in runtime.tool_infos()]

    def tool_info(self, server: str, tool: str) -> ToolInfo:
        for info in self._runtime(server).tool_infos():
            if info.name == tool:
                return info
        self._runtime(server).policy(tool)  # raises the teaching ValidationError
        raise ValidationError(
            f"MCP server '{server}' has not listed its tools yet.", hint="Wait until it is up."
        )

    def _runtime(self, server: str) -> ServerRuntime:
        runtime = self._servers.get(server)
        if runtime is not None:
            return runtime
        cfg = self._configs.get(server)
        if cfg is None:
            raise ValidationError(
                f"Unknown MCP server '{server}'. Configured: {', '.join(sorted(self._configs)) or '(none)'}.",
                hint="Add it under mcp.servers in the configuration "
                "(or import one: `travelops mcp import FILE`).",
            )
        if not cfg.enabled:
            raise ToolUnavailable(
                f"MCP server '{server}' is disabled"
                + (f": {cfg.disabled_reason}." if cfg.disabled_reason else "."),
                hint=f"Fix: {'export the variable it names' if cfg.disabled_reason else 'set enabled: true'} "
                f"(mcp.servers.{server}).",
            )
        raise ToolUnavailable(
            f"MCP server '{server}' is not running: the manager was not started.", hint="Call start() first."
        )

    # -- waiting and restarting ------------------------------------------------------------------------------

    async def wait_for(
        self, server: str, *, health: Health = "up", instance: int | str | None = None, timeout: float = 10.0
    ) -> list[InstanceStatus]:
        """Wait until every instance of ``server`` (or the one named) has ``health``; raise TimeoutError after
        ``timeout``. Returns the instances' statuses."""
        return await self._bridge.on_loop(self._wait_for(server, health, instance, timeout))

    def wait_for_sync(
        self, server: str, *, health: Health = "up", instance: int | str | None = None, timeout: float = 10.0
    ) -> list[InstanceStatus]:
        return self._wait(
            self._bridge.submit(self._wait_for(server, health, instance, timeout)),
            timeout + _MARGIN_S,
            "wait_for",
        )

    async def _wait_for(
        self, server: str, health: Health, instance: int | str | None, timeout: float
    ) -> list[InstanceStatus]:
        runtime = self._runtime(server)
        targets = [_instance(runtime, instance)] if instance is not None else runtime.instances
        with anyio.fail_after(timeout):
            while not all(i.health == health for i in targets):
                await runtime.wait_changed(timeout)
        return [i.status() for i in targets]

    async def restart(self, server: str, instance: int | str) -> InstanceStatus:
        """Close one instance's session (and process) and start it again now, without backoff. Returns its
        status once it is up or has failed to start."""
        return await self._bridge.on_loop(self._restart(server, instance))

    def restart_sync(self, server: str, instance: int | str) -> InstanceStatus:
        timeout = self._runtime(server).cfg.start_timeout_s + 3.0
        return self._wait(
            self._bridge.submit(self._restart(server, instance)), timeout + _MARGIN_S, "restart"
        )

    async def _restart(self, server: str, instance: int | str) -> InstanceStatus:
        runtime = self._runtime(server)
        inst = _instance(runtime, instance)
        before = inst.starts_settled
        inst.request_restart()
        with anyio.move_on_after(runtime.cfg.start_timeout_s + 3.0):
            while inst.starts_settled == before:
                await runtime.wait_changed(1.0)
        return inst.status()

    def clear_cache(self, server: str | None = None) -> None:
        """Forget cached and last-known-good results (of one server, or all)."""
        if self.running:
            self._wait(self._bridge.submit(self._clear_cache(server)), 5.0, "clear_cache")
        else:
            self._cache.clear(server)

    async def _clear_cache(self, server: str | None) -> None:
        self._cache.clear(server)

    # -- calls -----------------------------------------------------------------------------------------------

    async def call_tool(
        self,
        server: str,
        tool: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        session_id: str | None = None,
        user_id: str | None = None,
        trip_id: str | None = None,
        timeout_s: float | None = None,
        use_cache: bool = True,
    ) -> ToolResult:
        """Call a tool (see the module docstring). ``timeout_s`` overrides the server's per-attempt timeout;
        ``use_cache=False`` skips the fresh-cache lookup (the result still refreshes the cache).

        Raises ``ToolUnavailable`` (no instance could answer and no stale result may be served) and
        ``ValidationError`` (unknown server or tool, arguments that are not a JSON object)."""
        return await self._bridge.on_loop(
            self._call(server, tool, arguments, session_id, user_id, trip_id, timeout_s, use_cache)
        )

    def call_tool_sync(
        self,
        server: str,
        tool: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        session_id: str | None = None,
        user_id: str | None = None,
        trip_id: str | None = None,
        timeout_s: float | None = None,
        use_cache: bool = True,
    ) -> ToolResult:
        """``call_tool`` for sync callers (blocks this thread, never the manager's loop)."""
        future = self._bridge.submit(
            self._call(server, tool, arguments, session_id, user_id, trip_id, timeout_s, use_cache)
        )
        runtime = self._servers.get(server)
        per_attempt = timeout_s or (runtime.cfg.timeout_s if runtime else 10.0)
        attempts = len(runtime.instances) if runtime else 1
        return self._wait(future, per_attempt * (attempts + 1) + _MARGIN_S, f"MCP call {server}.{tool}")

    async def _call(
        self,
        server: str,
        tool: str,
        arguments: Mapping[str, Any] | None,
        session_id: str | None,
        user_id: str | None,
        trip_id: str | None,
        timeout_s: float | None,
        use_cache: bool,
    ) -> ToolResult:
        started = time.perf_counter()
        runtime = self._runtime(server)
        policy = runtime.policy(tool)
        given: object = arguments  # callers from untyped code (a page, a notebook) may pass anything
        if arguments is None:
            arguments = {}
        elif not isinstance(given, Mapping):
            raise ValidationError(
                f"Arguments for MCP tool {server}.{tool} must be a JSON object, "
                f"not {type(arguments).__name__}.",
                hint='Pass a mapping, e.g. {"timezone": "UTC"}.',
            )
        args = dict(arguments)
        args_json = canonical_json(args)
        bytes_out = len(args_json.encode())
        ctx = (session_id, user_id, trip_id)
        if policy.read_only and use_cache and policy.ttl_s > 0:
            hit = self._cache.get_fresh(server, tool, args_json)
            if hit is not None:
                return self._from_cache(hit, "fresh", started, bytes_out, ctx)
        timeout = timeout_s or runtime.cfg.timeout_s
        deadline = anyio.current_time() + timeout
        tried: set[Instance] = set()
        failures: list[InstanceFailure] = []
        while True:
            inst = runtime.pick(tried)
            if inst is None:
                if policy.read_only:
                    last = self._cache.get_last_good(server, tool, args_json)
                    if last is not None:
                        return self._from_cache(last, "stale", started, bytes_out, ctx)
                remaining = deadline - anyio.current_time()
                if runtime.any_starting(tried) and remaining > 0:
                    await runtime.wait_changed(remaining)
                    continue
                raise _unavailable(runtime, tool, failures, tried)
            tried.add(inst)
            t0 = time.perf_counter()
            try:
                raw = await inst.call(tool, args, timeout)
            except InstanceFailure as failure:
                failures.append(failure)
                self._usage.record(server, inst.id, tool, t0, "error", bytes_out, 0, failure.detail, ctx)
                if not policy.retryable:
                    detail = await inst.explain(failure)
                    raise _not_retried(runtime, tool, failure.instance, detail) from failure
                continue
            # An error the server answered with (JSON-RPC error, an answer breaking the protocol or the tool's
            # output schema): another instance would answer the same, so it is the result, not a failover.
            except MCPError as e:
                detail = f"MCP error {e.code}: {e.message}"
                return self._error_result(server, tool, inst, t0, detail, bytes_out, ctx)
            except (PydanticValidationError, RuntimeError) as e:
                detail = f"the server's answer was invalid: {type(e).__name__}: {e}"
                return self._error_result(server, tool, inst, t0, detail, bytes_out, ctx)
            result, bytes_in = _to_result(server, tool, raw, inst.id, t0)
            if result.is_error:
                self._usage.record(
                    server, inst.id, tool, t0, "error", bytes_out, bytes_in, result.text[:500], ctx
                )
            else:
                self._usage.record(server, inst.id, tool, t0, "ok", bytes_out, bytes_in, None, ctx)
                if policy.read_only:
                    self._cache.put(server, tool, args_json, result, policy.ttl_s)
            return result

    # -- results and events ----------------------------------------------------------------------------------

    def _error_result(
        self,
        server: str,
        tool: str,
        inst: Instance,
        t0: float,
        detail: str,
        bytes_out: int,
        ctx: CallContext,
    ) -> ToolResult:
        self._usage.record(server, inst.id, tool, t0, "error", bytes_out, 0, detail, ctx)
        return ToolResult(
            server=server,
            tool=tool,
            text=detail,
            content=[{"type": "text", "text": detail}],
            is_error=True,
            instance=inst.id,
            latency_ms=(time.perf_counter() - t0) * 1000.0,
        )

    def _from_cache(
        self,
        entry: tuple[ToolResult, float],
        state: CacheState,
        started: float,
        bytes_out: int,
        ctx: CallContext,
    ) -> ToolResult:
        cached, stored_at = entry
        result = cached.model_copy(
            update={
                "from_cache": state,
                "age_s": self._cache.age(stored_at),
                "latency_ms": (time.perf_counter() - started) * 1000.0,
            },
            deep=True,
        )
        self._usage.record(
            cached.server,
            cached.instance,
            cached.tool,
            started,
            "cache" if state == "fresh" else "stale",
            bytes_out,
            0,
            None,
            ctx,
        )
        return result


# ----------------------------------------------------------------------------------------------------------
# Helpers that need no manager: finding an instance, converting a result, errors that teach
# ----------------------------------------------------------------------------------------------------------


def _instance(runtime: ServerRuntime, instance: int | str) -> Instance:
    for inst in runtime.instances:
        if instance in (inst.index, inst.id, str(inst.index)):
            return inst
    raise ValidationError(
        f"MCP server '{runtime.name}' has no instance {instance!r}. "
        f"Its instances: {', '.join(i.id for i in runtime.instances)}.",
        hint="Give the number (1, 2, ...) or the id (name#1).",
    )


def _to_result(
    server: str, tool: str, raw: types.CallToolResult, instance: str, t0: float
) -> tuple[ToolResult, int]:
    texts: list[str] = []
    blocks: list[dict[str, Any]] = []
    size = 0
    for block in raw.content:
        if isinstance(block, types.TextContent):
            texts.append(block.text)
            size += len(block.text.encode())
            blocks.append({"type": "text", "text": block.text})
        else:
            dumped = block.model_dump(mode="json", by_alias=True, exclude_none=True)
            blocks.append(dumped)
            size += len(canonical_json(dumped))
    structured = raw.structured_content
    if structured is not None:
        size += len(canonical_json(structured).encode())
    result = ToolResult.model_construct(  # built from validated SDK types: no need to validate again
        server=server,
        tool=tool,
        text="\n".join(texts),
        structured=structured,
        content=blocks,
        is_error=raw.is_error,
        instance=instance,
        latency_ms=(time.perf_counter() - t0) * 1000.0,
        from_cache="none",
        age_s=None,
    )
    return result, size


def _unavailable(
    runtime: ServerRuntime, tool: str, failures: list[InstanceFailure], tried: set[Instance]
) -> ToolUnavailable:
    states = ", ".join(f"{i.id}: {i.health}" for i in runtime.instances)
    if failures:
        what = "failed on every instance it could use: " + "; ".join(
            f"{f.instance}: {f.detail}" for f in failures
        )
    else:
        what = f"no instance is up ({states})"
    last = runtime.last_error()
    policy = runtime.policy(tool) if runtime.tools is None or tool in runtime.tools else None
    stale_note = (
        " No earlier result is cached to serve instead." if policy is not None and policy.read_only else ""
    )
    return ToolUnavailable(
        f"MCP tool '{tool}' on server '{runtime.name}' is unavailable: {what}."
        + (f" Last error: {last}" if last and not failures else "")
        + stale_note,
        hint=(
            f"What to do: check `travelops mcp list`; instances restart by themselves with backoff "
            f"(or restart one: manager.restart('{runtime.name}', 1)); if it keeps failing, fix "
            f"mcp.servers.{runtime.name} in the configuration."
        ),
    )


def _not_retried(runtime: ServerRuntime, tool: str, instance: str, detail: str) -> ToolUnavailable:
    return ToolUnavailable(
        f"MCP tool '{tool}' on server '{runtime.name}' failed on instance {instance}: {detail}. "
        "It was not retried on another instance: the tool is neither read-only nor idempotent, so it may "
        "already have taken effect.",
        hint="What to do: check whether it did (e.g. with a read tool) before calling it again; "
        "if the tool is in fact safe to repeat, mark it with "
        f"mcp.servers.{runtime.name}.tools.{tool}.idempotent: true.",
    )
