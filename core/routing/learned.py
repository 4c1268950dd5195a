"""A learned router: prompt -> a score in [0, 1] (higher: the strong model is more likely needed).

Method (chosen by held-out measurement, see ``bench/router_quality.py``): a blend of up to three components, each
turned into a percentile before blending, so their different scales do not matter:

- ``lr``: word 1-2-gram and character 3-5-gram TF-IDF (sublinear tf) plus standardised hand features
  (``_features``), one L2 logistic regression on top;
- ``length``: the prompt's length (log characters), no training: longer prompts need the strong model more often;
- ``gb``: gradient-boosted trees on the hand features.

The label is ``needs_strong = (not weak_correct) and strong_correct``: it beat training on ``weak_correct`` directly
on both GSM8K and MMLU. The blend weights are chosen inside ``train_router`` by an inner cross-validation on the
training rows only (whole groups held out when ``groups`` are given, e.g. one group per MMLU domain): the even
blend unless another beats it on inner out-of-fold APGR by more than a standard error (``_choose_weights``).
Those out-of-fold scores also give each component's reference distribution (score -> percentile), the saved
score percentiles and the curve ``training["cv_curve"]`` (held out, though the weights were chosen on the same
rows: a little optimistic). Tables too small for that (< 40 rows, or too few of a kind for the folds) get the
logistic regression alone. Held out (bench, 5 outer folds): GSM8K APGR 0.634 (the regression alone 0.641), MMLU
leaving domains out 0.590 (the regression alone 0.574, length alone 0.581).

The blend (a weighted mean of percentiles) is then calibrated into a probability by Platt scaling on the same
out-of-fold rows (``_fit_calibration``): a strictly increasing map, so the ranking, the curve and the APGR are the
blend's, while the score reads as P(strong model needed) and a fixed ``threshold`` or the selector's quality floor
keeps its meaning. ``threshold_for_share`` turns a wanted strong share into a threshold.

A decision does not go through sklearn's sparse-matrix machinery: on load the fitted vectorizers, the regression
and the trees are compiled into plain Python tables (``term -> (idf, weight)``, node lists) and scored without
numpy (~200 µs per prompt), which gives the same number as the batch path (a test holds them together).

Files are a joblib pickle of a small envelope (format version, sklearn version, feature spec, training metadata,
the fitted estimators). Only load router files you trust: unpickling runs code. sklearn is imported only when a
router is trained or loaded, so ``import core`` stays fast.
"""

from __future__ import annotations

import bisect
import math
import struct
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from core.errors import ConfigError, ValidationError
from core.routing._features import FEATURES_VERSION, HAND_FEATURES, hand_features
from core.routing.complexity import ComplexityScore

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    Fold = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]  # (train rows, test rows)

__all__ = [
    "FORMAT_VERSION",
    "LearnedRouter",
    "TrainingOptions",
    "clear_router_cache",
    "load_router",
    "train_router",
]

FORMAT_VERSION = 2  # 2: a percentile blend of components (was: one logistic regression)
_FORMAT = "travelops-learned-router"
Label = Literal["needs_strong", "weak_wrong"]
Component = Literal["lr", "length", "gb"]
BlendRule = Literal["one_se", "best", "even"]
_MIN_ROWS_FOR_BLEND = 40  # below this the inner cross-validation is too noisy: the regression alone
_REFERENCE_POINTS = 1001  # quantiles kept per component for score -> percentile


@dataclass(frozen=True)
class TrainingOptions:
    """The method's knobs; the defaults are the ones that won on held-out data."""

    c: float = 0.3  # inverse L2 strength of the logistic regression
    hand_weight: float = 0.3  # scale of the standardised hand features next to the TF-IDF blocks
    label: Label = "needs_strong"
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = (3, 5)  # None: no character block (much faster on long prompts)
    char_max_features: int = 30000
    min_df: int = 2  # lowered to 1 automatically for tiny tables (< 50 prompts)
    components: tuple[Component, ...] = ("lr", "length", "gb")  # blended; weights chosen by inner CV
    blend_folds: int = 5  # inner cross-validation folds (grouped when groups are given)
    blend_rule: BlendRule = "one_se"  # how the inner CV picks the weights (see _choose_weights)
    blend_grid: int = 6  # weights are multiples of 1/blend_grid; 6 puts the even 2- and 3-way blends on it
    gb_trees: int = 100
    gb_depth: int = 3
    gb_learning_rate: float = 0.05
    seed: int = 0


def _labels(weak: Sequence[bool], strong: Sequence[bool], label: Label) -> list[int]:
    if label == "needs_strong":
        return [int((not w) and s) for w, s in zip(weak, strong, strict=True)]
    return [int(not w) for w in weak]


# --- components: fit on rows, score rows in batch ---------------------------------------------------------


def _fit_component(
    name: str, texts: list[str], hand: FloatArray, y: npt.NDArray[np.int_], opts: TrainingOptions
) -> Any:
    if name == "lr":
        return _fit_lr(texts, hand, y, opts)
    if name == "gb":
        from sklearn.ensemble import GradientBoostingClassifier

        trees: Any = GradientBoostingClassifier(  # sklearn's estimators are untyped: Any from here on
            n_estimators=opts.gb_trees,
            max_depth=opts.gb_depth,
            learning_rate=opts.gb_learning_rate,
            random_state=opts.seed,
        )
        return trees.fit(hand, y)
    return None  # length: nothing to fit


def _component_scores(
    name: str, model: Any, texts: list[str], hand: FloatArray, hand_weight: float
) -> FloatArray:
    import numpy as np

    if name == "lr":
        return _lr_scores(model, texts, hand, hand_weight)
    if name == "gb":
        return np.asarray(model.decision_function(hand), dtype=np.float64)
    return np.asarray(hand[:, 0], dtype=np.float64)  # length: log characters


def _fit_lr(
    texts: list[str], hand: FloatArray, y: npt.NDArray[np.int_], opts: TrainingOptions
) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    min_df = opts.min_df if len(texts) >= 50 else 1
    # sklearn's estimators are untyped: they are Any from here on (the envelope holds them as Any too)
    word: Any = TfidfVectorizer(ngram_range=opts.word_ngrams, min_df=min_df, sublinear_tf=True)
    char: Any = (
        TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=opts.char_ngrams,
            min_df=min_df,
            sublinear_tf=True,
            max_features=opts.char_max_features,
        )
        if opts.char_ngrams is not None
        else None
    )
    scaler: Any = StandardScaler()
    scaled = scaler.fit_transform(hand)
    blocks = [word.fit_transform(texts), *([char.fit_transform(texts)] if char is not None else [])]
    x = _hstack([*blocks, opts.hand_weight * scaled])
    lr: Any = LogisticRegression(C=opts.c, max_iter=3000)
    lr.fit(x, y)
    return {"word": word, "char": char, "scaler": scaler, "lr": lr}


def _lr_scores(m: dict[str, Any], texts: list[str], hand: FloatArray, hand_weight: float) -> FloatArray:
    import numpy as np

    blocks = [m["word"].transform(texts), *([m["char"].transform(texts)] if m["char"] is not None else [])]
    x = _hstack([*blocks, hand_weight * m["scaler"].transform(hand)])
    return np.asarray(m["lr"].predict_proba(x)[:, 1], dtype=np.float64)


def _hstack(blocks: list[Any]) -> Any:
    """The blocks side by side as one CSR matrix (scipy leaves ``hstack`` untyped)."""
    from scipy import sparse

    return cast("Any", sparse.hstack(blocks).tocsr())  # pyright: ignore[reportUnknownMemberType]


def split_folds(splitter: Any, x: Any, y: Any = None, groups: Any = None) -> list[Fold]:
    """A scikit-learn splitter's (train, test) index arrays, as a list (sklearn leaves ``split`` untyped). Shared
    with the outer folds of ``_router_eval``."""
    return list(splitter.split(x, y, groups=groups))


# --- percentiles and the blend ------------------------------------------------------------------------------


def _reference(values: FloatArray) -> tuple[list[float], list[float]]:
    """Score -> percentile table: strictly increasing scores (quantiles of ``values``) and their mid-rank levels."""
    import numpy as np

    k = min(_REFERENCE_POINTS, len(values))
    levels = np.linspace(0.0, 1.0, k)
    q = np.quantile(values, levels)
    xs, inverse = np.unique(q, return_inverse=True)
    ys = np.bincount(inverse, weights=levels) / np.bincount(inverse)
    return [float(v) for v in xs], [float(v) for v in ys]


def _percentiles(values: FloatArray, ref: tuple[list[float], list[float]]) -> FloatArray:
    import numpy as np

    return np.interp(values, ref[0], ref[1])


def _percentile(x: float, xs: list[float], ys: list[float]) -> float:
    """``np.interp(x, xs, ys)`` for one number, in plain Python."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect.bisect_right(xs, x)
    x0, x1 = xs[i - 1], xs[i]
    return ys[i - 1] + (x - x0) * (ys[i] - ys[i - 1]) / (x1 - x0)


def _weight_grid(n: int, units: int) -> list[tuple[float, ...]]:
    """Every weight vector of ``n`` components in multiples of ``1/units`` summing to 1, the first's largest first."""
    out = [
        tuple(u / units for u in (units - sum(rest), *rest))
        for rest in product(range(units + 1), repeat=n - 1)
        if sum(rest) <= units
    ]
    return sorted(out, key=lambda w: tuple(-v for v in w))


def _choose_weights(
    percentiles: list[FloatArray],
    weak: Sequence[bool],
    strong: Sequence[bool],
    splits: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]],
    units: int,
    rule: BlendRule = "one_se",
) -> tuple[float, ...]:
    """Blend weights by the one-standard-error rule: of the grid points whose out-of-fold APGR is within one
    standard error (across the inner folds) of the best, the one closest to the even blend. ``rule="best"``: the
    highest out-of-fold APGR; ``rule="even"``: the even blend (both kept for the benchmark's comparison).

    Plain "highest inner APGR" chased noise: on MMLU's leave-domains-out folds its lr/length weights went from
    0.6/0.4 to 0/1 from one outer fold to the next and it lost to the even blend on the held-out domains (0.574
    against 0.588). The rule leaves the even blend only for a difference larger than the inner folds' own
    spread, so a component that is clearly better (or clearly useless) still moves the weights.
    """
    import numpy as np

    from core.routing._router_metrics import router_curve

    w = np.asarray(weak, dtype=bool)
    s = np.asarray(strong, dtype=bool)
    grid = _weight_grid(len(percentiles), units)
    blends = [np.sum([v * p for v, p in zip(vector, percentiles, strict=True)], axis=0) for vector in grid]
    pooled = np.array([router_curve(b, weak, strong).apgr for b in blends])
    even = 1.0 / len(percentiles)
    closest = sorted(range(len(grid)), key=lambda j: (sum(abs(v - even) for v in grid[j]), j))
    if rule == "even" or np.isnan(pooled).all():  # all NaN: both models equally good, nothing to choose by
        return grid[closest[0]]
    i = int(np.nanargmax(pooled))
    if rule == "best":
        return grid[i]
    per_fold = np.array(
        [router_curve(blends[i][test], w[test].tolist(), s[test].tolist()).apgr for _, test in splits]
    )
    per_fold = per_fold[~np.isnan(per_fold)]
    se = float(np.std(per_fold, ddof=1) / math.sqrt(len(per_fold))) if len(per_fold) > 1 else 0.0
    return grid[next(j for j in closest if pooled[j] >= pooled[i] - se)]


def _inner_splits(
    y: npt.NDArray[np.int_],
    weak: npt.NDArray[np.bool_],
    strong: npt.NDArray[np.bool_],
    groups: Sequence[str] | None,
    opts: TrainingOptions,
) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]] | None:
    """Inner folds on the training rows, or None when the table is too small for an honest blend."""
    import numpy as np
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    n = len(y)
    if n < _MIN_ROWS_FOR_BLEND or opts.blend_folds < 2:
        return None
    index = np.arange(n)
    if groups is not None and len(set(groups)) >= 3:
        folds = min(opts.blend_folds, len(set(groups)))
        splits = split_folds(GroupKFold(n_splits=folds), index, groups=list(groups))
    else:
        if min(int(y.sum()), n - int(y.sum())) < opts.blend_folds:
            return None
        strata = weak.astype(int) * 2 + strong.astype(int)
        counts = np.bincount(strata)
        if counts[counts > 0].min() < opts.blend_folds:
            strata = y  # some outcome pair is too rare to spread over the folds: stratify on the label
        kfold = StratifiedKFold(n_splits=opts.blend_folds, shuffle=True, random_state=opts.seed)
        splits = split_folds(kfold, index, strata)
    if any(len(set(y[train].tolist())) < 2 for train, _ in splits):
        return None  # a fold would train on one kind of prompt only
    return splits


def train_router(
    prompts: Sequence[str],
    weak_correct: Sequence[bool],
    strong_correct: Sequence[bool],
    *,
    groups: Sequence[str] | None = None,
    options: TrainingOptions | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> LearnedRouter:
    """Fit the router. Raises ``ValidationError`` when the table cannot teach anything (too small, one label).

    ``groups`` (one label per prompt, e.g. its MMLU domain) makes the inner cross-validation that picks the blend
    hold out whole groups, so the weights are chosen for prompts unlike the training ones.
    """
    import numpy as np

    from core.routing._router_metrics import router_curve

    opts = options or TrainingOptions()
    if not (len(prompts) == len(weak_correct) == len(strong_correct)):
        raise ValidationError("prompts and outcomes differ in length.")
    if groups is not None and len(groups) != len(prompts):
        raise ValidationError(f"{len(groups)} groups for {len(prompts)} prompts: give one group per prompt.")
    unknown = sorted(set(opts.components) - {"lr", "length", "gb"})
    if unknown or not opts.components:
        raise ValidationError(
            f"Unknown router components {unknown or '(none given)'}.", hint="Use some of: lr, length, gb."
        )
    y = np.asarray(_labels(weak_correct, strong_correct, opts.label))
    positives = int(y.sum())
    if len(prompts) < 4 or positives == 0 or positives == len(y):
        what = "the strong model was needed" if opts.label == "needs_strong" else "the weak model failed"
        raise ValidationError(
            f"Cannot train a router on {len(prompts)} prompts where {what} on {positives} of them.",
            hint="A router needs prompts of both kinds: some where the weak model was enough, some where it was not.",
        )
    texts = list(prompts)
    w = np.asarray(weak_correct, dtype=bool)
    s = np.asarray(strong_correct, dtype=bool)
    hand = np.array([hand_features(t) for t in texts], dtype=np.float64)
    names: list[Component] = list(dict.fromkeys(opts.components))
    splits = _inner_splits(y, w, s, groups, opts)

    blend: dict[str, Any] = {}
    cv: dict[str, Any] = {}
    if splits is None:
        # too small for an honest blend: the regression alone (else an even blend), in-sample percentiles
        weights = {"lr": 1.0} if "lr" in names else {k: 1.0 / len(names) for k in names}
        components = {name: _fit_component(name, texts, hand, y, opts) for name in weights}
        raw = {k: _component_scores(k, components[k], texts, hand, opts.hand_weight) for k in weights}
        refs = {k: _reference(raw[k]) for k in weights}
        distribution = np.sum([v * _percentiles(raw[k], refs[k]) for k, v in weights.items()], axis=0)
    else:
        oof = {name: np.zeros(len(texts), dtype=np.float64) for name in names}
        for train, test in splits:
            tr_texts, te_texts = [texts[int(i)] for i in train], [texts[int(i)] for i in test]
            for name in names:
                model = _fit_component(name, tr_texts, hand[train], y[train], opts)
                oof[name][test] = _component_scores(name, model, te_texts, hand[test], opts.hand_weight)
        # out-of-fold scores are what new prompts look like: they set each component's percentiles
        refs = {name: _reference(oof[name]) for name in names}
        pct = {name: _percentiles(oof[name], refs[name]) for name in names}
        best = _choose_weights(
            [pct[k] for k in names], weak_correct, strong_correct, splits, opts.blend_grid, opts.blend_rule
        )
        weights = {k: v for k, v in zip(names, best, strict=True) if v > 0}
        distribution = np.sum([v * pct[k] for k, v in weights.items()], axis=0)
        blend = {
            "rule": opts.blend_rule,
            "inner_folds": len(splits),
            "grouped": groups is not None and len(set(groups)) >= 3,
            "component_apgr": {
                k: round(router_curve(oof[k], weak_correct, strong_correct).apgr, 4) for k in names
            },
        }
        components = {name: _fit_component(name, texts, hand, y, opts) for name in weights}
    calibration = _fit_calibration(distribution, y)
    probabilities = _calibrated(distribution, calibration)
    if splits is not None:
        # the same order as the blend (a strictly increasing map), so the same curve; thresholds are probabilities
        curve = router_curve(probabilities, weak_correct, strong_correct)
        cv = {"cv_curve": curve.as_dict(), "cv_apgr": curve.apgr}
    envelope = _envelope(
        {
            "components": components,
            "weights": weights,
            "references": {k: refs[k] for k in weights},
            "calibration": calibration,
        },
        opts,
        {
            "n": len(texts),
            "positives": positives,
            "weak_accuracy": float(np.mean(w)),
            "strong_accuracy": float(np.mean(s)),
            # score percentiles 0..100 (out-of-fold when the blend was cross-validated, else in-sample): turn a
            # target strong share into a threshold without data
            "score_percentiles": [float(v) for v in np.percentile(probabilities, np.arange(101))],
            "blend": {"weights": weights, **blend},
            **cv,
            **(metadata or {}),
        },
    )
    return LearnedRouter(envelope)


def _fit_calibration(blend: FloatArray, y: npt.NDArray[np.int_]) -> tuple[float, float]:
    """Platt scaling: P(strong needed) = sigmoid(a * blend + b), fitted on the (out-of-fold) blend. ``a`` is kept
    positive, so the map is strictly increasing and the router's ranking, curve and APGR stay exactly the blend's."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    lr: Any = LogisticRegression(C=1e6, max_iter=1000)  # sklearn's estimators are untyped
    lr.fit(blend.reshape(-1, 1), y)
    a, b = float(np.ravel(lr.coef_)[0]), float(np.ravel(lr.intercept_)[0])
    if a <= 1e-6:  # the blend does not rise with the label here: a nearly flat map at the base rate
        rate = min(max(float(np.mean(y)), 1e-6), 1 - 1e-6)
        a, b = 1e-6, math.log(rate / (1 - rate))
    return a, b


def _calibrated(blend: FloatArray, calibration: tuple[float, float]) -> FloatArray:
    import numpy as np

    a, b = calibration
    return 1.0 / (1.0 + np.exp(-(a * blend + b)))


def _envelope(model: dict[str, Any], opts: TrainingOptions, training: dict[str, Any]) -> dict[str, Any]:
    import sklearn

    return {
        "format": _FORMAT,
        "format_version": FORMAT_VERSION,
        "sklearn_version": sklearn.__version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "feature_spec": {
            "features_version": FEATURES_VERSION,
            "hand_features": list(HAND_FEATURES),
            "blocks": ["word_tfidf", "char_wb_tfidf", "hand"],
            **asdict(opts),
        },
        "training": training,
        "model": model,
    }


# --- the compiled single-prompt path ------------------------------------------------------------------------


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class _Block:
    """One compiled TF-IDF block: analyzer, and term -> (idf, weight) for every term with a weight."""

    def __init__(self, vectorizer: Any, weights: FloatArray) -> None:
        self.analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        idf = vectorizer.idf_
        self.table: dict[str, tuple[float, float]] = {
            term: (float(idf[i]), float(weights[i])) for term, i in vectorizer.vocabulary_.items()
        }

    def contribution(self, text: str) -> float:
        counts: dict[str, int] = {}
        for term in self.analyze(text):
            if term in self.table:
                counts[term] = counts.get(term, 0) + 1
        norm = 0.0
        dot = 0.0
        for term, c in counts.items():
            idf, w = self.table[term]
            v = (1.0 + math.log(c)) * idf
            norm += v * v
            dot += v * w
        return dot / math.sqrt(norm) if norm > 0 else 0.0


class _CompiledLR:
    """The TF-IDF + hand-feature logistic regression as term tables and one hand-feature weight vector."""

    def __init__(self, model: dict[str, Any], hand_weight: float) -> None:
        coef = model["lr"].coef_[0]
        n_word = len(model["word"].vocabulary_)
        n_char = len(model["char"].vocabulary_) if model["char"] is not None else 0
        self.word = _Block(model["word"], coef[:n_word])
        self.char = (
            _Block(model["char"], coef[n_word : n_word + n_char]) if model["char"] is not None else None
        )
        scaler = model["scaler"]
        hand_coef = coef[n_word + n_char :]
        # (x - mean) / scale * hw . coef  ==  x . (hw * coef / scale)  -  hw * sum(mean * coef / scale)
        self.hand_w = [float(hand_weight * c / s) for c, s in zip(hand_coef, scaler.scale_, strict=True)]
        self.bias = float(model["lr"].intercept_[0]) - sum(
            float(m) * w for m, w in zip(scaler.mean_, self.hand_w, strict=True)
        )

    def __call__(self, prompt: str, hand: list[float]) -> float:
        z = self.bias + self.word.contribution(prompt)
        if self.char is not None:
            z += self.char.contribution(prompt)
        z += sum(w * x for w, x in zip(self.hand_w, hand, strict=True))
        return _sigmoid(z)


class _CompiledTrees:
    """Gradient-boosted trees as flat node lists; the same decision function as sklearn's (float32 inputs)."""

    def __init__(self, gb: Any) -> None:
        import numpy as np

        self.trees: list[tuple[list[int], list[float], list[int], list[int], list[float]]] = []
        for est in gb.estimators_[:, 0]:
            t = est.tree_
            self.trees.append(
                (
                    [int(v) for v in t.feature],
                    [float(v) for v in t.threshold],
                    [int(v) for v in t.children_left],
                    [int(v) for v in t.children_right],
                    [float(gb.learning_rate * v) for v in t.value[:, 0, 0]],
                )
            )
        self.n_features = int(gb.n_features_in_)
        zero = np.zeros((1, self.n_features))
        # the constant initial prediction (the training prior's log-odds), read off the fitted model
        self.offset = float(gb.decision_function(zero)[0]) - self._trees_sum([0.0] * self.n_features)

    def _trees_sum(self, x: list[float]) -> float:
        total = 0.0
        for feature, threshold, left, right, value in self.trees:
            node = 0
            while left[node] != -1:
                node = left[node] if x[feature[node]] <= threshold[node] else right[node]
            total += value[node]
        return total

    def __call__(self, prompt: str, hand: list[float]) -> float:
        as_float32 = list(struct.unpack(f"{self.n_features}f", struct.pack(f"{self.n_features}f", *hand)))
        return self.offset + self._trees_sum(as_float32)


def _length_score(prompt: str, hand: list[float]) -> float:
    return hand[0]  # log characters, the first hand feature


class LearnedRouter:
    """A trained router. ``strong_probability`` is the decision (fast path); ``strong_probabilities`` batches."""

    name = "learned"

    def __init__(self, envelope: dict[str, Any], path: Path | None = None) -> None:
        self.envelope = envelope
        self.path = path
        model = envelope["model"]
        self._model = model
        self._hand_weight = float(envelope["feature_spec"]["hand_weight"])
        a, b = model["calibration"]
        self._calibration = (float(a), float(b))
        self._parts: list[tuple[float, Callable[[str, list[float]], float], list[float], list[float]]] = []
        for name, weight in model["weights"].items():
            fitted = model["components"].get(name)
            scorer: Callable[[str, list[float]], float] = (
                _CompiledLR(fitted, self._hand_weight)
                if name == "lr"
                else _CompiledTrees(fitted)
                if name == "gb"
                else _length_score
            )
            xs, ys = model["references"][name]
            self._parts.append((float(weight), scorer, list(xs), list(ys)))

    @property
    def training(self) -> dict[str, Any]:
        return dict(self.envelope["training"])

    @property
    def feature_spec(self) -> dict[str, Any]:
        return dict(self.envelope["feature_spec"])

    def threshold_for_share(self, share: float) -> float:
        """The threshold sending about ``share`` of prompts like the training ones to the strong model."""
        pct: list[float] = self.envelope["training"]["score_percentiles"]
        pos = (1.0 - min(max(share, 0.0), 1.0)) * 100.0
        lo = math.floor(pos)
        hi = min(lo + 1, 100)
        return pct[lo] + (pct[hi] - pct[lo]) * (pos - lo)

    def strong_probability(self, prompt: str, task: str = "") -> float:
        """The router's score for one prompt, in [0, 1]: the weighted mean of its components' percentiles among
        held-out training prompts. ``task`` is accepted for the estimator protocol."""
        hand = hand_features(prompt)
        blend = sum(w * _percentile(scorer(prompt, hand), xs, ys) for w, scorer, xs, ys in self._parts)
        a, b = self._calibration
        return _sigmoid(a * blend + b)

    def strong_probabilities(self, prompts: Sequence[str]) -> FloatArray:
        """The same scores for many prompts through sklearn's vectorised path."""
        import numpy as np

        m = self._model
        texts = list(prompts)
        if not texts:
            return np.zeros(0, dtype=np.float64)
        hand = np.array([hand_features(t) for t in texts], dtype=np.float64)
        total = np.zeros(len(texts), dtype=np.float64)
        for name, weight in m["weights"].items():
            raw = _component_scores(name, m["components"].get(name), texts, hand, self._hand_weight)
            total += weight * _percentiles(raw, m["references"][name])
        return _calibrated(total, self._calibration)

    def score(self, prompt: str, task: str) -> ComplexityScore:
        """The complexity-estimator face: the router's score as the complexity score."""
        p = self.strong_probability(prompt, task)
        return ComplexityScore(score=round(p, 4), reasons=(f"router score {p:.2f}",))

    def save(self, path: str | Path) -> Path:
        import joblib

        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.envelope, out, compress=3)  # pyright: ignore[reportUnknownMemberType] (joblib: untyped)
        self.path = out
        return out


def _retrain_hint(path: Path) -> str:
    return f"Retrain it with this version: travelops router train --outcomes ... --weak ... --strong ... --out {path}"


def _read_envelope(path: Path) -> dict[str, Any]:
    import joblib
    import sklearn
    from sklearn.exceptions import InconsistentVersionWarning

    if not path.is_file():
        raise ConfigError(
            f"Router file {path} does not exist.", hint="Train one with `travelops router train`."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            data: object = joblib.load(path)  # pyright: ignore[reportUnknownMemberType] (joblib: untyped)
    except InconsistentVersionWarning as e:
        raise ConfigError(
            f"Router file {path} was saved by scikit-learn {e.original_sklearn_version}; "
            f"this is {sklearn.__version__}.",
            hint=_retrain_hint(path),
        ) from e
    except Exception as e:  # a file joblib cannot read at all: say which and what to do
        raise ConfigError(
            f"Router file {path} cannot be read ({type(e).__name__}: {e}).", hint=_retrain_hint(path)
        ) from e
    envelope = cast("dict[str, Any]", data) if isinstance(data, dict) else None
    if envelope is None or envelope.get("format") != _FORMAT:
        raise ConfigError(f"{path} is not a TravelOps router file.", hint=_retrain_hint(path))
    version = envelope.get("format_version")
    if version != FORMAT_VERSION:
        raise ConfigError(
            f"Router file {path} has format version {version}; this TravelOps reads version {FORMAT_VERSION}.",
            hint=_retrain_hint(path),
        )
    spec = envelope.get("feature_spec", {})
    if spec.get("features_version") != FEATURES_VERSION:
        raise ConfigError(
            f"Router file {path} uses features version {spec.get('features_version')}; "
            f"this TravelOps computes version {FEATURES_VERSION}.",
            hint=_retrain_hint(path),
        )
    saved = str(envelope.get("sklearn_version", "?"))
    if saved.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ConfigError(
            f"Router file {path} was saved by scikit-learn {saved}; this is {sklearn.__version__}.",
            hint=_retrain_hint(path),
        )
    return envelope


_CACHE: dict[tuple[str, int, int], LearnedRouter] = {}
_LOCK = threading.Lock()


def load_router(path: str | Path) -> LearnedRouter:
    """Load a router file once per (path, mtime, size); later calls return the same object."""
    p = Path(path).resolve()
    try:
        st = p.stat()
        key = (str(p), st.st_mtime_ns, st.st_size)
    except OSError:
        key = (str(p), 0, 0)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = LearnedRouter(_read_envelope(p), p)
            _CACHE[key] = cached
        return cached


def clear_router_cache() -> None:
    with _LOCK:
        _CACHE.clear()
