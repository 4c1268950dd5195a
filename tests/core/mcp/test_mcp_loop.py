"""The MCP manager's loop thread and its bridges, with plain coroutines (no MCP server)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import anyio
import pytest

from core.errors import ToolUnavailable
from core.mcp._loop import LoopThread


@pytest.fixture
def bridge() -> Iterator[LoopThread]:
    loop_thread = LoopThread("test-loop")
    loop_thread.start()
    yield loop_thread
    loop_thread.stop(5.0)


async def thread_name() -> str:
    return threading.current_thread().name


async def fail() -> None:
    raise ValueError("boom")


def test_a_sync_caller_gets_the_result_of_a_coroutine_run_on_the_loop_thread(bridge: LoopThread) -> None:
    assert bridge.submit(thread_name()).result(timeout=5) == "test-loop"


def test_an_exception_on_the_loop_reaches_the_sync_caller(bridge: LoopThread) -> None:
    with pytest.raises(ValueError, match="boom"):
        bridge.submit(fail()).result(timeout=5)


def test_a_caller_on_another_event_loop_awaits_the_coroutine_on_the_loop_thread(bridge: LoopThread) -> None:
    async def from_another_loop() -> str:
        with anyio.fail_after(5):
            return await bridge.on_loop(thread_name())

    assert asyncio.run(from_another_loop()) == "test-loop"


def test_cancelling_the_sync_callers_future_cancels_the_coroutine(bridge: LoopThread) -> None:
    started, cancelled = threading.Event(), threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await anyio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    future = bridge.submit(forever())
    assert started.wait(5)
    future.cancel()
    assert cancelled.wait(5)


def test_a_cancelled_caller_on_another_loop_cancels_the_coroutine(bridge: LoopThread) -> None:
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await anyio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def impatient() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(bridge.on_loop(forever()), timeout=0.2)

    asyncio.run(impatient())
    assert cancelled.wait(5)


def test_after_stop_the_bridges_say_the_manager_is_not_running(bridge: LoopThread) -> None:
    bridge.stop(5.0)

    assert not bridge.alive
    with pytest.raises(ToolUnavailable, match="not running"):
        bridge.submit(thread_name())
    with pytest.raises(ToolUnavailable, match="not running"):
        asyncio.run(bridge.on_loop(thread_name()))


def test_stop_refuses_to_run_on_the_loops_own_thread(bridge: LoopThread) -> None:
    async def stop_from_inside() -> None:
        bridge.stop(1.0)

    with pytest.raises(RuntimeError, match="own thread"):
        bridge.submit(stop_from_inside()).result(timeout=5)
