"""Caches: request keys, TTLs, size limits, cross-process sharing, in-memory metadata."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from core.config import CacheConfig, CacheTier, Settings
from core.gateway.cache import Caches, ContextCache, MetadataCache, ResponseCache, request_key

WAIT_S = 30  # bound for every thread / subprocess wait
MESSAGES = [{"role": "system", "content": "You plan trips."}, {"role": "user", "content": "Lisbon in 3 days"}]
MODEL = "anthropic/claude-3-5-haiku-20241022"


@pytest.fixture
def responses(tmp_path: Path) -> Iterator[ResponseCache]:
    cache = ResponseCache(tmp_path / "responses", ttl_s=60, max_mb=5)
    yield cache
    cache.close()


@pytest.fixture
def context(tmp_path: Path) -> Iterator[ContextCache]:
    cache = ContextCache(tmp_path / "context", ttl_s=60, max_mb=5)
    yield cache
    cache.close()


def wait_until_missing(read: Any, deadline_s: float) -> float:
    """Poll until ``read()`` misses; return the seconds it took. Fails past the deadline."""
    start = time.monotonic()
    while read():
        assert time.monotonic() - start < deadline_s, "the entry did not expire in time"
        time.sleep(0.02)
    return time.monotonic() - start


# ---------------------------------------------------------------------------------------------------------
# Request keys
# ---------------------------------------------------------------------------------------------------------


def test_the_same_request_gets_the_same_key_whatever_the_dict_order() -> None:
    params = {"temperature": 0.2, "max_tokens": 300, "tools": [{"type": "function", "name": "f"}]}
    reordered = {"tools": [{"name": "f", "type": "function"}], "max_tokens": 300, "temperature": 0.2}
    messages = [{"content": m["content"], "role": m["role"]} for m in MESSAGES]
    assert request_key(MODEL, MESSAGES, params) == request_key(MODEL, messages, reordered)
    assert len(request_key(MODEL, MESSAGES, params)) == 64  # sha256 hex


@pytest.mark.parametrize(
    "change",
    [
        {"temperature": 0.7},
        {"max_tokens": 301},
        {"tools": [{"type": "function", "name": "g"}]},
        {"tool_choice": "required"},
        {"response_format": {"type": "json_object"}},
        {"top_p": 0.9},
        {"stop": ["\n\n"]},
        {"seed": 7},
        {"some_new_provider_knob": 1},  # unknown parameters count: a miss is safe, a wrong hit is not
    ],
)
def test_a_parameter_that_changes_the_answer_changes_the_key(change: dict[str, Any]) -> None:
    base = {"temperature": 0.2, "max_tokens": 300, "tools": [{"type": "function", "name": "f"}]}
    assert request_key(MODEL, MESSAGES, base) != request_key(MODEL, MESSAGES, {**base, **change})


def test_a_different_message_or_model_changes_the_key() -> None:
    other = [*MESSAGES[:1], {"role": "user", "content": "Lisbon in 4 days"}]
    assert request_key(MODEL, MESSAGES, {}) != request_key(MODEL, other, {})
    assert request_key(MODEL, MESSAGES, {}) != request_key("openai/gpt-4-turbo-preview", MESSAGES, {})


def test_parameters_that_do_not_change_the_answer_leave_the_key_alone() -> None:
    irrelevant = {
        "metadata": {"travelops_request_id": "r1"},
        "user": "alice",
        "user_id": "alice",
        "session_id": "s1",
        "timeout": 30,
        "num_retries": 2,
        "api_key": "sk-secret",
        "stream": True,
        "seed": None,  # None counts as absent
    }
    assert request_key(MODEL, MESSAGES, {"temperature": 0}) == request_key(
        MODEL, MESSAGES, {"temperature": 0, **irrelevant}
    )


def test_a_pydantic_response_format_is_keyed_by_its_schema() -> None:
    class Day(BaseModel):
        city: str

    class Night(BaseModel):
        hotel: str

    assert request_key(MODEL, MESSAGES, {"response_format": Day}) == request_key(
        MODEL, MESSAGES, {"response_format": Day}
    )
    assert request_key(MODEL, MESSAGES, {"response_format": Day}) != request_key(
        MODEL, MESSAGES, {"response_format": Night}
    )


def test_a_value_that_cannot_be_keyed_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="Cannot build a cache key from a object value"):
        request_key(MODEL, MESSAGES, {"temperature": object()})


# ---------------------------------------------------------------------------------------------------------
# Response cache
# ---------------------------------------------------------------------------------------------------------


def test_a_stored_response_is_returned_for_the_same_request(responses: ResponseCache) -> None:
    key = responses.key(MODEL, MESSAGES, {"temperature": 0})
    assert responses.get(key) is None
    responses.set(key, {"text": "Day 1: Alfama", "finish_reason": "stop"})
    assert responses.get(key) == {"text": "Day 1: Alfama", "finish_reason": "stop"}


def test_a_response_written_in_another_process_has_the_same_key_and_is_read_here(tmp_path: Path) -> None:
    child = (
        "import sys; from pathlib import Path; from core.gateway.cache import ResponseCache\n"
        "c = ResponseCache(Path(sys.argv[1]), ttl_s=60, max_mb=5)\n"
        f"k = c.key({MODEL!r}, {MESSAGES!r}, {{'temperature': 0, 'metadata': {{'pid': 1}}}})\n"
        "c.set(k, {'text': 'from the child'}); c.close(); print(k)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", child, str(tmp_path / "responses")],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        env={**os.environ, "PYTHONHASHSEED": "random"},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    cache = ResponseCache(tmp_path / "responses", ttl_s=60, max_mb=5)
    key = cache.key(MODEL, MESSAGES, {"temperature": 0})
    assert out.stdout.strip() == key
    assert cache.get(key) == {"text": "from the child"}
    cache.close()


def test_a_response_expires_after_its_ttl(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "responses", ttl_s=0.1, max_mb=5)
    cache.set("k", {"text": "short-lived"})
    assert cache.get("k") == {"text": "short-lived"}
    waited = wait_until_missing(lambda: cache.get("k"), deadline_s=0.6)
    assert waited < 0.6
    cache.close()


def test_the_least_recently_used_responses_are_evicted_past_the_size_limit(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "responses", ttl_s=60, max_mb=0.25)
    for i in range(60):  # ~11 KB each on disk after compression: ~660 KB offered to a 256 KB cache
        cache.set(f"k{i}", {"text": os.urandom(10_000).hex()})
        assert cache.get("k0") is not None  # k0 stays the most recently used
    assert cache.volume_bytes() <= 0.25 * 1024 * 1024
    assert cache.get("k0") is not None
    assert cache.get("k1") is None
    assert cache.get("k59") is not None
    cache.close()


def test_a_payload_that_is_not_json_is_refused_when_stored(responses: ResponseCache) -> None:
    with pytest.raises(TypeError):
        responses.set("k", {"when": object()})
    assert responses.get("k") is None


def test_a_disabled_response_cache_misses_and_writes_nothing(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "responses", ttl_s=60, max_mb=5, enabled=False)
    cache.set("k", {"text": "x"})
    assert cache.get("k") is None
    assert not (tmp_path / "responses").exists()
    cache.close()


# ---------------------------------------------------------------------------------------------------------
# Context cache
# ---------------------------------------------------------------------------------------------------------


def test_context_is_appended_read_and_cleared_per_session(context: ContextCache) -> None:
    assert context.get("s1") == []
    context.append("s1", [{"role": "user", "content": "Hi"}])
    context.append("s1", [{"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Porto?"}])
    context.append("s2", [{"role": "user", "content": "Other"}])
    assert [m["content"] for m in context.get("s1")] == ["Hi", "Hello", "Porto?"]
    context.clear("s1")
    assert context.get("s1") == []
    assert context.expires_at("s1") is None
    assert len(context.get("s2")) == 1


def test_each_write_restarts_the_sessions_ttl(tmp_path: Path) -> None:
    cache = ContextCache(tmp_path / "context", ttl_s=3600, max_mb=5)
    before = time.time()
    cache.append("s1", [{"role": "user", "content": "Hi"}])
    first = cache.expires_at("s1")
    between = time.time()
    assert first is not None and before + 3600 <= first.timestamp() <= between + 3600
    cache.append("s1", [{"role": "assistant", "content": "Hello"}])
    second = cache.expires_at("s1")
    assert second is not None and second.timestamp() >= between + 3600  # counted from the second write
    cache.close()


def test_context_expires_after_its_ttl(tmp_path: Path) -> None:
    cache = ContextCache(tmp_path / "context", ttl_s=0.1, max_mb=5)
    cache.append("s1", [{"role": "user", "content": "Hi"}])
    assert cache.get("s1")
    wait_until_missing(lambda: cache.get("s1"), deadline_s=0.6)
    cache.close()


def test_concurrent_appends_to_one_session_lose_no_message(context: ContextCache) -> None:
    def writer(w: int) -> None:
        for i in range(20):
            context.append("s1", [{"role": "user", "content": f"{w}-{i}"}])

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(writer, w) for w in range(4)]:
            future.result(timeout=WAIT_S)
    contents = [m["content"] for m in context.get("s1")]
    assert sorted(contents) == sorted(f"{w}-{i}" for w in range(4) for i in range(20))
    for w in range(4):  # each writer's messages keep their order
        mine = [c for c in contents if c.startswith(f"{w}-")]
        assert mine == [f"{w}-{i}" for i in range(20)]


# ---------------------------------------------------------------------------------------------------------
# Metadata cache
# ---------------------------------------------------------------------------------------------------------


class FakeTimer:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_metadata_is_loaded_once_per_ttl() -> None:
    timer = FakeTimer()
    cache = MetadataCache(ttl_s=900, max_mb=1, timer=timer)
    calls: list[int] = []

    def load() -> dict[str, float]:
        calls.append(1)
        return {"avg_cost": 0.01 * len(calls)}

    assert cache.get_or_load("performance", load) == {"avg_cost": 0.01}
    timer.now += 899
    assert cache.get_or_load("performance", load) == {"avg_cost": 0.01}
    timer.now += 2
    assert cache.get_or_load("performance", load) == {"avg_cost": 0.02}
    assert len(calls) == 2


def test_invalidate_forgets_one_key_or_all() -> None:
    cache = MetadataCache(ttl_s=900, max_mb=1)
    cache.get_or_load("a", lambda: 1)
    cache.get_or_load("b", lambda: 2)
    cache.invalidate("a")
    assert cache.get_or_load("a", lambda: 10) == 10
    assert cache.get_or_load("b", lambda: 20) == 2
    cache.invalidate()
    assert len(cache) == 0


def test_a_failing_loader_caches_nothing() -> None:
    cache = MetadataCache(ttl_s=900, max_mb=1)

    def broken() -> int:
        raise RuntimeError("warehouse unavailable")

    with pytest.raises(RuntimeError, match="warehouse unavailable"):
        cache.get_or_load("performance", broken)
    assert cache.get_or_load("performance", lambda: 3) == 3


def test_metadata_is_bounded_by_approximate_bytes() -> None:
    cache = MetadataCache(ttl_s=900, max_mb=0.01)  # 10 KB
    for i in range(5):
        cache.get_or_load(i, lambda: "x" * 4000)
    assert len(cache) == 2
    assert cache.currsize <= 0.01 * 1024 * 1024
    huge = cache.get_or_load("huge", lambda: "y" * 20_000)  # larger than the cache: returned, not kept
    assert len(huge) == 20_000
    assert cache.get_or_load("huge", lambda: "reloaded") == "reloaded"


def test_concurrent_callers_of_one_key_load_it_once() -> None:
    cache = MetadataCache(ttl_s=900, max_mb=1)
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow_load() -> str:
        calls.append(1)
        entered.set()
        assert release.wait(WAIT_S)
        return "loaded"

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(cache.get_or_load, "models", slow_load) for _ in range(8)]
        assert entered.wait(WAIT_S)
        release.set()
        assert [f.result(timeout=WAIT_S) for f in futures] == ["loaded"] * 8
    assert len(calls) == 1


def test_a_disabled_metadata_cache_always_loads() -> None:
    cache = MetadataCache(ttl_s=900, max_mb=1, enabled=False)
    calls: list[int] = []
    for _ in range(3):
        cache.get_or_load("k", lambda: calls.append(1))
    assert len(calls) == 3


# ---------------------------------------------------------------------------------------------------------
# From settings
# ---------------------------------------------------------------------------------------------------------


def test_caches_are_built_from_settings_under_the_cache_dir(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        cache=CacheConfig(
            responses=CacheTier(ttl_s=60, max_mb=2),
            context=CacheTier(ttl_s=120, max_mb=3, enabled=False),
            metadata=CacheTier(ttl_s=30, max_mb=1),
        ),
    )
    caches = Caches.from_settings(settings)
    assert (caches.responses.ttl_s, caches.responses.max_mb, caches.responses.enabled) == (60, 2, True)
    assert caches.responses.directory == tmp_path / "cache" / "responses"
    assert caches.responses.directory.is_dir()
    assert (caches.context.enabled, caches.context.directory) == (False, tmp_path / "cache" / "context")
    assert not caches.context.directory.exists()
    assert (caches.metadata.ttl_s, caches.metadata.max_mb, caches.metadata.enabled) == (30, 1, True)
    caches.context.append("s1", [{"role": "user", "content": "Hi"}])
    assert caches.context.get("s1") == []
    caches.close()
