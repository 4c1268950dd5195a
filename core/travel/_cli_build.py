"""`travelops trips create|update` and `travelops travelers add|update|remove|list`: building a trip and its
party from the command line.

``register(app)`` (called by ``core.cli`` right after ``core.travel.cli.register``, not from it: this module
imports that one, and an import back would be a circle) adds ``create`` and ``update`` to the ``trips`` group
and a ``travelers`` group to the root app. Same conventions as ``core.travel.cli``: services imported inside the
commands, text or ``--json``, exit 2 for invalid input naming the field **and the option** to fix, exit 3 when a
traveler looks like another client's person (unless ``--force``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core.travel._cli_kit import JsonOpt, read_cents, read_date
from core.travel._cli_kit import boundary as _boundary
from core.travel._cli_kit import echo_json as _echo_json
from core.travel._cli_kit import service as _service
from core.travel.cli import (
    EXIT_DUPLICATE,
    TripId,
    _dates,  # pyright: ignore[reportPrivateUsage]
    _table,  # pyright: ignore[reportPrivateUsage]
    trips_app,
)

if TYPE_CHECKING:
    from core.security import Principal
    from core.travel import Match, TravelDocument, Traveler, TravelService, Trip

__all__ = ["register"]

travelers_app = typer.Typer(
    help="The people who travel: legal names, contacts, preferences, passports.", no_args_is_help=True
)

# which option sets which field: an invalid field is reported with the option to fix
TRIP_OPTIONS: Mapping[str, str] = {
    "name": "--name",
    "client_id": "--client",
    "start_date": "--start",
    "end_date": "--end",
    "budget_cents": "--budget",
    "currency": "--currency",
    "party": "--party",
    "destinations": "--destinations",
    "lead_source": "--lead-source",
    "planning_fee_cents": "--fee",
    "status": "--status",
    "agent_id": "--agent",
    "notes": "--notes",
}
TRAVELER_OPTIONS: Mapping[str, str] = {
    "first_name": "--name",
    "last_name": "--last-name",
    "date_of_birth": "--dob",
    "email": "--email",
    "phone": "--phone",
    "preferences": "--seat/--meal",
    "preferences.seat": "--seat",
    "preferences.meal": "--meal",
    "documents": "--passport",
    "number": "--passport",
    "country": "--passport-country",
    "expiry": "--passport-expiry",
}


def register(app: typer.Typer) -> None:
    """Add ``trips create``, ``trips update`` and the ``travelers`` group."""
    trips_app.command("create")(trips_create)
    trips_app.command("update")(trips_update)
    app.add_typer(travelers_app, name="travelers")


# -------------------------------------------------------------------------------------------------- plumbing
def _invalid(message: str) -> Exception:
    from core.errors import ValidationError

    return ValidationError(message)


def _option_for(field: str, options: Mapping[str, str]) -> str:
    """``documents.0.country`` -> ``--passport-country``; ``party.1`` -> ``--party``."""
    parts = [p for p in field.split(".") if not p.isdigit()]
    for n in range(len(parts), 0, -1):
        for key in (".".join(parts[:n]), parts[n - 1]):
            if key in options:
                return options[key]
    return f"--{parts[0].replace('_', '-')}" if parts else "the input"


@contextmanager
def _fix_options(options: Mapping[str, str]) -> Generator[None]:
    """A ``RecordInvalid`` becomes exit 2 whose message says which option to fix."""
    from core.travel import RecordInvalid

    try:
        yield
    except RecordInvalid as e:
        names = ", ".join(dict.fromkeys(_option_for(f, options) for f in e.problems))
        joint = "\n" if "\n" in e.message else " "
        raise _invalid(f"{e.message}{joint}Fix {names} and run the command again.") from e


def _date(value: str | None, option: str) -> date | None:
    return read_date(value, option)


def _cents(value: str | None, option: str) -> int | None:
    return read_cents(value, option)


def _ids(value: str | None, option: str) -> list[int] | None:
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise _invalid(
            f"{option} '{value}' is not a list of ids. Fix {option}: give ids separated by commas, e.g. 3,4 "
            "(see `travelops travelers list CLIENT_ID`)."
        )
    return [int(p) for p in parts]


def _words(value: str | None) -> list[str] | None:
    return None if value is None else [p.strip() for p in value.split(",") if p.strip()]


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


# ----------------------------------------------------------------------------------------------------- trips
Start = Annotated[str | None, typer.Option("--start", help="First day, YYYY-MM-DD.", show_default=False)]
End = Annotated[str | None, typer.Option("--end", help="Last day, YYYY-MM-DD.", show_default=False)]
Budget = Annotated[
    str | None,
    typer.Option("--budget", help="The client's budget, e.g. 8000 or 7500.50.", show_default=False),
]
Currency = Annotated[
    str | None,
    typer.Option("--currency", help="ISO code, e.g. EUR (default: the agency's).", show_default=False),
]
Party = Annotated[
    str | None,
    typer.Option(
        "--party", help="Traveler ids, comma separated (default: the client's).", show_default=False
    ),
]
Destinations = Annotated[
    str | None,
    typer.Option("--destinations", help="Comma separated, e.g. 'Lisbon, Porto'.", show_default=False),
]
LeadSource = Annotated[
    str | None, typer.Option("--lead-source", help="e.g. referral, website.", show_default=False)
]
Fee = Annotated[str | None, typer.Option("--fee", help="Planning fee, e.g. 250.", show_default=False)]
Status = Annotated[
    str | None,
    typer.Option(
        "--status", help="planning, confirmed, in_progress, completed or cancelled.", show_default=False
    ),
]
Agent = Annotated[int | None, typer.Option("--agent", help="The assigned user's id.", show_default=False)]
Notes = Annotated[str | None, typer.Option("--notes", help="Free text for the team.", show_default=False)]


def _trip_fields(
    *,
    name: str | None,
    client: int | None,
    start: str | None,
    end: str | None,
    budget: str | None,
    currency: str | None,
    party: str | None,
    destinations: str | None,
    lead_source: str | None,
    fee: str | None,
    status: str | None,
    agent: int | None,
    notes: str | None,
) -> dict[str, Any]:
    """The given options as trip fields; malformed values exit 2 naming the option."""
    return _given(
        name=name,
        client_id=client,
        start_date=_date(start, "--start"),
        end_date=_date(end, "--end"),
        budget_cents=_cents(budget, "--budget"),
        currency=currency.strip().upper() if currency is not None else None,
        party=_ids(party, "--party"),
        destinations=_words(destinations),
        lead_source=lead_source,
        planning_fee_cents=_cents(fee, "--fee"),
        status=status.strip().lower().replace("-", "_").replace(" ", "_") if status is not None else None,
        agent_id=agent,
        notes=notes,
    )


def _trip_out(svc: TravelService, me: Principal, trip: Trip, verb: str, as_json: bool) -> None:
    if as_json:
        _echo_json(trip.model_dump(mode="json"))
        return
    client = svc.get_client(me, trip.client_id).name if trip.client_id else "no client"
    typer.echo(
        f"{verb} trip {trip.id}: {trip.name} ({client}, {_dates(trip.start_date, trip.end_date)}, "
        f"{trip.currency}, {trip.status}, {len(trip.party)} traveler(s))."
    )
    typer.echo(f"See it with `travelops trips show {trip.id}`.")


@_boundary
def trips_create(
    ctx: typer.Context,
    client: Annotated[int, typer.Option("--client", help="The client's id (see `travelops clients list`).")],
    name: Annotated[str, typer.Option("--name", help="The trip's name, e.g. 'Lisbon in May'.")],
    start: Start = None,
    end: End = None,
    budget: Budget = None,
    currency: Currency = None,
    party: Party = None,
    destinations: Destinations = None,
    lead_source: LeadSource = None,
    fee: Fee = None,
    status: Status = None,
    agent: Agent = None,
    notes: Notes = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a trip for a client. The party defaults to the client's travelers, the currency to the agency's."""
    fields = _trip_fields(
        name=name, client=client, start=start, end=end, budget=budget, currency=currency, party=party,
        destinations=destinations, lead_source=lead_source, fee=fee, status=status, agent=agent, notes=notes,
    )  # fmt: skip
    with _service(ctx) as (svc, me), _fix_options(TRIP_OPTIONS):
        if party is None:
            fields["party"] = [t.id for t in svc.list_travelers(me, client) if t.id is not None]
        trip = svc.create_trip(me, **fields)
        _trip_out(svc, me, trip, "Created", as_json)


@_boundary
def trips_update(
    ctx: typer.Context,
    trip_id: TripId,
    name: Annotated[str | None, typer.Option("--name", help="A new name.", show_default=False)] = None,
    client: Annotated[
        int | None, typer.Option("--client", help="Another client's id.", show_default=False)
    ] = None,
    start: Start = None,
    end: End = None,
    budget: Budget = None,
    currency: Currency = None,
    party: Party = None,
    destinations: Destinations = None,
    lead_source: LeadSource = None,
    fee: Fee = None,
    status: Status = None,
    agent: Agent = None,
    notes: Notes = None,
    cancel: Annotated[bool, typer.Option("--cancel", help="Cancel the trip (status cancelled).")] = False,
    reason: Annotated[
        str, typer.Option("--reason", help="Why it is cancelled (with --cancel; kept in the activity log).")
    ] = "",
    archive: Annotated[bool, typer.Option("--archive", help="Hide the trip from lists and search.")] = False,
    accept_option: Annotated[
        str | None,
        typer.Option(
            "--accept-option",
            help="The tier the client chose, by name (e.g. Signature): accepted, the others archived.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a trip: only the options given change (--party and --destinations replace the lists)."""
    changes = _trip_fields(
        name=name, client=client, start=start, end=end, budget=budget, currency=currency, party=party,
        destinations=destinations, lead_source=lead_source, fee=fee, status=status, agent=agent, notes=notes,
    )  # fmt: skip
    if not changes and not cancel and not archive and accept_option is None:
        raise _invalid(
            "Nothing to change. Fix: give at least one option, e.g. --start 2027-05-01 "
            "(see `travelops trips update --help`)."
        )
    if reason and not cancel:
        raise _invalid("--reason is only used with --cancel. Fix: add --cancel or leave --reason out.")
    with _service(ctx) as (svc, me):
        # before any change: an unknown name is refused with the names there are
        chosen = None if accept_option is None else svc.option_named(me, trip_id, accept_option)
        with _fix_options(TRIP_OPTIONS):
            trip = svc.update_trip(me, trip_id, **changes) if changes else svc.get_trip(me, trip_id)
        if chosen is not None and chosen.id is not None:
            svc.accept_option(me, chosen.id)
        if cancel:
            trip = svc.cancel_trip(me, trip_id, reason=reason)
        if archive:
            trip = svc.archive_trip(me, trip_id)
        verb = "Archived" if archive else "Cancelled" if cancel else "Updated"
        if accept_option is not None and not as_json:
            typer.echo(f"The client chose '{accept_option.strip()}': accepted, the other options archived.")
        _trip_out(svc, me, trip, verb, as_json)


# ------------------------------------------------------------------------------------------------- travelers
TravelerId = Annotated[
    int,
    typer.Argument(help="The traveler's id (see `travelops travelers list CLIENT_ID`).", show_default=False),
]
LastName = Annotated[
    str | None,
    typer.Option(
        "--last-name", help="Legal last name (default: the last word of --name).", show_default=False
    ),
]
Dob = Annotated[str | None, typer.Option("--dob", help="Date of birth, YYYY-MM-DD.", show_default=False)]
Email = Annotated[str | None, typer.Option("--email", help="e.g. ana@example.com.", show_default=False)]
Phone = Annotated[str | None, typer.Option("--phone", help="e.g. '+351 912 345 678'.", show_default=False)]
Seat = Annotated[str | None, typer.Option("--seat", help="aisle, window or any.", show_default=False)]
Meal = Annotated[
    str | None, typer.Option("--meal", help="Dietary needs, e.g. vegetarian.", show_default=False)
]
Passport = Annotated[
    str | None,
    typer.Option("--passport", help="Passport number (stored encrypted, shown masked).", show_default=False),
]
PassportCountry = Annotated[
    str | None,
    typer.Option("--passport-country", help="Issuing country, ISO code, e.g. PT.", show_default=False),
]
PassportExpiry = Annotated[
    str | None, typer.Option("--passport-expiry", help="YYYY-MM-DD.", show_default=False)
]
Force = Annotated[bool, typer.Option("--force", help="Save even if the person looks like another client's.")]


def _split_name(name: str, last_name: str | None) -> dict[str, str]:
    """'Ana Maria Silva' -> first 'Ana Maria', last 'Silva' (unless --last-name is given)."""
    words = name.split()
    if last_name is not None:
        return {"first_name": " ".join(words), "last_name": last_name.strip()}
    if len(words) < 2:
        raise _invalid(
            f"--name '{name}' has no last name. Fix --name: give the legal first and last names, e.g. "
            "'Ana Maria Silva', or add --last-name."
        )
    return {"first_name": " ".join(words[:-1]), "last_name": words[-1]}


def _preferences(current: Traveler | None, seat: str | None, meal: str | None) -> dict[str, Any] | None:
    if seat is None and meal is None:
        return None
    prefs = current.preferences.model_dump() if current else {}
    return prefs | _given(seat=seat.strip().lower() if seat else None, meal=meal)


def _documents(
    current: Traveler | None, number: str | None, country: str | None, expiry: str | None
) -> list[TravelDocument | dict[str, Any]] | None:
    """The documents to save: the passport given (or the current one changed), the others kept as they are
    (their numbers are never round-tripped as masks). None: leave the documents alone."""
    expires = _date(expiry, "--passport-expiry")
    if number is None and country is None and expires is None:
        return None
    docs: list[TravelDocument | dict[str, Any]] = list(current.documents) if current else []
    passport = current.passport() if current else None
    if number is None and passport is None:
        raise _invalid(
            "--passport-country and --passport-expiry describe a passport. Fix --passport: give its number "
            "too."
        )
    if number is not None and country is None and passport is None:
        raise _invalid(
            "--passport needs the issuing country. Fix --passport-country: give an ISO code, e.g. PT."
        )
    base: dict[str, Any] = (
        {
            "kind": "passport",
            "number": passport.number,
            "country": passport.country,
            "expiry": passport.expiry,
        }
        if passport
        else {"kind": "passport"}
    )
    new = base | _given(number=number, country=country.strip().upper() if country else None, expiry=expires)
    if passport is not None:
        docs = [new if d is passport else d for d in docs]
    else:
        docs.append(new)
    return docs


def _duplicates(svc: TravelService, me: Principal, client_id: int, fields: Mapping[str, Any]) -> list[Match]:
    from core.travel import ClientDraft

    draft = ClientDraft(
        name=f"{fields.get('first_name', '')} {fields.get('last_name', '')}".strip() or None,
        email=fields.get("email"),
        phone=fields.get("phone"),
        date_of_birth=fields.get("date_of_birth"),
    )
    return svc.duplicates_for_edit(me, client_id, draft)


def _refuse_duplicates(matches: list[Match], who: str, force: bool, as_json: bool) -> None:
    """Warn about other clients this person looks like; unless --force, stop with exit 3."""
    if not matches:
        return
    typer.echo(f"Warning: {who!r} looks like {len(matches)} other client(s)' person:", err=True)
    rows = [[str(m.client.id), m.client.name, m.client.email or "", m.why] for m in matches]
    for line in _table(["id", "client", "email", "why"], rows, right=(0,)):
        typer.echo("  " + line, err=True)
    if force:
        return
    if as_json:
        _echo_json(
            {
                "saved": False,
                "duplicates": [{"id": m.client.id, "name": m.client.name, "why": m.why} for m in matches],
            }
        )
    typer.echo(
        "Not saved. If it is the same person, use that client (`travelops clients show ID`); otherwise run "
        "the same command again with --force.",
        err=True,
    )
    raise typer.Exit(EXIT_DUPLICATE)


def _traveler_out(traveler: Traveler, verb: str, as_json: bool) -> None:
    if as_json:
        _echo_json(traveler.model_dump(mode="json"))
        return
    passport = traveler.passport()
    doc = f", passport {passport.masked} ({passport.country})" if passport else ""
    typer.echo(f"{verb} traveler {traveler.id}: {traveler.full_name}{doc}.")
    typer.echo(f"See the household with `travelops clients show {traveler.client_id}`.")


@travelers_app.command("add")
@_boundary
def travelers_add(
    ctx: typer.Context,
    client_id: Annotated[int, typer.Argument(help="The client's id (see `travelops clients list`).")],
    name: Annotated[
        str, typer.Option("--name", help="Legal name as on the passport, e.g. 'Ana Maria Silva'.")
    ],
    last_name: LastName = None,
    dob: Dob = None,
    email: Email = None,
    phone: Phone = None,
    seat: Seat = None,
    meal: Meal = None,
    passport: Passport = None,
    passport_country: PassportCountry = None,
    passport_expiry: PassportExpiry = None,
    force: Force = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a traveler to a household. If the person looks like another client's (same email, or similar
    name with the same phone or date of birth), nothing is saved unless --force is given (exit 3)."""
    from core.travel import Traveler, parse_record

    fields: dict[str, Any] = _split_name(name, last_name) | _given(
        date_of_birth=_date(dob, "--dob"),
        email=email,
        phone=phone,
        preferences=_preferences(None, seat, meal),
        documents=_documents(None, passport, passport_country, passport_expiry),
    )
    with _fix_options(TRAVELER_OPTIONS):
        parse_record(Traveler, fields | {"client_id": client_id}, what="traveler")  # exit 2 before the store
    with _service(ctx) as (svc, me), _fix_options(TRAVELER_OPTIONS):
        svc.get_client(me, client_id)
        _refuse_duplicates(_duplicates(svc, me, client_id, fields), name, force, as_json)
        traveler = svc.add_traveler(me, client_id, **fields)
    _traveler_out(traveler, "Added", as_json)


@travelers_app.command("update")
@_boundary
def travelers_update(
    ctx: typer.Context,
    traveler_id: TravelerId,
    name: Annotated[
        str | None, typer.Option("--name", help="Legal name as on the passport.", show_default=False)
    ] = None,
    last_name: LastName = None,
    dob: Dob = None,
    email: Email = None,
    phone: Phone = None,
    seat: Seat = None,
    meal: Meal = None,
    passport: Passport = None,
    passport_country: PassportCountry = None,
    passport_expiry: PassportExpiry = None,
    force: Force = False,
    as_json: JsonOpt = False,
) -> None:
    """Change a traveler: only the options given change. --passport-country or --passport-expiry alone change
    the current passport and keep its number. Checked for duplicates like `travelers add`."""
    with _service(ctx) as (svc, me), _fix_options(TRAVELER_OPTIONS):
        current = svc.get_traveler(me, traveler_id)
        names: dict[str, str] = {}
        if name is not None:
            names = _split_name(name, last_name)
        elif last_name is not None:
            names = {"last_name": last_name.strip()}
        changes: dict[str, Any] = names | _given(
            date_of_birth=_date(dob, "--dob"),
            email=email,
            phone=phone,
            preferences=_preferences(current, seat, meal),
            documents=_documents(current, passport, passport_country, passport_expiry),
        )
        if not changes:
            raise _invalid(
                "Nothing to change. Fix: give at least one option, e.g. --email "
                "(see `travelops travelers update --help`)."
            )
        if {"first_name", "last_name", "email", "phone", "date_of_birth"} & set(changes):
            merged = current.model_dump() | changes
            who = f"{merged['first_name']} {merged['last_name']}"
            _refuse_duplicates(_duplicates(svc, me, current.client_id, merged), who, force, as_json)
        traveler = svc.update_traveler(me, traveler_id, **changes)
    _traveler_out(traveler, "Updated", as_json)


@travelers_app.command("remove")
@_boundary
def travelers_remove(ctx: typer.Context, traveler_id: TravelerId, as_json: JsonOpt = False) -> None:
    """Remove a traveler from the household's list (archived: trips that name them keep them)."""
    with _service(ctx) as (svc, me):
        traveler = svc.archive_traveler(me, traveler_id)
    _traveler_out(traveler, "Removed", as_json)


@travelers_app.command("list")
@_boundary
def travelers_list(
    ctx: typer.Context,
    client_id: Annotated[int, typer.Argument(help="The client's id (see `travelops clients list`).")],
    as_json: JsonOpt = False,
) -> None:
    """A household's travelers: id, legal name, date of birth, contacts, passport (masked)."""
    with _service(ctx) as (svc, me):
        travelers = svc.list_travelers(me, client_id)
    if as_json:
        _echo_json([t.model_dump(mode="json") for t in travelers])
        return
    if not travelers:
        typer.echo(
            f"No travelers yet: add one with `travelops travelers add {client_id} --name 'First Last'`."
        )
        return
    rows: list[list[str]] = []
    show: Callable[[Any], str] = lambda v: "" if v is None else str(v)  # noqa: E731
    for t in travelers:
        p = t.passport()
        doc = f"{p.masked} ({p.country}{', ' + str(p.expiry) if p.expiry else ''})" if p else ""
        rows.append([show(t.id), t.full_name, show(t.date_of_birth), show(t.email), show(t.phone), doc])
    for line in _table(["id", "name", "born", "email", "phone", "passport"], rows, right=(0,)):
        typer.echo(line)
