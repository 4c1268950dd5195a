"""The `travelops` command. Each command validates its input, calls one core service and prints the result.

Heavy modules (litellm, duckdb, pandas) are imported inside the commands that need them, so `travelops --help`
stays fast. Every TravelOpsError becomes its message on stderr and a non-zero exit: never a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core._clikit import boundary, settings

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="travelops",
    help="TravelOps: a model-agnostic LLM workbench for travel agencies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Check the configuration.", no_args_is_help=True)
models_app = typer.Typer(help="The model registry.", no_args_is_help=True)
route_app = typer.Typer(help="Explain routing decisions.", no_args_is_help=True)
usage_app = typer.Typer(help="The usage warehouse.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(models_app, name="models")
app.add_typer(route_app, name="route")
app.add_typer(usage_app, name="usage")
app.add_typer(demo_app, name="demo")


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
TaskOpt = Annotated[str, typer.Option("--task", "-t", help="Task type (routing.task_types in the config).")]
UserOpt = Annotated[
    str | None, typer.Option("--user", "-u", help="Acting user id (budgets and preferences).")
]


@app.callback()
def _root(
    config: Annotated[
        str | None,
        typer.Option(
            "--config", "-c", help="Configuration file (default: TRAVELOPS_CONFIG or config/travelops.yml)."
        ),
    ] = None,
) -> None:
    """Global options; ``--config`` is read back from the root context by ``core._clikit.settings``."""


_boundary = boundary
_settings = settings


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _notices(settings: Settings) -> None:
    for notice in settings.notices:
        typer.echo(f"Notice: {notice}", err=True)


# ------------------------------------------------------------------------------------------------------ config
@config_app.command("check")
@_boundary
def config_check(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Validate the configuration and print it with secrets masked (exit 2 if invalid)."""
    settings = _settings(ctx)
    data = settings.masked()
    if as_json:
        _echo_json(
            {
                "source": str(settings.source) if settings.source else None,
                "notices": settings.notices,
                "config": data,
            }
        )
        return
    import yaml

    typer.echo(f"# {settings.source or 'built-in defaults'}: valid")
    for notice in settings.notices:
        typer.echo(f"# notice: {notice}")
    typer.echo(yaml.safe_dump(data, sort_keys=False).rstrip())


# ------------------------------------------------------------------------------------------------------ models
@models_app.command("list")
@_boundary
def models_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every configured model: provider, status, context, prices, capabilities, limits, measured figures."""
    from core.models import Registry, measured_by_model
    from core.warehouse import Warehouse

    settings = _settings(ctx)
    registry = Registry.from_settings(settings)
    registry = registry.with_measurements(measured_by_model(Warehouse.from_settings(settings).performance()))
    rows = registry.as_rows()
    if as_json:
        _echo_json(rows)
        return
    _notices(settings)
    typer.echo(
        f"{'model':36} {'status':9} {'context':>9} {'$in/1M':>8} {'$out/1M':>8} {'source':8} "
        f"{'rpm':>6} {'p50 ms':>7} {'quality':>7}  capabilities"
    )
    for r in rows:
        status = "enabled" if r["enabled"] else "disabled"
        p50 = f"{r['measured_p50_ms']:.0f}" if r["measured_p50_ms"] is not None else "-"
        quality = f"{r['measured_quality']:.2f}" if r["measured_quality"] is not None else "-"
        typer.echo(
            f"{r['id']:36} {status:9} {r['context_window']:>9} {r['input_per_mtok']:>8.2f} {r['output_per_mtok']:>8.2f} "
            f"{r['price_source']:8} {r['rpm'] or '-':>6} {p50:>7} {quality:>7}  {','.join(r['capabilities'])}"
        )


# ------------------------------------------------------------------------------------------------------ routing
@route_app.command("explain")
@_boundary
def route_explain(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="The request text.")],
    task: TaskOpt = "general",
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show which model would answer and why, without calling anything."""
    from core.gateway import CallContext, Gateway

    settings = _settings(ctx)
    gateway = Gateway.from_settings(settings)
    decision = gateway.explain(task, [{"role": "user", "content": prompt}], context=CallContext(user_id=user))
    if as_json:
        _echo_json(decision.model_dump(mode="json"))
        return
    _notices(settings)
    typer.echo(f"model:      {decision.model}")
    typer.echo(f"fallbacks:  {', '.join(decision.fallbacks) or '(none)'}")
    typer.echo(f"complexity: {decision.complexity:.2f} ({decision.complexity_label})")
    typer.echo(f"estimate:   ${decision.estimated_cost_usd:.4f}")
    typer.echo(f"why:        {decision.reason}")
    if decision.router_score is not None and decision.router_threshold is not None:
        from core.routing import router_threshold_note

        used = "" if decision.source == "router" else f" (not used: the {decision.source} decided)"
        typer.echo(f"router score: {decision.router_score:.2f}{used}")
        note = router_threshold_note(
            decision.router_threshold,
            decision.router_base_threshold,
            decision.router_strong_share,
            decision.budget_share_left,
        )
        typer.echo(f"threshold:    {note}")
    for model, why in decision.skipped.items():
        typer.echo(f"skipped:    {model}: {why}")


@app.command("ask")
@_boundary
def ask(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="The request text.")],
    task: TaskOpt = "general",
    user: UserOpt = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Force a model (provider/name).")] = None,
    stream: Annotated[bool, typer.Option("--stream", help="Print the answer as it arrives.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ask a model through the Gateway: prints the answer, the model, why, the cost and the latency."""
    from core.gateway import CallContext, Gateway, GatewayResult

    settings = _settings(ctx)
    gateway = Gateway.from_settings(settings)
    messages = [{"role": "user", "content": prompt}]
    call_context = CallContext(user_id=user)
    if stream and not as_json:
        result: GatewayResult | None = None
        for piece in gateway.stream(messages, task=task, context=call_context, model=model):
            if isinstance(piece, GatewayResult):
                result = piece
            else:
                typer.echo(piece.text, nl=False)
        typer.echo("")
        assert result is not None
    else:
        result = gateway.complete(messages, task=task, context=call_context, model=model)
        if as_json:
            gateway.drain()
            gateway.warehouse.flush()
            _echo_json(result.model_dump(mode="json"))
            return
        typer.echo(result.text)
    gateway.warehouse.flush()
    _notices(settings)
    typer.echo("")
    typer.echo(f"model:   {result.model_label}{' (cache hit)' if result.cache_hit else ''}")
    typer.echo(f"why:     {result.decision.reason}")
    typer.echo(
        f"cost:    ${result.cost_usd:.6f}   latency: {result.latency_ms:.0f} ms   attempts: {len(result.attempts)}"
    )
    gateway.drain()
    for note in result.budget_events:
        typer.echo(f"budget:  {note}")
    typer.echo(f"budget:  {gateway.budget.state(user).describe()}")


# ------------------------------------------------------------------------------------------------------ usage
@usage_app.command("summary")
@_boundary
def usage_summary(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help="First day to include, YYYY-MM-DD.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Calls, errors, cache hits, tokens and cost, by model, task and user."""
    from core.errors import ValidationError
    from core.warehouse import Warehouse

    try:
        since_day = date.fromisoformat(since) if since else None
    except ValueError:
        raise ValidationError(
            f"--since {since!r} is not a date.", hint="Write it as YYYY-MM-DD, e.g. 2026-11-01."
        ) from None
    settings = _settings(ctx)
    summary = Warehouse.from_settings(settings).usage_summary(since_day)
    if as_json:
        _echo_json(summary.model_dump(mode="json"))
        return
    _render_summary(summary)


def _render_summary(summary: Any) -> None:
    start, end = summary.period.start, summary.period.end
    if start is None:
        typer.echo("No usage recorded yet. Run `travelops ask ...` or `travelops demo seed`.")
        return
    typer.echo(
        f"Usage {start} to {end}: {summary.calls} calls, {summary.errors} errors, {summary.cache_hits} cache hits, "
        f"{summary.tokens:,} tokens, ${summary.total_cost_usd:,.2f}"
    )
    for title, rows in (("model", summary.by_model), ("task", summary.by_task), ("user", summary.by_user)):
        typer.echo(f"\nBy {title}:")
        typer.echo(f"  {title:34} {'calls':>7} {'errors':>7} {'cost $':>10} {'p50 ms':>8} {'p95 ms':>8}")
        for row in rows:
            p50 = f"{row.p50_ms:.0f}" if row.p50_ms is not None else "-"
            p95 = f"{row.p95_ms:.0f}" if row.p95_ms is not None else "-"
            typer.echo(
                f"  {row.key or '(none)':34} {row.calls:>7} {row.errors:>7} {row.cost_usd:>10.2f} {p50:>8} {p95:>8}"
            )


# ------------------------------------------------------------------------------------------------------ demo
@demo_app.command("seed")
@_boundary
def demo_seed(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="Days of usage history.")] = 120,
) -> None:
    """Fill the warehouse with a labelled demo history priced with the real price map."""
    from core.models import Registry, price_of
    from core.travel.demo import seed_demo_agency
    from core.warehouse import Warehouse
    from core.warehouse.demo import DEMO_MODELS, seed_usage

    settings = _settings(ctx)
    typer.echo(seed_demo_agency(settings).summary())
    registry = Registry.from_settings(settings)
    warehouse = Warehouse.from_settings(settings)
    # The demo's models are priced from the real price map even when this configuration doesn't list them.
    prices = {**{m: price_of(m) for m in DEMO_MODELS}, **registry.prices()}
    rows = seed_usage(warehouse, prices, days=days)
    warehouse.refresh_performance()
    typer.echo(f"Usage history: {rows} new demo rows over {days} days in {settings.warehouse_path}.")


def _register_domain_commands() -> None:
    """Commands that live beside their domain (each module imports only typer at the top)."""
    import importlib

    for module in (
        "core.travel.cli",
        "core.travel._cli_build",  # after core.travel.cli: adds `trips create|update` to its trips group
        "core.travel.d1_cli",
        "core.documents.cli",
        "core.mcp.cli",
        "core.routing.cli",
        "core.bench.cli",
        "core.reports_cli",
    ):
        importlib.import_module(module).register(app)


_register_domain_commands()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
