"""``travelops docs``: render a trip's proposal, itinerary or invoice. Only typer is imported at the top."""

from __future__ import annotations

from typing import Annotated

import typer

from core._clikit import boundary
from core._clikit import settings as load_settings_for

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``docs`` group to the root ``travelops`` app."""
    docs_app = typer.Typer(help="Client documents: proposal, itinerary, invoice.", no_args_is_help=True)
    app.add_typer(docs_app, name="docs")

    @docs_app.command("render")
    def docs_render(
        ctx: typer.Context,
        trip_id: Annotated[int, typer.Argument(help="The trip's id.", min=1)],
        kind: Annotated[
            str,
            typer.Option(
                "--kind",
                "-k",
                help="proposal (tiers with prices), itinerary (day by day, no prices) or invoice (payments, "
                "terms).",
            ),
        ] = "proposal",
        fmt: Annotated[
            str, typer.Option("--format", "-f", help="html, pdf, or ics (itinerary only).")
        ] = "pdf",
        out: Annotated[
            str | None,
            typer.Option(
                "--out",
                "-o",
                help="File (or folder) to write. Default: <data_dir>/documents/<trip_id>/<kind>-v<version>.<ext>.",
            ),
        ] = None,
        yes: Annotated[
            bool,
            typer.Option(
                "--yes",
                "-y",
                help="Render even when the preflight has notices (open check flags, the placeholder agency, "
                "no dates, no items, nothing to invoice). Without it they are listed and, unless you are at "
                "a terminal to confirm, nothing is rendered (exit 1).",
            ),
        ] = False,
    ) -> None:
        """Render a trip's document, write it and record it (kind, version, who). Checks first and asks when
        something needs a look (see --yes)."""
        _render(ctx, trip_id, kind.strip().lower(), fmt.strip().lower(), out, yes=yes)


def _interactive() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


@boundary
def _render(ctx: typer.Context, trip_id: int, kind: str, fmt: str, out: str | None, *, yes: bool) -> None:
    from pathlib import Path

    from core.documents import check_request, preflight, render
    from core.security import Principal
    from core.travel import NotFound, TravelService

    check_request(kind, fmt, kind_option="--kind", format_option="--format")  # before opening anything
    settings = load_settings_for(ctx)
    with TravelService.open(settings) as service:
        try:
            notices = preflight(service, Principal.default_admin(), trip_id, kind)
            if notices:
                typer.echo(f"Before rendering the {kind} of trip {trip_id}:", err=True)
                for notice in notices:
                    typer.echo(f"  - {notice.message}", err=True)
                if not yes:
                    if not _interactive():
                        typer.echo(
                            "Nothing rendered. Fix the above, or pass --yes to render anyway.", err=True
                        )
                        raise typer.Exit(1)
                    if not typer.confirm("Render anyway?", default=False, err=True):
                        typer.echo("Nothing rendered.", err=True)
                        raise typer.Exit(1)
            doc = render(
                service,
                Principal.default_admin(),
                trip_id,
                kind=kind,
                fmt=fmt,
                out=Path(out) if out else None,
                settings=settings,
            )
        except NotFound as e:
            if f"trip {trip_id}" not in e.message:
                raise
            raise NotFound(
                f"No trip {trip_id} in {settings.travel_db_path}.",
                hint="Fix: check the trip's id, or pass --config to use the configuration whose data_dir "
                "holds the trip.",
            ) from e
    size = len(doc.bytes)
    shown = f"{size / 1024:.1f} KiB" if size >= 1024 else f"{size} bytes"
    typer.echo(f"Rendered {doc.kind} v{doc.version} ({doc.format}, {shown}) of trip {trip_id}: {doc.path}")
    for warning in doc.warnings:
        typer.echo(f"Warning: {warning}", err=True)
