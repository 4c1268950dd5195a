"""Costs: today and this month against the budgets, the forecast, where the money goes, alerts, the costliest
requests, what the cache saved, and what another routing policy would have cost."""

from __future__ import annotations

from typing import Literal, cast

import pandas as pd
import streamlit as st

from app import deps, state
from app.components import charts
from app.components.feedback import empty, guard
from app.components.formatting import label_model, model_labels, pct, usd
from app.components.widgets import usage_filters
from core.analytics import Dimension
from core.routing import WHAT_IF_LIMITATIONS, RoutingPolicy

STACKS: list[Dimension] = ["model", "provider", "task", "user"]
PREFERENCES: list[Literal["cost", "speed", "quality"] | None] = [None, "cost", "speed", "quality"]

st.title("Costs")

with guard("loading the cost dashboard"):
    key = deps.data_key()
    head = st.columns([6, 1], vertical_alignment="bottom")
    if head[1].button("Refresh", icon=":material/refresh:", key="costs.refresh"):
        deps.refresh_queries()
    with st.spinner("Reading the usage warehouse…"):
        options = deps.filter_options(key)
        status, forecast = deps.budget(key)
    if options.empty:
        empty("No usage yet.")
        st.stop()
    labels = model_labels(deps.registry())

    st.subheader("Budgets")
    g = st.columns(3)
    g[0].plotly_chart(
        charts.gauge("Today", status.spent_today_usd, status.daily_limit_usd), key="costs.g.day"
    )
    g[1].plotly_chart(
        charts.gauge(f"Month to date ({status.month})", status.spent_month_usd, status.monthly_limit_usd),
        key="costs.g.month",
    )
    with g[2]:
        st.metric(
            "Forecast to month end", usd(status.forecast_month_usd),
            delta=pct(status.forecast_share) + " of budget" if status.forecast_share is not None else None,
            delta_color="inverse" if status.forecast_over_budget else "off", help=f"Mean of the last {status.window_days} days ({usd(status.run_rate_usd)}/day) "
            f"for the {status.days_left} days left.",
        )  # fmt: skip
        if status.forecast_over_budget:
            st.error("At this rate the month ends over budget.", icon=":material/trending_up:")
        if status.daily_limit_usd is None and status.monthly_limit_usd is None:
            st.caption(
                "No budget set: add cost_optimization.daily_limit / monthly_limit to the configuration."
            )
    st.plotly_chart(charts.forecast(forecast), key="costs.forecast")

    st.subheader("Spend by day")
    flt = usage_filters(options, state.COSTS_FILTER_PREFIX)
    picked = st.segmented_control("Stack by", STACKS, default="model", key=state.COSTS_DIMENSION)
    dimension = cast(Dimension, picked or "model")
    with st.spinner("Adding up…"):
        by_day = deps.spend_by_day(key, dimension, flt)
    if by_day.empty:
        st.info("No usage matches these filters.")
    else:
        if dimension == "model":
            by_day = by_day.assign(key=by_day["key"].map(lambda m: label_model(m, labels)))
        st.plotly_chart(charts.stacked_spend(by_day, dimension), key="costs.by_day")
        st.caption(
            f"{usd(sum(by_day['cost_usd'].tolist()))} over {sum(by_day['calls'].tolist()):,} calls in this view."
        )

    left, right = st.columns(2)
    with left:
        st.subheader("Budget alerts")
        alerts = deps.budget_alerts(key)
        if alerts.empty:
            st.caption("No budget alert, downgrade or refusal recorded.")
        else:
            st.dataframe(alerts[["created_at", "kind", "scope_id", "period_key", "message"]], hide_index=True)
    with right:
        st.subheader("Cache savings")
        saved = deps.cache_savings(key, flt)
        st.metric(
            "Saved by the response cache",
            usd(saved.saved_usd),
            help=f"{saved.hits:,} cache hits in this view.",
        )
        if saved.hits:
            st.caption(
                f"Each hit priced at its request's first answer ({saved.from_same_request}), else the model's "
                f"average on that task ({saved.from_model_task_average}) or overall ({saved.from_model_average})."
            )
            st.dataframe(pd.DataFrame([r.model_dump() for r in saved.by_model]), hide_index=True)

    st.subheader("Most expensive requests")
    costly = deps.expensive_requests(key, flt)
    if not costly.empty:
        costly = costly.assign(model=costly["model"].map(lambda m: label_model(m, labels)))
        st.dataframe(
            costly, hide_index=True,
            column_config={"cost_usd": st.column_config.NumberColumn("cost", format="$%.4f")},
        )  # fmt: skip

    with st.expander("What if: the last 30 days under another routing policy", icon=":material/science:"):
        for note in WHAT_IF_LIMITATIONS:
            st.caption(f"• {note}")
        models = [None, *sorted(labels)]
        show = lambda m: "as configured" if m is None else labels[m]  # noqa: E731
        with st.form("costs.whatif.form"):
            c = st.columns(3)
            routine = c[0].selectbox(
                "Routine tasks", models, format_func=show, key=state.WHATIF_PREFIX + "routine"
            )
            complex_ = c[1].selectbox(
                "Complex tasks", models, format_func=show, key=state.WHATIF_PREFIX + "complex"
            )
            fallback = c[2].selectbox(
                "Fallback", models, format_func=show, key=state.WHATIF_PREFIX + "fallback"
            )
            c = st.columns(3)
            preference = c[0].selectbox(
                "Prefer", PREFERENCES, format_func=lambda p: p or "as configured",
                key=state.WHATIF_PREFIX + "preference",
            )  # fmt: skip
            cap = c[1].number_input(
                "Most per request (USD, 0 = no cap)", min_value=0.0, value=0.0, step=0.01, format="%.4f",
                key=state.WHATIF_PREFIX + "cap",
            )  # fmt: skip
            no_rules = c[2].checkbox("Ignore routing rules", key=state.WHATIF_PREFIX + "no_rules")
            run = st.form_submit_button("Re-price the last 30 days", type="primary")
        if run:
            policy = RoutingPolicy(
                routine_model=routine, complex_model=complex_, fallback_model=fallback,
                performance_preference=preference, cost_threshold=cap or None, ignore_rules=no_rules,
            )  # fmt: skip
            with st.spinner("Routing every recorded request again…"):
                st.session_state[state.WHATIF_RESULT] = deps.what_if(key, policy, 30)
        result = st.session_state.get(state.WHATIF_RESULT)
        if result is not None:
            st.markdown(f"**Policy:** {result.policy.describe()} · {result.since} to {result.until}")
            m = st.columns(3)
            m[0].metric(
                "Actual", usd(result.actual_usd), help=f"{result.requests:,} requests as they happened."
            )
            m[1].metric("Current policy, re-priced", usd(result.baseline_usd))
            m[2].metric(
                "What-if policy", usd(result.scenario_usd),
                delta=usd(result.scenario_usd - result.baseline_usd), delta_color="inverse",
            )  # fmt: skip
            by_task = result.by_task()
            if not by_task.empty:
                st.plotly_chart(charts.what_if(by_task), key="costs.whatif.chart")
                st.dataframe(by_task, hide_index=True)
            for note in result.notes[len(WHAT_IF_LIMITATIONS) :]:
                st.caption(note)
