"""A learned router: prompt -> P(the strong model is needed), trained on outcome tables.

Method (chosen by held-out measurement, see ``bench/router_quality.py``): word 1-2-gram and character 3-5-gram
TF-IDF (sublinear tf) plus standardised hand features (``_features``), one L2 logistic regression on top. The label
is ``needs_strong = (not weak_correct) and strong_correct``: it beat training on ``weak_correct`` directly on both
GSM8K and MMLU.

A decision does not go through sklearn's sparse-matrix machinery: on load the fitted vectorizers and the regression
are compiled into ``term -> (idf, weight)`` tables and scored in plain Python (~100 µs per prompt), which gives the
same number as ``predict_proba`` (a test holds them together).

Files are a joblib pickle of a small envelope (format version, sklearn version, feature spec, training metadata,
the fitted estimators). Only load router files you trust: unpickling runs code. sklearn is imported only when a
router is trained or loaded, so ``import core`` stays fast.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from core.errors import ConfigError, ValidationError
from core.routing._features import FEATURES_VERSION, HAND_FEATURES, hand_features
from core.routing.complexity import ComplexityScore

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "FORMAT_VERSION",
    "LearnedRouter",
    "TrainingOptions",
    "clear_router_cache",
    "load_router",
    "train_router",
]

FORMAT_VERSION = 1
_FORMAT = "travelops-learned-router"
Label = Literal["needs_strong", "weak_wrong"]


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


def _labels(weak: Sequence[bool], strong: Sequence[bool], label: Label) -> list[int]:
    if label == "needs_strong":
        return [int((not w) and s) for w, s in zip(weak, strong, strict=True)]
    return [int(not w) for w in weak]


def train_router(
    prompts: Sequence[str],
    weak_correct: Sequence[bool],
    strong_correct: Sequence[bool],
    *,
    options: TrainingOptions | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> LearnedRouter:
    """Fit the router. Raises ``ValidationError`` when the table cannot teach anything (too small, one label)."""
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    opts = options or TrainingOptions()
    if not (len(prompts) == len(weak_correct) == len(strong_correct)):
        raise ValidationError("prompts and outcomes differ in length.")
    y = _labels(weak_correct, strong_correct, opts.label)
    positives = sum(y)
    if len(prompts) < 4 or positives == 0 or positives == len(y):
        what = "the strong model was needed" if opts.label == "needs_strong" else "the weak model failed"
        raise ValidationError(
            f"Cannot train a router on {len(prompts)} prompts where {what} on {positives} of them.",
            hint="A router needs prompts of both kinds: some where the weak model was enough, some where it was not.",
        )
    min_df = opts.min_df if len(prompts) >= 50 else 1
    word = TfidfVectorizer(ngram_range=opts.word_ngrams, min_df=min_df, sublinear_tf=True)
    char = (
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
    texts = list(prompts)
    scaler = StandardScaler()
    hand = scaler.fit_transform(np.array([hand_features(t) for t in texts], dtype=np.float64))
    blocks = [word.fit_transform(texts), *([char.fit_transform(texts)] if char is not None else [])]
    x = sparse.hstack([*blocks, opts.hand_weight * hand]).tocsr()
    lr = LogisticRegression(C=opts.c, max_iter=3000)
    lr.fit(x, np.asarray(y))
    train_scores = lr.predict_proba(x)[:, 1]
    envelope = _envelope(
        {"word": word, "char": char, "scaler": scaler, "lr": lr},
        opts,
        {
            "n": len(texts),
            "positives": positives,
            "weak_accuracy": float(np.mean(weak_correct)),
            "strong_accuracy": float(np.mean(strong_correct)),
            # in-sample score percentiles 0..100: turn a target strong share into a threshold without data
            "score_percentiles": [float(v) for v in np.percentile(train_scores, np.arange(101))],
            **(metadata or {}),
        },
    )
    return LearnedRouter(envelope)


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


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class _Block:
    """One compiled TF-IDF block: analyzer, and term -> (idf, weight) for every term with a weight."""

    def __init__(self, vectorizer: Any, weights: npt.NDArray[np.float64]) -> None:
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


class LearnedRouter:
    """A trained router. ``strong_probability`` is the decision (fast path); ``strong_probabilities`` batches."""

    name = "learned"

    def __init__(self, envelope: dict[str, Any], path: Path | None = None) -> None:
        self.envelope = envelope
        self.path = path
        model = envelope["model"]
        self._model = model
        coef = model["lr"].coef_[0]
        n_word = len(model["word"].vocabulary_)
        n_char = len(model["char"].vocabulary_) if model["char"] is not None else 0
        self._word = _Block(model["word"], coef[:n_word])
        self._char = (
            _Block(model["char"], coef[n_word : n_word + n_char]) if model["char"] is not None else None
        )
        hw = float(envelope["feature_spec"]["hand_weight"])
        scaler = model["scaler"]
        hand_coef = coef[n_word + n_char :]
        # (x - mean) / scale * hw . coef  ==  x . (hw * coef / scale)  -  hw * sum(mean * coef / scale)
        self._hand_w = [float(hw * c / s) for c, s in zip(hand_coef, scaler.scale_, strict=True)]
        self._bias = float(model["lr"].intercept_[0]) - sum(
            float(m) * w for m, w in zip(scaler.mean_, self._hand_w, strict=True)
        )

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
        """P(strong model needed) for one prompt, in [0, 1]. ``task`` is accepted for the estimator protocol."""
        z = self._bias + self._word.contribution(prompt)
        if self._char is not None:
            z += self._char.contribution(prompt)
        z += sum(w * x for w, x in zip(self._hand_w, hand_features(prompt), strict=True))
        return _sigmoid(z)

    def strong_probabilities(self, prompts: Sequence[str]) -> npt.NDArray[np.float64]:
        """The same scores for many prompts through sklearn's vectorised path."""
        import numpy as np
        from scipy import sparse

        m = self._model
        texts = list(prompts)
        if not texts:
            return np.zeros(0, dtype=np.float64)
        hand = m["scaler"].transform(np.array([hand_features(t) for t in texts], dtype=np.float64))
        hw = float(self.envelope["feature_spec"]["hand_weight"])
        blocks = [
            m["word"].transform(texts),
            *([m["char"].transform(texts)] if m["char"] is not None else []),
        ]
        x = sparse.hstack([*blocks, hw * hand]).tocsr()
        return np.asarray(m["lr"].predict_proba(x)[:, 1], dtype=np.float64)

    def score(self, prompt: str, task: str) -> ComplexityScore:
        """The complexity-estimator face: the router's probability as the complexity score."""
        p = self.strong_probability(prompt, task)
        return ComplexityScore(score=round(p, 4), reasons=(f"router score {p:.2f}",))

    def save(self, path: str | Path) -> Path:
        import joblib

        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.envelope, out, compress=3)
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
            data = joblib.load(path)
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
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ConfigError(f"{path} is not a TravelOps router file.", hint=_retrain_hint(path))
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ConfigError(
            f"Router file {path} has format version {version}; this TravelOps reads version {FORMAT_VERSION}.",
            hint=_retrain_hint(path),
        )
    spec = data.get("feature_spec", {})
    if spec.get("features_version") != FEATURES_VERSION:
        raise ConfigError(
            f"Router file {path} uses features version {spec.get('features_version')}; "
            f"this TravelOps computes version {FEATURES_VERSION}.",
            hint=_retrain_hint(path),
        )
    saved = str(data.get("sklearn_version", "?"))
    if saved.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ConfigError(
            f"Router file {path} was saved by scikit-learn {saved}; this is {sklearn.__version__}.",
            hint=_retrain_hint(path),
        )
    return data


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
