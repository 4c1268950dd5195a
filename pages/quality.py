"""Quality & latency: p50/p95/p99 per model, success, error and fallback rates, and quality per model × task
(agent ratings, scores logged with calls, benchmark results), filtered by date, task, provider and user."""

from __future__ import annotations

import streamlit as st

from app import deps, state
from app.components import charts
from app.components.feedback import empty, guard
from app.components.formatting import label_model, model_labels, ms, pct
from app.components.widgets import usage_filters

st.title("Quality & latency")

with guard("loading the quality dashboard"):
    key = deps.data_key()
    head = st.columns([6, 1], vertical_alignment="bottom")
    if head[1].button("Refresh", icon=":material/refresh:", key="quality.refresh"):
        deps.refresh_queries()
    options = deps.filter_options(key)
    if options.empty:
        empty("No usage yet, so nothing to measure.")
        st.stop()
    flt = usage_filters(options, state.QUALITY_FILTER_PREFIX)
    labels = model_labels(deps.registry())
    with st.spinner("Measuring…"):
        summary, per_model = deps.outcomes(key, flt)
        lat = deps.latency(key, flt)
        quality = deps.quality(key, flt)
    if summary.requests == 0:
        st.info("No usage matches these filters.")
        st.stop()

    m = st.columns(5)
    m[0].metric("Requests", f"{summary.requests:,}")
    m[1].metric("Succeeded", pct(summary.success_rate, 1), help="Answered, or served from the cache.")
    m[2].metric("Failed", pct(summary.failure_rate, 1), help="Every attempt failed.")
    m[3].metric("Fell back", pct(summary.fallback_rate, 1), help="A fallback model was tried.")
    m[4].metric(
        "Attempt errors", pct(summary.attempt_error_rate, 1), help="Errors per attempt (retries included)."
    )

    st.subheader("Latency per model")
    if lat.empty:
        st.caption("Only cache hits in this view: no model latency to show.")
    else:
        lat = lat.assign(label=lat["model"].map(lambda x: label_model(x, labels)))
        st.plotly_chart(charts.latency(lat), key="quality.latency")
        shown = lat.assign(**{c: lat[c].map(ms) for c in ("avg_ms", "p50_ms", "p95_ms", "p99_ms")})
        st.dataframe(shown[["label", "attempts", "avg_ms", "p50_ms", "p95_ms", "p99_ms"]], hide_index=True)

    st.subheader("Success, errors and fallbacks per model")
    per_model = per_model.assign(label=per_model["model"].map(lambda x: label_model(x, labels)))
    st.plotly_chart(charts.rates(per_model.fillna({"fallback_rate": 0.0})), key="quality.rates")
    st.dataframe(
        per_model[["label", "requests", "success_rate", "fallback_rate", "attempts", "errors", "error_rate"]],
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(c.replace("_", " "), format="percent")
            for c in ("success_rate", "fallback_rate", "error_rate")
        },
    )

    st.subheader("Quality per model and task")
    if quality.empty:
        st.caption(
            "No quality scores in this view yet: rate replies on the Plan page, or run a benchmark "
            "(notebooks/benchmark_models.ipynb)."
        )
    else:
        quality = quality.assign(model=quality["model"].map(lambda x: label_model(x, labels)))
        st.plotly_chart(
            charts.heatmap(quality, "avg_quality", "Mean quality (0 = useless, 1 = perfect)"),
            key="quality.heat",
        )
        with st.expander("Samples behind each cell"):
            st.dataframe(quality, hide_index=True)
        st.caption("Agent ratings replace the score logged with a call; benchmark results count alongside.")

    with st.expander("p95 latency per model and task"):
        p95 = deps.p95_task(key, flt.since)
        if p95.empty:
            st.caption("No attempts in this period.")
        else:
            st.plotly_chart(
                charts.heatmap(p95, "p95_ms", "p95 latency (ms)", ".0f", "RdYlGn_r"), key="quality.p95"
            )
