"""Learned-router quality on held-out data, RouteLLM's metrics. Prints one JSON object.

GSM8K: stratified 5-fold cross-validation. MMLU: 5 grouped folds, whole domains held out; the domains of the
training folds are passed on to ``train_router``, whose inner cross-validation (choosing the blend weights) holds
out whole domains too. Nothing is tuned on the outer test folds. For each data set: the router, the previous
method (the TF-IDF logistic regression alone), a length-only heuristic (longer prompt -> strong) and random scores
(mean of 20 seeds), all in the same run. ``--compare`` adds other blends and weight rules (a table of method ->
GSM8K APGR, MMLU APGR, decision p50; a few times longer than the default run). Outer folds train in parallel,
one process per core; the decision time is measured afterwards, one prompt at a time in this process.
Data: TRAVELOPS_ROUTELLM_DATA, else <repo>/../shared/data/routellm.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

from core.routing import TrainingOptions, train_router
from core.routing.evaluation import (
    OutcomeTable,
    cross_val_scores,
    decision_p50_us,
    random_apgr,
    read_outcomes,
    router_curve,
)

REPO = Path(__file__).resolve().parents[1]

WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"
# MMLU prompts are long; the character block costs minutes there and did not help across domains.
MMLU_BASE = {"char_ngrams": None, "hand_weight": 1.0}
JOBS = min(5, os.cpu_count() or 1)  # outer folds trained in parallel: same numbers, less wall time
ROUTER = TrainingOptions()  # the defaults: lr + length + gb, weights by the one-standard-error rule
LR_ONLY = TrainingOptions(components=("lr",), blend_folds=0)  # the previous method (no inner CV)
COMPARE = {
    "lr + length (one-SE rule)": TrainingOptions(components=("lr", "length")),
    "lr + length + gb (best inner APGR)": TrainingOptions(blend_rule="best"),
    "lr + length + gb (even, no selection)": TrainingOptions(blend_rule="even"),
}


def figures(scores, weak, strong) -> dict[str, float]:
    c = router_curve(scores, weak, strong)
    return {"apgr": round(c.apgr, 4), "cpt50": round(c.cpt(0.5), 4)}


def held_out(t: OutcomeTable, grouped: bool, options: TrainingOptions) -> dict[str, float]:
    if grouped:
        options = replace(options, **MMLU_BASE)
    groups = t.groups if grouped else None
    scores = cross_val_scores(
        t.prompts, t.weak, t.strong, folds=5, groups=groups, options=options, n_jobs=JOBS
    )
    return figures(scores, t.weak, t.strong)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also measure other blends and weight rules")
    args = parser.parse_args()
    data = Path(os.environ.get("TRAVELOPS_ROUTELLM_DATA") or REPO / ".." / "shared" / "data" / "routellm")
    t0 = time.perf_counter()
    load_before = os.getloadavg()[0]
    out: dict[str, object] = {}
    tables = {
        "gsm8k": (read_outcomes([data / "gsm8k_train.csv"], WEAK, STRONG), False),
        "mmlu": (read_outcomes([data / "mmlu"], WEAK, STRONG), True),
    }
    methods = {"router": ROUTER, "lr_only": LR_ONLY, **(COMPARE if args.compare else {})}
    results: dict[str, dict[str, dict[str, float]]] = {m: {} for m in methods}
    for name, (t, grouped) in tables.items():
        for method, options in methods.items():
            results[method][name] = held_out(t, grouped, options)
        out[name] = {
            "n": len(t),
            "method": "leave-domains-out (5 grouped folds)" if grouped else "stratified 5-fold CV",
            "weak_acc": round(sum(t.weak) / len(t), 4),
            "strong_acc": round(sum(t.strong) / len(t), 4),
            "learned": results["router"][name],
            "lr_only": results["lr_only"][name],
            "length_only": figures([float(len(p)) for p in t.prompts], t.weak, t.strong),
            "random": {"apgr": round(random_apgr(t.weak, t.strong, repeats=20), 4)},
        }
    g = tables["gsm8k"][0]
    p50: dict[str, float] = {}
    for method, options in methods.items():
        router = train_router(g.prompts, g.weak, g.strong, options=options)
        p50[method] = round(decision_p50_us(router, g.prompts), 1)
        if method == "router":
            out["gsm8k_router"] = {
                "blend": router.training["blend"],
                "cv_apgr": round(router.training["cv_apgr"], 4),
            }
    out["decision_p50_us"] = p50["router"]
    out["comparison"] = [
        {
            "method": method,
            "gsm8k_apgr": results[method]["gsm8k"]["apgr"],
            "mmlu_apgr": results[method]["mmlu"]["apgr"],
            "decision_p50_us": p50[method],
        }
        for method in methods
    ]
    out["targets"] = {"gsm8k_apgr": 0.62, "mmlu_apgr": 0.58}
    out["seconds"] = round(time.perf_counter() - t0, 1)
    out["cores"] = os.cpu_count()
    out["fold_workers"] = JOBS
    out["load_avg_1m"] = {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
