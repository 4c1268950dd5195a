"""Helpers shared by the warehouse tests: events, prices, child processes and their output."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.warehouse import UsageEvent

CHILD = Path(__file__).with_name("_child.py")


@dataclass(frozen=True)
class Prices:
    """Per-token prices: any object with these four attributes will do for the demo seed."""

    input: float
    output: float
    cache_read: float = 0.0
    cache_write: float = 0.0


PRICES = {
    "anthropic/claude-haiku-4-5": Prices(1e-6, 5e-6, 0.1e-6, 1.25e-6),
    "anthropic/claude-sonnet-4-6": Prices(3e-6, 15e-6, 0.3e-6, 3.75e-6),
    "openai/gpt-4.1-mini": Prices(0.4e-6, 1.6e-6, 0.1e-6),
    "openai/gpt-4.1": Prices(2e-6, 8e-6, 0.5e-6),
    "offline/drafter": Prices(0.0, 0.0),
}


def usage(
    request_id: str,
    *,
    model: str = "anthropic/claude-haiku-4-5",
    task_type: str = "trip_summary",
    at: datetime | None = None,
    **fields: object,
) -> UsageEvent:
    provider, _, name = model.partition("/")
    return UsageEvent.model_validate(
        {
            "request_id": request_id,
            "model_provider": provider,
            "model_name": name,
            "task_type": task_type,
            "created_at": at or datetime.now(UTC),
            **fields,
        }
    )


def child(*args: str) -> subprocess.Popen[str]:
    """Start tests/core/warehouse/_child.py in a new Python process."""
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


class LineReader:
    """Reads a child's stdout line by line with a deadline (never blocks past it)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self.fd = proc.stdout.fileno()
        self.buffer = b""
        self.lines: list[str] = []

    def read_until(self, done: Callable[[list[str]], bool], timeout: float) -> list[str]:
        """Read until ``done(lines)`` is true; fails the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done(self.lines):
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(
                    f"child did not produce the expected output within {timeout} s: {self.lines[-3:]}"
                )
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    pytest.fail(f"child closed its output early after {len(self.lines)} lines")
                self._take(chunk)
        return self.lines

    def drain(self) -> list[str]:
        """After the child died: the rest of its output; a last line without a newline is dropped (torn)."""
        while chunk := os.read(self.fd, 1 << 16):
            self._take(chunk)
        return self.lines

    def _take(self, chunk: bytes) -> None:
        self.buffer += chunk
        *complete, self.buffer = self.buffer.split(b"\n")
        self.lines.extend(line.decode() for line in complete)


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str]:
    """Wait for a child (bounded), close its pipes; returns (exit code, stderr)."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        pytest.fail(f"child {proc.args} did not finish within {timeout} s")
    assert proc.stdout is not None and proc.stderr is not None
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode, err
