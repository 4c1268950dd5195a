"""``travelops report``: run notebooks as HTML reports, list them, schedule them. Only typer at the top."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core._clikit import boundary, settings

__all__ = ["register"]

_EXTRA = {"allow_extra_args": True, "ignore_unknown_options": True}
_P_HELP = "Notebook parameters as -p key value (repeatable; values read as YAML: 7, true, null, text)."


def _parameters(args: list[str]) -> list[tuple[str, str]]:
    """``-p key value`` pairs from the extra arguments (typer cannot declare a repeatable two-value option)."""
    from core.errors import ValidationError

    pairs: list[tuple[str, str]] = []
    rest = list(args)
    while rest:
        flag = rest.pop(0)
        if flag not in ("-p", "--parameter"):
            raise ValidationError(
                f"Unexpected argument {flag!r}.", hint="Pass notebook parameters as -p key value."
            )
        if len(rest) < 2:
            raise ValidationError(f"{flag} needs a key and a value.", hint="Example: -p days 7")
        pairs.append((rest.pop(0), rest.pop(0)))
    return pairs


def register(app: typer.Typer) -> None:
    report_app = typer.Typer(
        help="Notebook reports: run with papermill, export HTML, schedule.", no_args_is_help=True
    )
    app.add_typer(report_app, name="report")

    @report_app.command("run", context_settings=_EXTRA, epilog=_P_HELP)
    @boundary
    def report_run(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="benchmark_models, compare_models or cost_report.")],
        out: Annotated[
            Path | None, typer.Option("--out", help="Folder (default <data_dir>/reports).")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Execute a notebook with papermill and write it as self-contained HTML."""
        from core.reports import parse_value, run_report

        params = {k: parse_value(v) for k, v in _parameters(ctx.args)}
        result = run_report(
            settings(ctx), name, params, out_dir=out, config_path=ctx.find_root().params.get("config")
        )
        typer.echo(
            result.model_dump_json(indent=2) if as_json else f"{result.html}\n({result.seconds:.1f} s)"
        )

    @report_app.command("list")
    @boundary
    def report_list(ctx: typer.Context) -> None:
        """List the HTML reports written so far, newest first."""
        from core.reports import list_reports

        for r in list_reports(settings(ctx)):
            typer.echo(f"{r['created']:%Y-%m-%d %H:%M}  {r['name']:<20} {r['file']}")

    @report_app.command("schedule", context_settings=_EXTRA, epilog=_P_HELP)
    @boundary
    def report_schedule(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The report (notebook) name.")],
        cron: Annotated[str, typer.Option("--cron", help='Five cron fields, e.g. "0 6 * * 1".')],
        install: Annotated[
            bool, typer.Option("--install", help="Add the line to this user's crontab.")
        ] = False,
    ) -> None:
        """Print (or install) the crontab line that runs a report on a schedule."""
        from core.reports import cron_line, install_cron_line

        line = cron_line(name, cron, dict(_parameters(ctx.args)), ctx.find_root().params.get("config"))
        typer.echo(line)
        if install:
            typer.echo("Installed." if install_cron_line(line) else "Already installed.")
