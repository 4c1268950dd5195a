"""A watchdog process that kills every server process group of a manager when the manager's process dies.

``PR_SET_PDEATHSIG`` (set on each server, see ``_stdio``) kills the server when we die, but not what the server
started: ``npx``/``uvx`` launchers run the real server as a grandchild, and the kernel does not pass the
parent-death signal on. So each manager that runs stdio servers keeps one small Python process beside it,
reading ``+PGID`` / ``-PGID`` lines on a pipe from us. When the pipe closes without an orderly goodbye (our
process died: the kernel closes its end), the watchdog SIGKILLs every group still registered, then exits. On
``stop`` the manager unregisters each group it has killed itself and closes the pipe: the watchdog exits quietly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading

__all__ = ["GroupWatchdog"]

logger = logging.getLogger(__name__)

_SOURCE = r"""
import os, signal, sys
groups = set()
for line in sys.stdin.buffer:
    op, _, value = line.strip().partition(b" ")
    if op == b"bye":
        sys.exit(0)
    if value.isdigit():
        (groups.add if op == b"+" else groups.discard)(int(value))
for pgid in groups:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
"""


class GroupWatchdog:
    """Started on the first ``add``; ``close`` ends it. Thread-safe; every method is a pipe write or less."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._failed = False

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def add(self, pgid: int) -> None:
        self._send(f"+ {pgid}\n")

    def discard(self, pgid: int) -> None:
        self._send(f"- {pgid}\n", start=False)

    def close(self) -> None:
        """Say goodbye (nothing is killed) and reap the watchdog."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            assert proc.stdin is not None
            proc.stdin.write(b"bye\n")
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck watchdog
            proc.kill()
            proc.wait(timeout=5)

    def _send(self, line: str, *, start: bool = True) -> None:
        with self._lock:
            if self._proc is None and start and not self._failed:
                self._proc = self._spawn()
            proc = self._proc
            if proc is None or proc.stdin is None:
                return
            try:
                proc.stdin.write(line.encode())
                proc.stdin.flush()
            except OSError:
                logger.warning("The MCP process watchdog (pid %s) is gone; orphans are possible", proc.pid)
                self._proc = None

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        try:
            return subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _SOURCE],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # outside every server's group, and untouched by our terminal
                close_fds=True,
                env={"PATH": os.environ.get("PATH", "")},
            )
        except OSError:
            self._failed = True
            logger.exception("Could not start the MCP process watchdog; server grandchildren may be orphaned")
            return None
