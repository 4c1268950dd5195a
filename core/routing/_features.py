"""Hand-made prompt features for the learned router: pure Python, no numpy or sklearn, so a decision stays cheap.

Each feature is a number a person can read (length, digits, operators, question words, quantity words); the
router standardises them and adds them to its TF-IDF n-grams. The list is part of a saved router's feature spec:
change it and bump ``FEATURES_VERSION`` so old router files are refused rather than silently misread.
"""

from __future__ import annotations

import math
import re

__all__ = ["FEATURES_VERSION", "HAND_FEATURES", "hand_features"]

FEATURES_VERSION = 1
HAND_FEATURES = (
    "log_chars",
    "log_words",
    "numbers",
    "log_digits",
    "percent_signs",
    "dollar_signs",
    "operators",
    "question_marks",
    "sentences",
    "question_words",
    "quantity_words",
    "mean_word_length",
    "lines",
    "distinct_word_ratio",
)

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_OPERATOR = re.compile(r"[+\-*/=]")
_QUESTION = re.compile(r"\b(how many|how much|what|which|who|when|why)\b")
_QUANTITY = re.compile(r"\b(percent|fraction|ratio|times|half|twice|average|each|per|total|remaining|left)\b")


def hand_features(text: str) -> list[float]:
    """The ``HAND_FEATURES`` of one prompt, in that order."""
    words = _WORD.findall(text)
    numbers = _NUMBER.findall(text)
    lowered = text.lower()
    n_words = len(words)
    return [
        math.log1p(len(text)),
        math.log1p(n_words),
        float(len(numbers)),
        math.log1p(sum(len(n) for n in numbers)),
        float(text.count("%")),
        float(text.count("$")),
        float(len(_OPERATOR.findall(text))),
        float(text.count("?")),
        float(text.count(".")),
        float(len(_QUESTION.findall(lowered))),
        float(len(_QUANTITY.findall(lowered))),
        sum(len(w) for w in words) / n_words if n_words else 0.0,
        float(text.count("\n")),
        len(set(words)) / max(1, n_words),
    ]
