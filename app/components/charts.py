"""Plotly figures built from the DataFrames ``core`` returns. Each takes a frame and returns a figure; pages
draw them with ``st.plotly_chart``. Figures need no network (no geo maps: their coastlines come from a CDN)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

if TYPE_CHECKING:
    from core.routing import RouterView

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def gauge(title: str, spent: float, limit: float | None) -> go.Figure:
    """Spend against a budget: green to 50%, amber to 80%, red beyond. No limit: the figure alone."""
    if limit is None or limit <= 0:
        indicator = go.Indicator(mode="number", value=spent, number={"prefix": "$", "valueformat": ",.2f"})
    else:
        share = spent / limit
        color = "#d62728" if share >= 0.8 else "#b26a00" if share >= 0.5 else "#2ca02c"
        indicator = go.Indicator(
            mode="gauge+number",
            value=spent,
            number={"prefix": "$", "valueformat": ",.2f"},
            title={
                "text": f"<span style='font-size:0.8em;color:{color}'>{share:.0%} of ${limit:,.2f}</span>",
            },
            gauge={
                "axis": {"range": [0, max(limit, spent) * 1.05]},
                "bar": {"color": "#1f77b4"},
                "steps": [
                    {"range": [0, limit * 0.5], "color": "#e8f5e9"},
                    {"range": [limit * 0.5, limit * 0.8], "color": "#fff8e1"},
                    {"range": [limit * 0.8, limit], "color": "#ffebee"},
                ],
                "threshold": {"line": {"color": "#d62728", "width": 3}, "value": limit},
            },
        )
    fig = go.Figure(indicator)
    # wider side margins: the gauge's end labels (the limit) sit outside the arc
    fig.update_layout(title={"text": title}, height=250, margin={**_MARGIN, "l": 40, "r": 45, "t": 50})
    return fig


def forecast(df: pd.DataFrame) -> go.Figure:
    """Cumulative month spend: actual (solid), forecast (dashed) and the monthly budget (red line)."""
    fig = go.Figure()
    for kind, dash in (("actual", "solid"), ("forecast", "dash")):
        part = df[df["kind"] == kind]
        fig.add_trace(
            go.Scatter(x=part["day"], y=part["cumulative_usd"], name=kind, mode="lines", line={"dash": dash})
        )
    limit = df["monthly_limit_usd"].dropna()
    if len(limit):
        fig.add_hline(y=float(limit.iloc[0]), line_color="#d62728", annotation_text="monthly budget")
    fig.update_layout(
        title="Month to date and forecast", yaxis_title="USD", height=300, margin=_MARGIN, hovermode="x"
    )
    return fig


def stacked_spend(df: pd.DataFrame, dimension: str) -> go.Figure:
    fig = px.bar(
        df,
        x="day",
        y="cost_usd",
        color="key",
        labels={"cost_usd": "USD", "day": "", "key": dimension},
        hover_data={"calls": True},
    )
    fig.update_layout(barmode="stack", height=360, margin=_MARGIN, legend_title_text=dimension)
    return fig


def latency(df: pd.DataFrame) -> go.Figure:
    """p50 / p95 / p99 per model, grouped bars (ms)."""
    long = df.melt(id_vars=["label"], value_vars=["p50_ms", "p95_ms", "p99_ms"], var_name="percentile")
    long["percentile"] = long["percentile"].str.removesuffix("_ms")
    fig = px.bar(
        long, x="label", y="value", color="percentile", barmode="group", labels={"value": "ms", "label": ""}
    )
    fig.update_layout(height=360, margin=_MARGIN)
    return fig


def rates(df: pd.DataFrame) -> go.Figure:
    """Error rate (per attempt) and fallback rate (per request) per model, in percent."""
    long = df.melt(id_vars=["label"], value_vars=["error_rate", "fallback_rate"], var_name="rate")
    long["value"] = long["value"].astype(float) * 100
    fig = px.bar(
        long, x="label", y="value", color="rate", barmode="group", labels={"value": "%", "label": ""}
    )
    fig.update_layout(height=320, margin=_MARGIN)
    return fig


def heatmap(df: pd.DataFrame, value: str, title: str, fmt: str = ".2f", scale: str = "RdYlGn") -> go.Figure:
    """A model × task grid of ``value`` (columns model, task_type, value)."""
    grid = df.pivot_table(index="model", columns="task_type", values=value, aggfunc="mean")
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            colorscale=scale,
            texttemplate="%{z:" + fmt + "}",
            hoverongaps=False,
        )
    )
    fig.update_layout(title=title, height=120 + 40 * len(grid.index), margin=_MARGIN)
    return fig


def itinerary_map(df: pd.DataFrame) -> go.Figure:
    """The trip's places in order on longitude/latitude axes (equal scale), joined by a line; approximate points
    (city level) are hollow.

    Not ``scatter_geo``: plotly.js fetches its coastline topojson from a CDN when a geo map is drawn, and the
    app must work offline. Axes need nothing from the network.
    """
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=df["lon"], y=df["lat"], mode="lines", line={"width": 1, "color": "#888"}, hoverinfo="skip"
        )
    )
    for precision, symbol in (("exact", "circle"), ("approximate", "circle-open")):
        part = df[df["precision"] == precision]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["lon"],
                y=part["lat"],
                mode="markers+text",
                name=f"{precision} location",
                marker={"size": 10, "symbol": symbol},
                text=part["order"].astype(str),
                textposition="top center",
                hovertext=part["order"].astype(str) + ". " + part["title"] + " · " + part["day"],
                hoverinfo="text",
            )
        )
    fig.update_xaxes(title="longitude", zeroline=False)
    fig.update_yaxes(title="latitude", zeroline=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(height=420, margin=_MARGIN, showlegend=True)
    return fig


def what_if(df: pd.DataFrame) -> go.Figure:
    """Per task: actual, current policy re-priced, and the what-if policy (USD)."""
    long = df.melt(
        id_vars=["task_type"], value_vars=["actual_usd", "baseline_usd", "scenario_usd"], var_name="figure"
    )
    names = {
        "actual_usd": "actual",
        "baseline_usd": "current policy (re-priced)",
        "scenario_usd": "what-if policy",
    }
    long["figure"] = long["figure"].map(lambda f: names[f])
    fig = px.bar(
        long,
        x="task_type",
        y="value",
        color="figure",
        barmode="group",
        labels={"value": "USD", "task_type": ""},
    )
    fig.update_layout(height=360, margin=_MARGIN)
    return fig


def router_tradeoff(view: RouterView) -> go.Figure:
    """A learned router's cross-validated accuracy against its share of strong calls, the random router's straight
    line from (0, weak accuracy) to (1, strong accuracy), and the configured operating point."""
    fig = go.Figure()
    points = view.cv_curve
    fig.add_trace(
        go.Scatter(
            x=[p.strong_share for p in points],
            y=[p.accuracy for p in points],
            name="router (cross-validated)",
            mode="lines+markers",
            customdata=[["all weak" if p.threshold is None else f"{p.threshold:.3f}"] for p in points],
            hovertemplate="strong %{x:.0%} · accuracy %{y:.1%} · threshold %{customdata[0]}<extra></extra>",
        )
    )
    if view.weak_acc is not None and view.strong_acc is not None:
        fig.add_trace(
            go.Scatter(
                x=[0.0, 1.0],
                y=[view.weak_acc, view.strong_acc],
                name="random router",
                mode="lines",
                line={"dash": "dash", "color": "#888"},
                hovertemplate="random: strong %{x:.0%} · accuracy %{y:.1%}<extra></extra>",
            )
        )
    if view.operating_share is not None and view.operating_accuracy is not None:
        fig.add_trace(
            go.Scatter(
                x=[view.operating_share],
                y=[view.operating_accuracy],
                name=f"configured: {view.setting}",
                mode="markers",
                marker={"size": 14, "symbol": "star", "color": "#d62728"},
                hovertemplate="configured: strong %{x:.0%} · accuracy %{y:.1%}<extra></extra>",
            )
        )
    fig.update_xaxes(title="share of strong calls", tickformat=".0%", range=[-0.02, 1.02])
    fig.update_yaxes(title="accuracy", tickformat=".0%")
    fig.update_layout(
        title=f"{view.weak} ↔ {view.strong}",
        height=340,
        margin=_MARGIN,
        legend={"orientation": "h", "y": -0.25},
        hovermode="closest",
    )
    return fig
