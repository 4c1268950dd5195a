"""What every `travelops` command module shares: the error boundary and the settings of this invocation.

Lives apart from ``core.cli`` because ``python -m core.cli`` imports that module twice (as ``__main__`` and as
``core.cli``); state kept there would not be seen by domain command modules. The ``--config`` value is read from
the root context instead, which every command of one invocation shares.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["boundary", "settings"]

F = TypeVar("F", bound=Callable[..., Any])


def settings(ctx: typer.Context) -> Settings:
    """The Settings for this invocation (``--config`` on the root command, else the usual lookup)."""
    from core.config import load_settings

    return load_settings(ctx.find_root().params.get("config"))


def boundary(func: F) -> F:
    """TravelOpsError -> its message on stderr and exit 1 (config errors and invalid input: 2). No traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError as PydanticValidationError

        from core.errors import ConfigError, NotFound, TravelOpsError, ValidationError

        try:
            return func(*args, **kwargs)
        except NotFound as e:
            typer.echo(f"Error: {e}", err=True)
            raise typer.Exit(1) from None
        except (ConfigError, ValidationError) as e:
            typer.echo(f"Error: {e}", err=True)
            raise typer.Exit(2) from None
        except TravelOpsError as e:
            typer.echo(f"Error: {e}", err=True)
            raise typer.Exit(1) from None
        except PydanticValidationError as e:
            lines = [f"  - {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
            typer.echo("Error: invalid input:\n" + "\n".join(lines), err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
