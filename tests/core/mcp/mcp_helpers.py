"""Helpers shared by the MCP tests (``from mcp_helpers import ...``; the fixtures are in conftest.py).

The echo server as a stdio config, checks for orphaned server processes, HTTP echo servers, and third-party
servers from PyPI installed in their own venvs: ``mcp-server-time`` and ``mcp-server-git`` go once into
``<repo>/.cache/mcp-peers/<package>`` (never into the project's env), with uv when it is available, else with
``python -m venv`` + pip, and are reused while their marker file names the pinned requirement. An install
failure fails the tests that need it: these tests must run in CI.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from filelock import FileLock

from core.config import McpServerConfig
from core.mcp import McpManager

ECHO = Path(__file__).parent / "servers" / "echo_server.py"
REPO = Path(__file__).resolve().parents[3]
PEERS_DIR = REPO / ".cache" / "mcp-peers"
# Pinned: a new upstream release must not change what CI tests. Bump deliberately.
PEERS = {"mcp-server-time": "mcp-server-time==2026.10.19", "mcp-server-git": "mcp-server-git==2026.10.19"}
SPAWNED = ("echo_server.py", "mcp-server-time", "mcp-server-git")

EchoFactory = Callable[..., McpServerConfig]
StartManager = Callable[..., McpManager]


def echo_config(*flags: str, **overrides: Any) -> McpServerConfig:
    """The echo server as a stdio MCP server config; keyword arguments override the defaults below."""
    values: dict[str, Any] = {
        "command": sys.executable,
        "args": [str(ECHO), *flags],
        "timeout_s": 5.0,
        "start_timeout_s": 15.0,
        "health_interval_s": 5.0,
    }
    values.update(overrides)
    return McpServerConfig(**values)


def our_servers() -> list[psutil.Process]:
    """Live processes under this one that these tests start (echo servers, PyPI peers)."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and any(s in " ".join(proc.cmdline()) for s in SPAWNED):
                found.append(proc)
        except psutil.NoSuchProcess:
            continue
    return found


def assert_no_orphans(timeout: float = 5.0) -> None:
    _, alive = psutil.wait_procs(our_servers(), timeout=timeout)
    assert not alive, f"server processes left running: {[(p.pid, p.cmdline()) for p in alive]}"


class HttpEcho:
    """An echo server serving streamable HTTP on a free port of 127.0.0.1 (a subprocess of the test)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ECHO), "--http", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout=20.0):
                self.kill()
                raise TimeoutError("the HTTP echo server did not report its port within 20 s")
        line = self.proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        self.url = line.removeprefix("listening on ")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _uv() -> list[str] | None:
    found = shutil.which("uv")
    if found:
        return [found]
    for python in ("python3", sys.executable):
        probe = subprocess.run(
            [python, "-m", "uv", "--version"], capture_output=True, timeout=60, check=False
        )
        if probe.returncode == 0:
            return [python, "-m", "uv"]
    return None


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        pytest.fail(
            f"Could not {what} (exit {done.returncode}): {' '.join(cmd)}\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )


def install_peer(package: str) -> Path:
    """The bin folder of a venv holding ``package`` (installed from PyPI on first use, reused afterwards)."""
    requirement = PEERS[package]
    env_dir = PEERS_DIR / package
    marker = env_dir / ".installed"
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    with FileLock(str(PEERS_DIR / f"{package}.lock"), timeout=900):
        if marker.is_file() and marker.read_text() == requirement and (env_dir / "bin" / package).exists():
            return env_dir / "bin"
        shutil.rmtree(env_dir, ignore_errors=True)
        uv = _uv()
        if uv is not None:
            _run(
                [*uv, "venv", "--quiet", "--python", sys.executable, str(env_dir)],
                f"create a venv for {package}",
            )
            python = str(env_dir / "bin" / "python")
            _run(
                [*uv, "pip", "install", "--quiet", "--python", python, requirement], f"install {requirement}"
            )
        else:
            _run([sys.executable, "-m", "venv", str(env_dir)], f"create a venv for {package}")
            python = str(env_dir / "bin" / "python")
            _run([python, "-m", "pip", "install", "--quiet", requirement], f"install {requirement}")
        if not (env_dir / "bin" / package).exists():
            pytest.fail(f"{requirement} installed no '{package}' command in {env_dir / 'bin'}")
        marker.write_text(requirement)
    return env_dir / "bin"
