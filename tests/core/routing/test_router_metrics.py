"""RouteLLM's router metrics against hand-computed examples."""

from __future__ import annotations

import math

import pytest

from core.routing._router_metrics import random_apgr, router_curve, threshold_for_share

# Four prompts: the weak model is right on the first two, the strong one on all but the last... see each test.
WEAK = [True, True, False, False]
STRONG = [True, True, True, False]  # weak 0.5, strong 0.75


def test_a_router_that_scores_every_prompt_the_same_gets_apgr_one_half() -> None:
    curve = router_curve([0.3] * 4, WEAK, STRONG)
    assert curve.shares == (0.0, 1.0)
    assert curve.apgr == pytest.approx(0.5)


def test_a_perfect_router_sends_the_one_prompt_only_the_strong_model_gets_right_first() -> None:
    # scores 0.1 0.2 0.9 0.3: prompt 2 (weak wrong, strong right) scores highest.
    curve = router_curve([0.1, 0.2, 0.9, 0.3], WEAK, STRONG)
    # Deciles of the scores: 0%→0.1 (all strong), 10%..30% > 0.1 → 3 strong, …, 100%→0.9 → 1 strong.
    # Curve points (share, acc): (0, .5) (.25, .75) (.5, .75) (.75, .75) (1, .75)
    assert curve.shares == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert curve.accuracies == pytest.approx((0.5, 0.75, 0.75, 0.75, 0.75))
    # AUC = .25*(.5+.75)/2 + .75*.75 = .15625 + .5625 = .71875; APGR = (.71875-.5)/.25 = .875
    assert curve.auc == pytest.approx(0.71875)
    assert curve.apgr == pytest.approx(0.875)
    # Half the gap (acc .625) is reached halfway along the first segment: share .125.
    assert curve.cpt(0.5) == pytest.approx(0.125)
    assert curve.cpt(0.5, interpolate=False) == pytest.approx(0.25)


def test_a_router_that_gets_it_backwards_scores_below_one_half() -> None:
    curve = router_curve([0.9, 0.8, 0.1, 0.7], WEAK, STRONG)
    # Routed strong in order 0, 1, 3, 2: accuracy stays .5 until the last prompt is routed: (0,.5)…(.75,.5)(1,.75)
    assert curve.apgr == pytest.approx((0.75 * 0.5 + 0.25 * (0.5 + 0.75) / 2 - 0.5) / 0.25)
    assert curve.apgr == pytest.approx(0.125)
    assert curve.cpt(0.5) == pytest.approx(0.875)


def test_tied_scores_are_routed_together_whatever_their_order() -> None:
    # Prompts 2 and 3 tie at 0.5: no threshold separates them, so the curve jumps from share .5 to 1.
    a = router_curve([0.9, 0.1, 0.5, 0.5], [False, True, True, False], [True, True, True, True])
    b = router_curve([0.5, 0.5, 0.9, 0.1], [True, False, False, True], [True, True, True, True])
    assert a.shares == b.shares
    assert a.accuracies == pytest.approx(b.accuracies)
    assert a.apgr == pytest.approx(b.apgr)
    # weak .5, strong 1. Points: (0,.5) (.25,.75) (.75,1) (1,1): AUC=.25*.625+.5*.875+.25 = .84375
    assert a.shares == (0.0, 0.25, 0.75, 1.0)
    assert a.apgr == pytest.approx((0.84375 - 0.5) / 0.5)


def test_apgr_is_undefined_when_the_models_are_equally_good() -> None:
    curve = router_curve([0.1, 0.9], [True, False], [False, True])
    assert math.isnan(curve.apgr)
    assert math.isnan(curve.cpt(0.5))


def test_random_scores_average_close_to_one_half() -> None:
    weak = [i % 3 == 0 for i in range(300)]
    strong = [i % 5 != 0 for i in range(300)]
    assert random_apgr(weak, strong, repeats=30) == pytest.approx(0.5, abs=0.05)
    assert random_apgr(weak, strong, repeats=3) == random_apgr(weak, strong, repeats=3)


def test_threshold_for_share_sends_that_share_to_the_strong_model() -> None:
    scores = [i / 10 for i in range(10)]
    t = threshold_for_share(scores, 0.3)
    assert sum(s >= t for s in scores) == 3
    assert sum(s >= threshold_for_share(scores, 0.0) for s in scores) == 0
    assert sum(s >= threshold_for_share(scores, 1.0) for s in scores) == 10


def test_an_empty_table_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="empty"):
        router_curve([], [], [])
