"""``travelops bench run`` end to end through typer, against the fake provider."""

from __future__ import annotations

import json
from pathlib import Path

from bench_helpers import BAD, GOOD, configure_fake, write_config, write_ranking_cases
from typer.testing import CliRunner

from core.cli import app
from core.testing import FakeProvider


def _invoke(tmp_path: Path, fake: FakeProvider, *args: str):  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, fake.base_url)
    return CliRunner().invoke(
        app, ["--config", str(config), "bench", "run", *args], env={"LAB_KEY": "sk-test"}
    )


def test_bench_run_prints_the_summary_as_json(tmp_path: Path, fake_provider: FakeProvider) -> None:
    configure_fake(fake_provider)
    cases = write_ranking_cases(tmp_path / "cases", n=3)
    result = _invoke(
        tmp_path,
        fake_provider,
        "--tasks",
        "destination_questions",
        "--models",
        f"{GOOD},{BAD}",
        "--cases-dir",
        str(cases),
        "--run-id",
        "cli-1",
        "--concurrency",
        "2",
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["run_id"] == "cli-1" and summary["status"] == "finished"
    assert summary["scores"]["destination_questions"] == {GOOD: 1.0, BAD: 0.0}


def test_bench_run_with_an_unknown_model_exits_2_naming_the_known_ones(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    result = _invoke(tmp_path, fake_provider, "--tasks", "pricing_arithmetic", "--models", "gpt-x")
    assert result.exit_code == 2
    assert "Unknown model 'gpt-x'. Known: lab/bad, lab/good, lab/mid" in result.stderr


def test_bench_run_with_a_zero_budget_exits_2(tmp_path: Path, fake_provider: FakeProvider) -> None:
    result = _invoke(tmp_path, fake_provider, "--models", GOOD, "--budget-usd", "0")
    assert result.exit_code == 2 and "budget must be more than 0 USD" in result.stderr
