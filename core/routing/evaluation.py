"""Evaluating learned routers (a public face, apart from ``core.routing`` so that routing does not load numpy):
outcome tables, grouped cross-validation, the quality-vs-cost curve and its APGR, decision latency."""

from core.routing._outcomes import OutcomeTable, read_outcomes
from core.routing._router_eval import cross_val_scores, decision_p50_us
from core.routing._router_metrics import random_apgr, router_curve

__all__ = [
    "OutcomeTable",
    "cross_val_scores",
    "decision_p50_us",
    "random_apgr",
    "read_outcomes",
    "router_curve",
]
