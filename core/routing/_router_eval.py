"""Held-out evaluation of routers: cross-validated scores, decision time. Used by the CLI and the benchmark."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from core.routing.learned import LearnedRouter, TrainingOptions, split_folds, train_router

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["cross_val_scores", "decision_p50_us"]

R = TypeVar("R")


def decision_p50_us(router: LearnedRouter, prompts: Sequence[str], *, limit: int = 300) -> float:
    """Median time of one ``strong_probability`` call (single prompt, this thread), in microseconds."""
    import statistics

    sample = list(prompts[:limit]) or ["How far is the airport?"]
    router.strong_probability(sample[0])  # warm up
    times: list[float] = []
    for p in sample:
        t0 = time.perf_counter()
        router.strong_probability(p)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def cross_val_scores(
    prompts: Sequence[str],
    weak: Sequence[bool],
    strong: Sequence[bool],
    *,
    folds: int = 5,
    groups: Sequence[str] | None = None,
    options: TrainingOptions | None = None,
    seed: int = 0,
    n_jobs: int = 1,
) -> npt.NDArray[np.float64]:
    """Out-of-fold router scores: stratified k-fold, or grouped folds (whole groups held out) when ``groups``.

    Each training fold passes its rows' groups on to ``train_router``, whose inner cross-validation (the blend
    weights) then holds out whole groups too: nothing about the outer test rows reaches the model. ``n_jobs`` > 1
    trains the folds in that many processes (same numbers, less wall time).
    """
    import numpy as np
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    w = np.asarray(weak, dtype=bool)
    s = np.asarray(strong, dtype=bool)
    if groups is not None:
        splits = split_folds(GroupKFold(n_splits=folds), prompts, groups=list(groups))
    else:
        strata = w.astype(int) * 2 + s.astype(int)
        splits = split_folds(
            StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed), prompts, strata
        )
    texts = list(prompts)
    labels = list(groups) if groups is not None else None
    calls = [
        (
            [texts[int(i)] for i in train],
            w[train].tolist(),
            s[train].tolist(),
            [labels[int(i)] for i in train] if labels is not None else None,
            [texts[int(i)] for i in test],
            options,
        )
        for train, test in splits
    ]
    out = np.zeros(len(prompts), dtype=np.float64)
    for (_, test), scores in zip(splits, _in_processes(n_jobs, _fold_scores, calls), strict=True):
        out[test] = scores
    return out


def _in_processes(n_jobs: int, fn: Callable[..., R], calls: Sequence[tuple[Any, ...]]) -> list[R]:
    """``fn(*args)`` for each call, in ``n_jobs`` processes, in order (joblib leaves its API untyped)."""
    import joblib

    run = joblib.Parallel(n_jobs=n_jobs)
    return cast("list[R]", run(joblib.delayed(fn)(*args) for args in calls))  # pyright: ignore[reportUnknownMemberType]


def _fold_scores(
    prompts: list[str],
    weak: list[bool],
    strong: list[bool],
    groups: list[str] | None,
    held_out: list[str],
    options: TrainingOptions | None,
) -> npt.NDArray[np.float64]:
    router = train_router(prompts, weak, strong, groups=groups, options=options)
    return router.strong_probabilities(held_out)
