"""The fake provider, driven over real HTTP by litellm exactly as a paid OpenAI-compatible API would be."""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import litellm
import psutil
import pytest

from core.errors import ConfigError
from core.testing import FakeProvider, FakeProviderError

# litellm imports its GitHub Copilot module on the first completion, and pydantic warns about its TypedDicts.

USER = [{"role": "user", "content": "Plan three days in Lisbon"}]
NO_RETRIES: dict[str, Any] = {"num_retries": 0, "max_retries": 0}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def complete(fp: FakeProvider, model: str, messages: list[dict[str, Any]] = USER, **kwargs: Any) -> Any:
    return litellm.completion(
        model=f"openai/{model}",
        api_base=fp.base_url,
        api_key="test",
        messages=messages,
        **NO_RETRIES,
        **kwargs,
    )


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, trust_env=False) as client:
        yield client


def post_raw(http: httpx.Client, fp: FakeProvider, body: dict[str, Any]) -> httpx.Response:
    return http.post(f"{fp.base_url}/chat/completions", json=body)


def test_completion_returns_configured_reply_and_usage_with_cache_tokens(fake_provider: FakeProvider) -> None:
    fake_provider.configure(
        "gpt-fake",
        reply="Echo: {prompt}",
        prompt_tokens=120,
        completion_tokens=30,
        cached_tokens=100,
        cache_creation_tokens=20,
    )

    response = complete(fake_provider, "gpt-fake")

    assert response.choices[0].message.content == "Echo: Plan three days in Lisbon"
    assert response.choices[0].finish_reason == "stop"
    usage = response.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (120, 30, 150)
    assert usage.prompt_tokens_details.cached_tokens == 100
    assert usage.prompt_tokens_details.cache_write_tokens == 20
    assert usage.cache_creation_input_tokens == 20


def test_default_reply_names_the_model_and_estimates_tokens_from_text_length(
    fake_provider: FakeProvider,
) -> None:
    messages = [{"role": "user", "content": "x" * 400}]

    response = complete(fake_provider, "any-model", messages)

    content = response.choices[0].message.content
    assert "any-model" in content
    assert response.usage.prompt_tokens == 100
    assert response.usage.completion_tokens == (len(content) + 3) // 4
    assert complete(fake_provider, "any-model", messages).choices[0].message.content == content


def test_streaming_with_include_usage_yields_the_text_and_a_final_usage_chunk(
    fake_provider: FakeProvider,
) -> None:
    reply = "A long enough reply to arrive in several chunks over the stream."
    fake_provider.configure("gpt-fake", reply=reply, prompt_tokens=11, completion_tokens=7, cached_tokens=5)

    chunks = list(complete(fake_provider, "gpt-fake", stream=True, stream_options={"include_usage": True}))

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == reply
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 1
    usage = chunks[-1].usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (11, 7)
    assert usage.prompt_tokens_details.cached_tokens == 5


def test_raw_stream_follows_openai_chunk_format_and_ends_with_done(
    fake_provider: FakeProvider, http: httpx.Client
) -> None:
    response = post_raw(
        http,
        fake_provider,
        {"model": "m", "messages": USER, "stream": True, "stream_options": {"include_usage": True}},
    )

    events = [line.removeprefix("data: ") for line in response.text.split("\n\n") if line]
    assert response.headers["content-type"].startswith("text/event-stream")
    assert events[-1] == "[DONE]"
    *content_chunks, usage_chunk = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["usage"] is None for c in content_chunks)
    assert content_chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["total_tokens"] > 0


def test_tool_calls_come_back_as_litellm_tool_calls_and_results_go_round(fake_provider: FakeProvider) -> None:
    fake_provider.configure("gpt-fake", tool_calls=[{"name": "get_weather", "arguments": {"city": "Lisbon"}}])

    first = complete(fake_provider, "gpt-fake", tools=[WEATHER_TOOL])

    assert first.choices[0].finish_reason == "tool_calls"
    (call,) = first.choices[0].message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Lisbon"}
    follow_up = [
        *USER,
        first.choices[0].message.model_dump(),
        {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 24°C"},
    ]
    second = complete(fake_provider, "gpt-fake", follow_up, tools=[WEATHER_TOOL])
    assert second.choices[0].finish_reason == "stop"
    assert "Sunny, 24°C" in second.choices[0].message.content


def test_tool_calls_stream_as_litellm_tool_call_deltas(fake_provider: FakeProvider) -> None:
    fake_provider.configure("gpt-fake", tool_calls=[{"name": "get_weather", "arguments": {"city": "Porto"}}])

    chunks = list(complete(fake_provider, "gpt-fake", tools=[WEATHER_TOOL], stream=True))

    calls = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert [(tc.function.name, json.loads(tc.function.arguments)) for tc in calls] == [
        ("get_weather", {"city": "Porto"})
    ]


def test_tools_without_configured_tool_calls_get_a_text_answer(fake_provider: FakeProvider) -> None:
    response = complete(fake_provider, "gpt-fake", tools=[WEATHER_TOOL])

    assert response.choices[0].message.tool_calls is None
    assert response.choices[0].message.content


def test_rate_limit_surfaces_as_litellm_rate_limit_error(fake_provider: FakeProvider) -> None:
    fake_provider.configure("gpt-fake", fail_first=1, fail_status=429)

    with pytest.raises(litellm.RateLimitError, match="Injected failure 429"):
        complete(fake_provider, "gpt-fake")

    assert complete(fake_provider, "gpt-fake").choices[0].message.content
    assert fake_provider.stats().by_model_outcome["gpt-fake"] == {"error_429": 1, "ok": 1}


def test_rate_limit_response_has_retry_after_zero_and_openai_error_body(
    fake_provider: FakeProvider, http: httpx.Client
) -> None:
    fake_provider.configure("gpt-fake", fail_first=1, fail_status=429)

    response = post_raw(http, fake_provider, {"model": "gpt-fake", "messages": USER})

    assert response.status_code == 429
    assert response.headers["retry-after"] == "0"
    error = response.json()["error"]
    assert {"message", "type", "code"} <= error.keys()
    assert error["code"] == "rate_limit_exceeded"


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, litellm.InternalServerError), (503, litellm.ServiceUnavailableError)],
)
def test_server_errors_surface_as_the_matching_litellm_error(
    fake_provider: FakeProvider, status: int, error: type[Exception]
) -> None:
    fake_provider.configure("gpt-fake", fail_first=1, fail_status=status)

    with pytest.raises(error):
        complete(fake_provider, "gpt-fake")


def test_fail_every_fails_each_kth_request_to_that_model(
    fake_provider: FakeProvider, http: httpx.Client
) -> None:
    fake_provider.configure("gpt-fake", fail_every=3)

    statuses = [
        post_raw(http, fake_provider, {"model": "gpt-fake", "messages": USER}).status_code for _ in range(6)
    ]

    assert statuses == [200, 200, 500, 200, 200, 500]
    assert post_raw(http, fake_provider, {"model": "other", "messages": USER}).status_code == 200


def test_timeout_injection_raises_litellm_timeout_and_is_counted(fake_provider: FakeProvider) -> None:
    fake_provider.configure("gpt-fake", timeout=True)

    with pytest.raises(litellm.Timeout):
        complete(fake_provider, "gpt-fake", timeout=0.3)

    assert fake_provider.stats().count("gpt-fake", "timeout") == 1


def test_latency_injection_delays_the_answer(fake_provider: FakeProvider) -> None:
    fake_provider.configure("gpt-fake", latency_ms=250)

    started = time.perf_counter()
    complete(fake_provider, "gpt-fake")

    assert time.perf_counter() - started >= 0.25


@pytest.mark.anyio
async def test_async_completion_and_stream_return_the_reply(fake_provider: FakeProvider) -> None:
    fake_provider.configure("gpt-fake", reply="async {prompt}", completion_tokens=3)
    common: dict[str, Any] = {
        "model": "openai/gpt-fake",
        "api_base": fake_provider.base_url,
        "api_key": "test",
    }

    with anyio.fail_after(10):
        response = await litellm.acompletion(messages=USER, **common, **NO_RETRIES)
        stream = await litellm.acompletion(
            messages=USER, stream=True, stream_options={"include_usage": True}, **common, **NO_RETRIES
        )
        chunks = [chunk async for chunk in stream]

    assert response.choices[0].message.content == "async Plan three days in Lisbon"
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        == "async Plan three days in Lisbon"
    )
    assert chunks[-1].usage.completion_tokens == 3


def test_json_reply_is_returned_as_json_text(fake_provider: FakeProvider) -> None:
    fake_provider.configure("gpt-fake", json_reply={"city": "Lisbon", "days": 3})

    response = complete(fake_provider, "gpt-fake", response_format={"type": "json_object"})

    assert json.loads(response.choices[0].message.content) == {"city": "Lisbon", "days": 3}


def test_quality_marks_replies_correct_with_that_probability_reproducibly(
    fake_provider: FakeProvider, http: httpx.Client
) -> None:
    prompts = [[{"role": "user", "content": f"question {i}"}] for i in range(40)]

    def verdicts(model: str) -> list[bool]:
        return [
            post_raw(http, fake_provider, {"model": model, "messages": p})
            .json()["choices"][0]["message"]["content"]
            .startswith("CORRECT:")
            for p in prompts
        ]

    fake_provider.configure("always", quality=1.0)
    fake_provider.configure("never", quality=0.0)
    fake_provider.configure("half", quality=0.5)
    assert all(verdicts("always"))
    assert not any(verdicts("never"))
    half = verdicts("half")
    assert 0 < sum(half) < len(half)
    assert verdicts("half") == half


def test_wildcard_behaviour_applies_to_models_without_their_own(fake_provider: FakeProvider) -> None:
    fake_provider.configure("*", reply="from the wildcard")
    fake_provider.configure("special", reply="special")

    assert complete(fake_provider, "anything").choices[0].message.content == "from the wildcard"
    assert complete(fake_provider, "special").choices[0].message.content == "special"


def test_stats_count_per_model_and_outcome_and_keep_bodies_without_authorization(
    fake_provider: FakeProvider,
) -> None:
    fake_provider.configure("flaky", fail_first=1)
    complete(fake_provider, "gpt-fake", temperature=0.2)
    with pytest.raises(litellm.InternalServerError):
        complete(fake_provider, "flaky")

    stats = fake_provider.stats()

    assert stats.total == 2
    assert stats.by_model == {"gpt-fake": 1, "flaky": 1}
    assert stats.by_outcome == {"ok": 1, "error_500": 1}
    assert stats.count("flaky", "error_500") == 1
    first = stats.last_requests[0]
    assert first.model == "gpt-fake" and first.path == "/v1/chat/completions"
    assert first.body["temperature"] == 0.2 and first.body["messages"] == USER
    assert "authorization" not in first.headers
    assert first.headers["content-type"] == "application/json"


def test_reset_forgets_behaviours_counts_and_requests(
    fake_provider: FakeProvider, http: httpx.Client
) -> None:
    fake_provider.configure("gpt-fake", fail_first=5)
    post_raw(http, fake_provider, {"model": "gpt-fake", "messages": USER})

    fake_provider.reset()

    assert fake_provider.stats().total == 0
    assert post_raw(http, fake_provider, {"model": "gpt-fake", "messages": USER}).status_code == 200


def test_models_endpoint_lists_configured_models(fake_provider: FakeProvider, http: httpx.Client) -> None:
    fake_provider.configure("gpt-fake")
    fake_provider.configure("*", latency_ms=1)

    models = http.get(f"{fake_provider.base_url}/models").json()

    assert [m["id"] for m in models["data"]] == ["gpt-fake"]


def test_invalid_request_body_gets_an_openai_style_400(
    fake_provider: FakeProvider, http: httpx.Client
) -> None:
    response = post_raw(http, fake_provider, {"messages": USER})

    assert response.status_code == 400
    assert "needs 'model'" in response.json()["error"]["message"]


def test_configure_rejects_unknown_fields_and_lists_the_known_ones(
    fake_provider: FakeProvider, http: httpx.Client
) -> None:
    with pytest.raises(ConfigError, match=r"(?s)gpt-fake\.latency: Extra inputs.*Known fields: latency_ms"):
        fake_provider.configure("gpt-fake", latency=5)

    raw = http.post(f"{fake_provider.url}/_control/configure", json={"m": {"fail_status": 404}})
    assert raw.status_code == 422
    assert "m.fail_status" in raw.json()["error"]["message"]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("{not json", "--config is not valid JSON"),
        ('{"m": {"latency_ms": "slow"}}', "m.latency_ms: Input should be a valid number"),
        ("/nonexistent/fake.json", "could not be read"),
    ],
)
def test_bad_startup_config_fails_fast_with_the_servers_message(config: str, expected: str) -> None:
    started = time.perf_counter()

    with pytest.raises(FakeProviderError, match="exited before it was ready") as error:
        FakeProvider.start(config=config, timeout_s=10)

    assert expected in str(error.value)
    assert time.perf_counter() - started < 5


def test_startup_behaviours_apply_and_survive_reset_and_stop_leaves_no_process() -> None:
    with FakeProvider.start({"gpt-fake": {"reply": "configured at start"}}) as fp:
        fp.configure("gpt-fake", reply="changed")
        fp.reset()
        assert complete(fp, "gpt-fake").choices[0].message.content == "configured at start"
        pid = fp.pid

    assert not psutil.pid_exists(pid)
    fp.stop()  # a second stop is harmless


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waits on a pidfd (Linux)")
def test_server_exits_when_the_process_that_started_it_dies() -> None:
    script = (
        "from core.testing import FakeProvider; fp = FakeProvider.start(); print(fp.pid, flush=True); input()"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert parent.stdin is not None and parent.stdout is not None
    stdout = parent.stdout
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        server_exited = os.pidfd_open(int(lines.get(timeout=10)))  # readable once the server exits
    finally:
        parent.kill()
        parent.wait(timeout=5)
        stdout.close()
        parent.stdin.close()

    try:
        readable, _, _ = select.select([server_exited], [], [], 5)
    finally:
        os.close(server_exited)
    assert readable, "the fake provider outlived the process that started it by 5 s"
