"""Learned-router quality on held-out data, RouteLLM's metrics. Prints one JSON object.

GSM8K: stratified 5-fold cross-validation. MMLU: 5 grouped folds, whole domains held out. For each: the learned
router, a length-only heuristic (longer prompt -> strong) and random scores (mean of 20 seeds), in the same run.
Data: TRAVELOPS_ROUTELLM_DATA, else <repo>/../shared/data/routellm.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.routing._outcomes import read_outcomes  # noqa: E402
from core.routing._router_eval import cross_val_scores, decision_p50_us  # noqa: E402
from core.routing._router_metrics import random_apgr, router_curve  # noqa: E402
from core.routing.learned import TrainingOptions, train_router  # noqa: E402

WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"
# MMLU prompts are long; the character block costs minutes there and did not help across domains.
MMLU_OPTIONS = TrainingOptions(char_ngrams=None, hand_weight=1.0)


def figures(scores, weak, strong) -> dict[str, float]:
    c = router_curve(scores, weak, strong)
    return {"apgr": round(c.apgr, 4), "cpt50": round(c.cpt(0.5), 4)}


def main() -> None:
    data = Path(os.environ.get("TRAVELOPS_ROUTELLM_DATA") or REPO / ".." / "shared" / "data" / "routellm")
    t0 = time.perf_counter()
    out: dict[str, object] = {}
    for name, paths, grouped, options in (
        ("gsm8k", [data / "gsm8k_train.csv"], False, TrainingOptions()),
        ("mmlu", [data / "mmlu"], True, MMLU_OPTIONS),
    ):
        t = read_outcomes(paths, WEAK, STRONG)
        learned = cross_val_scores(
            t.prompts, t.weak, t.strong, folds=5, groups=t.groups if grouped else None, options=options
        )
        out[name] = {
            "n": len(t),
            "method": "leave-domains-out (5 grouped folds)" if grouped else "stratified 5-fold CV",
            "weak_acc": round(sum(t.weak) / len(t), 4),
            "strong_acc": round(sum(t.strong) / len(t), 4),
            "learned": figures(learned, t.weak, t.strong),
            "length_only": figures([float(len(p)) for p in t.prompts], t.weak, t.strong),
            "random": {"apgr": round(random_apgr(t.weak, t.strong, repeats=20), 4)},
        }
    g = read_outcomes([data / "gsm8k_train.csv"], WEAK, STRONG)
    router = train_router(g.prompts, g.weak, g.strong)
    out["decision_p50_us"] = round(decision_p50_us(router, g.prompts), 1)
    out["targets"] = {"gsm8k_apgr": 0.62, "mmlu_apgr": 0.58}
    out["seconds"] = round(time.perf_counter() - t0, 1)
    out["cores"] = os.cpu_count()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
