"""Test support: a local OpenAI-compatible fake provider, reached over real HTTP like any paid API.

Names load on first use, so ``python -m core.testing.fake_provider`` does not import its own module twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.testing.fake_provider import (
        Behaviour,
        FakeProvider,
        FakeProviderError,
        FakeStats,
        RecordedRequest,
        ToolCallSpec,
        build_app,
    )

__all__ = [
    "Behaviour",
    "FakeProvider",
    "FakeProviderError",
    "FakeStats",
    "RecordedRequest",
    "ToolCallSpec",
    "build_app",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from core.testing import fake_provider

        return getattr(fake_provider, name)
    raise AttributeError(f"module 'core.testing' has no attribute {name!r}")
