"""The learned routers section: per configured router its held-out accuracy-vs-strong-share chart and figures,
its problem when its file cannot be used, and how to train one when there is nothing to show."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from app.components import charts
from app.components.feedback import empty
from core.routing import RouterView

TRAIN_HINT = (
    "Train one from benchmark results with `travelops router train --from-warehouse --task T --weak MODEL "
    "--strong MODEL --cases CASES.csv --out routers/T.router` (or from outcome CSVs with `--outcomes PATH…`), "
    'then name it under `routing.routers.<task>` (or `"*"` for every task) in {config}: `model` (the file), '
    "`strong`, `weak`, and one of `threshold` or `strong_share`."
)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def learned_routers(views: Sequence[RouterView], config: str) -> None:
    """Draw each router; an empty state with the training command when none is configured."""
    hint = TRAIN_HINT.format(config=config)
    if not views:
        empty("No learned router is configured.", hint)
        return
    for view in views:
        with st.container(border=True):
            who = "every task without its own router" if view.task == "*" else f"task {view.task}"
            st.markdown(f"#### Router for {who}")
            st.caption(
                f"`{view.config_key}` · {view.setting} · budget_pressure {view.budget_pressure:g} · "
                f"below the threshold → {view.weak}, at or above → {view.strong} · file `{view.model_file}`"
            )
            if view.problem:
                st.error(view.problem, icon=":material/error:")
                continue
            c = st.columns(4)
            c[0].metric(
                "APGR (held-out)",
                "–" if view.cv_apgr is None else f"{view.cv_apgr:.2f}",
                help="Share of the weak-to-strong accuracy gap the router recovers on average over all strong "
                "shares, measured by cross-validation: 0.5 is a random router, 1.0 a perfect one.",
            )
            c[1].metric(
                "CPT(50%)",
                _pct(view.cv_cpt50),
                help="The share of strong calls needed to close half of the weak-to-strong accuracy gap.",
            )
            c[2].metric("Weak accuracy", _pct(view.weak_acc), view.weak, delta_color="off", delta_arrow="off")
            c[3].metric(
                "Strong accuracy", _pct(view.strong_acc), view.strong, delta_color="off", delta_arrow="off"
            )
            trained = f"Trained on {view.n} prompts" if view.n is not None else "Trained"
            source = f" ({view.trained_on})" if view.trained_on else ""
            when = f" on {view.created_at}" if view.created_at else ""
            point = (
                f" At the configured setting about {view.operating_share:.0%} of calls go to {view.strong}"
                + (
                    f", for an expected accuracy of {view.operating_accuracy:.1%}."
                    if view.operating_accuracy is not None
                    else "."
                )
                if view.operating_share is not None
                else ""
            )
            st.caption(f"{trained}{source}{when}.{point}")
            if view.cv_curve:
                st.plotly_chart(charts.router_tradeoff(view), key=f"models.router.{view.task}")
            else:
                empty(view.curve_note or "This router file has no cross-validated curve.", hint)
