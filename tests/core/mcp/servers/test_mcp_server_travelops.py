"""travelops through an in-process MCP client: the offline drafter with no keys, and two models of the local fake
provider side by side."""

from __future__ import annotations

from pathlib import Path

import pytest
from servers_helpers import connected, failed, ok

from core.config import Settings, load_settings
from core.mcp.servers import build
from core.testing import FakeProvider
from core.warehouse import Warehouse

pytestmark = pytest.mark.anyio
OFFLINE = "offline/drafter"


def lab_settings(tmp_path: Path, fake: FakeProvider) -> Settings:
    """Two priced models on the fake provider; 'backup' is twice as cheap as 'primary'."""
    path = tmp_path / "lab.yml"
    path.write_text(
        f"""
data_dir: ./lab-data
models:
  providers:
    lab:
      kind: openai_compatible
      api_base: {fake.base_url}
      api_key: ${{LAB_KEY}}
      models:
        - {{name: primary, input_cost_per_token: 2e-6, output_cost_per_token: 8e-6}}
        - {{name: backup, input_cost_per_token: 1e-6, output_cost_per_token: 4e-6}}
workflows:
  travel_planning: {{default_model: lab/primary, complex_tasks_model: lab/primary, fallback_model: lab/backup}}
gateway: {{num_retries: 0, retry_after_s: 0, timeout_s: 5}}
""",
        encoding="utf-8",
    )
    return load_settings(path, environ={"LAB_KEY": "sk-lab-test"})


def usage(settings: Settings) -> list[dict[str, object]]:
    """The model_usage rows the server's process recorded (model and status)."""
    warehouse = Warehouse.from_settings(settings)
    try:
        warehouse.ingest()
        return warehouse.query(
            "SELECT model_provider || '/' || model_name AS model_name, status FROM model_usage"
        ).to_dict("records")
    finally:
        warehouse.close()


async def test_ask_without_keys_answers_with_the_offline_drafter_and_says_so(settings: Settings) -> None:
    async with connected(build("travelops", settings)) as client:
        answer = ok(await client.call_tool("ask", {"prompt": "Plan 3 days in Lisbon in May"}))
    assert answer["offline"] is True and answer["model"] == OFFLINE
    assert answer["answer"].startswith("[Offline draft") and "Lisbon" in answer["answer"]
    assert "offline drafter" in answer["model_label"] and answer["why"]
    assert answer["cost_usd"] == 0.0 and answer["latency_ms"] >= 0 and not answer["fell_back"]
    assert usage(settings) == [{"model_name": OFFLINE, "status": "ok"}]


async def test_route_explain_shows_the_choice_without_calling_a_model(settings: Settings) -> None:
    async with connected(build("travelops", settings)) as client:
        decision = ok(
            await client.call_tool("route_explain", {"prompt": "A week in Kyoto", "task": "general"})
        )
    assert (
        decision["model"] == OFFLINE
        and decision["reason"]
        and decision["complexity_label"] in ("routine", "complex")
    )
    assert not (settings.data_dir / "spool").exists() or not any(
        (settings.data_dir / "spool").rglob("*.jsonl")
    )


async def test_compare_shows_each_models_answer_or_its_error_without_failing_the_others(
    settings: Settings,
) -> None:
    async with connected(build("travelops", settings)) as client:
        compared = ok(
            await client.call_tool(
                "compare", {"prompt": "Two days in Porto", "models": [OFFLINE, "lab/ghost"]}
            )
        )
    drafter, ghost = compared["results"]
    assert (
        drafter["requested"] == OFFLINE
        and drafter["offline"]
        and drafter["answer"].startswith("[Offline draft")
    )
    assert ghost["answer"] is None and ghost["error"].startswith("Unknown model 'lab/ghost'")
    assert compared["cheapest"] == compared["fastest"] == OFFLINE


async def test_an_unknown_task_is_refused_with_the_known_ones(settings: Settings) -> None:
    async with connected(build("travelops", settings)) as client:
        error = failed(await client.call_tool("ask", {"prompt": "hi", "task": "visa_magic"}))
    assert error.startswith("Unknown task type 'visa_magic'. Known: general.")


async def test_compare_runs_one_prompt_on_two_models_side_by_side_with_cost_and_latency(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.configure(
        "primary", reply="Primary: tram 28 then Alfama.", prompt_tokens=100, completion_tokens=20
    )
    fake_provider.configure(
        "backup",
        reply="Backup: Belém in the morning.",
        prompt_tokens=100,
        completion_tokens=20,
        latency_ms=30,
    )
    settings = lab_settings(tmp_path, fake_provider)
    arguments = {"prompt": "One day in Lisbon?", "models": ["lab/primary", "lab/backup"]}
    async with connected(build("travelops", settings)) as client:
        compared = ok(await client.call_tool("compare", arguments))
        ok(await client.call_tool("compare", arguments))
    primary, backup = compared["results"]
    assert (primary["answer"], backup["answer"]) == (
        "Primary: tram 28 then Alfama.",
        "Backup: Belém in the morning.",
    )
    assert primary["cost_usd"] == pytest.approx(100 * 2e-6 + 20 * 8e-6)
    assert backup["cost_usd"] == pytest.approx(100 * 1e-6 + 20 * 4e-6)
    assert backup["latency_ms"] >= 30 and not primary["offline"] and not primary["fell_back"]
    assert compared["cheapest"] == "lab/backup"
    assert compared["total_cost_usd"] == pytest.approx(primary["cost_usd"] + backup["cost_usd"])
    assert fake_provider.stats().count("primary") == 2  # compare never answers from the cache


async def test_compare_says_when_another_model_answered_for_a_failing_one(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    fake_provider.configure("primary", reply="from primary")
    fake_provider.configure("backup", fail_first=10, fail_status=503)
    settings = lab_settings(tmp_path, fake_provider)
    async with connected(build("travelops", settings)) as client:
        compared = ok(
            await client.call_tool("compare", {"prompt": "Hi", "models": ["lab/backup", "lab/primary"]})
        )
    backup, primary = compared["results"]
    assert backup["requested"] == "lab/backup" and backup["model"] == "lab/primary" and backup["fell_back"]
    assert primary["model"] == "lab/primary" and not primary["fell_back"]
