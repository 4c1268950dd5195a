"""`travelops clients|trips|search|workflow`: the travel domain from the command line.

``register(app)`` adds the commands to the root ``travelops`` app (``core.cli`` calls it). Only typer (and a
few standard-library names) are imported at module level; the services, pydantic and the settings are
imported inside each command. Each command opens the travel store of the configured ``data_dir``, acts as
the default administrator, calls the services, and prints aligned text or, with ``--json``, JSON.

Exit codes: 0 done; 1 an error (unknown id, a workflow step that is not done, ...); 2 invalid input (the
message names the field); 3 ``clients add`` refused because the client looks like an existing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core.travel._cli_kit import EXIT_ERROR, EXIT_INVALID, JsonOpt
from core.travel._cli_kit import boundary as _boundary
from core.travel._cli_kit import echo_json as _echo_json
from core.travel._cli_kit import fail as _fail
from core.travel._cli_kit import service as _service
from core.travel._cli_money import register_money

if TYPE_CHECKING:
    from core.travel import Item, TripPlan, WorkflowStatus

__all__ = ["EXIT_DUPLICATE", "EXIT_ERROR", "EXIT_INVALID", "register"]

EXIT_DUPLICATE = 3
TripId = Annotated[
    int, typer.Argument(help="The trip's id (see `travelops trips list`).", show_default=False)
]

clients_app = typer.Typer(help="Clients (households) and their travelers.", no_args_is_help=True)
trips_app = typer.Typer(help="Trips: itinerary, money and checks.", no_args_is_help=True)
workflow_app = typer.Typer(help="The 12-step planning workflow of a trip.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``clients``, ``trips``, ``workflow`` and ``search`` to the root app."""
    app.add_typer(clients_app, name="clients")
    app.add_typer(trips_app, name="trips")
    app.add_typer(workflow_app, name="workflow")
    app.command("search")(search)
    from core.travel._cli_agency import register_agency

    register_agency(app)
    register_money(app)  # payments, tiers: core/travel/_cli_money.py
    from core.travel._cli_items import register_items  # it imports this module's plumbing

    register_items(app)


# -------------------------------------------------------------------------------------------------- plumbing
def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> list[str]:
    """Rows as aligned columns (``right``: indexes of right-aligned columns); trailing blanks trimmed."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    return [_row(r, widths, right) for r in [headers, *rows]]


def _row(cells: Sequence[str], widths: Sequence[int], right: Sequence[int] = ()) -> str:
    parts = [
        str(c).rjust(w) if i in right else str(c).ljust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    ]
    return "  ".join(parts).rstrip()


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _money(cents: int | None, currency: str) -> str:
    from core.travel import format_money

    return "" if cents is None else format_money(cents, currency)


def _dates(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "(no dates)"
    return f"{start or '?'} → {end or '?'}"


# --------------------------------------------------------------------------------------------------- clients
@clients_app.command("list")
@_boundary
def clients_list(
    ctx: typer.Context,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Only clients matching this (names, emails, phones).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="At most this many.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Clients by name (or, with --search, best match first), with their traveler and trip counts."""
    with _service(ctx) as (svc, me):
        clients = svc.search_clients(me, search, limit=limit) if search else svc.list_clients(me, limit=limit)
        counts = {
            c.id: (len(svc.list_travelers(me, c.id)), len(svc.list_trips(me, client_id=c.id, limit=500)))
            for c in clients
            if c.id is not None
        }
    if as_json:
        _echo_json(
            [
                c.model_dump(mode="json") | {"travelers": counts[c.id][0], "trips": counts[c.id][1]}
                for c in clients
                if c.id is not None
            ]
        )
        return
    if not clients:
        typer.echo(f"No clients match {search!r}." if search else "No clients yet.")
        typer.echo("Add one with `travelops clients add --name … --email …`, or run `travelops demo seed`.")
        return
    rows = [
        [
            str(c.id),
            c.name,
            c.email or "",
            c.phone or "",
            str(counts[c.id][0]),
            str(counts[c.id][1]),
            ", ".join(c.tags),
        ]
        for c in clients
        if c.id is not None
    ]
    for line in _table(["id", "name", "email", "phone", "travelers", "trips", "tags"], rows, right=(0, 4, 5)):
        typer.echo(line)
    more = " (there may be more: raise --limit)" if len(clients) == limit else ""
    typer.echo(f"{len(clients)} client(s){more}.")


@clients_app.command("show")
@_boundary
def clients_show(
    ctx: typer.Context,
    client_id: Annotated[int, typer.Argument(help="The client's id (see `travelops clients list`).")],
    as_json: JsonOpt = False,
) -> None:
    """A client with travelers (preferences, loyalty, documents masked), trip history and lifetime value."""
    with _service(ctx) as (svc, me):
        client = svc.get_client(me, client_id)
        travelers = svc.list_travelers(me, client_id)
        trips = svc.list_trips(me, client_id=client_id, include_archived=True, limit=500)
        totals = {t.id: svc.trip_totals(me, t.id) for t in trips if t.id is not None}
    value: dict[str, list[int]] = {}  # currency -> [client total, trips, paid]
    for t in trips:
        if t.id is not None and t.status in ("confirmed", "in_progress", "completed"):
            entry = value.setdefault(t.currency, [0, 0, 0])
            entry[0] += totals[t.id].client_total_cents
            entry[1] += 1
            entry[2] += totals[t.id].paid_cents
    lifetime = [
        {"currency": cur, "cents": v[0], "formatted": _money(v[0], cur), "trips": v[1], "paid_cents": v[2]}
        for cur, v in sorted(value.items())
    ]
    if as_json:
        _echo_json(
            {
                "client": client.model_dump(mode="json"),
                "travelers": [t.model_dump(mode="json") for t in travelers],
                "trips": [
                    t.model_dump(mode="json")
                    | {
                        "client_total_cents": totals[t.id].client_total_cents,
                        "paid_cents": totals[t.id].paid_cents,
                        "balance_due_cents": totals[t.id].balance_due_cents,
                    }
                    for t in trips
                    if t.id is not None
                ],
                "lifetime_value": lifetime,
            }
        )
        return
    typer.echo(f"Client {client.id}: {client.name}" + (" (archived)" if client.archived else ""))
    facts = [
        ("email", client.email or ""),
        ("phone", client.phone or ""),
        ("address", client.address or ""),
        ("tags", ", ".join(client.tags)),
        ("notes", client.notes),
        (
            "lifetime value",
            "; ".join(f"{v['formatted']} over {v['trips']} booked trip(s)" for v in lifetime)
            or "nothing booked yet",
        ),
    ]
    width = max(len(k) for k, _ in facts)
    for key, text in facts:
        if text:
            typer.echo(f"  {key.ljust(width)}  {text}")
    typer.echo("")
    typer.echo(f"Travelers ({len(travelers)})")
    today = date.today()
    for t in travelers:
        born = f"born {t.date_of_birth}" if t.date_of_birth else ""
        typer.echo("  " + "  ".join(x for x in (t.full_name, born, t.email or "", t.phone or "") if x))
        prefs = t.preferences
        parts = [
            f"seat {prefs.seat}" if prefs.seat else "",
            f"meal {prefs.meal}" if prefs.meal else "",
            f"accessibility {prefs.accessibility}" if prefs.accessibility else "",
            f"hotel {prefs.hotel_tier}" if prefs.hotel_tier else "",
            f"interests {', '.join(prefs.interests)}" if prefs.interests else "",
        ]
        if any(parts):
            typer.echo("    preferences  " + " · ".join(p for p in parts if p))
        if t.loyalty_programs:
            typer.echo(
                "    loyalty      " + "; ".join(f"{lp.program} {lp.number}" for lp in t.loyalty_programs)
            )
        for doc in t.documents:
            expiry = f", expires {doc.expiry}" if doc.expiry else ""
            expired = " (EXPIRED)" if doc.expiry and doc.expiry < today else ""
            typer.echo(f"    {doc.kind:<12} {doc.masked} ({doc.country}){expiry}{expired}")
    typer.echo("")
    typer.echo(f"Trips ({len(trips)})")
    if trips:
        rows = [
            [
                str(t.id),
                t.name,
                t.status,
                _dates(t.start_date, t.end_date),
                _money(totals[t.id].client_total_cents, t.currency),
                _money(totals[t.id].balance_due_cents, t.currency),
            ]
            for t in trips
            if t.id is not None
        ]
        for line in _table(["id", "trip", "status", "dates", "total", "balance due"], rows, right=(0, 4, 5)):
            typer.echo("  " + line)


@clients_app.command("add")
@_boundary
def clients_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="The household's name, e.g. 'Ana & Rui Silva'.")],
    email: Annotated[str, typer.Option("--email", help="Contact email, e.g. ana@example.com.")],
    phone: Annotated[
        str | None, typer.Option("--phone", help="Contact phone, e.g. '+351 912 345 678'.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Create it even if it looks like an existing client.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a client. If it looks like an existing one (same email, or similar name and same phone), nothing is
    created unless --force is given (exit 3)."""
    from core.errors import ValidationError
    from core.travel import Client, ClientDraft, RecordInvalid, parse_record

    fields: dict[str, Any] = {"name": name, "email": email} | ({"phone": phone} if phone else {})
    try:
        parse_record(Client, fields, what="client")  # invalid input: exit 2 before the store is touched
    except RecordInvalid as e:
        options = ", ".join(dict.fromkeys(f"--{field.split('.')[0]}" for field in e.problems))
        joint = "\n" if "\n" in e.message else " "
        raise ValidationError(f"{e.message}{joint}Fix {options} and run the command again.") from e
    with _service(ctx) as (svc, me):
        matches = svc.likely_duplicates(me, ClientDraft(name=name, email=email, phone=phone))
        duplicates = [
            {
                "id": m.client.id,
                "name": m.client.name,
                "email": m.client.email,
                "score": m.score,
                "why": m.why,
            }
            for m in matches
        ]
        if matches:
            typer.echo(f"Warning: {name!r} looks like {len(matches)} existing client(s):", err=True)
            rows = [[str(m.client.id), m.client.name, m.client.email or "", m.why] for m in matches]
            for line in _table(["id", "name", "email", "why"], rows, right=(0,)):
                typer.echo("  " + line, err=True)
        if matches and not force:
            if as_json:
                _echo_json({"created": False, "client": None, "duplicates": duplicates, "forced": False})
            typer.echo(
                "Not created. If it is one of these, use it (`travelops clients show ID`); if it is another "
                "household, run the same command again with --force.",
                err=True,
            )
            raise typer.Exit(EXIT_DUPLICATE)
        client = svc.create_client(me, **fields)
    if as_json:
        _echo_json(
            {
                "created": True,
                "client": client.model_dump(mode="json"),
                "duplicates": duplicates,
                "forced": force,
            }
        )
        return
    forced = (
        f" (--force: created although it looks like {len(matches)} existing client(s))" if matches else ""
    )
    typer.echo(f"Created client {client.id}: {client.name} <{client.email}>{forced}.")
    typer.echo(
        f"Add travelers with `travelops travelers add {client.id} --name 'First Last'`; see it with "
        f"`travelops clients show {client.id}`."
    )


# ----------------------------------------------------------------------------------------------------- trips
@trips_app.command("list")
@_boundary
def trips_list(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="planning, confirmed, in_progress, completed or cancelled.", show_default=False
        ),
    ] = None,
    client: Annotated[int | None, typer.Option("--client", help="Only this client's trips (its id).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="At most this many.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Trips, soonest first: status, dates, client, agent, workflow step and client total."""
    from typing import get_args

    from core.errors import ValidationError
    from core.travel import Trip, Workflow

    statuses: tuple[str, ...] = get_args(Trip.model_fields["status"].annotation)
    wanted = status.strip().lower().replace("-", "_").replace(" ", "_") if status else None
    if wanted is not None and wanted not in statuses:
        raise ValidationError(
            f"--status {status!r} is not a trip status.", hint=f"Use one of: {', '.join(statuses)}."
        )
    with _service(ctx) as (svc, me):
        if client is not None:
            svc.get_client(me, client)  # an unknown id is an error, not an empty list
        trips = svc.list_trips(me, client_id=client, status=wanted, limit=limit)
        users = {u.id: u.display_name for u in svc.list_users(me)}
        names: dict[int, str] = {}
        for t in trips:
            if t.client_id is not None and t.client_id not in names:
                names[t.client_id] = svc.get_client(me, t.client_id).name
        wf = Workflow(svc)
        steps = {t.id: _step_label(wf.status(me, t.id)) for t in trips if t.id is not None}
        totals = {t.id: svc.trip_totals(me, t.id) for t in trips if t.id is not None}
    if as_json:
        _echo_json(
            [
                t.model_dump(mode="json")
                | {
                    "client_name": names.get(t.client_id) if t.client_id else None,
                    "agent_name": users.get(t.agent_id),
                    "workflow_step": steps[t.id],
                    "client_total_cents": totals[t.id].client_total_cents,
                    "balance_due_cents": totals[t.id].balance_due_cents,
                }
                for t in trips
                if t.id is not None
            ]
        )
        return
    if not trips:
        typer.echo("No trips match." if (status or client) else "No trips yet (try `travelops demo seed`).")
        return
    rows = [
        [
            str(t.id),
            _cut(t.name, 40),
            t.status,
            _dates(t.start_date, t.end_date),
            _cut(names.get(t.client_id, "") if t.client_id else "", 30),
            users.get(t.agent_id, "") if t.agent_id else "",
            steps[t.id],
            _money(totals[t.id].client_total_cents, t.currency),
        ]
        for t in trips
        if t.id is not None
    ]
    headers = ["id", "trip", "status", "dates", "client", "agent", "step", "total"]
    for line in _table(headers, rows, right=(0, 7)):
        typer.echo(line)
    more = " (there may be more: raise --limit)" if len(trips) == limit else ""
    typer.echo(f"{len(trips)} trip(s){more}.")


def _step_label(status: WorkflowStatus) -> str:
    if not status.started:
        return "—"
    if status.current_step is None:
        return "done"
    return f"{status.current_step}/{len(status.steps)}"


@trips_app.command("show")
@_boundary
def trips_show(ctx: typer.Context, trip_id: TripId, as_json: JsonOpt = False) -> None:
    """A trip day by day: items with local times and zones, payments, totals and the checks' flags."""
    from core.travel import Workflow

    with _service(ctx) as (svc, me):
        plan = svc.get_trip_plan(me, trip_id)
        flags = svc.check_trip(me, trip_id)
        progress = Workflow(svc).status(me, trip_id)
        agent = svc.get_user(me, plan.trip.agent_id).display_name if plan.trip.agent_id else None
    workflow = {
        "started": progress.started,
        "current_step": progress.current_step,
        "current_title": progress.current.title if progress.current else None,
        "percent": progress.percent,
        "completed": progress.completed,
    }
    if as_json:
        _echo_json(
            plan.model_dump(mode="json")
            | {"agent_name": agent, "flags": [f.model_dump(mode="json") for f in flags], "workflow": workflow}
        )
        return
    for line in _trip_text(plan, agent, progress):
        typer.echo(line)
    typer.echo("")
    if not flags:
        typer.echo("Checks: nothing to flag.")
        return
    typer.echo(f"Checks ({len(flags)} flag(s))")
    rows = [[f.severity, f.code, str(f.item_id or ""), f.message] for f in flags]
    for line in _table(["severity", "code", "item", "message"], rows, right=(2,)):
        typer.echo("  " + line)


def _trip_text(plan: TripPlan, agent: str | None, progress: WorkflowStatus) -> list[str]:
    trip, totals, cur = plan.trip, plan.totals, plan.trip.currency
    out = [f"Trip {trip.id}: {trip.name} ({trip.status})" + (" (archived)" if trip.archived else "")]
    nights = f" ({trip.nights} nights)" if trip.nights is not None else ""
    if progress.current is not None:
        step = f"step {progress.current.number} of {len(progress.steps)}, '{progress.current.title}' ({progress.percent:.0f}% done)"
    else:
        step = "complete" if progress.completed else "not started"
    facts = [
        ("client", f"{plan.client.name} (client {plan.client.id})" if plan.client else "(none)"),
        ("party", ", ".join(t.full_name for t in plan.travelers) or "(none)"),
        ("dates", _dates(trip.start_date, trip.end_date) + nights),
        ("destinations", ", ".join(trip.destinations)),
        ("agent", agent or ""),
        ("budget", _money(trip.budget_cents, cur)),
        ("workflow", step),
        ("notes", trip.notes),
    ]
    width = max(len(k) for k, _ in facts)
    out.extend(f"  {k.ljust(width)}  {v}" for k, v in facts if v)
    if plan.options:
        out.append(
            "  "
            + "options".ljust(width)
            + "  "
            + " · ".join(f"{o.tier} {o.label} ({o.status})" for o in plan.options)
        )

    item_rows: list[list[str]] = []
    sections: list[tuple[str, int, int]] = []  # heading, first row, end row
    for n, day_plan in enumerate(plan.days, start=1):
        d = day_plan.day
        title = f" · {d.title}" if d.title and d.title != f"Day {n}" else ""
        heading = f"Day {n} · {d.date:%a} {d.date}{title}"
        first = len(item_rows)
        item_rows.extend(_item_row(i) for i in day_plan.items)
        sections.append((heading, first, len(item_rows)))
    if plan.unscheduled:
        first = len(item_rows)
        item_rows.extend(_item_row(i) for i in plan.unscheduled)
        sections.append(("Unscheduled", first, len(item_rows)))
    headers = ["time", "zone", "kind", "item", "status", "confirmation", "sell"]
    widths = [max(len(r[c]) for r in [headers, *item_rows]) for c in range(len(headers))]
    out.append("")
    out.append("Itinerary (local times)")
    out.append("  " + _row(headers, widths, right=(6,)))
    for heading, first, end in sections:
        out.append("")
        out.append(heading)
        if first == end:
            out.append("  (nothing planned)")
        out.extend("  " + _row(r, widths, right=(6,)) for r in item_rows[first:end])

    if plan.payments:
        out.append("")
        out.append("Payments")
        rows = [
            [
                str(p.due_date),
                p.description,
                _money(p.amount_cents, cur),
                f"paid {p.paid_on}" if p.paid and p.paid_on else ("paid" if p.paid else "due"),
            ]
            for p in plan.payments
        ]
        out.extend("  " + line for line in _table(["due", "payment", "amount", "status"], rows, right=(2,)))

    margin = f" ({totals.margin_pct:.1f}%)" if totals.margin_pct is not None else ""
    next_payment = (
        f"{totals.next_payment_date} {_money(totals.next_payment_cents, cur)}"
        if totals.next_payment_date
        else ""
    )
    money = [
        ("cost", _money(totals.cost_cents, cur)),
        ("sell", _money(totals.sell_cents, cur)),
        ("margin", _money(totals.margin_cents, cur) + margin),
        ("planning fee", _money(totals.planning_fee_cents, cur)),
        ("client total", _money(totals.client_total_cents, cur)),
        (
            "commission",
            f"{_money(totals.commission_expected_cents, cur)} expected, "
            f"{_money(totals.commission_received_cents, cur)} received",
        ),
        ("paid", _money(totals.paid_cents, cur)),
        ("balance due", _money(totals.balance_due_cents, cur)),
        ("next payment", next_payment),
    ]
    if totals.other_currency_item_ids:
        money.append(
            ("not counted", f"items {totals.other_currency_item_ids} are priced in another currency")
        )
    out.append("")
    out.append(f"Totals ({totals.items_counted} priced item(s))")
    width = max(len(k) for k, _ in money)
    out.extend(f"  {k.ljust(width)}  {v}" for k, v in money if v)
    return out


def _item_row(item: Item) -> list[str]:
    def clock(value: Any) -> str:
        return value.strftime("%H:%M") if value is not None else ""

    times = clock(item.start_local) + (f"–{clock(item.end_local)}" if item.end_local else "")
    if item.start_local and item.end_local and item.end_local.date() != item.start_local.date():
        times = f"{clock(item.start_local)}–{item.end_local:%m-%d %H:%M}"
    zone = item.start_tz or ""
    if item.end_tz and item.end_tz != item.start_tz:
        zone = f"{zone} → {item.end_tz}"
    price = _money(item.sell_cents, item.currency) if item.sell_cents or item.cost_cents else ""
    return [
        times,
        zone,
        item.kind,
        _cut(item.title, 48),
        item.status,
        ", ".join(item.confirmation_numbers),
        price,
    ]


# ---------------------------------------------------------------------------------------------------- search
@_boundary
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Names, destinations, emails, confirmation numbers, notes…")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="At most this many hits.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Search clients, travelers, trips and items at once: ranked, typo-tolerant."""
    with _service(ctx) as (svc, me):
        hits = svc.get_anything(me, query, limit=limit)
    if as_json:
        _echo_json([{"rank": n} | h.model_dump(mode="json") for n, h in enumerate(hits, start=1)])
        return
    if not hits:
        typer.echo(f"Nothing matches {query!r}. Try fewer or shorter words (three letters or more).")
        return
    rows = [
        [str(n), h.kind, str(h.id), _cut(h.title, 40), _cut(h.matched, 50), f"{h.score:.2f}", _see(h.kind, h)]
        for n, h in enumerate(hits, start=1)
    ]
    for line in _table(["#", "kind", "id", "title", "matched", "score", "see"], rows, right=(0, 2, 5)):
        typer.echo(line)


def _see(kind: str, hit: Any) -> str:
    if kind in ("client", "traveler") and hit.client_id is not None:
        return f"travelops clients show {hit.client_id}"
    if kind in ("trip", "item") and hit.trip_id is not None:
        return f"travelops trips show {hit.trip_id}"
    return ""


# -------------------------------------------------------------------------------------------------- workflow
@workflow_app.command("status")
@_boundary
def workflow_status(ctx: typer.Context, trip_id: TripId, as_json: JsonOpt = False) -> None:
    """The 12 steps grouped by phase (done, current, todo, skipped), the current checklist and the percent."""
    from core.travel import Workflow

    with _service(ctx) as (svc, me):
        trip = svc.get_trip(me, trip_id)
        status = Workflow(svc).status(me, trip_id)
    if as_json:
        _echo_json(_status_json(status, trip.name))
        return
    for line in _status_text(status, trip.name):
        typer.echo(line)


def _status_json(status: WorkflowStatus, trip_name: str) -> dict[str, Any]:
    from core.travel import PHASES

    return {
        "trip_id": status.trip_id,
        "trip": trip_name,
        "started": status.started,
        "current_step": status.current_step,
        "percent": status.percent,
        "completed": status.completed,
        "phases": [
            {
                "phase": phase,
                "percent": status.by_phase.get(phase, 0.0),
                "steps": [
                    {
                        "number": sp.step.number,
                        "key": sp.step.key,
                        "title": sp.step.title,
                        "status": sp.status,
                        "ticked": sp.ticked,
                        "unticked": sp.unticked,
                    }
                    for sp in status.steps
                    if sp.step.phase == phase
                ],
            }
            for phase in PHASES
        ],
        "flags": [f.model_dump(mode="json") for f in status.flags],
    }


def _status_text(status: WorkflowStatus, trip_name: str) -> list[str]:
    from core.travel import PHASES

    if not status.started:
        where = f"not started. `travelops workflow advance {status.trip_id}` starts it at step 1"
    elif status.current is not None:
        where = f"step {status.current.number} of {len(status.steps)}, '{status.current.title}'"
    else:
        where = "every step is done"
    out = [f"Trip {status.trip_id} '{trip_name}': {where} · {status.percent:.0f}% done"]
    width = max(len(sp.step.title) for sp in status.steps)
    for phase in PHASES:
        out.append("")
        out.append(f"{phase} ({status.by_phase.get(phase, 0.0):.0f}%)")
        for sp in (s for s in status.steps if s.step.phase == phase):
            out.append(f"  {sp.step.number:>2}  {sp.step.title.ljust(width)}  {sp.status}")
            if sp.status == "current":
                out.extend(f"        [x] {c}" for c in sp.ticked)
                out.extend(f"        [ ] {c}" for c in sp.unticked)
    if status.flags:
        out.append("")
        out.append(f"Flags from step 8 ({len(status.flags)})")
        out.extend(f"  {f.severity:<8} {f.code}: {f.message}" for f in status.flags)
    return out


@workflow_app.command("advance")
@_boundary
def workflow_advance(
    ctx: typer.Context,
    trip_id: TripId,
    force: Annotated[
        bool, typer.Option("--force", help="Move on even if the current step's checklist is not all ticked.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Finish the current step and go to the next (starts the workflow at step 1 if it has not started).
    Refuses while checklist items are unticked, naming them, unless --force."""
    from core.errors import ValidationError
    from core.travel import Workflow

    with _service(ctx) as (svc, me):
        wf = Workflow(svc)
        trip = svc.get_trip(me, trip_id)
        before = wf.status(me, trip_id)
        if not before.started:
            after = wf.start(me, trip_id)
            first = after.steps[0].step.title
            message = f"Started the workflow of trip {trip_id} '{trip.name}': now at step 1, '{first}'."
            finished = None
        else:
            finished = before.current
            try:
                after = wf.advance(me, trip_id, force=force)
            except ValidationError as e:
                if finished is None:
                    raise  # every step is done: the service's message says so
                _fail(
                    f"{e.message} Tick them when they are done, or run `travelops workflow advance {trip_id} "
                    "--force` to move on anyway.",
                    EXIT_ERROR,
                )
            assert finished is not None
            forced = next(sp.unticked for sp in after.steps if sp.step.number == finished.number)
            forced_text = (
                f" (forced past {len(forced)} unticked: {'; '.join(forced)})" if forced and force else ""
            )
            now = (
                f"now at step {after.current.number}, '{after.current.title}'"
                if after.current
                else "every step is done"
            )
            message = (
                f"Finished step {finished.number}, '{finished.title}'{forced_text}; {now} "
                f"({after.percent:.0f}% done)."
            )
    if as_json:
        _echo_json(_status_json(after, trip.name) | {"finished_step": finished.number if finished else None})
        return
    typer.echo(message)
