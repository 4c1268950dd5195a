"""The plumbing the travel command modules share: errors as exit codes without a traceback, the store and the
acting principal, JSON output.

``core.travel.cli`` has the same helpers for its own commands; the newer command modules (``_cli_items``) take
them from here so that they need not import ``cli``, which registers them (no import circle).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from core.security import Principal
    from core.travel import TravelService

__all__ = ["EXIT_ERROR", "EXIT_INVALID", "JsonOpt", "boundary", "echo_json", "fail", "invalid", "service"]

EXIT_ERROR = 1
EXIT_INVALID = 2

F = TypeVar("F", bound=Callable[..., Any])

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def boundary(func: F) -> F:
    """Errors become ``Error: <message>`` on stderr and an exit code (1, or 2 for invalid input); no
    traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError as PydanticValidationError

        from core.errors import ConfigError, TravelOpsError, ValidationError
        from core.travel import NotFound

        try:
            return func(*args, **kwargs)
        except NotFound as e:
            fail(str(e), EXIT_ERROR)
        except (ConfigError, ValidationError) as e:
            fail(str(e), EXIT_INVALID)
        except TravelOpsError as e:
            fail(str(e), EXIT_ERROR)
        except PydanticValidationError as e:
            lines = [f"  - {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
            fail("invalid input:\n" + "\n".join(lines), EXIT_INVALID)

    return wrapper  # type: ignore[return-value]


def fail(message: str, code: int) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def invalid(message: str, option: str) -> typer.Exit:
    """Say what is wrong and which option fixes it (on stderr); raise the returned exit (code 2)."""
    typer.echo(f"Error: {message} Fix {option} and run the command again.", err=True)
    return typer.Exit(EXIT_INVALID)


@contextmanager
def service(ctx: typer.Context) -> Generator[tuple[TravelService, Principal]]:
    from core._clikit import settings
    from core.security import Principal
    from core.travel import TravelService

    with TravelService.open(settings(ctx)) as svc:
        yield svc, Principal.default_admin()


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
