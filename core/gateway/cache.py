"""The three caches of DESIGN §4, on well-kept libraries: diskcache for responses and conversation context
(shared by every process through SQLite files), cachetools for in-memory model metadata.

- ``ResponseCache``: model responses keyed by a hash of the request (1 h / 100 MB by default). It caches
  whatever it is given, temperature > 0 included: whether a sampled answer may be reused is the caller's
  decision (pass ``use_cache=False`` to the gateway for a fresh draw).
- ``ContextCache``: a session's conversation messages (24 h / 50 MB); every write restarts the session's TTL.
- ``MetadataCache``: model metadata and performance rollups in memory (15 min / 10 MB), loaded once per TTL.

Responses and context are stored as JSON (diskcache's ``JSONDisk``, zlib-compressed), not pickles: what
comes back is plain data, and a value that is not JSON fails loudly at ``set``, not at some later read.
Eviction is least-recently-used once a cache passes its size.

A disabled tier keeps its interface: ``get`` misses, writes are dropped, ``get_or_load`` always loads.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import sys
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import cachetools
import diskcache  # pyright: ignore[reportMissingTypeStubs]
from pydantic import BaseModel

from core.config import Settings

__all__ = [
    "IGNORED_PARAMS",
    "Caches",
    "ContextCache",
    "MetadataCache",
    "ResponseCache",
    "approx_size",
    "request_key",
]

T = TypeVar("T")
JsonDict = dict[str, Any]
MB = 1024 * 1024
_MISSING = object()
_KEY_VERSION = 1

# Parameters that never change the answer: who asked, how long to wait, how to deliver, credentials,
# bookkeeping. Every other parameter is part of the key (temperature, max_tokens, tools, tool_choice,
# response_format, top_p, stop, seed, api_base, ...): a parameter we have never heard of can only cause a
# cache miss, never a wrong hit.
IGNORED_PARAMS = frozenset(
    {
        "metadata", "user", "user_id", "session_id", "request_id", "trip_id", "agency_id", "tags",
        "timeout", "request_timeout", "num_retries", "max_retries", "retry_after",
        "stream", "stream_options", "api_key", "extra_headers", "headers", "caching", "cache",
        "mock_response",
    }
)  # fmt: skip


def _json_default(value: object) -> object:
    kind = type(value).__name__
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, type) and issubclass(value, BaseModel):  # response_format=SomeModel
        return {"pydantic_schema": value.model_json_schema()}
    raise TypeError(
        f"Cannot build a cache key from a {kind} value ({value!r:.80}). "
        "Pass JSON data (dict, list, str, number, bool, None) or a pydantic model."
    )


def request_key(model: str, messages: list[JsonDict], params: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of what determines the answer: model, messages, answer-changing params.

    Stable across processes and runs (no ``hash()``); keys are sorted; ``None`` params count as absent.
    """
    relevant = {k: v for k, v in params.items() if k not in IGNORED_PARAMS and v is not None}
    canonical = json.dumps(
        {"v": _KEY_VERSION, "model": model, "messages": messages, "params": relevant},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _DiskCache(Protocol):
    """The part of ``diskcache.Cache`` used here, typed (diskcache ships no type hints)."""

    def get(self, key: str, default: Any = None, *, expire_time: bool = False) -> Any: ...
    def set(self, key: str, value: Any, expire: float | None = None) -> bool: ...
    def delete(self, key: str) -> bool: ...
    def transact(self) -> contextlib.AbstractContextManager[None]: ...
    def volume(self) -> int: ...
    def clear(self) -> int: ...
    def close(self) -> None: ...


def _disk_cache(directory: Path, max_mb: float) -> _DiskCache:
    cache = diskcache.Cache(  # pyright: ignore[reportUnknownMemberType]
        str(directory),
        size_limit=int(max_mb * MB),
        eviction_policy="least-recently-used",
        disk=diskcache.JSONDisk,
    )
    return cast(_DiskCache, cache)


class ResponseCache:
    """Model responses by request hash, on disk, shared by every process using the same directory."""

    def __init__(self, directory: Path, *, ttl_s: float, max_mb: float, enabled: bool = True) -> None:
        self.directory = Path(directory)
        self.ttl_s = ttl_s
        self.max_mb = max_mb
        self.enabled = enabled
        self._cache = _disk_cache(self.directory, max_mb) if enabled else None

    @staticmethod
    def key(model: str, messages: list[JsonDict], params: Mapping[str, Any]) -> str:
        """The cache key of a request (see ``request_key``)."""
        return request_key(model, messages, params)

    def get(self, key: str) -> JsonDict | None:
        if self._cache is None:
            return None
        value = self._cache.get(key)
        return cast(JsonDict, value) if isinstance(value, dict) else None

    def set(self, key: str, payload: JsonDict) -> None:
        """Store a JSON-serialisable payload for ``ttl_s`` seconds (TypeError if it is not JSON)."""
        if self._cache is not None:
            self._cache.set(key, payload, expire=self.ttl_s)

    def volume_bytes(self) -> int:
        """Bytes on disk (what the size limit is checked against)."""
        return 0 if self._cache is None else int(self._cache.volume())

    def clear(self) -> None:
        if self._cache is not None:
            self._cache.clear()

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()


class ContextCache:
    """A session's conversation messages, on disk; each write restarts the session's TTL."""

    def __init__(self, directory: Path, *, ttl_s: float, max_mb: float, enabled: bool = True) -> None:
        self.directory = Path(directory)
        self.ttl_s = ttl_s
        self.max_mb = max_mb
        self.enabled = enabled
        self._cache = _disk_cache(self.directory, max_mb) if enabled else None

    def get(self, session_id: str) -> list[JsonDict]:
        """The session's messages, oldest first ([] if unknown, expired or evicted)."""
        if self._cache is None:
            return []
        value = self._cache.get(session_id)
        return cast(list[JsonDict], value) if isinstance(value, list) else []

    def append(self, session_id: str, messages: list[JsonDict]) -> None:
        """Add messages to the session atomically (safe against other threads and processes)."""
        if self._cache is None:
            return
        with self._cache.transact():
            current = self._cache.get(session_id)
            history = cast(list[JsonDict], current) if isinstance(current, list) else []
            self._cache.set(session_id, [*history, *messages], expire=self.ttl_s)

    def clear(self, session_id: str) -> None:
        if self._cache is not None:
            self._cache.delete(session_id)

    def expires_at(self, session_id: str) -> datetime | None:
        """When the session's context will be dropped unless written again (None if there is none)."""
        if self._cache is None:
            return None
        found = cast(tuple[Any, float | None], self._cache.get(session_id, default=None, expire_time=True))
        value, expire = found
        if value is None or expire is None:
            return None
        return datetime.fromtimestamp(expire, UTC)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()


def approx_size(value: Any) -> int:
    """Approximate bytes of a value: its pickle length, else ``sys.getsizeof`` (deep for pandas)."""
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return sys.getsizeof(value)


class MetadataCache:
    """In-memory TTL cache bounded by approximate bytes, thread-safe, loading each key once at a time."""

    def __init__(
        self,
        *,
        ttl_s: float,
        max_mb: float,
        enabled: bool = True,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_mb = max_mb
        self.enabled = enabled
        self._cache: cachetools.TTLCache[Hashable, Any] = cachetools.TTLCache(
            maxsize=int(max_mb * MB), ttl=ttl_s, timer=timer, getsizeof=approx_size
        )
        self._lock = threading.Lock()
        self._loading: dict[Hashable, threading.Lock] = {}

    def get_or_load(self, key: Hashable, loader: Callable[[], T]) -> T:
        """The cached value, or ``loader()``'s (kept ``ttl_s``). Concurrent callers of one key load once.

        A loader's exception propagates and nothing is cached; a value larger than the whole cache is returned
        but not kept.
        """
        if not self.enabled:
            return loader()
        with self._lock:
            found = self._cache.get(key, _MISSING)
            if found is not _MISSING:
                return cast(T, found)
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            try:
                with self._lock:
                    found = self._cache.get(key, _MISSING)
                if found is not _MISSING:  # loaded by the thread we waited for
                    return cast(T, found)
                value = loader()
                # cachetools raises ValueError for a value larger than the whole cache: return it uncached.
                with self._lock, contextlib.suppress(ValueError):
                    self._cache[key] = value
                return value
            finally:
                with self._lock:
                    if self._loading.get(key) is key_lock:
                        del self._loading[key]

    def invalidate(self, key: Hashable | None = None) -> None:
        """Forget one key, or everything when ``key`` is None."""
        with self._lock:
            if key is None:
                self._cache.clear()
            else:
                self._cache.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            self._cache.expire()
            return len(self._cache)

    @property
    def currsize(self) -> int:
        """Approximate bytes held."""
        with self._lock:
            self._cache.expire()
            return int(self._cache.currsize)


@dataclass(frozen=True)
class Caches:
    responses: ResponseCache
    context: ContextCache
    metadata: MetadataCache

    @classmethod
    def from_settings(cls, settings: Settings) -> Caches:
        """The tiers of ``settings.cache``; on disk under ``settings.cache_dir`` (responses/, context/)."""
        tiers = settings.cache
        root = settings.cache_dir
        return cls(
            responses=ResponseCache(
                root / "responses",
                ttl_s=tiers.responses.ttl_s,
                max_mb=tiers.responses.max_mb,
                enabled=tiers.responses.enabled,
            ),
            context=ContextCache(
                root / "context",
                ttl_s=tiers.context.ttl_s,
                max_mb=tiers.context.max_mb,
                enabled=tiers.context.enabled,
            ),
            metadata=MetadataCache(
                ttl_s=tiers.metadata.ttl_s, max_mb=tiers.metadata.max_mb, enabled=tiers.metadata.enabled
            ),
        )

    def close(self) -> None:
        self.responses.close()
        self.context.close()
