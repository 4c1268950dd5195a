"""``travelops mcp``: import other clients' configurations, list and call servers, serve ours.

Only typer is imported at the top; the MCP SDK loads when a command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from core._clikit import boundary, settings

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def register(app: typer.Typer) -> None:
    mcp_app = typer.Typer(help="MCP servers: import, list, call, serve.", no_args_is_help=True)
    app.add_typer(mcp_app, name="mcp")

    @mcp_app.command("import")
    @boundary
    def mcp_import(
        ctx: typer.Context,
        file: Annotated[
            str,
            typer.Argument(
                help="claude_desktop_config.json, a Continue config.yaml, or a .continue/mcpServers folder."
            ),
        ],
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Show what would be imported; write nothing.")
        ] = False,
        replace: Annotated[
            bool, typer.Option("--replace", help="Overwrite servers that already exist.")
        ] = False,
    ) -> None:
        """Import MCP servers into the configuration (secrets stay environment references)."""
        from core.mcp import run_import

        report = run_import(ctx.find_root().params.get("config"), file, dry_run=dry_run, replace=replace)
        typer.echo(report.render())

    @mcp_app.command("list")
    @boundary
    def mcp_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """Start every enabled server, show instances, health and tool counts, then stop."""
        from core.mcp import run_list

        report = run_list(settings(ctx))
        typer.echo(report.model_dump_json(indent=2) if as_json else report.render())

    @mcp_app.command("call")
    @boundary
    def mcp_call(
        ctx: typer.Context,
        server: Annotated[str, typer.Argument(help="Server name (mcp.servers in the config).")],
        tool: Annotated[str, typer.Argument(help="Tool name.")],
        args: Annotated[
            str | None,
            typer.Option("--args", help='Arguments as a JSON object, e.g. \'{"query": "lisbon"}\'.'),
        ] = None,
        timeout_s: Annotated[
            float | None, typer.Option("--timeout", help="Seconds to wait for the answer.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Call one tool once (recorded in the warehouse like any call); exits 1 if the tool reports an error."""
        from core.mcp import run_call

        report = run_call(settings(ctx), server, tool, args, timeout_s=timeout_s)
        typer.echo(report.model_dump_json(indent=2) if as_json else report.render())
        if report.result.is_error:
            raise typer.Exit(1)

    @mcp_app.command("serve")
    @boundary
    def mcp_serve(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="travel-db, documents, guide, research or travelops.")],
        http: Annotated[
            int | None,
            typer.Option(
                "--http", min=1, max=65535, help="Serve streamable HTTP on 127.0.0.1:PORT instead of stdio."
            ),
        ] = None,
    ) -> None:
        """Run one of our MCP servers on stdio (for Claude Desktop, Continue, ...) or HTTP."""
        from core.mcp.servers import serve

        serve(name, settings(ctx), http_port=http)
