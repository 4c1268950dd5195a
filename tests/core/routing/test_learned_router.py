"""The learned router: trains on outcome slices, scores fast and the same either way, refuses foreign files."""

from __future__ import annotations

import time
from pathlib import Path

import joblib
import numpy as np
import pytest

from core.errors import ConfigError, ValidationError
from core.routing._outcomes import read_outcomes
from core.routing._router_eval import cross_val_scores, decision_p50_us
from core.routing._router_metrics import router_curve
from core.routing.learned import clear_router_cache, load_router, train_router
from tests.core.routing.conftest import STRONG, WEAK


def test_a_router_trained_on_a_gsm8k_slice_scores_in_the_unit_interval(
    tiny_router: Path, gsm8k_slice: Path
) -> None:
    router = load_router(tiny_router)
    table = read_outcomes([gsm8k_slice], WEAK, STRONG)
    scores = router.strong_probabilities(table.prompts)
    assert scores.shape == (240,)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert router.training["n"] == 240 and router.training["weak"] == WEAK


def test_the_single_prompt_path_gives_the_same_score_as_the_batch_path(
    tiny_router: Path, gsm8k_slice: Path
) -> None:
    router = load_router(tiny_router)
    prompts = [*read_outcomes([gsm8k_slice], WEAK, STRONG).prompts[:40], "", "short?", "x" * 3000]
    one_by_one = np.array([router.strong_probability(p) for p in prompts])
    assert np.allclose(one_by_one, router.strong_probabilities(prompts), atol=1e-9)


def test_a_decision_takes_under_a_millisecond_at_the_median(tiny_router: Path, gsm8k_slice: Path) -> None:
    router = load_router(tiny_router)
    prompts = read_outcomes([gsm8k_slice], WEAK, STRONG).prompts
    assert decision_p50_us(router, prompts) < 1000


def test_longer_multi_step_problems_score_higher_than_one_step_ones(tiny_router: Path) -> None:
    router = load_router(tiny_router)
    easy = "Tom has 3 apples. He buys 2 more. How many apples does he have?"
    hard = (
        "A store sells pens at $1.25 each or 12 for $13.50. Maria needs 150 pens, gets a 15% discount on "
        "orders over $100, pays 8% tax on the discounted price, and returns 7 pens for a refund at the single "
        "price. What fraction of her original budget of $200 remains, as a percent rounded to two places?"
    )
    assert router.strong_probability(hard) > router.strong_probability(easy)


def test_loading_the_same_file_twice_returns_the_cached_router(tiny_router: Path) -> None:
    assert load_router(tiny_router) is load_router(tiny_router)


def test_cross_validated_scores_beat_random_on_gsm8k(routellm_data: Path) -> None:
    table = read_outcomes([routellm_data / "gsm8k_train.csv"], WEAK, STRONG)
    n = 400
    scores = cross_val_scores(table.prompts[:n], table.weak[:n], table.strong[:n], folds=4)
    assert router_curve(scores, table.weak[:n], table.strong[:n]).apgr > 0.52


def test_training_on_prompts_of_one_kind_only_is_refused() -> None:
    with pytest.raises(ValidationError, match="both kinds"):
        train_router(["a", "b", "c", "d"], [True] * 4, [True] * 4)


def test_a_router_file_from_another_format_version_names_the_file_and_says_retrain(
    tiny_router: Path, tmp_path: Path
) -> None:
    envelope = joblib.load(tiny_router)
    envelope["format_version"] = 99
    old = tmp_path / "old.router"
    joblib.dump(envelope, old)
    clear_router_cache()
    with pytest.raises(ConfigError, match=r"old\.router has format version 99.*[Rr]etrain"):
        load_router(old)


def test_a_router_file_from_another_sklearn_version_is_refused(tiny_router: Path, tmp_path: Path) -> None:
    envelope = joblib.load(tiny_router)
    envelope["sklearn_version"] = "0.24.2"
    old = tmp_path / "sk.router"
    joblib.dump(envelope, old)
    with pytest.raises(ConfigError, match=r"scikit-learn 0\.24\.2.*[Rr]etrain"):
        load_router(old)


def test_a_file_that_is_not_a_router_is_refused_clearly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.router"
    junk.write_text("not a pickle")
    with pytest.raises(ConfigError, match=r"junk\.router cannot be read"):
        load_router(junk)


def test_importing_core_routing_does_not_import_sklearn() -> None:
    import subprocess
    import sys

    code = "import sys, core, core.routing, core.routing.learned; print('sklearn' in sys.modules)"
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False", out.stderr
    assert time.perf_counter() - t0 < 30
