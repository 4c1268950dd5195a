"""What analysts read from benchmark results and usage: per-model summaries, the cost–quality frontier, where
models disagree, the recommendation per task (cheapest model above the quality threshold) as routing rules, and
the cost report. Notebooks call these and draw; no SQL or arithmetic lives in a notebook.
"""

from __future__ import annotations

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
    g = results.groupby(["bench_task", "task_type", "model"], as_index=False)
    out = g.agg(
        quality=("score", "mean"),
        cost_per_call=("cost_usd", "mean"),
        p50_ms=("latency_ms", lambda s: s.quantile(0.5)),
        p95_ms=("latency_ms", lambda s: s.quantile(0.95)),
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


def recommend(summary: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per benchmark task, the cheapest model whose quality ≥ ``threshold`` (None where no model reaches it)."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    group: Any
    for task, group in summary.groupby("bench_task", sort=True):
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

    rules = []
    for r in recommendations.to_dict("records"):
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
    wide = results.pivot_table(
        index=["bench_task", "case_id"], columns="model", values="score", aggfunc="mean"
    )
    spread = wide.max(axis=1) - wide.min(axis=1)
    out: Any = wide[spread >= min_spread].copy()
    out["spread"] = spread[spread >= min_spread]
    return out.sort_values("spread", ascending=False).reset_index()


# ------------------------------------------------------------------------------------------------ charts


def score_matrix_figure(results: pd.DataFrame) -> go.Figure:
    import plotly.express as px

    wide = results.pivot_table(index="bench_task", columns="model", values="score", aggfunc="mean")
    fig = px.imshow(
        wide,
        text_auto=".2f",  # pyright: ignore[reportArgumentType]
        zmin=0,
        zmax=1,
        color_continuous_scale="RdYlGn",
        aspect="auto",
    )
    fig.update_layout(title="Mean score per task and model", xaxis_title="model", yaxis_title="task")
    return fig


def frontier_figure(summary: pd.DataFrame) -> go.Figure:
    import plotly.express as px

    data = summary.assign(frontier=summary["pareto"].map(lambda p: "Pareto-optimal" if p else "dominated"))
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
    import plotly.express as px

    fig = px.box(results, x="model", y="latency_ms", color="model", facet_col="bench_task", facet_col_wrap=3)
    fig.update_layout(title="Latency per call (ms)", showlegend=False)
    return fig


# ------------------------------------------------------------------------------------------------ costs


def cost_report(warehouse: Warehouse, settings: Settings, days: int = 30) -> dict[str, Any]:
    """Spend over the last ``days``: by model, task, user and trip; per day against the daily limit; savings from
    the cache (hits priced at the mean cost of the same model and task) and from routing (the same tokens priced
    at the workflow's complex-task model minus what was paid)."""
    from core.models import Registry

    since = date.today() - timedelta(days=days)
    where = "WHERE created_at >= ?"
    params = [since]

    def by(key: str) -> pd.DataFrame:
        return warehouse.query(
            f"SELECT {key} AS key, count(*) AS calls, sum(cost_usd) AS cost_usd, sum(tokens_used) AS tokens "
            f"FROM model_usage {where} GROUP BY 1 ORDER BY cost_usd DESC NULLS LAST",
            params,
        )

    per_day = warehouse.query(
        f"SELECT created_at::DATE AS day, sum(cost_usd) AS cost_usd FROM model_usage {where} GROUP BY 1 ORDER BY 1",
        params,
    )
    limit = settings.cost_optimization.daily_limit
    per_day["daily_limit"] = limit
    per_day["budget_use"] = per_day["cost_usd"] / limit if limit else None
    cache = warehouse.query(
        f"""WITH avg_cost AS (
               SELECT model_provider, model_name, task_type, avg(cost_usd) AS c FROM model_usage
               {where} AND status = 'ok' GROUP BY ALL)
            SELECT count(*) AS hits, coalesce(sum(a.c), 0) AS saved_usd
            FROM model_usage u LEFT JOIN avg_cost a USING (model_provider, model_name, task_type)
            {where.replace("created_at", "u.created_at")} AND u.status = 'cache_hit'""",
        params + params,
    )
    ok = warehouse.query(
        "SELECT model_provider || '/' || model_name AS model, sum(prompt_tokens) AS p, "
        f"sum(completion_tokens) AS c, sum(cost_usd) AS paid FROM model_usage {where} AND status = 'ok' GROUP BY 1",
        params,
    )
    registry = Registry.from_settings(settings)
    workflow = next(iter(settings.workflows.values()), None)
    reference = registry.find(workflow.complex_tasks_model or "") if workflow else None
    if reference is None and registry.enabled():  # else the dearest enabled model
        reference = max(registry.enabled(), key=lambda m: m.price.cost(1000, 1000))
    routing_saved = 0.0
    if reference is not None and not ok.empty:
        for r in ok.to_dict("records"):
            routing_saved += reference.price.cost(int(r["p"] or 0), int(r["c"] or 0)) - float(r["paid"] or 0)
    return {
        "since": since,
        "by_model": by("model_provider || '/' || model_name"),
        "by_task": by("task_type"),
        "by_user": by("coalesce(user_id, '(none)')"),
        "by_trip": by("coalesce(trip_id, '(none)')"),
        "per_day": per_day,
        "cache_hits": int(cache["hits"].iloc[0]),
        "cache_saved_usd": float(cache["saved_usd"].iloc[0]),
        "routing_reference": reference.id if reference else None,
        "routing_saved_usd": max(0.0, routing_saved),
    }
