"""Complexity estimators: prompt (+ task) -> score in [0, 1] with the reasons a person can read.

Estimators register by name (``routing.complexity_estimator`` in the config picks one); each implements ``score``.
The heuristic is deliberately transparent; a learned router plugs in the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from core.errors import ConfigError

__all__ = [
    "ComplexityEstimator",
    "ComplexityScore",
    "HeuristicComplexity",
    "get_estimator",
    "register_estimator",
]


class ComplexityScore(BaseModel):
    model_config = ConfigDict(frozen=True)
    score: float
    reasons: tuple[str, ...] = ()


class ComplexityEstimator(Protocol):
    name: str

    def score(self, prompt: str, task: str) -> ComplexityScore: ...


_WORDS = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"\b\d[\d,.:/-]*\b")
_HARD_WORDS = frozenset(
    [
        "compare",
        "plan",
        "itinerary",
        "optimise",
        "optimize",
        "budget",
        "trade-off",
        "tradeoff",
        "alternatives",
        "constraints",
        "schedule",
        "multi-city",
        "connections",
        "visa",
        "regulations",
        "negotiate",
        "analyse",
        "analyze",
        "reconcile",
        "justify",
        "prioritise",
        "prioritize",
        "day-by-day",
        "tiers",
        "overlapping",
    ]
)
_STEPS = re.compile(r"(^|\n)\s*(\d+[.)]|[-*•])\s+")


class HeuristicComplexity:
    """Length, constraints, multi-part asks and planning vocabulary, each capped and summed.

    Weights: length up to 0.35 (saturates at ~400 words), numbers/dates up to 0.2, list items or several questions
    up to 0.2, planning words up to 0.25.
    """

    name = "heuristic"

    def score(self, prompt: str, task: str) -> ComplexityScore:
        words = _WORDS.findall(prompt.lower())
        n = len(words)
        parts: list[tuple[float, str]] = []
        length = min(n / 400, 1.0) * 0.35
        parts.append((length, f"{n} words"))
        numbers = len(_NUMBER.findall(prompt))
        parts.append((min(numbers / 8, 1.0) * 0.2, f"{numbers} numbers/dates"))
        asks = len(_STEPS.findall(prompt)) + max(prompt.count("?") - 1, 0)
        parts.append((min(asks / 4, 1.0) * 0.2, f"{asks} extra asks"))
        hard = sorted({w for w in words if w in _HARD_WORDS})
        parts.append((min(len(hard) / 3, 1.0) * 0.25, f"planning words: {', '.join(hard) or 'none'}"))
        total = round(min(sum(p for p, _ in parts), 1.0), 3)
        reasons = tuple(r for p, r in sorted(parts, key=lambda x: -x[0]) if p > 0)[:2]
        return ComplexityScore(score=total, reasons=reasons)


_REGISTRY: dict[str, Callable[[], ComplexityEstimator]] = {"heuristic": HeuristicComplexity}


def register_estimator(name: str, factory: Callable[[], ComplexityEstimator]) -> None:
    _REGISTRY[name] = factory


def get_estimator(name: str) -> ComplexityEstimator:
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise ConfigError(
            f"Unknown complexity estimator '{name}' at routing.complexity_estimator. Known: {', '.join(sorted(_REGISTRY))}.",
            hint="Fix: use one of the known names.",
        ) from None
