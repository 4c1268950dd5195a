"""RouteLLM's router metrics (``routellm/evals/evaluate.py``): the accuracy-vs-strong-share curve, APGR and CPT.

The curve. Thresholds are the deciles of the router's scores (0%, 10%, …, 100% quantiles, numpy's linear
interpolation, as ``pd.qcut`` bins them); at each threshold ``t`` a prompt goes to the strong model when
``score >= t``. Accuracy at that point is the strong model's correctness where routed strong and the weak model's
elsewhere; the x value is the share actually routed strong (a fraction in [0, 1]).

Ties are treated together: a threshold never splits prompts of equal score (a real threshold router cannot), so
with ties a decile threshold may send more than its nominal share to the strong model. This makes the result
independent of input order. The two end points, all-weak (share 0) and all-strong (share 1), are always on the
curve, so the weak-only and strong-only areas are their accuracies × 1 and a router that scores every prompt the
same gets exactly APGR 0.5 (a straight line from one end point to the other).

AUC is the trapezoid area over the share axis; APGR = (AUC − weak_acc) / (strong_acc − weak_acc).

CPT(x) is the smallest strong share whose accuracy reaches ``weak_acc + x·(strong_acc − weak_acc)``. Between
curve points we interpolate linearly (RouteLLM reports the smallest *measured* point reaching it; pass
``interpolate=False`` for that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["RouterCurve", "apgr", "cpt", "random_apgr", "router_curve", "threshold_for_share"]

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-12


@dataclass(frozen=True)
class RouterCurve:
    """Points of the curve sorted by strong share (ascending), with the thresholds that produced them."""

    shares: tuple[float, ...]
    accuracies: tuple[float, ...]
    thresholds: tuple[float, ...]  # +inf for the all-weak end point
    weak_acc: float
    strong_acc: float
    n: int

    @property
    def auc(self) -> float:
        x, y = np.asarray(self.shares), np.asarray(self.accuracies)
        return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))

    @property
    def apgr(self) -> float:
        gap = self.strong_acc - self.weak_acc
        if abs(gap) < _EPS:
            return float("nan")
        return (self.auc - self.weak_acc) / gap

    def cpt(self, x: float, *, interpolate: bool = True) -> float:
        """Smallest strong share closing ``x`` (0..1) of the weak-to-strong gap; NaN when there is no gap."""
        gap = self.strong_acc - self.weak_acc
        if gap <= _EPS:
            return float("nan")
        target = self.weak_acc + x * gap
        for i, (share, acc) in enumerate(zip(self.shares, self.accuracies, strict=True)):
            if acc + _EPS >= target:
                if i == 0 or not interpolate:
                    return share
                s0, a0 = self.shares[i - 1], self.accuracies[i - 1]
                return s0 + (target - a0) / (acc - a0) * (share - s0)
        return 1.0  # unreachable: the last point is the strong model's accuracy

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "weak_acc": self.weak_acc,
            "strong_acc": self.strong_acc,
            "apgr": self.apgr,
            "cpt50": self.cpt(0.5),
            "cpt80": self.cpt(0.8),
            "curve": [
                {"strong_share": s, "accuracy": a, "threshold": None if np.isinf(t) else t}
                for s, a, t in zip(self.shares, self.accuracies, self.thresholds, strict=True)
            ],
        }


def _arrays(
    scores: Sequence[float] | FloatArray, weak: Sequence[bool], strong: Sequence[bool]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    s = np.asarray(scores, dtype=np.float64)
    w = np.asarray(weak, dtype=np.float64)
    g = np.asarray(strong, dtype=np.float64)
    if not (s.shape == w.shape == g.shape) or s.ndim != 1:
        raise ValueError(
            f"scores, weak and strong outcomes must be 1-D and of one length; got {s.shape}, {w.shape}, {g.shape}"
        )
    if len(s) == 0:
        raise ValueError("no prompts to evaluate: the outcome table is empty")
    if np.isnan(s).any():
        raise ValueError("scores contain NaN")
    return s, w, g


def router_curve(
    scores: Sequence[float] | FloatArray,
    weak_correct: Sequence[bool],
    strong_correct: Sequence[bool],
    *,
    num_points: int = 10,
) -> RouterCurve:
    """The accuracy-vs-strong-share curve at the ``num_points``-quantile thresholds, plus both end points."""
    s, w, g = _arrays(scores, weak_correct, strong_correct)
    n = len(s)
    thresholds = np.quantile(s, np.linspace(0.0, 1.0, num_points + 1))
    points: dict[float, tuple[float, float]] = {0.0: (float(w.mean()), float("inf"))}
    for t in thresholds:
        strong = s >= t
        share = float(strong.mean())
        acc = float(np.where(strong, g, w).mean())
        points.setdefault(share, (acc, float(t)))  # equal share <=> equal routed set (thresholds are nested)
    points.setdefault(1.0, (float(g.mean()), float(s.min())))
    ordered = sorted(points.items())
    return RouterCurve(
        shares=tuple(k for k, _ in ordered),
        accuracies=tuple(v[0] for _, v in ordered),
        thresholds=tuple(v[1] for _, v in ordered),
        weak_acc=float(w.mean()),
        strong_acc=float(g.mean()),
        n=n,
    )


def apgr(scores: Sequence[float] | FloatArray, weak: Sequence[bool], strong: Sequence[bool]) -> float:
    return router_curve(scores, weak, strong).apgr


def cpt(
    scores: Sequence[float] | FloatArray,
    weak: Sequence[bool],
    strong: Sequence[bool],
    x: float,
    *,
    interpolate: bool = True,
) -> float:
    return router_curve(scores, weak, strong).cpt(x, interpolate=interpolate)


def random_apgr(weak: Sequence[bool], strong: Sequence[bool], *, repeats: int = 20, seed: int = 0) -> float:
    """Mean APGR of ``repeats`` uniform random score vectors from seeds ``seed, seed+1, …`` (≈ 0.5)."""
    n = len(weak)
    values = [
        router_curve(np.random.default_rng(seed + i).random(n), weak, strong).apgr for i in range(repeats)
    ]
    return float(np.mean(values))


def threshold_for_share(scores: Sequence[float] | FloatArray, share: float) -> float:
    """The threshold sending about ``share`` of these prompts to the strong model (``score >= threshold``).

    It is the (1 − share) quantile of the scores; share 0 gives a threshold above every score (> 1 is fine,
    scores live in [0, 1]), share 1 the smallest score. Ties go together, so the realised share may be larger.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"strong share must be between 0 and 1, got {share}")
    s = np.asarray(scores, dtype=np.float64)
    if len(s) == 0:
        raise ValueError("no scores to calibrate on")
    if share == 0.0:
        return float(np.nextafter(s.max(), np.inf))
    return float(np.quantile(s, 1.0 - share))
