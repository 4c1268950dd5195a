"""Each notebook executed by papermill (through ``core.reports``) against the fake provider, with models of
known quality: the warehouse rows, the recommendation table, and charts inside the exported HTML."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench_helpers import BAD, GOOD, MID, configure_fake, write_config, write_ranking_cases
from typer.testing import CliRunner

from core.cli import app
from core.config import load_settings
from core.reports import cron_line, list_reports, run_report
from core.testing import FakeProvider
from core.warehouse import Warehouse

pytestmark = pytest.mark.slow


def _cells(notebook: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(Path(notebook).read_text())["cells"]


def _outputs_text(notebook: str) -> str:
    parts = []
    for cell in _cells(notebook):
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            parts.append(
                json.dumps(out.get("data", {})) + ("".join(text) if isinstance(text, list) else text)
            )
    return "\n".join(parts)


def test_the_three_notebooks_run_as_reports_and_rank_the_models(
    tmp_path: Path, fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAB_KEY", "sk-test")
    configure_fake(fake_provider)
    config = write_config(tmp_path, fake_provider.base_url)
    settings = load_settings(config)
    cases = write_ranking_cases(tmp_path / "cases", n=4)

    bench = run_report(
        settings,
        "benchmark_models",
        {
            "tasks": "destination_questions",
            "models": f"{GOOD},{MID},{BAD}",
            "cases_dir": str(cases),
            "run_id": "nb-1",
            "samples": 4,
        },
        config_path=str(config),
    )
    warehouse = Warehouse.from_settings(settings)
    rows = warehouse.query(
        "SELECT model, avg(score) AS s, count(*) AS n FROM benchmark_results GROUP BY model"
    )
    scores = dict(zip(rows["model"], rows["s"], strict=True))
    assert scores[GOOD] == 1 and scores[BAD] == 0 and 0 < scores[MID] < 1 and set(rows["n"]) == {4}
    html = Path(bench.html).read_text()
    assert Path(bench.html).parent == settings.data_dir / "reports"
    assert "plotly" in html and "Mean score per task and model" in html
    assert "run_benchmark(" not in html  # code is hidden

    compare = run_report(
        settings, "compare_models", {"threshold": 0.3, "write_rules": True}, config_path=str(config)
    )
    text = _outputs_text(compare.notebook)
    # The recommendation: the cheapest model at or above 0.3 is lab/mid (1/3), cheaper than lab/good.
    assert "cheapest of 2 model(s) at or above 0.3" in text
    rules = next((settings.data_dir / "reports").glob("routing_rules-nb-1.yml")).read_text()
    assert "model: lab/mid" in rules and "- general" in rules
    html = Path(compare.html).read_text()
    assert "Cost–quality frontier" in html and "Pareto-optimal" in html and "Latency per call" in html

    cost = run_report(settings, "cost_report", {"days": 7}, config_path=str(config))
    listed = [r["name"] for r in list_reports(settings)]
    assert sorted(listed) == ["benchmark_models", "compare_models", "cost_report"]
    html = Path(cost.html).read_text()
    assert "Spend by model (USD)" in html and "daily limit" in html and "lab\\u002fgood" in html
    assert "Routing vs always <code>lab/good</code>" in html


def test_report_run_on_the_command_line_and_unknown_names(
    tmp_path: Path, fake_provider: FakeProvider
) -> None:
    config = write_config(tmp_path, fake_provider.base_url)
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "--config",
            str(config),
            "report",
            "run",
            "cost_report",
            "-p",
            "days",
            "3",
            "--out",
            str(tmp_path / "out"),
            "--json",
        ],
        env={"LAB_KEY": "sk-test"},
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["parameters"]["days"] == 3 and Path(out["html"]).parent == tmp_path / "out"
    listed = runner.invoke(app, ["--config", str(config), "report", "list"], env={"LAB_KEY": "sk-test"})
    assert listed.exit_code == 0 and listed.stdout == ""  # --out put it outside <data_dir>/reports
    bad = runner.invoke(app, ["--config", str(config), "report", "run", "nope"], env={"LAB_KEY": "sk-test"})
    assert bad.exit_code == 2
    assert "Unknown report 'nope'. Known: benchmark_models, compare_models, cost_report" in bad.stderr


def test_report_schedule_prints_a_crontab_line() -> None:
    line = cron_line("cost_report", "0 6 * * 1", {"days": "7"})
    assert line.startswith("0 6 * * 1 ") and "report run cost_report -p days 7" in line
    with pytest.raises(Exception, match="must have 5 fields"):
        cron_line("cost_report", "every monday")


@pytest.fixture
def own_crontab() -> Iterator[None]:
    """The real ``crontab`` (the set-up installs cron); the user's crontab is put back afterwards."""
    before = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    yield
    if before.returncode == 0:
        subprocess.run(["crontab", "-"], input=before.stdout, text=True, check=True)
    else:
        subprocess.run(["crontab", "-r"], capture_output=True, check=False)


def test_report_schedule_install_adds_the_line_once_to_the_real_crontab(own_crontab: None) -> None:
    runner = CliRunner()
    args = ["report", "schedule", "cost_report", "--cron", "17 5 * * 2", "-p", "days", "14", "--install"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.output.strip().endswith("Installed.")
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and again.output.strip().endswith("Already installed.")
    table = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=True).stdout
    ours = [line for line in table.splitlines() if "report run cost_report -p days 14" in line]
    assert len(ours) == 1 and ours[0].startswith("17 5 * * 2 ")
