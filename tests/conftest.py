"""Shared pytest options and fixtures.

- ``--runlive``: tests marked ``live`` call paid provider APIs; they run only with this flag, and only when
  the keys they name are set, e.g. ``@pytest.mark.live("ANTHROPIC_API_KEY")``.
- ``fake_provider``: a local OpenAI-compatible server (one process per session), reset before each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

# Never let litellm fetch its price map from the network, in this process or in subprocesses tests start.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

if TYPE_CHECKING:
    from core.testing import FakeProvider


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--runlive",
        action="store_true",
        default=False,
        help="Run tests marked 'live' (they call paid provider APIs and need the keys they name).",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    runlive = bool(config.getoption("--runlive"))
    for item in items:
        marker = item.get_closest_marker("live")
        if marker is None:
            continue
        if not runlive:
            item.add_marker(pytest.mark.skip(reason="calls a paid provider API; run with --runlive"))
            continue
        missing = [key for key in marker.args if not os.environ.get(key)]
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"--runlive given, but {', '.join(missing)} is not set"))


@pytest.fixture(scope="session")
def fake_provider_server() -> Iterator[FakeProvider]:
    """One fake provider process for the whole session; prefer ``fake_provider``, which resets it first."""
    from core.testing import FakeProvider

    with FakeProvider.start() as server:
        yield server


@pytest.fixture
def fake_provider(fake_provider_server: FakeProvider) -> FakeProvider:
    """The session's fake provider with no behaviours configured, no counts and no recorded requests."""
    fake_provider_server.reset()
    return fake_provider_server
