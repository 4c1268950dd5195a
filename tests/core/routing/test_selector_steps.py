"""The seven steps of ``Selector.select``, one at a time: size, judge complexity, wish, resolve, drop the unfit,
pick, explain. (test_selector.py checks the whole decision; these pin what each step hands the next.)"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import RoutingError
from core.models import ModelInfo, Registry
from core.routing import RouteRequest, Selector, UserPreferences
from tests.core.routing.test_router_cli import CONFIG as ROUTER_CONFIG
from tests.core.routing.test_router_cli import EASY
from tests.core.routing.test_router_view import write_router
from tests.core.routing.test_selector import Budget, Perf, selector

SONNET, HAIKU = "anthropic/claude-sonnet-4-6", "anthropic/claude-haiku-4-5"
MINI, GPT41, OFFLINE = "openai/gpt-4.1-mini", "openai/gpt-4.1", "offline/drafter"
NO_ANTHROPIC = "disabled: ANTHROPIC_API_KEY is not set"


def ids(pairs: Sequence[tuple[ModelInfo, str]]) -> list[tuple[str, str]]:
    return [(info.id, why) for info, why in pairs]


# -- 1. size ----------------------------------------------------------------------------------------------------


def test_sizing_reads_the_task_config_the_budget_share_and_estimates_the_tokens(tmp_path: Path) -> None:
    call = selector(tmp_path)._size("itinerary_draft", RouteRequest(prompt="x" * 40), Budget(0.4), None, None)
    assert call.tcfg.complexity == "complex" and call.share == 0.4 and call.perf == {}
    assert (call.prompt_tokens, call.max_out) == (10, 1024)  # 40 characters / 4; the task's default output


def test_sizing_keeps_the_sizes_a_request_states_and_no_budget_means_no_share(tmp_path: Path) -> None:
    request = RouteRequest(prompt="x", prompt_tokens=77, max_output_tokens=5)
    call = selector(tmp_path)._size("trip_summary", request, None, None, None)
    assert (call.prompt_tokens, call.max_out, call.share) == (77, 5, None)


def test_sizing_an_unknown_task_is_the_first_thing_that_fails(tmp_path: Path) -> None:
    with pytest.raises(RoutingError, match=r"Unknown task type 'nope'"):
        selector(tmp_path)._size("nope", RouteRequest(prompt="x"), None, None, None)


# -- 2. judge complexity ----------------------------------------------------------------------------------------


def test_a_task_with_a_fixed_complexity_is_judged_by_its_config(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    judged = sel._judge_complexity(sel._size("trip_summary", RouteRequest(prompt="Plan"), None, None, None))
    assert (judged.label, judged.why, judged.routed) == ("routine", "trip_summary is routine", None)


def test_an_auto_task_is_judged_by_the_estimate_and_the_reason_quotes_it(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    call = sel._size("general", RouteRequest(prompt="What currency does Portugal use?"), None, None, None)
    judged = sel._judge_complexity(call)
    assert judged.label == "routine" and judged.routed is None
    assert judged.why == "general looks routine (complexity 0.00: 5 words)"
    assert judged.router_fields() == dict.fromkeys(
        ["router_score", "router_threshold", "router_base_threshold", "router_strong_share"]
    )


def test_a_configured_router_judges_instead_of_the_estimator(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yml"
    cfg.write_text(ROUTER_CONFIG.format(model=write_router(tmp_path / "r.router"), threshold=0.3))
    settings = load_settings(cfg, environ={})
    sel = Selector(settings, Registry.from_settings(settings))
    judged = sel._judge_complexity(sel._size("general", RouteRequest(prompt=EASY), None, None, None))
    assert judged.routed is not None and judged.score == judged.routed.score
    assert judged.label == ("complex" if judged.routed.strong else "routine")
    assert judged.why.startswith("router score ") and judged.why == judged.routed.why
    assert judged.router_fields()["router_threshold"] == 0.3


# -- 3. wishes --------------------------------------------------------------------------------------------------


def test_wishes_come_in_order_rules_preference_workflow_fallbacks_each_with_its_source(
    tmp_path: Path,
) -> None:
    sel = selector(tmp_path)
    prefs = UserPreferences(
        user_id="ana", preferred_model="gpt-4.1-mini", fallback_models=["claude-haiku-4-5"]
    )
    call = sel._size("itinerary_draft", RouteRequest(prompt="Does she need a visa?"), None, prefs, None)
    assert sel._wishes(call, sel._judge_complexity(call)) == [
        ("gpt-4.1", "rule 'visa needs care' matched keyword 'visa'"),
        ("gpt-4.1-mini", "ana's preferred model"),
        ("claude-sonnet-4-6", "itinerary_draft is complex"),
        ("gpt-4.1-mini", "workflow fallback"),
        ("claude-haiku-4-5", "user's fallback"),
        ("claude-haiku-4-5", "workflow's other model"),
    ]


def test_a_routine_task_wishes_for_the_default_model_first_and_the_complex_one_last(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    call = sel._size("trip_summary", RouteRequest(prompt="Summarise"), None, None, None)
    assert sel._wishes(call, sel._judge_complexity(call)) == [
        ("claude-haiku-4-5", "trip_summary is routine"),
        ("gpt-4.1-mini", "workflow fallback"),
        ("claude-sonnet-4-6", "workflow's other model"),
    ]


# -- 4. resolve to candidates -----------------------------------------------------------------------------------


def test_candidates_resolve_each_model_once_keeping_its_first_reason_then_add_the_rest(
    tmp_path: Path,
) -> None:
    sel = selector(tmp_path)
    call = sel._size("general", RouteRequest(prompt="hi"), None, None, None)
    ordered = sel._candidates(call, [("gpt-4.1-mini", "first"), (MINI, "again")])
    assert ids(ordered)[0] == (MINI, "first")
    assert [why for _, why in ordered[1:]] == ["other enabled model"] * 4
    assert ids(ordered)[-1] == (OFFLINE, "other enabled model")  # the offline drafter always comes last


def test_the_rest_follow_the_users_performance_preference(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    cheap_first = UserPreferences(user_id="bo", performance_preference="cost")
    call = sel._size("general", RouteRequest(prompt="hi"), None, cheap_first, None)
    assert [i.id for i, _ in sel._candidates(call, [])] == [MINI, HAIKU, GPT41, SONNET, OFFLINE]
    best_first = {(GPT41, "general"): Perf(0.99), (HAIKU, "general"): Perf(0.88)}
    call = sel._size("general", RouteRequest(prompt="hi"), None, None, best_first)
    assert [i.id for i, _ in sel._candidates(call, [])][:2] == [GPT41, HAIKU]


def test_an_unknown_wish_fails_naming_where_it_came_from(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    call = sel._size("general", RouteRequest(prompt="hi"), None, None, None)
    with pytest.raises(RoutingError, match=r"Unknown model 'gpt-x' \(ana's preferred model\)"):
        sel._candidates(call, [("gpt-x", "ana's preferred model")])


# -- 5. drop the unfit ------------------------------------------------------------------------------------------


def test_dropping_the_unfit_keeps_the_order_and_says_why_each_was_dropped(tmp_path: Path) -> None:
    sel = selector(tmp_path, env={"OPENAI_API_KEY": "o"})
    call = sel._size("itinerary_draft", RouteRequest(prompt="Plan"), None, None, None)
    ordered = sel._candidates(
        call, [("claude-sonnet-4-6", "a"), ("gpt-4.1-mini", "b"), ("claude-haiku-4-5", "c")]
    )
    usable, skipped = sel._drop_unfit(call, ordered)
    assert ids(usable)[:1] == [(MINI, "b")] and OFFLINE in [i.id for i, _ in usable]
    assert skipped == {SONNET: NO_ANTHROPIC, HAIKU: NO_ANTHROPIC}


def test_dropping_every_candidate_fails_listing_each_reason(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    call = sel._size("general", RouteRequest(prompt="hi", prompt_tokens=2_000_000), None, None, None)
    with pytest.raises(
        RoutingError, match=r"No model can serve task 'general': .*context .* < 2001024 tokens"
    ):
        sel._drop_unfit(call, sel._candidates(call, []))


# -- 6. pick ----------------------------------------------------------------------------------------------------


def test_the_pick_is_the_first_usable_model_and_the_next_ones_are_its_fallbacks(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    call = sel._size("itinerary_draft", RouteRequest(prompt="Plan"), Budget(0.9), None, None)
    usable, _ = sel._drop_unfit(call, sel._candidates(call, sel._wishes(call, sel._judge_complexity(call))))
    pick = sel._pick(call, usable)
    assert (pick.model.id, pick.why, pick.source, pick.downgraded) == (
        SONNET,
        "itinerary_draft is complex",
        "workflow",
        False,
    )
    assert pick.fallbacks == [MINI, HAIKU, GPT41]  # capped at gateway.max_fallbacks (3)
    assert pick.estimate_usd == pick.model.estimate_cost(1, 1024)  # "Plan" is one token; the task's 1024 out
    assert pick.budget_note == "; 90% of today's budget left"


def test_a_low_budget_picks_the_cheapest_model_measured_good_enough(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    perf = {(MINI, "itinerary_draft"): Perf(0.90), (SONNET, "itinerary_draft"): Perf(0.95)}
    call = sel._size("itinerary_draft", RouteRequest(prompt="Plan"), Budget(0.1), None, perf)
    usable, _ = sel._drop_unfit(call, sel._candidates(call, [("claude-sonnet-4-6", "wished")]))
    pick = sel._pick(call, usable)
    assert (pick.model.id, pick.source, pick.downgraded, pick.budget_note) == (MINI, "downgrade", True, "")
    assert pick.why == (
        "budget low (10% of today's budget left) → cheapest model with measured quality ≥ 0.85 for "
        "itinerary_draft (0.90)"
    )
    assert pick.fallbacks[0] == SONNET


def test_a_low_budget_without_measurements_keeps_the_pick_and_notes_it(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    call = sel._size("itinerary_draft", RouteRequest(prompt="Plan"), Budget(0.1), None, None)
    usable, _ = sel._drop_unfit(call, sel._candidates(call, [("claude-sonnet-4-6", "wished")]))
    pick = sel._pick(call, usable)
    assert pick.model.id == SONNET and not pick.downgraded
    assert pick.budget_note == (
        "; 10% of today's budget left; budget low but no model has measured quality ≥ 0.85 for itinerary_draft, "
        "so no downgrade"
    )


def test_a_lone_usable_model_is_the_only_option_unless_a_rule_or_preference_chose_it(tmp_path: Path) -> None:
    sel = selector(tmp_path, env={})
    call = sel._size("general", RouteRequest(prompt="hi"), None, None, None)
    usable, _ = sel._drop_unfit(call, sel._candidates(call, [("claude-haiku-4-5", "general looks routine")]))
    assert ids(usable) == [(OFFLINE, "other enabled model")]
    assert sel._pick(call, usable).source == "only-option"
    wished, _ = sel._drop_unfit(call, sel._candidates(call, [("offline/drafter", "ana's preferred model")]))
    assert sel._pick(call, wished).source == "preference"


# -- 7. explain -------------------------------------------------------------------------------------------------


def test_the_explanation_runs_from_the_first_wish_past_two_skipped_models_to_the_choice(
    tmp_path: Path,
) -> None:
    sel = selector(tmp_path, env={})
    call = sel._size("itinerary_draft", RouteRequest(prompt="Plan"), None, None, None)
    ordered = sel._candidates(call, sel._wishes(call, sel._judge_complexity(call)))
    usable, skipped = sel._drop_unfit(call, ordered)
    pick = sel._pick(call, usable)
    assert len(skipped) == 4  # both providers lack keys; only the first two skipped are named
    assert sel._explain(ordered, skipped, pick) == (
        f"itinerary_draft is complex → {SONNET} {NO_ANTHROPIC} → {MINI} disabled: OPENAI_API_KEY is not set → "
        f"{pick.model.label}; est. $0.0000"
    )


def test_a_downgrade_is_explained_by_the_budget_not_by_the_first_wish(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    perf = {(MINI, "itinerary_draft"): Perf(0.90)}
    call = sel._size("itinerary_draft", RouteRequest(prompt="Plan"), Budget(0.1), None, perf)
    ordered = sel._candidates(call, [("claude-sonnet-4-6", "itinerary_draft is complex")])
    usable, skipped = sel._drop_unfit(call, ordered)
    pick = sel._pick(call, usable)
    assert (
        sel._explain(ordered, skipped, pick)
        == f"{pick.why} → {pick.model.label}; est. ${pick.estimate_usd:.4f}"
    )
    assert sel._explain(ordered, skipped, pick).startswith("budget low (10% of today's budget left) → ")
