"""What the configured learned routers are and how good they are: one ``RouterView`` per ``routing.routers`` entry.

For the Models & routing page and anyone else who wants to show a router without loading it by hand. A router
whose file is missing or unreadable becomes a view with ``problem`` set to the ``ConfigError`` message: listing
never raises for one bad router.

The quality figures are the router file's own: ``training`` holds the training table's size and accuracies, and,
for files trained by a TravelOps that cross-validates, ``cv_curve`` (``RouterCurve.as_dict()``: accuracy against
the share of strong calls, measured on held-out folds) and ``cv_apgr``. Files without a curve show no chart.

The operating point: the configured ``strong_share``, or for a configured ``threshold`` the share of prompts like
the training ones that score at or above it (read off the score percentiles saved in the file, the same table
``strong_share`` is turned into a threshold with); its accuracy is the cross-validated curve's at that share
(linear between points). Budget pressure is left out: it raises the
threshold only as the day's budget is spent (``route explain`` shows the threshold of the moment).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from core.config import RouterConfig, Settings
from core.errors import TravelOpsError

__all__ = ["CurvePoint", "RouterView", "router_threshold_note", "router_views"]


class CurvePoint(BaseModel):
    """One point of an accuracy-vs-strong-share curve; ``threshold`` is None for the all-weak end point."""

    model_config = ConfigDict(frozen=True)
    strong_share: float
    accuracy: float
    threshold: float | None = None


class _SavedCurve(BaseModel):
    """The ``RouterCurve.as_dict()`` shape as saved in a router file (extra keys are ignored)."""

    n: int
    weak_acc: float
    strong_acc: float
    apgr: float | None = None
    cpt50: float | None = None
    cpt80: float | None = None
    curve: list[CurvePoint]


class RouterView(BaseModel):
    """One configured router: its configuration, what its file says about its training, and its held-out curve."""

    model_config = ConfigDict(frozen=True)
    task: str  # the routing.routers key: a task type, or "*" for every task without its own router
    model_file: Path  # resolved against the configuration file's folder
    strong: str
    weak: str
    threshold: float | None  # as configured
    strong_share: float | None  # as configured
    budget_pressure: float
    effective_threshold: float | None = None  # the configured threshold, or the one strong_share gives
    created_at: str | None = None
    trained_on: str | None = None  # "warehouse task=general", "outcomes a.csv, b.csv", …
    n: int | None = None
    weak_acc: float | None = None
    strong_acc: float | None = None
    cv_apgr: float | None = None
    cv_cpt50: float | None = None
    cv_cpt80: float | None = None
    cv_curve: tuple[CurvePoint, ...] = ()  # empty: the file has no cross-validated curve
    operating_share: float | None = None  # share of strong calls at the effective threshold
    operating_accuracy: float | None = None  # the cv curve's accuracy at that share
    problem: str | None = None  # why the file could not be used (then most fields above are None)
    curve_note: str | None = None  # why there is no curve to draw, when there is none

    @property
    def config_key(self) -> str:
        return f'routing.routers."{self.task}"' if self.task == "*" else f"routing.routers.{self.task}"

    @property
    def setting(self) -> str:
        """The configured operating rule, e.g. "strong_share 0.30 → threshold 0.38" or "threshold 0.42"."""
        if self.strong_share is not None:
            at = (
                f" → threshold {self.effective_threshold:.2f}" if self.effective_threshold is not None else ""
            )
            return f"strong_share {self.strong_share:.2f}{at}"
        return f"threshold {self.threshold:.2f}"


def router_file(settings: Settings, cfg: RouterConfig) -> Path:
    """The router file a config entry names; a relative path resolves against the configuration file's folder."""
    path = cfg.model
    if not path.is_absolute():
        base = settings.source.parent if settings.source is not None else Path.cwd()
        path = base / path
    return path


def router_views(settings: Settings) -> list[RouterView]:
    """Every router under ``routing.routers``, in configuration order; never raises for a bad router file."""
    return [_view(settings, task, cfg) for task, cfg in settings.routing.routers.items()]


def _view(settings: Settings, task: str, cfg: RouterConfig) -> RouterView:
    from core.routing.learned import load_router

    base: dict[str, Any] = {
        "task": task,
        "model_file": router_file(settings, cfg),
        "strong": cfg.strong,
        "weak": cfg.weak,
        "threshold": cfg.threshold,
        "strong_share": cfg.strong_share,
        "budget_pressure": cfg.budget_pressure,
    }
    try:
        router = load_router(base["model_file"])
        training = router.training
        effective = (
            cfg.threshold
            if cfg.threshold is not None
            else router.threshold_for_share(cfg.strong_share or 0.0)
        )
    except TravelOpsError as e:  # missing, unreadable or incompatible file: the message says what to do
        return RouterView(**base, problem=str(e))
    except (KeyError, TypeError, ValueError, IndexError) as e:  # a router envelope without the expected parts
        return RouterView(
            **base,
            problem=f"Router file {base['model_file']} lacks part of its training record ({type(e).__name__}: {e}). "
            f"Retrain it with `travelops router train … --out {base['model_file']}`.",
        )
    percentiles = training.get("score_percentiles")
    share = (
        cfg.strong_share
        if cfg.strong_share is not None
        else _share_at(cast("list[float]", percentiles), effective)
        if isinstance(percentiles, list)
        else None
    )
    facts: dict[str, Any] = {
        "effective_threshold": effective,
        "created_at": router.envelope.get("created_at"),
        "trained_on": _trained_on(training),
        "n": _int(training.get("n")),
        "weak_acc": _float(training.get("weak_accuracy")),
        "strong_acc": _float(training.get("strong_accuracy")),
        "operating_share": share,
    }
    raw = training.get("cv_curve")
    if raw is None:
        return RouterView(
            **base,
            **facts,
            curve_note="This router file has no cross-validated curve (it was trained before TravelOps "
            "saved one). Retrain it with `travelops router train` to see its accuracy against the share of "
            "strong calls.",
        )
    try:
        saved = _SavedCurve.model_validate(raw)
    except PydanticValidationError as e:
        return RouterView(
            **base,
            **facts,
            curve_note=f"The cross-validated curve in {base['model_file']} is not readable "
            f"({e.error_count()} problem(s), e.g. {e.errors()[0]['msg']}). Retrain the router to replace it.",
        )
    points = tuple(sorted(saved.curve, key=lambda p: p.strong_share))
    # the curve's own figures where the training record lacks them
    for key, value in (("n", saved.n), ("weak_acc", saved.weak_acc), ("strong_acc", saved.strong_acc)):
        if facts[key] is None:
            facts[key] = value
    cv_apgr = _float(training.get("cv_apgr"))
    return RouterView(
        **base,
        **facts,
        cv_apgr=cv_apgr if cv_apgr is not None else _float(saved.apgr),
        cv_cpt50=_float(saved.cpt50),
        cv_cpt80=_float(saved.cpt80),
        cv_curve=points,
        operating_accuracy=_accuracy_at(points, share) if share is not None and points else None,
        curve_note=None if points else "The saved cross-validated curve has no points.",
    )


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _trained_on(training: Mapping[str, Any]) -> str | None:
    source = training.get("source")
    if source == "warehouse":
        return f"warehouse benchmark results, task {training.get('task', '?')}"
    if source == "outcomes":
        files: list[object] = training.get("files") or []
        names = ", ".join(Path(str(f)).name for f in files[:3]) + (" …" if len(files) > 3 else "")
        return f"outcome files {names}".strip()
    return None if source is None else str(source)


def _share_at(percentiles: Sequence[float], threshold: float) -> float:
    """Share of training prompts scoring ≥ ``threshold``, from the 0..100 score percentiles (linear between)."""
    pct = [float(p) for p in percentiles]
    if not pct or threshold > pct[-1]:
        return 0.0
    if threshold <= pct[0]:
        return 1.0
    for i in range(1, len(pct)):
        lo, hi = pct[i - 1], pct[i]
        if threshold <= hi:
            frac = (threshold - lo) / (hi - lo) if hi > lo else 0.0
            position = (i - 1 + frac) * 100.0 / (len(pct) - 1)
            return 1.0 - position / 100.0
    return 0.0


def _accuracy_at(points: Sequence[CurvePoint], share: float) -> float:
    """The curve's accuracy at ``share`` (points sorted by share; linear between, flat past the ends)."""
    if share <= points[0].strong_share:
        return points[0].accuracy
    for a, b in pairwise(points):
        if share <= b.strong_share:
            width = b.strong_share - a.strong_share
            t = (share - a.strong_share) / width if width > 0 else 1.0
            return a.accuracy + t * (b.accuracy - a.accuracy)
    return points[-1].accuracy


def router_threshold_note(
    threshold: float,
    base_threshold: float | None,
    strong_share: float | None,
    budget_share_left: float | None,
) -> str:
    """How a decision's threshold came about, e.g. "0.42 (strong_share 0.30; raised from 0.38 by budget spent,
    40% left)"."""
    parts = [f"strong_share {strong_share:.2f}" if strong_share is not None else "configured threshold"]
    if base_threshold is not None and threshold > base_threshold + 1e-9:
        left = f", {budget_share_left:.0%} left" if budget_share_left is not None else ""
        parts.append(f"raised from {base_threshold:.2f} by budget spent{left}")
    return f"{threshold:.2f} ({'; '.join(parts)})"
