"""`travelops router …` on the shared data, bad input messages, and the selector using a trained router."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from core.config import load_settings
from core.models import Registry
from core.routing import RouteRequest, Selector
from core.routing._selector import budget_threshold
from core.routing.cli import register
from tests.core.routing.conftest import STRONG, WEAK

runner = CliRunner()


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None: ...

    register(app)
    return app


def run(*args: str) -> tuple[int, str]:
    res = runner.invoke(cli(), ["router", *args])
    return res.exit_code, res.output


def test_train_then_eval_prints_routellm_metrics_as_json(gsm8k_slice: Path, tmp_path: Path) -> None:
    model = tmp_path / "r.router"
    code, out = run(
        "train", "--outcomes", str(gsm8k_slice), "--weak", WEAK, "--strong", STRONG, "--out", str(model)
    )
    assert code == 0, out
    assert "Trained on 240 prompts" in out and model.is_file()
    code, out = run(
        "eval",
        "--model",
        str(model),
        "--outcomes",
        str(gsm8k_slice),
        "--weak",
        WEAK,
        "--strong",
        STRONG,
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    assert {"apgr", "cpt50", "cpt80", "n", "random_apgr", "decision_p50_us"} <= data.keys()
    assert data["n"] == 240 and 0.4 < data["random_apgr"] < 0.6


def test_score_writes_one_row_per_prompt_in_input_order_across_a_folder(
    tiny_router: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "b.csv").write_text("prompt\nthird\nfourth\n")
    (folder / "a.csv").write_text("prompt,other\nfirst,x\nsecond,y\n")
    out = tmp_path / "scores.csv"
    code, msg = run("score", "--model", str(tiny_router), "--input", str(folder), "--out", str(out))
    assert code == 0, msg
    rows = list(csv.DictReader(out.open()))
    assert [r["prompt"] for r in rows] == ["first", "second", "third", "fourth"]
    assert all(0 <= float(r["score"]) <= 1 for r in rows)


def test_calibrate_prints_a_threshold_sending_that_share_to_the_strong_model(
    tiny_router: Path, gsm8k_slice: Path
) -> None:
    code, out = run(
        "calibrate", "--model", str(tiny_router), "--outcomes", str(gsm8k_slice), "--strong-share", "0.3"
    )
    assert code == 0, out
    from core.routing._outcomes import read_prompts
    from core.routing.learned import load_router

    scores = load_router(tiny_router).strong_probabilities(read_prompts([gsm8k_slice]))
    assert (scores >= float(out.strip())).mean() == pytest.approx(0.3, abs=0.01)


def test_a_csv_without_the_named_columns_lists_the_columns_it_has(tiny_router: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("prompt,cheap,dear\nhi,True,False\n")
    code, out = run(
        "eval", "--model", str(tiny_router), "--outcomes", str(bad), "--weak", "weak", "--strong", "dear"
    )
    assert code == 2
    assert "has no column 'weak'" in out and "'prompt', 'cheap', 'dear'" in out


def test_a_value_other_than_true_or_false_names_its_row_and_column(tiny_router: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("prompt,w,s\nhi,True,False\nho,yes,True\n")
    code, out = run(
        "eval", "--model", str(tiny_router), "--outcomes", str(bad), "--weak", "w", "--strong", "s"
    )
    assert code == 2
    assert "row 2, column 'w': 'yes' is not True or False" in out


def test_an_empty_file_is_reported_as_empty(tiny_router: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, out = run(
        "train", "--outcomes", str(empty), "--weak", "w", "--strong", "s", "--out", str(tmp_path / "x")
    )
    assert code == 2 and "empty.csv is empty" in out


def test_an_incompatible_model_file_says_which_file_and_to_retrain(tmp_path: Path, gsm8k_slice: Path) -> None:
    junk = tmp_path / "old.router"
    junk.write_bytes(b"\x80\x04junk")
    code, out = run(
        "score", "--model", str(junk), "--input", str(gsm8k_slice), "--out", str(tmp_path / "s.csv")
    )
    assert code == 2 and "old.router" in out and "Retrain" in out


def test_train_from_the_warehouse_without_case_prompts_says_prompts_are_needed() -> None:
    import pandas as pd

    from core.errors import ValidationError
    from core.routing._warehouse_outcomes import warehouse_outcomes

    class Fake:
        def query(self, sql: str, params: object = None) -> pd.DataFrame:
            return pd.DataFrame(
                {
                    "case_id": ["c1", "c1", "c2", "c2"],
                    "model": ["w", "s", "w", "s"],
                    "score": [0.9, 0.9, 0.2, 0.95],
                }
            )

    with pytest.raises(ValidationError, match=r"stores no prompt text.*--cases"):
        warehouse_outcomes(Fake(), task="t", weak="w", strong="s", quality_threshold=0.85, cases=[])


def test_train_from_the_warehouse_pivots_cases_with_good_meaning_score_at_least_the_threshold(
    tmp_path: Path,
) -> None:
    import pandas as pd

    from core.routing._warehouse_outcomes import warehouse_outcomes

    class Fake:
        def query(self, sql: str, params: object = None) -> pd.DataFrame:
            return pd.DataFrame(
                {
                    "case_id": ["c1", "c1", "c2", "c2"],
                    "model": ["w", "s", "w", "s"],
                    "score": [0.85, 0.9, 0.2, 0.95],
                }
            )

    cases = tmp_path / "cases.csv"
    cases.write_text("case_id,prompt\nc1,Easy one\nc2,Hard one\n")
    table = warehouse_outcomes(Fake(), task="t", weak="w", strong="s", quality_threshold=0.85, cases=[cases])
    assert table.prompts == ["Easy one", "Hard one"]
    assert table.weak == [True, False] and table.strong == [True, True]


# ------------------------------------------------------------------------------------------------ selector
CONFIG = """
models:
  providers:
    anthropic:
      api_key: a-key
      models: [claude-haiku-4-5, claude-sonnet-4-6]
workflows:
  travel_planning:
    default_model: claude-haiku-4-5
    complex_tasks_model: claude-sonnet-4-6
cost_optimization:
  quality_threshold: 0.5
routing:
  routers:
    "*": {{model: {model}, strong: claude-sonnet-4-6, weak: claude-haiku-4-5, threshold: {threshold}}}
"""
EASY = "Tom has 3 apples. He buys 2 more. How many apples does he have?"
HARD = (
    "A store sells pens at $1.25 each or 12 for $13.50. Maria needs 150 pens, gets a 15% discount on orders over "
    "$100, pays 8% tax on the discounted price, and returns 7 pens for a refund at the single price. What "
    "fraction of her original budget of $200 remains, as a percent rounded to two places?"
)


@dataclass(frozen=True)
class Budget:
    share_left: float | None

    def describe(self) -> str:
        return f"{self.share_left:.0%} of today's budget left"


def selector(tmp_path: Path, model: Path, threshold: float, quality_threshold: float = 0.5) -> Selector:
    cfg = tmp_path / "c.yml"
    text = CONFIG.format(model=model, threshold=threshold)
    cfg.write_text(text.replace("quality_threshold: 0.5", f"quality_threshold: {quality_threshold}"))
    settings = load_settings(cfg, environ={})
    return Selector(settings, Registry.from_settings(settings))


def test_the_selector_routes_an_easy_and_a_hard_prompt_differently_and_says_why(
    tiny_router: Path, tmp_path: Path
) -> None:
    from core.routing.learned import load_router

    router = load_router(tiny_router)
    mid = (router.strong_probability(EASY) + router.strong_probability(HARD)) / 2
    sel = selector(tmp_path, tiny_router, round(mid, 4))
    easy = sel.select("general", RouteRequest(prompt=EASY))
    hard = sel.select("general", RouteRequest(prompt=HARD))
    assert easy.model == "anthropic/claude-haiku-4-5" and hard.model == "anthropic/claude-sonnet-4-6"
    assert hard.source == "router" and hard.router_score is not None
    assert hard.reason.startswith(f"router score {hard.router_score:.2f} ≥ {mid:.2f} → ")
    assert "sonnet" in hard.reason.split(";")[0]
    assert easy.reason.startswith(f"router score {easy.router_score:.2f} < {mid:.2f}")


def test_a_spent_budget_raises_the_threshold_so_a_borderline_prompt_goes_weak(
    tiny_router: Path, tmp_path: Path
) -> None:
    from core.routing.learned import load_router

    score = load_router(tiny_router).strong_probability(HARD)
    # quality floor 1 - 0.05 = 0.95: budget may raise the threshold past this prompt's score
    sel = selector(tmp_path, tiny_router, round(score - 0.01, 4), quality_threshold=0.05)
    assert sel.select("general", RouteRequest(prompt=HARD), Budget(1.0)).model.endswith("sonnet-4-6")
    late = sel.select("general", RouteRequest(prompt=HARD), Budget(0.1))
    assert late.router_threshold is not None and late.router_threshold > score
    assert late.model.endswith("haiku-4-5") and "raised by budget" in late.reason


def test_budget_pressure_never_raises_the_threshold_past_the_quality_floor() -> None:
    # threshold .2, 60% spent, k=1: .2 + .8*.6 = .68, but the floor 1 - .7 = .3 caps it.
    assert budget_threshold(0.2, 0.4, 1.0, 0.3) == pytest.approx(0.3)
    assert budget_threshold(0.2, 0.9, 1.0, 0.5) == pytest.approx(0.28)
    assert budget_threshold(0.2, None, 1.0, 0.5) == 0.2
    assert budget_threshold(0.6, 0.0, 1.0, 0.3) == 0.6  # budget never lowers a configured threshold


def test_a_router_needs_a_threshold_or_a_strong_share(tmp_path: Path, tiny_router: Path) -> None:
    from core.errors import ConfigError

    cfg = tmp_path / "c.yml"
    cfg.write_text(CONFIG.format(model=tiny_router, threshold=0.3).replace(", threshold: 0.3", ""))
    with pytest.raises(ConfigError, match=r"threshold.*strong_share"):
        load_settings(cfg, environ={})


def test_a_strong_share_is_turned_into_a_threshold_from_the_saved_score_distribution(
    tiny_router: Path, tmp_path: Path
) -> None:
    cfg = tmp_path / "c.yml"
    cfg.write_text(
        CONFIG.format(model=tiny_router, threshold=0.3).replace("threshold: 0.3", "strong_share: 0.3")
    )
    settings = load_settings(cfg, environ={})
    d = Selector(settings, Registry.from_settings(settings)).select("general", RouteRequest(prompt=EASY))
    from core.routing.learned import load_router

    assert d.router_threshold == pytest.approx(load_router(tiny_router).threshold_for_share(0.3))


def test_a_router_decision_carries_its_base_threshold_and_strong_share(tmp_path: Path) -> None:
    from tests.core.routing.test_router_view import write_router

    path = write_router(tmp_path / "r.router")
    cfg = tmp_path / "c.yml"
    text = CONFIG.format(model=path, threshold=0.3).replace("threshold: 0.3", "strong_share: 0.3")
    cfg.write_text(text.replace("quality_threshold: 0.5", "quality_threshold: 0.05"))  # floor 0.95
    settings = load_settings(cfg, environ={})
    sel = Selector(settings, Registry.from_settings(settings))

    calm = sel.select("general", RouteRequest(prompt=EASY), Budget(1.0))
    late = sel.select("general", RouteRequest(prompt=EASY), Budget(0.2))

    from core.routing.learned import load_router

    base = load_router(path).threshold_for_share(0.3)
    assert calm.source == "router" and calm.router_strong_share == 0.3
    assert calm.router_base_threshold == pytest.approx(base) and calm.router_threshold == pytest.approx(base)
    assert late.router_base_threshold == pytest.approx(base)
    assert late.router_threshold == pytest.approx(budget_threshold(base, 0.2, 1.0, 0.95))
    assert late.router_threshold is not None and late.router_threshold > base
    assert "raised by budget" in late.reason


# ------------------------------------------------------------------------------- root command, end to end
def root(*args: str) -> tuple[int, str]:
    from core.cli import app

    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


def test_route_explain_prints_the_router_score_and_threshold_lines_and_json_fields(tmp_path: Path) -> None:
    from tests.core.routing.test_router_view import write_router

    path = write_router(tmp_path / "r.router")
    cfg = tmp_path / "c.yml"
    cfg.write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        + CONFIG.format(model=path, threshold=0.3).replace("threshold: 0.3", "strong_share: 0.3")
    )
    code, out = root("--config", str(cfg), "route", "explain", "--task", "general", HARD)
    assert code == 0, out
    from core.routing.learned import load_router

    router = load_router(path)
    expected_score = router.strong_probability(HARD)
    base = router.threshold_for_share(0.3)
    lines = out.splitlines()
    why = next(line for line in lines if line.startswith("why:"))
    assert "router score" in why  # the one-line reason is still there
    assert f"router score: {expected_score:.2f}" in lines
    assert f"threshold:    {base:.2f} (strong_share 0.30)" in lines

    code, out = root("--config", str(cfg), "route", "explain", "--task", "general", "--json", HARD)
    assert code == 0, out
    data = json.loads(out[out.index("{") :])
    assert data["source"] == "router"
    assert data["router_score"] == pytest.approx(expected_score)
    assert data["router_threshold"] == pytest.approx(base) and data["router_base_threshold"] == pytest.approx(
        base
    )
    assert data["router_strong_share"] == 0.3


BENCH_CONFIG = """
data_dir: {data}
models:
  providers:
    lab:
      kind: openai_compatible
      api_base: {base_url}
      api_key: sk-test
      models:
        - {{name: weak, input_cost_per_token: 1.0e-7, output_cost_per_token: 4.0e-7}}
        - {{name: strong, input_cost_per_token: 1.0e-6, output_cost_per_token: 4.0e-6}}
workflows:
  travel_planning: {{default_model: lab/weak, complex_tasks_model: lab/strong}}
cost_optimization: {{daily_limit: 1000, quality_threshold: 0.6}}
gateway: {{num_retries: 0, retry_after_s: 0, timeout_s: 5}}
routing:
  task_types:
    general: {{complexity: routine}}
{routers}
"""


def test_a_router_trained_from_benchmark_results_evaluates_loads_and_routes(
    tmp_path: Path, fake_provider: object
) -> None:
    """The real runner against the fake provider (weak right ~35% of the time, strong ~90%), then
    `router train --from-warehouse`, `router eval` and `route explain` through the root command."""
    from core.bench import TASKS, run_benchmark
    from core.routing._warehouse_outcomes import warehouse_outcomes
    from core.routing.learned import load_router
    from core.testing import FakeProvider
    from core.warehouse import Warehouse

    assert isinstance(fake_provider, FakeProvider)
    fake_provider.configure("weak", reply="Answer: {prompt}", quality=0.35)
    fake_provider.configure("strong", reply="Answer: {prompt}", quality=0.9)
    cfg = tmp_path / "travelops.yml"
    text = BENCH_CONFIG.format(data=tmp_path / "data", base_url=fake_provider.base_url, routers="")
    cfg.write_text(text)
    settings = load_settings(cfg, environ={})

    cases_dir = tmp_path / "cases"
    cases_dir.mkdir()
    topics = ["a museum pass", "late dinner", "a day trip", "tipping", "the airport train", "rainy days"]
    questions = [
        f"Question {i}: in {city}, what about {topics[i % len(topics)]}?"
        for i, city in enumerate(["Lisbon", "Kyoto", "Oaxaca", "Bergen", "Hanoi", "Seville"] * 5)
    ]
    (cases_dir / "destination_questions.jsonl").write_text(
        "\n".join(
            json.dumps(
                {
                    "id": f"dq-{i:03d}",
                    "task": "destination_questions",
                    "inputs": {"question": q},
                    "scorers": [{"kind": "includes", "params": {"all_of": ["correct"]}}],
                }
            )
            for i, q in enumerate(questions)
        )
        + "\n"
    )
    summary = run_benchmark(
        settings,
        ["destination_questions"],
        ["lab/weak", "lab/strong"],
        cases_dir=cases_dir,
        concurrency=4,
        progress=False,
    )
    assert summary.status == "finished" and summary.cells_failed == 0 and summary.cells_run == 60

    spec = TASKS["destination_questions"]
    prompts = tmp_path / "cases.csv"
    with prompts.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["case_id", "prompt"])
        for i, q in enumerate(questions):
            w.writerow([f"dq-{i:03d}", spec.render({"question": q})])

    model = tmp_path / "routers" / "general.router"
    code, out = root(
        "--config", str(cfg), "router", "train", "--from-warehouse", "--task", "general",
        "--weak", "lab/weak", "--strong", "lab/strong", "--cases", str(prompts), "--out", str(model),
    )  # fmt: skip
    assert code == 0, out
    assert "Trained on 30 prompts" in out and model.is_file()

    # the same outcomes as a RouteLLM-format CSV for `router eval`
    table = warehouse_outcomes(
        Warehouse.from_settings(settings),
        task="general",
        weak="lab/weak",
        strong="lab/strong",
        quality_threshold=0.6,
        cases=[prompts],
    )
    assert 0 < sum(table.weak) < sum(table.strong) < 30
    outcomes = tmp_path / "outcomes.csv"
    with outcomes.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["prompt", "lab/weak", "lab/strong"])
        w.writerows(zip(table.prompts, table.weak, table.strong, strict=True))
    code, out = root(
        "--config", str(cfg), "router", "eval", "--model", str(model), "--outcomes", str(outcomes),
        "--weak", "lab/weak", "--strong", "lab/strong", "--json",
    )  # fmt: skip
    assert code == 0, out
    metrics = json.loads(out)
    assert metrics["n"] == 30
    assert metrics["weak_acc"] == pytest.approx(sum(table.weak) / 30)
    assert metrics["strong_acc"] == pytest.approx(sum(table.strong) / 30)

    router = load_router(model)
    assert router.training["source"] == "warehouse" and router.training["task"] == "general"
    assert router.training["weak"] == "lab/weak" and router.training["strong"] == "lab/strong"

    routed = BENCH_CONFIG.format(
        data=tmp_path / "data",
        base_url=fake_provider.base_url,
        routers="  routers:\n    general: {model: routers/general.router, strong: lab/strong, weak: lab/weak, "
        "strong_share: 0.5}",
    )
    cfg.write_text(routed)
    settings = load_settings(cfg, environ={})
    selector = Selector(settings, Registry.from_settings(settings))
    picks = {selector.select("general", RouteRequest(prompt=p)).model for p in table.prompts}
    assert picks == {"lab/weak", "lab/strong"}  # half the prompts go each way
    code, out = root("--config", str(cfg), "route", "explain", "--task", "general", table.prompts[0])
    assert code == 0, out
    assert "router score: " in out and "threshold:    " in out and "(strong_share 0.50)" in out
