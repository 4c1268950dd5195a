"""A real `streamlit run` on 127.0.0.1 over a seeded data dir, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def seeded_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose data_dir holds the demo agency and a short usage history (the same seed as `make run`)."""
    root = tmp_path_factory.mktemp("e2e")
    config = root / "travelops.yml"
    # the budgets of config/travelops.yml, so Costs shows its gauges as it does after `make run`
    config.write_text(
        f"data_dir: {root / 'data'}\ncost_optimization: {{daily_limit: 50, monthly_limit: 1000}}\n"
    )
    _seed(config)
    return config


def _seed(config: Path) -> None:
    """`travelops demo seed --days 30` into the data_dir of ``config``."""
    env = {**os.environ, "TRAVELOPS_CONFIG": str(config), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    subprocess.run(
        [sys.executable, "-m", "core.cli", "demo", "seed", "--days", "30"],
        check=True,
        env=env,
        cwd=REPO,
        timeout=300,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def app_url(seeded_config: Path) -> Iterator[str]:
    yield from _serve(seeded_config, ARTIFACTS / "streamlit.log")


@pytest.fixture(scope="session")
def fresh_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose data_dir holds nothing yet (no demo seed): the app as a new agency first opens it."""
    root = tmp_path_factory.mktemp("e2e-fresh")
    config = root / "travelops.yml"
    config.write_text(f"data_dir: {root / 'data'}\n")
    return config


@pytest.fixture(scope="session")
def fresh_app_url(fresh_config: Path) -> Iterator[str]:
    """A server of its own over ``fresh_config``'s empty data folder."""
    yield from _serve(fresh_config, ARTIFACTS / "streamlit-fresh.log")


def _serve(config: Path, log: Path) -> Iterator[str]:
    """`streamlit run app/main.py` on a free port of 127.0.0.1 with ``config``; yields its URL once healthy."""
    port = _free_port()
    env = {**os.environ, "TRAVELOPS_CONFIG": str(config), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("OPENAI_API_KEY", None)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app/main.py",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"streamlit exited with {proc.returncode}; see {log}")
                try:
                    if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not answer /_stcore/health within 60 s; see {log}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


FAKE_MODEL = "assistant"  # served as lab/assistant


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[Any]:
    """The local OpenAI-compatible test provider (``core.testing.FakeProvider``); tests configure its replies."""
    from core.testing import FakeProvider

    with FakeProvider.start() as fp:
        yield fp


@pytest.fixture(scope="session")
def lab_config(fake_provider: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data_dir of its own, seeded as ``seeded_config``'s (two servers never share one warehouse file, and
    the walk's changes stay out of the other tests), with a provider ``lab`` (the fake provider) that travel
    planning is routed to."""
    root = tmp_path_factory.mktemp("e2e-lab")
    config = root / "travelops.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "data_dir": str(root / "data"),
                "models": {
                    "providers": {
                        "lab": {
                            "kind": "openai_compatible",
                            "api_base": fake_provider.base_url,
                            "api_key": "test",
                            "models": [
                                {
                                    "name": FAKE_MODEL,
                                    "input_cost_per_token": 1e-6,
                                    "output_cost_per_token": 2e-6,
                                }
                            ],
                        }
                    }
                },
                # the repo's task types (one per planning step), without which the router knows only 'general'
                "routing": yaml.safe_load((REPO / "config" / "travelops.yml").read_text())["routing"],
                "workflows": {
                    "travel_planning": {
                        "default_model": f"lab/{FAKE_MODEL}",
                        "complex_tasks_model": f"lab/{FAKE_MODEL}",
                    }
                },
            },
            sort_keys=False,
        )
    )
    _seed(config)
    return config


@pytest.fixture(scope="session")
def lab_app_url(lab_config: Path) -> Iterator[str]:
    """A second server: the same seeded data, with the assistant answered by the fake provider."""
    yield from _serve(lab_config, ARTIFACTS / "streamlit-lab.log")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
