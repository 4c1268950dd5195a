"""``python -m core.mcp.servers NAME [--http PORT]``: run one of our MCP servers (what ``travelops mcp serve``
does, without the CLI). Settings come from ``load_settings()`` (``TRAVELOPS_CONFIG``, ``TRAVELOPS_DATA_DIR``)."""

from __future__ import annotations

import argparse
import sys

from core.errors import TravelOpsError


def main(argv: list[str] | None = None) -> int:
    from core.mcp.servers import SERVERS, serve

    parser = argparse.ArgumentParser(
        prog="python -m core.mcp.servers", description="Run one of TravelOps' MCP servers."
    )
    parser.add_argument("name", help=", ".join(SERVERS))
    parser.add_argument(
        "--http",
        type=int,
        default=None,
        metavar="PORT",
        help="serve streamable HTTP on 127.0.0.1:PORT (0: a free port) instead of stdio",
    )
    args = parser.parse_args(argv)
    try:
        from core.config import load_settings

        serve(args.name, load_settings(), http_port=args.http)
    except TravelOpsError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
