"""Results of read-only tools: a TTL cache for fresh hits and a last-known-good store for outages.

Both live on the manager's event loop (no locks). Keys are ``(server, tool, canonical JSON of the
arguments)``. The fresh cache is one ``cachetools.TTLCache`` per (server, tool), since each tool may have its
own TTL; the last-known-good store is one LRU keeping the newest answer per key however old it is, so a
read-only tool can still answer (marked stale) when every instance of its server is down.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache, TTLCache

from core.mcp._models import ToolResult

__all__ = ["ResultCache", "canonical_json"]

CacheKey = tuple[str, str, str]


def canonical_json(arguments: Any) -> str:
    """The arguments as compact JSON with sorted keys: equal arguments, equal text."""
    return json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class ResultCache:
    def __init__(
        self,
        *,
        per_tool_entries: int = 512,
        last_known_good_entries: int = 4096,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._timer = timer
        self._per_tool_entries = per_tool_entries
        self._fresh: dict[tuple[str, str], TTLCache[str, tuple[ToolResult, float]]] = {}
        self._last_good: LRUCache[CacheKey, tuple[ToolResult, float]] = LRUCache(last_known_good_entries)

    def get_fresh(self, server: str, tool: str, args_json: str) -> tuple[ToolResult, float] | None:
        """(result, stored_at) if cached and within its TTL."""
        cache = self._fresh.get((server, tool))
        return None if cache is None else cache.get(args_json)

    def age(self, stored_at: float) -> float:
        return self._timer() - stored_at

    def get_last_good(self, server: str, tool: str, args_json: str) -> tuple[ToolResult, float] | None:
        """(result, stored_at) of the newest successful answer, however old."""
        return self._last_good.get((server, tool, args_json))

    def put(self, server: str, tool: str, args_json: str, result: ToolResult, ttl_s: float) -> None:
        entry = (result, self._timer())
        self._last_good[(server, tool, args_json)] = entry
        if ttl_s <= 0:
            return
        cache = self._fresh.get((server, tool))
        if cache is None or cache.ttl != ttl_s:
            cache = self._fresh[(server, tool)] = TTLCache(self._per_tool_entries, ttl_s, timer=self._timer)
        cache[args_json] = entry

    def clear(self, server: str | None = None) -> None:
        if server is None:
            self._fresh.clear()
            self._last_good.clear()
            return
        for key in [k for k in self._fresh if k[0] == server]:
            del self._fresh[key]
        for key in [k for k in self._last_good if k[0] == server]:
            del self._last_good[key]
