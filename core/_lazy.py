"""Lazy package faces (PEP 562): a package lists its public names and the private modules that define them;
each module is imported the first time one of its names is used. Keeps `travelops --help` and other light
importers from paying for SQLite, rapidfuzz or the MCP SDK."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, names: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``package`` resolving ``names`` (public name -> defining module)."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # next time: a plain global lookup
        return value

    return __getattr__
