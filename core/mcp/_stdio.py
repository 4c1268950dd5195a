"""The manager's stdio transport: one MCP server process, in its own process group, that dies with us.

Why not the SDK's ``stdio_client``: the manager needs the process itself (its pid for status and tests, its
exit code and the tail of its stderr for error messages, an event when it exits so a crash is noticed at once
rather than at the next health check) and a parent-death signal, which ``anyio.open_process`` cannot set. The
wire side is the same: newline-delimited JSON-RPC parsed with the SDK's adapter into ``SessionMessage``s.

Lifecycle guarantees:
- the child runs in a new session (``setsid``): its own process group, so stopping kills the whole tree
  (``npx``/``uvx`` launchers start grandchildren);
- on Linux the child gets ``PR_SET_PDEATHSIG = SIGKILL``: if the parent dies without stopping it (``kill -9``,
  a crash) the kernel kills it. The signal is tied to the thread that forked, which is the manager's
  event-loop thread; that thread outlives every child because stopping the manager stops the children first;
- closing sends EOF on stdin (the spec's polite shutdown), waits a grace period, then SIGTERM and SIGKILL to
  the group; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import anyio.abc
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.message import SessionMessage

from core.mcp._watchdog import GroupWatchdog

__all__ = ["DEFAULT_INHERITED_ENV", "StdioTransport", "child_environment"]

logger = logging.getLogger(__name__)

# What a server inherits from our environment; everything else (API keys included) must be passed via `env`.
# The SDK's list (HOME, LOGNAME, PATH, SHELL, TERM, USER) plus locale, temp dir and time zone.
DEFAULT_INHERITED_ENV = (
    "HOME",
    "LOGNAME",
    "PATH",
    "SHELL",
    "TERM",
    "USER",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "TZ",
)

_CHUNK = 1 << 16
_MAX_MESSAGE_BYTES = 64 << 20  # a single JSON-RPC line larger than this is a broken server
_STDERR_LINES = 40
_STDERR_LINE_CHARS = 400
_TERM_GRACE_S = 0.5
_REAP_TIMEOUT_S = 2.0

_PR_SET_PDEATHSIG = 1
_prctl: Callable[..., int] | None = None
if sys.platform == "linux":  # resolved once in the parent: the child must not load libraries after fork
    try:
        _prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - exotic libc
        _prctl = None


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment a server process gets: our allow-listed variables, then its configured ``env``."""
    env = {
        k: v for k in DEFAULT_INHERITED_ENV if (v := os.environ.get(k)) is not None and not v.startswith("()")
    }
    env.update(extra)
    return env


def _die_with_parent(parent_pid: int) -> Callable[[], None]:
    def setup() -> None:  # runs in the child between fork and exec: keep it to two syscalls
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent_pid:  # the parent died before the line above: nobody would signal us
                os._exit(1)

    return setup


class _StdinStream:
    """The write half the SDK's dispatcher sends on: one ``write`` per message, no extra task in between."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._closed = False

    async def send(self, item: SessionMessage, /) -> None:
        if self._closed:
            raise anyio.ClosedResourceError
        if self._writer.is_closing():
            raise anyio.BrokenResourceError
        data = item.message.model_dump_json(by_alias=True, exclude_unset=True).encode() + b"\n"
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (ConnectionError, OSError) as e:
            raise anyio.BrokenResourceError from e

    async def aclose(self) -> None:
        self._closed = True

    async def __aenter__(self) -> _StdinStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class StdioTransport:
    """An async context manager: starts the server, yields ``(read_stream, write_stream)`` for a session.

    After ``__aenter__``: ``pid``; ``exited`` is set when the server's stdout closes (it exited or crashed);
    ``returncode`` once reaped; ``stderr_tail()`` at any time.
    """

    def __init__(
        self,
        label: str,
        command: str,
        args: list[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        close_grace_s: float = 1.0,
        watchdog: GroupWatchdog | None = None,
    ) -> None:
        self.label = label
        self.command = command
        self.args = list(args)
        self.env = child_environment(env or {})
        self.cwd = cwd
        self.close_grace_s = close_grace_s
        self.watchdog = watchdog
        self.pid: int | None = None
        self.exited = anyio.Event()
        self._proc: asyncio.subprocess.Process | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES)
        self._tg: anyio.abc.TaskGroup | None = None
        self._read_send: MemoryObjectSendStream[SessionMessage | Exception] | None = None
        self._read_recv: MemoryObjectReceiveStream[SessionMessage | Exception] | None = None
        self._write: _StdinStream | None = None

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.returncode

    @property
    def command_line(self) -> str:
        return " ".join([self.command, *self.args])

    def stderr_tail(self, lines: int = 10) -> str:
        return "\n".join(list(self._stderr)[-lines:])

    def describe_exit(self) -> str:
        """'exited with code 3' / 'was killed by SIGKILL' / 'closed its stdout' (still running)."""
        code = self.returncode
        if code is None:
            return "closed its stdout"
        if code < 0:
            try:
                return f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"was killed by signal {-code}"
        return f"exited with code {code}"

    async def __aenter__(self) -> tuple[MemoryObjectReceiveStream[SessionMessage | Exception], _StdinStream]:
        self._proc = await asyncio.create_subprocess_exec(
            self.command,
            *self.args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )
        self.pid = self._proc.pid
        if self.watchdog is not None:
            self.watchdog.add(self.pid)  # its group dies with us too (grandchildren included)
        assert self._proc.stdin is not None
        self._read_send, self._read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](64)
        self._write = _StdinStream(self._proc.stdin)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._read_stdout)
        self._tg.start_soon(self._read_stderr)
        return self._read_recv, self._write

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._tg is not None
        with anyio.CancelScope(
            shield=True
        ):  # must finish even when the caller is cancelled: every wait is bounded
            await self.close()
        self._tg.cancel_scope.cancel()
        await self._tg.__aexit__(None, None, None)

    async def close(self, *, grace_s: float | None = None) -> None:
        """Stop the server: EOF on stdin, ``grace_s`` to exit, then SIGTERM, then SIGKILL to its group."""
        proc = self._proc
        if proc is None:
            return
        if self._write is not None:
            await self._write.aclose()
        grace = self.close_grace_s if grace_s is None else grace_s
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        if proc.returncode is None and grace > 0:
            await self._wait_exit(proc, grace)
        if proc.returncode is None and grace > 0:
            self._signal_group(signal.SIGTERM)
            await self._wait_exit(proc, _TERM_GRACE_S)
        # Always: the leader may be gone while grandchildren (npx -> node) still hold the group.
        self._signal_group(signal.SIGKILL)
        if proc.returncode is None and not await self._wait_exit(proc, _REAP_TIMEOUT_S):
            logger.warning(
                "MCP server %s (pid %s) is still alive after SIGKILL; abandoning it", self.label, proc.pid
            )
        if self.watchdog is not None and self.pid is not None:
            self.watchdog.discard(self.pid)
        if self._read_recv is not None:
            self._read_recv.close()
        transport: Any = getattr(proc, "_transport", None)
        if (
            transport is not None
        ):  # stdlib keeps the pipes open until every one hit EOF; we are done with them
            with contextlib.suppress(PermissionError):
                transport.close()

    async def wait_exit(self, timeout: float) -> int | None:
        """The exit code once the process has been reaped, waiting at most ``timeout``; None if still running."""
        if self._proc is not None and self._proc.returncode is None:
            await self._wait_exit(self._proc, timeout)
        return self.returncode

    def kill(self) -> None:
        """SIGKILL the server's process group now (for a hung server: no grace)."""
        self._signal_group(signal.SIGKILL)

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    @staticmethod
    async def _wait_exit(proc: asyncio.subprocess.Process, timeout: float) -> bool:
        with anyio.move_on_after(timeout):
            await proc.wait()
        return proc.returncode is not None

    async def _read_stdout(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None and self._read_send is not None
        stdout, send = proc.stdout, self._read_send
        adapter = types.jsonrpc_message_adapter
        pending: list[bytes] = []
        pending_size = 0
        deliver = True
        try:
            while True:
                chunk = await stdout.read(_CHUNK)
                if not chunk:
                    break
                start = 0
                while (nl := chunk.find(b"\n", start)) != -1:
                    line = chunk[start:nl]
                    start = nl + 1
                    if pending:
                        pending.append(line)
                        line = b"".join(pending)
                        pending.clear()
                        pending_size = 0
                    if not deliver or not line.strip():
                        continue
                    try:
                        message = adapter.validate_json(line, by_name=False)
                    except ValueError:
                        logger.warning(
                            "MCP server %s wrote a line that is not JSON-RPC: %.200r", self.label, line
                        )
                        continue
                    try:
                        await send.send(SessionMessage(message))
                    except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                        deliver = False  # the session is gone: keep draining so the server never blocks on us
                if start < len(chunk):
                    pending.append(chunk[start:])
                    pending_size += len(chunk) - start
                    if pending_size > _MAX_MESSAGE_BYTES:
                        logger.error(
                            "MCP server %s sent a message over %d MiB; closing it",
                            self.label,
                            _MAX_MESSAGE_BYTES >> 20,
                        )
                        self.kill()
                        break
        except (ConnectionError, OSError):
            logger.debug("reading stdout of MCP server %s failed", self.label, exc_info=True)
        finally:
            send.close()
            self.exited.set()

    async def _read_stderr(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stderr is not None
        stderr = proc.stderr
        partial = b""
        try:
            while True:
                chunk = await stderr.read(_CHUNK)
                if not chunk:
                    break
                lines = (partial + chunk).split(b"\n")
                partial = lines.pop()[-_STDERR_LINE_CHARS * 4 :]
                for raw in lines:
                    self._keep_stderr(raw)
        except (ConnectionError, OSError):
            pass
        if partial:
            self._keep_stderr(partial)

    def _keep_stderr(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").rstrip()
        if text:
            self._stderr.append(text[:_STDERR_LINE_CHARS])
            logger.debug("[%s stderr] %s", self.label, text)
