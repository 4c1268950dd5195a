"""The plumbing the travel command modules share: errors as exit codes without a traceback, the store and the
acting principal, JSON output.

Every travel command module (``cli``, ``_cli_build``, ``_cli_items``, ``_cli_money``, ``_cli_agency``) takes them
from here, so none needs to import ``cli``, which registers the others (no import circle).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from core._clikit import boundary  # the one error boundary of every command module

if TYPE_CHECKING:
    from core.security import Principal
    from core.travel import TravelService

__all__ = [
    "EXIT_ERROR",
    "EXIT_INVALID",
    "JsonOpt",
    "boundary",
    "echo_json",
    "fail",
    "invalid",
    "read_cents",
    "read_date",
    "service",
]

EXIT_ERROR = 1
EXIT_INVALID = 2

F = TypeVar("F", bound=Callable[..., Any])

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


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


def read_date(value: str | None, option: str) -> date | None:
    """``--option YYYY-MM-DD`` as a date (None when not given); anything else is refused naming the option."""
    from core.errors import ValidationError

    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            f"{option} '{value}' is not a date. Fix {option}: write it as YYYY-MM-DD, e.g. 2027-05-01."
        ) from None


def read_cents(value: str | None, option: str, *, positive: bool = False) -> int | None:
    """``--option 1200.50`` as cents (None when not given); not an amount, negative, or (``positive``) zero is
    refused naming the option."""
    from core.errors import ValidationError
    from core.travel import to_cents

    if value is None:
        return None
    try:
        cents = to_cents(value)
    except ValidationError:
        raise ValidationError(
            f"{option} '{value}' is not an amount. Fix {option}: write it like 1200.50, without a currency sign."
        ) from None
    if cents < 0:
        raise ValidationError(f"{option} {value} is negative. Fix {option}: give an amount of 0 or more.")
    if positive and cents == 0:
        raise ValidationError(f"{option} {value} must be more than 0. Fix {option}: give an amount above 0.")
    return cents
