"""The configured routers as the Models & routing page shows them: training facts, the held-out curve, the
operating point, and a problem (never an exception) when a router file cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings, load_settings
from core.routing import router_threshold_note, router_views, train_router
from core.routing._router_metrics import router_curve
from core.routing._router_view import _share_at
from core.routing.learned import load_router

EASY = [f"What is {a} plus {a + 1}?" for a in range(20)]
HARD = [
    f"A group of {a} travellers splits a {a * 37}-dollar hotel bill, a {a * 11}-euro train fare at 1.08 dollars per "
    f"euro and a 15% service fee on both; what does each pay, rounded to cents, after a {a % 7}% discount?"
    for a in range(3, 23)
]
PROMPTS = EASY + HARD
# the weak model gets the easy ones (and two hard ones), the strong model all but one easy one
WEAK_OK = [True] * 20 + [i < 2 for i in range(20)]
STRONG_OK = [i != 5 for i in range(20)] + [True] * 20


def held_out_curve() -> dict[str, object]:
    """A curve in ``RouterCurve.as_dict()`` shape (scored here by prompt length, as a stand-in for CV scores)."""
    longest = max(len(p) for p in PROMPTS)
    return router_curve([len(p) / longest for p in PROMPTS], WEAK_OK, STRONG_OK).as_dict()


def write_router(path: Path, *, with_curve: bool = True) -> Path:
    """A small trained router file with ``held_out_curve()`` as its cross-validated curve, or with no curve at all
    (as files from before curves were saved)."""
    metadata: dict[str, object] = {
        "source": "outcomes",
        "files": ["/x/trips.csv"],
        "weak": "w",
        "strong": "s",
    }
    if with_curve:
        curve = held_out_curve()
        metadata |= {"cv_curve": curve, "cv_apgr": curve["apgr"]}
    router = train_router(PROMPTS, WEAK_OK, STRONG_OK, metadata=metadata)
    if not with_curve:  # whatever train_router measured itself
        router.envelope["training"].pop("cv_curve", None)
        router.envelope["training"].pop("cv_apgr", None)
    return router.save(path)


CONFIG = """
models:
  providers:
    anthropic:
      api_key: a-key
      models: [claude-haiku-4-5, claude-sonnet-4-6]
routing:
  routers:
{routers}
"""


def settings_with(tmp_path: Path, **routers: str) -> Settings:
    lines = "\n".join(f'    "{task}": {{{spec}}}' for task, spec in routers.items())
    cfg = tmp_path / "travelops.yml"
    cfg.write_text(CONFIG.format(routers=lines))
    return load_settings(cfg, environ={})


PAIR = "strong: claude-sonnet-4-6, weak: claude-haiku-4-5"


def test_a_router_with_a_held_out_curve_lists_its_training_facts_apgr_and_curve(tmp_path: Path) -> None:
    write_router(tmp_path / "general.router")
    settings = settings_with(tmp_path, general=f"model: general.router, {PAIR}, threshold: 0.4")

    [view] = router_views(settings)

    expected = held_out_curve()
    assert view.problem is None and view.curve_note is None
    assert view.task == "general" and view.config_key == "routing.routers.general"
    assert view.model_file == tmp_path / "general.router"  # relative to the config file's folder
    assert (view.strong, view.weak, view.threshold, view.strong_share) == (
        "claude-sonnet-4-6",
        "claude-haiku-4-5",
        0.4,
        None,
    )
    assert view.effective_threshold == 0.4 and view.setting == "threshold 0.40"
    assert (
        view.n == 40 and view.weak_acc == pytest.approx(22 / 40) and view.strong_acc == pytest.approx(39 / 40)
    )
    assert view.cv_apgr == pytest.approx(expected["apgr"])
    assert view.cv_cpt50 == pytest.approx(expected["cpt50"])
    assert [p.strong_share for p in view.cv_curve] == [p["strong_share"] for p in expected["curve"]]  # type: ignore[union-attr]
    assert view.cv_curve[0].strong_share == 0 and view.cv_curve[0].threshold is None
    assert view.cv_curve[-1].strong_share == 1
    assert view.trained_on == "outcome files trips.csv"


def test_the_operating_point_of_a_threshold_is_the_share_scoring_above_it_read_on_the_curve(
    tmp_path: Path,
) -> None:
    path = write_router(tmp_path / "r.router")
    percentiles = load_router(path).training["score_percentiles"]
    threshold = percentiles[60]  # by the saved score distribution, 40% of prompts score at or above it
    settings = settings_with(tmp_path, general=f"model: r.router, {PAIR}, threshold: {threshold}")

    [view] = router_views(settings)

    assert view.operating_share == pytest.approx(0.4, abs=0.011)
    shares = [p.strong_share for p in view.cv_curve]
    accuracies = [p.accuracy for p in view.cv_curve]
    assert view.operating_accuracy is not None and view.operating_share is not None
    assert min(accuracies) <= view.operating_accuracy <= max(accuracies)
    import numpy as np

    assert view.operating_accuracy == pytest.approx(
        float(np.interp(view.operating_share, shares, accuracies))
    )


def test_a_strong_share_shows_the_threshold_it_gives_and_operates_at_that_share(tmp_path: Path) -> None:
    path = write_router(tmp_path / "r.router")
    settings = settings_with(tmp_path, **{"*": f"model: {path}, {PAIR}, strong_share: 0.3"})

    [view] = router_views(settings)

    assert view.task == "*" and view.config_key == 'routing.routers."*"'
    assert view.effective_threshold == pytest.approx(load_router(path).threshold_for_share(0.3))
    assert view.setting == f"strong_share 0.30 → threshold {view.effective_threshold:.2f}"
    assert view.operating_share == 0.3


def test_a_missing_router_file_is_a_problem_of_that_router_and_the_others_still_show(tmp_path: Path) -> None:
    write_router(tmp_path / "good.router")
    settings = settings_with(
        tmp_path,
        general=f"model: gone.router, {PAIR}, threshold: 0.5",
        itinerary_draft=f"model: good.router, {PAIR}, threshold: 0.5",
    )

    missing, good = router_views(settings)

    assert missing.problem is not None
    assert "gone.router does not exist" in missing.problem and "travelops router train" in missing.problem
    assert missing.cv_curve == () and missing.n is None
    assert good.problem is None and good.cv_curve


def test_an_incompatible_router_file_shows_the_retrain_message(tmp_path: Path) -> None:
    (tmp_path / "old.router").write_bytes(b"\x80\x04junk")
    settings = settings_with(tmp_path, general=f"model: old.router, {PAIR}, threshold: 0.5")

    [view] = router_views(settings)

    assert view.problem is not None and "old.router" in view.problem and "Retrain" in view.problem


def test_a_router_file_without_a_held_out_curve_says_to_retrain_and_keeps_its_training_facts(
    tmp_path: Path,
) -> None:
    write_router(tmp_path / "old.router", with_curve=False)
    settings = settings_with(tmp_path, general=f"model: old.router, {PAIR}, strong_share: 0.5")

    [view] = router_views(settings)

    assert view.problem is None and view.cv_curve == () and view.cv_apgr is None
    assert view.curve_note is not None and "travelops router train" in view.curve_note
    assert view.n == 40 and view.weak_acc == pytest.approx(22 / 40)
    assert view.effective_threshold is not None


def test_an_unreadable_saved_curve_is_a_note_not_an_error(tmp_path: Path) -> None:
    train_router(PROMPTS, WEAK_OK, STRONG_OK, metadata={"cv_curve": {"curve": "nope"}}).save(
        tmp_path / "r.router"
    )
    settings = settings_with(tmp_path, general=f"model: r.router, {PAIR}, threshold: 0.5")

    [view] = router_views(settings)

    assert view.problem is None and view.cv_curve == ()
    assert view.curve_note is not None and "not readable" in view.curve_note


def test_no_configured_router_lists_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "travelops.yml"
    cfg.write_text("models: {providers: {}}\n")
    assert router_views(load_settings(cfg, environ={})) == []


def test_the_share_at_a_threshold_inverts_the_threshold_for_a_share_and_counts_ties_as_strong() -> None:
    percentiles = [(i / 100) ** 2 for i in range(101)]  # no ties
    for share in (0.1, 0.3, 0.5, 0.8):
        assert _share_at(percentiles, percentiles[round((1 - share) * 100)]) == pytest.approx(share)
    assert _share_at(percentiles, 0.5**2 + 0.005) == pytest.approx(0.5 - 0.005 / (0.51**2 - 0.25) / 100)
    assert _share_at(percentiles, 1.5) == 0.0 and _share_at(percentiles, -1.0) == 1.0
    tied = [0.0] * 50 + [0.5] * 30 + [i / 20 for i in range(10, 31)]  # 30% of prompts score exactly 0.5
    assert _share_at(tied, 0.5) == pytest.approx(0.5)  # everything at 0.5 and above goes strong


def test_the_threshold_note_says_where_the_threshold_came_from_and_when_budget_raised_it() -> None:
    assert router_threshold_note(0.42, 0.42, None, None) == "0.42 (configured threshold)"
    assert router_threshold_note(0.38, 0.38, 0.3, 0.9) == "0.38 (strong_share 0.30)"
    assert (
        router_threshold_note(0.42, 0.38, 0.3, 0.6)
        == "0.42 (strong_share 0.30; raised from 0.38 by budget spent, 60% left)"
    )
