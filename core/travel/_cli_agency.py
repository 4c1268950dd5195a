"""`travelops agency show|update`: the agency profile every client document is signed with.

Registered from ``core.travel.cli.register``. Only typer is imported at module level; the services are
imported inside each command. Exit codes: 0 done; 1 an error; 2 invalid input (the message names the field
and the option to fix).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core._clikit import boundary
from core._clikit import settings as load_settings_for

if TYPE_CHECKING:
    from core.travel import Agency

__all__ = ["register_agency"]

# the profile's fields and the option that sets each (error messages name the option)
_OPTIONS = {
    "name": "--name",
    "address": "--address",
    "phone": "--phone",
    "email": "--email",
    "website": "--website",
    "default_currency": "--currency",
    "terms": "--terms-file",
    "logo": "--logo",
    "logo_path": "--logo",
}


def register_agency(app: typer.Typer) -> None:
    """Add the ``agency`` group (show, update) to the root app."""
    agency_app = typer.Typer(
        help="The agency profile printed on every client document.", no_args_is_help=True
    )
    app.add_typer(agency_app, name="agency")
    agency_app.command("show")(agency_show)
    agency_app.command("update")(agency_update)


def _as_dict(agency: Agency) -> dict[str, Any]:
    data = agency.model_dump(mode="json", exclude={"created_at", "updated_at"})
    return data | {"is_placeholder": agency.is_placeholder}


def _print(agency: Agency, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_as_dict(agency), indent=2, ensure_ascii=False))
        return
    rows = [
        (
            "Name",
            agency.name
            + ("  (placeholder: documents print no agency name)" if agency.is_placeholder else ""),
        ),
        ("Address", ", ".join(line.strip() for line in agency.address.splitlines() if line.strip())),
        ("Phone", agency.phone or ""),
        ("Email", agency.email or ""),
        ("Website", agency.website or ""),
        ("Currency", agency.default_currency),
        (
            "Terms",
            f"{len(agency.terms.split())} words of your own" if agency.terms.strip() else "the template's",
        ),
        ("Logo", agency.logo_path or ""),
    ]
    for label, value in rows:
        typer.echo(f"{label + ':':<10}{value or '—'}")
    if agency.is_placeholder:
        typer.echo("Fix: travelops agency update --name 'Your Agency' (and --address, --phone, --email ...)")


def _invalid(e: Exception, problems: dict[str, str]) -> Exception:
    from core.errors import ValidationError

    options = ", ".join(dict.fromkeys(_OPTIONS.get(f.split(".")[0], f"--{f}") for f in problems))
    return ValidationError(f"{getattr(e, 'message', str(e))} Fix {options} and run the command again.")


@boundary
def agency_show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """The agency profile (name, address, contacts, currency, terms, logo)."""
    from core.security import Principal
    from core.travel import TravelService

    with TravelService.open(load_settings_for(ctx)) as service:
        _print(service.get_agency(Principal.default_admin()), as_json)


@boundary
def agency_update(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option("--name", help="The agency's name, as documents print it.")
    ] = None,
    address: Annotated[
        str | None, typer.Option("--address", help="Postal address; one line per line (newlines kept).")
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Phone, e.g. '+351 213 000 111'.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Contact email.")] = None,
    website: Annotated[
        str | None, typer.Option("--website", help="Website, e.g. bluecompass.example.")
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Default currency of new trips (ISO code, e.g. EUR).")
    ] = None,
    terms_file: Annotated[
        Path | None,
        typer.Option(
            "--terms-file", help="A text file with the invoice's terms (paragraphs split by blank lines)."
        ),
    ] = None,
    logo: Annotated[Path | None, typer.Option("--logo", help="A PNG or JPEG of at most 1 MiB.")] = None,
    remove_logo: Annotated[
        bool, typer.Option("--remove-logo", help="Take the logo off the profile.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Change the agency profile: only the options given change (an empty value clears phone, email,
    website, address or terms)."""
    from core.errors import ValidationError
    from core.security import Principal
    from core.travel import RecordInvalid, TravelService

    if logo is not None and remove_logo:
        raise ValidationError("--logo and --remove-logo were both given. Fix: pass one of them.")
    changes: dict[str, Any] = {}
    for field, value in (("name", name), ("address", address), ("default_currency", currency)):
        if value is not None:
            changes[field] = value.strip().upper() if field == "default_currency" else value
    for field, value in (("phone", phone), ("email", email), ("website", website)):
        if value is not None:
            changes[field] = value.strip() or None
    if terms_file is not None:
        try:
            changes["terms"] = terms_file.expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ValidationError(
                f"Cannot read --terms-file {terms_file}: {getattr(e, 'strerror', None) or e}. "
                "Fix --terms-file: give a UTF-8 text file that exists."
            ) from e
    data: bytes | None = None
    if logo is not None:
        try:
            data = logo.expanduser().read_bytes()
        except OSError as e:
            raise ValidationError(
                f"Cannot read --logo {logo}: {e.strerror or e}. Fix --logo: give a PNG or JPEG file that exists."
            ) from e
    if not changes and data is None and not remove_logo:
        raise ValidationError(
            "Nothing to change. Fix: pass at least one of --name, --address, --phone, --email, --website, "
            "--currency, --terms-file, --logo, --remove-logo."
        )
    me = Principal.default_admin()
    with TravelService.open(load_settings_for(ctx)) as service:
        try:  # everything is validated before anything is written
            agency, _ = service.update_agency_profile(
                me, changes, logo=data, logo_name=logo.name if logo else "", remove_logo=remove_logo
            )
        except RecordInvalid as e:
            raise _invalid(e, e.problems) from e
    _print(agency, as_json)
