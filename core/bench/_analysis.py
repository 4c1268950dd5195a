"""What analysts read from benchmark results and usage: per-model summaries, the cost–quality frontier, where
models disagree, the recommendation per task (cheapest model above the quality threshold) as routing rules, and
the cost report. Notebooks call these and draw; no SQL or arithmetic lives in a notebook. The SQL is in
``core.warehouse.queries``.

pandas and plotly give their methods no precise types, so each function takes its frames in as ``Any`` (typed
at the edges: the parameters and what it returns).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from core.config import Settings
    from core.warehouse import Warehouse

__all__ = [
    "cost_report",
    "disagreements",
    "frontier_figure",
    "latency_figure",
    "model_summary",
    "recommend",
    "routing_rules",
    "routing_rules_yaml",
    "score_matrix_figure",
]


def model_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per benchmark task × model: mean score, mean cost a cell, latency p50/p95, cells; ``pareto`` marks the
    models no other model beats on both cost and quality for that task."""
    import pandas as pd

    cols = [
        "bench_task",
        "task_type",
        "model",
        "quality",
        "cost_per_call",
        "p50_ms",
        "p95_ms",
        "cells",
        "pareto",
    ]
    if results.empty:
        return pd.DataFrame(columns=cols)
    frame: Any = results
    g = frame.groupby(["bench_task", "task_type", "model"], as_index=False)
    out: Any = g.agg(
        quality=("score", "mean"),
        cost_per_call=("cost_usd", "mean"),
        p50_ms=("latency_ms", _quantile(0.5)),
        p95_ms=("latency_ms", _quantile(0.95)),
        cells=("score", "size"),
    )
    out["pareto"] = False
    rows: Any
    for _task, rows in out.groupby("bench_task"):
        for i, r in rows.iterrows():
            dominated = bool(
                (
                    (rows["cost_per_call"] <= r["cost_per_call"])
                    & (rows["quality"] >= r["quality"])
                    & ((rows["cost_per_call"] < r["cost_per_call"]) | (rows["quality"] > r["quality"]))
                ).any()
            )
            out.loc[i, "pareto"] = not dominated
    final: Any = out[cols]
    return final.sort_values(["bench_task", "cost_per_call"]).reset_index(drop=True)


def _quantile(q: float) -> Callable[[Any], float]:
    def quantile(series: Any) -> float:
        return float(series.quantile(q))

    return quantile


def recommend(summary: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per benchmark task, the cheapest model whose quality ≥ ``threshold`` (None where no model reaches it)."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    frame: Any = summary
    group: Any
    for task, group in frame.groupby("bench_task", sort=True):
        ok = group[group["quality"] >= threshold].sort_values(
            ["cost_per_call", "quality"], ascending=[True, False]
        )
        best = group.sort_values("quality", ascending=False).iloc[0]
        if ok.empty:
            rows.append(
                {
                    "bench_task": task,
                    "task_type": best["task_type"],
                    "model": None,
                    "quality": None,
                    "cost_per_call": None,
                    "note": f"no model reaches {threshold:g}; best is {best['model']} "
                    f"({best['quality']:.2f})",
                }
            )
        else:
            pick = ok.iloc[0]
            rows.append(
                {
                    "bench_task": task,
                    "task_type": pick["task_type"],
                    "model": pick["model"],
                    "quality": round(float(pick["quality"]), 4),
                    "cost_per_call": float(pick["cost_per_call"]),
                    "note": f"cheapest of {len(ok)} model(s) at or above {threshold:g}",
                }
            )
    return pd.DataFrame(
        rows, columns=["bench_task", "task_type", "model", "quality", "cost_per_call", "note"]
    )


def routing_rules(recommendations: pd.DataFrame) -> list[dict[str, Any]]:
    """The recommendations as ``routing.rules`` entries (``{name, tasks, model}``), validated like the config's."""
    from core.config import RoutingRule

    rules: list[dict[str, Any]] = []
    frame: Any = recommendations
    for r in frame.to_dict("records"):
        if r["model"] is None or r["model"] != r["model"]:  # None or NaN: no model reached the threshold
            continue
        rule = RoutingRule(
            name=f"benchmark: {r['bench_task']}", tasks=[str(r["task_type"])], model=str(r["model"])
        )
        rules.append(rule.model_dump(exclude_defaults=True))
    return rules


def routing_rules_yaml(recommendations: pd.DataFrame) -> str:
    """The rules as YAML to paste under ``routing:`` in config/travelops.yml."""
    import yaml

    return yaml.safe_dump({"rules": routing_rules(recommendations)}, sort_keys=False, allow_unicode=True)


def disagreements(results: pd.DataFrame, min_spread: float = 0.5) -> pd.DataFrame:
    """Cases where the models' scores differ by at least ``min_spread``, with each model's score side by side."""
    import pandas as pd

    if results.empty:
        return pd.DataFrame()
    frame: Any = results
    wide: Any = frame.pivot_table(
        index=["bench_task", "case_id"], columns="model", values="score", aggfunc="mean"
    )
    spread = wide.max(axis=1) - wide.min(axis=1)
    out: Any = wide[spread >= min_spread].copy()
    out["spread"] = spread[spread >= min_spread]
    return out.sort_values("spread", ascending=False).reset_index()


# ------------------------------------------------------------------------------------------------ charts


def _express() -> Any:
    """plotly.express, whose figure functions are only partly typed."""
    import plotly.express as px

    return px


def score_matrix_figure(results: pd.DataFrame) -> go.Figure:
    px = _express()
    frame: Any = results
    wide = frame.pivot_table(index="bench_task", columns="model", values="score", aggfunc="mean")
    fig = px.imshow(
        wide,
        text_auto=".2f",
        zmin=0,
        zmax=1,
        color_continuous_scale="RdYlGn",
        aspect="auto",
    )
    fig.update_layout(title="Mean score per task and model", xaxis_title="model", yaxis_title="task")
    return fig


def _frontier_label(pareto: object) -> str:
    return "Pareto-optimal" if pareto else "dominated"


def frontier_figure(summary: pd.DataFrame) -> go.Figure:
    px = _express()
    frame: Any = summary
    data = frame.assign(frontier=frame["pareto"].map(_frontier_label))
    fig = px.scatter(
        data,
        x="cost_per_call",
        y="quality",
        color="model",
        symbol="frontier",
        facet_col="bench_task",
        facet_col_wrap=3,
        hover_data=["p50_ms", "cells"],
        symbol_map={"Pareto-optimal": "star", "dominated": "circle-open"},
    )
    fig.update_traces(marker={"size": 13})
    fig.update_layout(title="Cost–quality frontier per task (stars: Pareto-optimal)")
    return fig


def latency_figure(results: pd.DataFrame) -> go.Figure:
    px = _express()

    fig = px.box(results, x="model", y="latency_ms", color="model", facet_col="bench_task", facet_col_wrap=3)
    fig.update_layout(title="Latency per call (ms)", showlegend=False)
    return fig


# ------------------------------------------------------------------------------------------------ costs


def cost_report(warehouse: Warehouse, settings: Settings, days: int = 30) -> dict[str, Any]:
    """Spend over the last ``days``: by model, task, user and trip; per day against the daily limit; savings from
    the cache (hits priced at the mean cost of the same model and task) and from routing (the same tokens priced
    at the workflow's complex-task model minus what was paid)."""
    from core.models import Registry
    from core.warehouse import queries

    since = date.today() - timedelta(days=days)
    frames = queries.cost_report_frames(warehouse, since)
    per_day: Any = frames["per_day"]
    cache, ok = queries.records(frames["cache"])[0], queries.records(frames["ok_tokens"])
    limit = settings.cost_optimization.daily_limit
    per_day["daily_limit"] = limit
    per_day["budget_use"] = per_day["cost_usd"] / limit if limit else None
    registry = Registry.from_settings(settings)
    workflow = next(iter(settings.workflows.values()), None)
    reference = registry.find(workflow.complex_tasks_model or "") if workflow else None
    if reference is None and registry.enabled():  # else the dearest enabled model
        reference = max(registry.enabled(), key=lambda m: m.price.cost(1000, 1000))
    routing_saved = 0.0
    if reference is not None:
        for r in ok:
            routing_saved += reference.price.cost(int(r["p"] or 0), int(r["c"] or 0)) - float(r["paid"] or 0)
    return {
        "since": since,
        "by_model": frames["by_model"],
        "by_task": frames["by_task"],
        "by_user": frames["by_user"],
        "by_trip": frames["by_trip"],
        "per_day": per_day,
        "cache_hits": int(cache["hits"]),
        "cache_saved_usd": float(cache["saved_usd"]),
        "routing_reference": reference.id if reference else None,
        "routing_saved_usd": max(0.0, routing_saved),
    }
