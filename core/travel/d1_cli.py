"""`travelops import d1 DUMP.sql [--json]`: load a Cloudflare D1 export of the original system.

Only typer is imported at module level; the travel domain loads when the command runs.
"""

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``import`` group with its ``d1`` command to the root ``travelops`` app."""
    from pathlib import Path
    from typing import Annotated

    from core._clikit import boundary, settings

    import_app = typer.Typer(help="Import data from other systems.", no_args_is_help=True)
    app.add_typer(import_app, name="import")

    @import_app.command("d1")
    @boundary
    def import_d1_command(
        ctx: typer.Context,
        dump: Annotated[
            Path, typer.Argument(help="The .sql file `wrangler d1 export` wrote.", show_default=False)
        ],
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    ) -> None:
        """Import clients, travelers and trips from the original system's D1 export (safe to run twice)."""
        import json

        from core.security import Principal
        from core.travel import TravelService
        from core.travel.d1 import import_d1

        with TravelService.open(settings(ctx)) as service:
            report = import_d1(service, Principal.default_admin(), dump)
        if as_json:
            typer.echo(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False))
        else:
            typer.echo(report.render())
