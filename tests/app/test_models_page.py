"""Models & routing, learned routers: the held-out curve against the random router with the configured point, its
APGR and CPT(50%), and what to do when there is no router or no curve to show."""

from __future__ import annotations

import json
from typing import Any

from app_helpers import AppEnv, open_page, problems, texts

from tests.core.routing.test_router_view import write_router

PAIR = "strong: anthropic/claude-sonnet-4-6, weak: anthropic/claude-haiku-4-5"


def add_routers(env: AppEnv, *routers: str) -> None:
    """Put ``routing.routers`` entries ("task: {...}") into the environment's configuration file."""
    text = env.config.read_text(encoding="utf-8")
    block = "  rules: []\n  routers:\n" + "".join(f"    {r}\n" for r in routers)
    assert text.count("  rules: []\n") == 1, "config/travelops.yml has no empty routing.rules line"
    env.config.write_text(text.replace("  rules: []\n", block), encoding="utf-8")


def charts(at: Any) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_a_configured_router_shows_its_held_out_curve_the_random_line_and_the_configured_point(
    empty_env: AppEnv,
) -> None:
    write_router(empty_env.config.parent / "general.router")
    add_routers(empty_env, f"general: {{model: general.router, {PAIR}, strong_share: 0.3}}")

    at = open_page("models")

    assert problems(at) == []
    [figure] = charts(at)
    names = [trace["name"] for trace in figure["data"]]
    assert names[:2] == ["router (cross-validated)", "random router"]
    assert names[2].startswith("configured: strong_share 0.30 → threshold ")
    random_line = figure["data"][1]
    assert random_line["x"] == [0.0, 1.0] and random_line["y"] == [22 / 40, 39 / 40]
    assert figure["data"][2]["x"] == [0.3]
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["APGR (held-out)"]) > 0.5 and metrics["CPT(50%)"].endswith("%")
    assert metrics["Weak accuracy"] == "55%" and metrics["Strong accuracy"] == "98%"
    assert (
        "Router for task general"
        in texts(at.markdown)[texts(at.markdown).index("#### Router for task general")]
    )


def test_with_no_router_configured_the_page_says_how_to_train_and_configure_one(empty_env: AppEnv) -> None:
    at = open_page("models")

    assert problems(at) == []
    [hint] = [t for t in texts(at.info) if "No learned router is configured" in t]
    assert "travelops router train --from-warehouse" in hint and "routing.routers.<task>" in hint
    assert str(empty_env.config) in hint
    assert charts(at) == []


def test_a_router_file_without_a_curve_says_to_retrain_and_a_missing_file_shows_its_problem(
    empty_env: AppEnv,
) -> None:
    write_router(empty_env.config.parent / "old.router", with_curve=False)
    add_routers(
        empty_env,
        f"general: {{model: old.router, {PAIR}, threshold: 0.5}}",
        f"itinerary_draft: {{model: gone.router, {PAIR}, threshold: 0.5}}",
    )

    at = open_page("models")

    assert charts(at) == []
    assert any("no cross-validated curve" in t and "travelops router train" in t for t in texts(at.info))
    [error] = texts(at.error)
    assert "gone.router does not exist" in error and "travelops router train" in error
    assert not at.exception
