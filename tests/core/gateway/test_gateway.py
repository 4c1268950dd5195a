"""The Gateway over real HTTP to the local OpenAI-compatible test provider, with real warehouse and budget files."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings, load_settings
from core.errors import BudgetExceeded, ProviderError
from core.gateway import CallContext, Gateway, GatewayResult, StreamDelta
from core.testing import FakeProvider

SECRET = "sk-lab-secret-value-0123456789"
PRICE_IN = 2e-6
PRICE_OUT = 8e-6


def make_config(
    tmp_path: Path, base_url: str, extra: str = "", daily_limit: float = 100.0, downgrade: bool = True
) -> Path:
    text = f"""
data_dir: ./data
models:
  providers:
    lab:
      kind: openai_compatible
      api_base: {base_url}
      api_key: ${{LAB_KEY}}
      models:
        - {{name: primary, input_cost_per_token: {PRICE_IN}, output_cost_per_token: {PRICE_OUT}, cache_read_cost_per_token: 1e-7, capabilities: [tools, json]}}
        - {{name: backup, input_cost_per_token: 1e-6, output_cost_per_token: 4e-6, capabilities: [tools, json]}}
workflows:
  travel_planning:
    default_model: lab/primary
    complex_tasks_model: lab/primary
    fallback_model: lab/backup
cost_optimization:
  daily_limit: {daily_limit}
  auto_downgrade: {str(downgrade).lower()}
gateway:
  num_retries: 1
  retry_after_s: 0
  timeout_s: 2
routing:
  task_types:
    general: {{complexity: routine}}
    itinerary_draft: {{complexity: complex}}
{extra}
"""
    path = tmp_path / "travelops.yml"
    path.write_text(text)
    return path


def settings_for(tmp_path: Path, fake: FakeProvider, **kw: Any) -> Settings:
    return load_settings(make_config(tmp_path, fake.base_url, **kw), environ={"LAB_KEY": SECRET})


def usage_rows(gateway: Gateway) -> list[dict[str, Any]]:
    gateway.warehouse.flush()
    df = gateway.warehouse.query("SELECT * FROM model_usage ORDER BY created_at, attempt")
    return df.astype(object).where(df.notna(), None).to_dict("records")


ASK = [{"role": "user", "content": "Suggest a day in Lisbon"}]


def test_a_call_returns_the_answer_and_writes_one_usage_row_priced_from_raw_usage(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.configure("primary", reply="Tram 28 then Alfama.", prompt_tokens=120, completion_tokens=30)
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider))
    result = gw.complete(
        ASK, task="general", context=CallContext(user_id="ana", trip_id="t1", workflow_step=2)
    )
    assert result.text == "Tram 28 then Alfama."
    assert result.model == "lab/primary" and not result.offline
    assert result.cost_usd == pytest.approx(120 * PRICE_IN + 30 * PRICE_OUT)
    rows = usage_rows(gw)
    assert len(rows) == 1
    row = rows[0]
    assert (row["status"], row["prompt_tokens"], row["completion_tokens"]) == ("ok", 120, 30)
    assert row["cost_usd"] == pytest.approx(result.cost_usd)
    assert (row["user_id"], row["trip_id"], row["workflow_step"], row["task_type"]) == (
        "ana",
        "t1",
        2,
        "general",
    )
    assert row["routing_reason"] == result.decision.reason
    assert row["prompt_text"] is None and row["response_text"] is None  # prompts are not stored by default


def test_cache_reads_are_priced_at_the_cache_rate(tmp_path: Path, fake_provider: FakeProvider) -> None:
    fake_provider.configure("primary", prompt_tokens=1000, completion_tokens=10, cached_tokens=800)
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider))
    result = gw.complete(ASK, task="general", use_cache=False)
    assert result.attempts[0].cache_read_tokens == 800
    assert result.cost_usd == pytest.approx(200 * PRICE_IN + 800 * 1e-7 + 10 * PRICE_OUT)


@pytest.mark.parametrize(("status", "error_class"), [(500, "InternalServerError"), (429, "RateLimitError")])
def test_primary_failing_falls_back_and_every_attempt_is_in_the_warehouse(
    tmp_path: Path, fake_provider: FakeProvider, status: int, error_class: str
) -> None:
    fake_provider.configure("primary", fail_first=100, fail_status=status)
    fake_provider.configure("backup", reply="from backup")
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider))
    result = gw.complete(ASK, task="general")
    assert result.text == "from backup" and result.model == "lab/backup" and result.fallback_used
    rows = usage_rows(gw)
    statuses = [(f"{r['model_provider']}/{r['model_name']}", r["status"], r["error_class"]) for r in rows]
    # one try plus one retry on the primary, then the fallback
    assert statuses == [
        ("lab/primary", "error", error_class),
        ("lab/primary", "error", error_class),
        ("lab/backup", "ok", None),
    ]
    assert rows[-1]["fallback_from"] == "lab/primary"
    assert len({r["request_id"] for r in rows}) == 1
    assert [r["attempt"] for r in rows] == [1, 2, 3]


def test_a_timeout_falls_back(tmp_path: Path, fake_provider: FakeProvider) -> None:
    fake_provider.configure("primary", timeout=True, hang_s=10)
    fake_provider.configure("backup", reply="fast")
    settings = settings_for(tmp_path, fake_provider)
    gw = Gateway(
        settings.model_copy(update={"gateway": settings.gateway.model_copy(update={"num_retries": 0})})
    )
    result = gw.complete(ASK, task="general")
    assert result.text == "fast"
    assert result.attempts[0].error_class == "Timeout"


def test_when_every_model_fails_the_error_names_each_attempt(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.configure("primary", fail_first=100, fail_status=500)
    fake_provider.configure("backup", fail_first=100, fail_status=500)
    settings = settings_for(tmp_path, fake_provider, extra="")
    no_offline = settings.model_copy(
        update={
            "models": settings.models.model_copy(
                update={"providers": {"lab": settings.models.providers["lab"]}}
            )
        }
    )
    gw = Gateway(no_offline)
    with pytest.raises(
        ProviderError, match=r"Every model failed.*lab/primary: InternalServerError.*lab/backup"
    ):
        gw.complete(ASK, task="general")
    assert [r["status"] for r in usage_rows(gw)] == ["error"] * 4


def test_an_identical_request_is_served_from_cache_at_zero_cost(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider))
    first = gw.complete(ASK, task="general")
    second = gw.complete(ASK, task="general")
    assert second.cache_hit and second.text == first.text and second.cost_usd == 0
    assert fake_provider.stats().count(model="primary") == 1
    rows = usage_rows(gw)
    assert [r["status"] for r in rows] == ["ok", "cache_hit"]
    assert rows[1]["cache_hit"] and rows[1]["cost_usd"] == 0


def test_streaming_yields_pieces_and_is_accounted_like_a_plain_call(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.configure(
        "primary", reply="one two three four", prompt_tokens=500, completion_tokens=4, cached_tokens=300
    )
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider))
    pieces = list(gw.stream(ASK, task="general"))
    result = pieces[-1]
    assert isinstance(result, GatewayResult)
    text = "".join(p.text for p in pieces[:-1] if isinstance(p, StreamDelta))
    assert text == "one two three four" == result.text
    plain = gw.complete(ASK, task="general", use_cache=False)
    assert result.cost_usd == pytest.approx(plain.cost_usd)
    assert result.attempts[0].cache_read_tokens == 300
    rows = usage_rows(gw)
    assert rows[0]["cost_usd"] == pytest.approx(rows[1]["cost_usd"])
    assert rows[0]["cache_read_tokens"] == rows[1]["cache_read_tokens"] == 300


def test_async_calls_work_and_are_recorded(tmp_path: Path, fake_provider: FakeProvider) -> None:
    fake_provider.configure("primary", reply="async ok")
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider))

    async def many() -> list[GatewayResult]:
        return await asyncio.gather(
            *(gw.acomplete([{"role": "user", "content": f"q{i}"}], task="general") for i in range(5))
        )

    results = asyncio.run(many())
    assert {r.text for r in results} == {"async ok"}
    assert len(usage_rows(gw)) == 5


def test_tools_pass_through_and_tool_calls_come_back(tmp_path: Path, fake_provider: FakeProvider) -> None:
    fake_provider.configure("primary", tool_calls=[{"name": "get_trip", "arguments": {"trip_id": "41"}}])
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider))
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_trip",
                "parameters": {"type": "object", "properties": {"trip_id": {"type": "string"}}},
            },
        }
    ]
    result = gw.complete(ASK, task="general", tools=tools)
    assert result.tool_calls[0]["function"]["name"] == "get_trip"
    assert json.loads(result.tool_calls[0]["function"]["arguments"]) == {"trip_id": "41"}


def test_at_the_limit_without_downgrade_the_call_is_refused_naming_the_limit(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider, daily_limit=0.0, downgrade=False))
    with pytest.raises(BudgetExceeded, match=r"daily.*daily_limit"):
        gw.complete(ASK, task="general")
    assert fake_provider.stats().count(model="primary") == 0
    gw.warehouse.flush()
    events = gw.warehouse.query("SELECT kind FROM budget_events")
    assert "refused" in set(events["kind"])


def test_at_the_limit_with_downgrade_the_free_offline_drafter_answers_labelled(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider, daily_limit=0.0, downgrade=True))
    result = gw.complete([{"role": "user", "content": "Plan 3 days in Porto"}], task="itinerary_draft")
    assert result.offline and "offline" in result.model_label and "Offline draft" in result.text
    assert any("downgraded" in n for n in result.budget_events)


def test_fifty_concurrent_calls_never_overspend_by_more_than_one_estimate(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.configure("primary", latency_ms=20, prompt_tokens=100, completion_tokens=100)
    # each call is estimated at max_tokens=200 output -> about 0.0016 + input; limit fits ~10 of them
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider, daily_limit=0.02, downgrade=False))

    def one(i: int) -> GatewayResult | BudgetExceeded:
        try:
            return gw.complete(
                [{"role": "user", "content": f"q{i}"}], task="general", max_tokens=200, use_cache=False
            )
        except BudgetExceeded as e:
            return e

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(one, range(50)))
    done = [o for o in outcomes if isinstance(o, GatewayResult)]
    refused = [o for o in outcomes if isinstance(o, BudgetExceeded)]
    spent = sum(r.cost_usd for r in done)
    max_estimate = max(r.decision.estimated_cost_usd for r in done)
    assert done and refused
    assert spent <= 0.02 + max_estimate
    assert all("daily" in str(e) for e in refused)


def test_api_keys_never_reach_the_warehouse_or_the_logs(
    tmp_path: Path, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_provider.configure("primary", fail_first=1, fail_status=500)
    settings = settings_for(tmp_path, fake_provider)
    gw = Gateway(
        settings.model_copy(
            update={"warehouse": settings.warehouse.model_copy(update={"store_prompts": True})}
        )
    )
    gw.complete(ASK, task="general")
    rows = usage_rows(gw)
    assert SECRET not in json.dumps(rows, default=str)
    assert SECRET not in caplog.text
    assert SECRET not in fake_provider.stats().model_dump_json()


def test_ask_command_prints_answer_model_reason_cost_and_latency(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.configure("primary", reply="Try the Douro valley.")
    config = make_config(tmp_path, fake_provider.base_url)
    env = {"LAB_KEY": SECRET, "PATH": "/usr/bin:/bin", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "--config",
            str(config),
            "ask",
            "--task",
            "general",
            "--json",
            "Where to go?",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["text"] == "Try the Douro valley." and data["model"] == "lab/primary"
    assert data["decision"]["reason"] and data["cost_usd"] > 0 and data["latency_ms"] > 0
    assert SECRET not in out.stdout + out.stderr
    plain = subprocess.run(
        [sys.executable, "-m", "core.cli", "--config", str(config), "ask", "-t", "nope", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert (
        plain.returncode == 1
        and "Unknown task type 'nope'" in plain.stderr
        and "Traceback" not in plain.stderr
    )


def test_budgets_settle_at_actual_cost_after_the_call_and_alerts_are_recorded(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.configure("primary", prompt_tokens=1000, completion_tokens=200)
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider, daily_limit=0.02))
    results = [
        gw.complete([{"role": "user", "content": f"q{i}"}], task="general", max_tokens=100, use_cache=False)
        for i in range(3)
    ]
    gw.drain()
    state = gw.budget.state(None)
    day = next(limit for limit in state.limits if limit.period == "day")
    assert day.spent == pytest.approx(sum(r.cost_usd for r in results))  # settled at actual, not estimate
    gw.warehouse.flush()
    alerts = gw.warehouse.query("SELECT threshold FROM budget_events WHERE kind = 'alert' ORDER BY threshold")
    assert list(alerts["threshold"]) == [0.5]  # 3 calls x $0.0036 = $0.0108: past 50% of $0.02, not 80%


def test_measured_quality_of_real_calls_reaches_the_performance_rollup(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider))
    result = gw.complete(ASK, task="general")
    gw.warehouse.flush()
    gw.warehouse.record_feedback(result.request_id, 0.9, user_id="ana")
    gw.warehouse.refresh_performance()
    perf = gw.warehouse.performance()
    assert perf[("lab/primary", "general")].avg_quality == pytest.approx(0.9)


def test_a_stream_that_fails_before_its_first_piece_falls_back(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.configure("primary", fail_first=100, fail_status=500)
    fake_provider.configure("backup", reply="backup streams")
    gw = Gateway.from_settings(settings_for(tmp_path, fake_provider))
    pieces = list(gw.stream(ASK, task="general"))
    result = pieces[-1]
    assert isinstance(result, GatewayResult) and result.model == "lab/backup"
    assert "".join(p.text for p in pieces[:-1] if isinstance(p, StreamDelta)) == "backup streams"
    assert [a.status for a in result.attempts] == ["error", "ok"]
