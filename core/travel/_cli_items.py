"""`travelops items add|update|move|remove|duplicate`: a trip's itinerary items from the command line.

Days are given by number (``--day 2`` is the trip's second day) or by date; times are local wall-clock times
(``--start 08:30``) in ``--tz``. Moving an item to another day keeps its local time (the services re-date it),
and a day's timed items stay in time order. Invalid input exits 2 naming the option to fix.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core.travel._cli_kit import JsonOpt, boundary, echo_json, invalid, read_cents, read_date, service

if TYPE_CHECKING:
    from core.security import Principal
    from core.travel import Item, TravelService, Trip

__all__ = ["items_app", "register_items"]

items_app = typer.Typer(
    help="A trip's itinerary items: add, update, move, remove, duplicate.", no_args_is_help=True
)

# Each option that fills an item field: the field, for naming the option in errors.
FIELD_OPTIONS: dict[str, str] = {
    "kind": "--kind",
    "title": "--title",
    "start_local": "--start",
    "end_local": "--end",
    "start_tz": "--tz",
    "end_tz": "--end-tz",
    "place_name": "--place",
    "cost_cents": "--cost",
    "sell_cents": "--sell",
    "confirmation_numbers": "--confirmation",
    "supplier_id": "--supplier",
    "status": "--status",
    "client_notes": "--client-notes",
    "internal_notes": "--internal-notes",
    "commission_rate": "--commission-rate",
}
DETAIL_OPTIONS: dict[str, str] = {
    "carrier": "--carrier",
    "number": "--number",
    "from_code": "--from",
    "to_code": "--to",
    "cabin": "--cabin",
    "seat": "--seat",
    "room": "--room",
    "board": "--board",
    "ship": "--ship",
    "car_class": "--car-class",
    "pickup": "--pickup",
    "dropoff": "--dropoff",
    "vehicle": "--vehicle",
    "meeting_point": "--meeting-point",
}

ItemId = Annotated[
    int, typer.Argument(help="The item's id (see `travelops trips show TRIP_ID`).", show_default=False)
]
DayOpt = Annotated[int | None, typer.Option("--day", help="The trip's day number: 1 is its first day.")]
DateOpt = Annotated[str | None, typer.Option("--date", help="The day by its date, YYYY-MM-DD.")]
OptionOpt = Annotated[
    str | None,
    typer.Option("--option", help="Only in this tier (its label, e.g. Signature, or its tier number)."),
]
Text = Annotated[str | None, typer.Option()]


def register_items(app: typer.Typer) -> None:
    """Add ``items`` to the root app."""
    app.add_typer(items_app, name="items")


# -------------------------------------------------------------------------------------------------- plumbing
def _time(value: str | None, option: str) -> time | None:
    if value is None:
        return None
    text = value.strip()
    try:
        if ":" in text and len(text) in (4, 5):
            return time.fromisoformat(text.zfill(5))
    except ValueError:
        pass
    raise invalid(f"{option} {value!r} is not a time HH:MM (00:00 to 23:59).", option)


def _date(value: str, option: str) -> date:
    parsed = read_date(value, option)
    assert parsed is not None
    return parsed


def _cents(value: str | None, option: str) -> int | None:
    return read_cents(value, option)


def _details(kind: str, given: dict[str, str | None]) -> dict[str, str]:
    from core.travel import DETAIL_FIELDS

    details = {k: v for k, v in given.items() if v is not None}
    wrong = [DETAIL_OPTIONS[k] for k in details if k not in DETAIL_FIELDS.get(kind, ())]
    if wrong:
        fits = ", ".join(DETAIL_OPTIONS[k] for k in DETAIL_FIELDS.get(kind, ())) or "none"
        raise invalid(
            f"{', '.join(wrong)} does not apply to a {kind} item (a {kind} takes {fits}).",
            f"{', '.join(wrong)} (remove it) or --kind",
        )
    return details


def _checked(kind: str, fields: dict[str, Any]) -> None:
    """Validate ``fields`` as an item before the store is touched: exit 2 naming the options to fix."""
    from core.travel import Item, RecordInvalid, parse_record

    try:
        parse_record(Item, {"trip_id": 1, "kind": kind, "title": "x"} | fields, what="item")
    except RecordInvalid as e:
        options = ", ".join(
            dict.fromkeys(FIELD_OPTIONS.get(f.split(".")[0], "the detail options") for f in e.problems)
        )
        message = e.message.split(" Fix:")[0]
        raise invalid(message, options or "the options") from e


def _option_id(svc: TravelService, me: Principal, trip_id: int, name: str | None) -> int | None:
    if name is None:
        return None
    options = svc.list_options(me, trip_id)
    for o in options:
        if o.label.casefold() == name.strip().casefold() or str(o.tier) == name.strip():
            return o.id
    labels = ", ".join(f"{o.label!r}" for o in options) or "none yet"
    raise invalid(
        f"--option {name!r} is not an option of trip {trip_id} (its options: {labels}).", "--option"
    )


def _slot(trip: Trip, day: int | None, on: str | None) -> date:
    """The date of ``--day N`` or ``--date D`` on this trip (exactly one of them)."""
    if (day is None) == (on is None):
        both = "both --day and --date are given" if day is not None else "neither --day nor --date is given"
        raise invalid(f"The item needs one day: {both}.", "--day N (the trip's day number) or --date")
    if trip.start_date is None or trip.end_date is None:
        raise invalid(
            f"Trip {trip.id} has no dates, so it has no days yet.",
            f"the trip's dates (`travelops trips update {trip.id} --start D --end D`), then --day",
        )
    count = (trip.end_date - trip.start_date).days + 1
    if day is not None:
        if not 1 <= day <= count:
            raise invalid(f"--day {day} is not a day of this trip: it has days 1 to {count}.", "--day")
        return trip.start_date + timedelta(days=day - 1)
    assert on is not None
    when = _date(on, "--date")
    if not trip.start_date <= when <= trip.end_date:
        raise invalid(f"--date {when} is outside the trip ({trip.start_date} to {trip.end_date}).", "--date")
    return when


def _day_id(svc: TravelService, me: Principal, trip_id: int, when: date, option_id: int | None) -> int:
    """The day of ``when`` in the plan (shared, or ``option_id``'s), created with the trip's days if missing."""
    days = [d for d in svc.list_days(me, trip_id) if d.date == when and d.option_id == option_id]
    if not days:
        days = [d for d in svc.ensure_days(me, trip_id, option_id=option_id) if d.date == when]
    assert days and days[0].id is not None
    return days[0].id


def _times(
    when: date, start: str | None, end: str | None, end_day: int, tz: str | None, end_tz: str | None
) -> dict[str, Any]:
    t0, t1 = _time(start, "--start"), _time(end, "--end")
    if t1 is not None and t0 is None:
        raise invalid("--end is given without --start.", "--start")
    if end_day < 0:
        raise invalid(f"--end-day {end_day} is negative.", "--end-day")
    out: dict[str, Any] = {}
    if t0 is not None:
        out["start_local"] = datetime.combine(when, t0)
    if t1 is not None:
        out["end_local"] = datetime.combine(when + timedelta(days=end_day), t1)
    if tz is not None:
        out["start_tz"] = tz
    if end_tz is not None:
        out["end_tz"] = end_tz
    return out


def _show(item: Item, svc: TravelService, me: Principal, verb: str, as_json: bool) -> None:
    if as_json:
        echo_json(item.model_dump(mode="json"))
        return
    where = "unscheduled"
    if item.day_id is not None:
        day = svc.get_day(me, item.day_id)
        trip = svc.get_trip(me, item.trip_id)
        number = (day.date - trip.start_date).days + 1 if trip.start_date else "?"
        where = f"day {number} ({day.date})"
    when = ""
    if item.start_local is not None:
        when = f" at {item.start_local:%H:%M}" + (f" {item.start_tz}" if item.start_tz else "")
    typer.echo(f"{verb} item {item.id} ({item.kind}) '{item.title}' on {where}{when}.")


# ------------------------------------------------------------------------------------------------- commands
# The options every field-writing command shares (typer needs them spelled out per command).
KindOpt = Annotated[
    str, typer.Option("--kind", help="flight, hotel, activity, transfer, rail, car, cruise or note.")
]
StartOpt = Annotated[str | None, typer.Option("--start", help="Local start time, HH:MM.")]
EndOpt = Annotated[str | None, typer.Option("--end", help="Local end time, HH:MM.")]
EndDayOpt = Annotated[
    int,
    typer.Option(
        "--end-day", help="Days after the start day it ends: 1 for an overnight flight, 3 for 3 nights."
    ),
]
TzOpt = Annotated[str | None, typer.Option("--tz", help="Time zone of the start, e.g. Europe/Lisbon.")]
EndTzOpt = Annotated[str | None, typer.Option("--end-tz", help="Time zone of the end (default: --tz).")]
CostOpt = Annotated[str | None, typer.Option("--cost", help="What it costs the agency, e.g. 1200.00.")]
SellOpt = Annotated[str | None, typer.Option("--sell", help="What the client pays, e.g. 1350.00.")]
ConfOpt = Annotated[
    list[str] | None, typer.Option("--confirmation", help="A confirmation number (repeatable).")
]
SupplierOpt = Annotated[int | None, typer.Option("--supplier", help="The supplier's id.")]
StatusOpt = Annotated[str | None, typer.Option("--status", help="proposed, optional, booked or cancelled.")]
PlaceOpt = Annotated[str | None, typer.Option("--place", help="Where, e.g. 'Avenida Palace, Lisbon'.")]
# The kind-specific details (DETAIL_FIELDS): the same options on add and update.
CarrierOpt = Annotated[
    str | None, typer.Option("--carrier", help="Airline, rail or car company, cruise line.")
]
NumberOpt = Annotated[str | None, typer.Option("--number", help="Flight or train number.")]
FromCodeOpt = Annotated[str | None, typer.Option("--from", help="From airport or station.")]
ToCodeOpt = Annotated[str | None, typer.Option("--to", help="To airport or station.")]
CabinOpt = Annotated[str | None, typer.Option("--cabin", help="Cabin or class.")]
SeatOpt = Annotated[str | None, typer.Option("--seat", help="Seat.")]
RoomOpt = Annotated[str | None, typer.Option("--room", help="Hotel room type.")]
BoardOpt = Annotated[str | None, typer.Option("--board", help="Hotel board, e.g. B&B.")]
ShipOpt = Annotated[str | None, typer.Option("--ship", help="Cruise ship.")]
CarClassOpt = Annotated[str | None, typer.Option("--car-class", help="Car class.")]
PickupOpt = Annotated[str | None, typer.Option("--pickup", help="Pick-up place.")]
DropoffOpt = Annotated[str | None, typer.Option("--dropoff", help="Drop-off place.")]
VehicleOpt = Annotated[str | None, typer.Option("--vehicle", help="Transfer vehicle.")]
MeetingPointOpt = Annotated[str | None, typer.Option("--meeting-point", help="Where to meet.")]
Detail = Annotated[str | None, typer.Option(help="A detail of the item's kind.")]


def _fields(
    *,
    title: str | None,
    place: str | None,
    cost: str | None,
    sell: str | None,
    confirmation: list[str] | None,
    supplier: int | None,
    status: str | None,
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "title": title,
        "place_name": place,
        "cost_cents": _cents(cost, "--cost"),
        "sell_cents": _cents(sell, "--sell"),
        "confirmation_numbers": confirmation or None,
        "supplier_id": supplier,
        "status": status,
    }
    return {k: v for k, v in raw.items() if v is not None}


@items_app.command("add")
@boundary
def items_add(
    ctx: typer.Context,
    trip_id: Annotated[
        int, typer.Argument(help="The trip's id (see `travelops trips list`).", show_default=False)
    ],
    kind: KindOpt,
    title: Annotated[str, typer.Option("--title", help="What the client reads, e.g. 'TP 202 JFK → LIS'.")],
    day: DayOpt = None,
    on: DateOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    end_day: EndDayOpt = 0,
    tz: TzOpt = None,
    end_tz: EndTzOpt = None,
    cost: CostOpt = None,
    sell: SellOpt = None,
    confirmation: ConfOpt = None,
    option: OptionOpt = None,
    supplier: SupplierOpt = None,
    status: StatusOpt = None,
    place: PlaceOpt = None,
    carrier: CarrierOpt = None,
    number: NumberOpt = None,
    from_code: FromCodeOpt = None,
    to_code: ToCodeOpt = None,
    cabin: CabinOpt = None,
    seat: SeatOpt = None,
    room: RoomOpt = None,
    board: BoardOpt = None,
    ship: ShipOpt = None,
    car_class: CarClassOpt = None,
    pickup: PickupOpt = None,
    dropoff: DropoffOpt = None,
    vehicle: VehicleOpt = None,
    meeting_point: MeetingPointOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an item to a day of a trip (`--day 2`, or `--date 2027-05-03`), at a local time in a zone. It goes
    into its day in time order; with --option it belongs to that tier only."""
    details = _details(
        kind,
        {
            "carrier": carrier,
            "number": number,
            "from_code": from_code,
            "to_code": to_code,
            "cabin": cabin,
            "seat": seat,
            "room": room,
            "board": board,
            "ship": ship,
            "car_class": car_class,
            "pickup": pickup,
            "dropoff": dropoff,
            "vehicle": vehicle,
            "meeting_point": meeting_point,
        },
    )
    with service(ctx) as (svc, me):
        trip = svc.get_trip(me, trip_id)
        when = _slot(trip, day, on)
        fields = _fields(
            title=title,
            place=place,
            cost=cost,
            sell=sell,
            confirmation=confirmation,
            supplier=supplier,
            status=status,
        )
        fields |= _times(when, start, end, end_day, tz, end_tz) | ({"details": details} if details else {})
        _checked(kind, fields)
        option_id = _option_id(svc, me, trip_id, option)
        day_id = _day_id(svc, me, trip_id, when, option_id)
        item = svc.add_item(me, trip_id, day_id=day_id, kind=kind, **fields)
        _show(item, svc, me, "Added", as_json)


@items_app.command("update")
@boundary
def items_update(
    ctx: typer.Context,
    item_id: ItemId,
    title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    end_day: EndDayOpt = 0,
    tz: TzOpt = None,
    end_tz: EndTzOpt = None,
    cost: CostOpt = None,
    sell: SellOpt = None,
    confirmation: ConfOpt = None,
    supplier: SupplierOpt = None,
    status: StatusOpt = None,
    place: PlaceOpt = None,
    carrier: CarrierOpt = None,
    number: NumberOpt = None,
    from_code: FromCodeOpt = None,
    to_code: ToCodeOpt = None,
    cabin: CabinOpt = None,
    seat: SeatOpt = None,
    room: RoomOpt = None,
    board: BoardOpt = None,
    ship: ShipOpt = None,
    car_class: CarClassOpt = None,
    pickup: PickupOpt = None,
    dropoff: DropoffOpt = None,
    vehicle: VehicleOpt = None,
    meeting_point: MeetingPointOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an item's fields; only the options given change. --start/--end are times on the item's day
    (the day stays: use `items move` to change it). --confirmation replaces the list."""
    with service(ctx) as (svc, me):
        current = svc.get_item(me, item_id)
        details = _details(
            current.kind,
            {
                "carrier": carrier,
                "number": number,
                "from_code": from_code,
                "to_code": to_code,
                "cabin": cabin,
                "seat": seat,
                "room": room,
                "board": board,
                "ship": ship,
                "car_class": car_class,
                "pickup": pickup,
                "dropoff": dropoff,
                "vehicle": vehicle,
                "meeting_point": meeting_point,
            },
        )
        fields = _fields(
            title=title,
            place=place,
            cost=cost,
            sell=sell,
            confirmation=confirmation,
            supplier=supplier,
            status=status,
        )
        if start is not None or end is not None:
            if current.day_id is not None:
                when = svc.get_day(me, current.day_id).date
            elif current.start_local is not None:
                when = current.start_local.date()
            else:
                raise invalid(
                    f"Item {item_id} is unscheduled and has no date, so a time has no day.",
                    f"the day first (`travelops items move {item_id} --day N`), then --start",
                )
            if start is None and current.start_local is not None:
                start = current.start_local.strftime("%H:%M")
            fields |= _times(when, start, end, end_day, None, None)
        fields |= {k: v for k, v in {"start_tz": tz, "end_tz": end_tz}.items() if v is not None}
        if details:
            fields["details"] = current.details.model_dump() | details
        if not fields:
            raise invalid("Nothing to change: no option was given.", "the options (see --help)")
        _checked(current.kind, current.model_dump(exclude={"id", "created_at", "updated_at"}) | fields)
        item = svc.update_item(me, item_id, **fields)
        _show(item, svc, me, "Updated", as_json)


@items_app.command("move")
@boundary
def items_move(
    ctx: typer.Context,
    item_id: ItemId,
    day: DayOpt = None,
    option: OptionOpt = None,
    unscheduled: Annotated[bool, typer.Option("--unscheduled", help="Take it off the days.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Move an item to day N of its trip: it takes that day's date and keeps its local time (and its tier,
    unless --option names another)."""
    with service(ctx) as (svc, me):
        item = svc.get_item(me, item_id)
        if unscheduled == (day is not None):
            raise invalid("Say where to: give --day N, or --unscheduled.", "--day")
        day_id: int | None = None
        if day is not None:
            trip = svc.get_trip(me, item.trip_id)
            when = _slot(trip, day, None)
            if option is not None:
                option_id = _option_id(svc, me, item.trip_id, option)
            elif item.day_id is not None:
                option_id = svc.get_day(me, item.day_id).option_id
            else:
                option_id = None
            day_id = _day_id(svc, me, item.trip_id, when, option_id)
        moved = svc.move_item(me, item_id, day_id=day_id)
        _show(moved, svc, me, "Moved", as_json)


@items_app.command("duplicate")
@boundary
def items_duplicate(
    ctx: typer.Context, item_id: ItemId, day: DayOpt = None, as_json: JsonOpt = False
) -> None:
    """Copy an item (same day, or --day N; its time kept). The copy is a new booking: no confirmation
    numbers, status proposed."""
    with service(ctx) as (svc, me):
        item = svc.get_item(me, item_id)
        if day is None:
            copy = svc.duplicate_item(me, item_id)
        else:
            when = _slot(svc.get_trip(me, item.trip_id), day, None)
            option_id = svc.get_day(me, item.day_id).option_id if item.day_id is not None else None
            copy = svc.duplicate_item(me, item_id, day_id=_day_id(svc, me, item.trip_id, when, option_id))
        _show(copy, svc, me, "Added a copy:", as_json)


@items_app.command("remove")
@boundary
def items_remove(ctx: typer.Context, item_id: ItemId, as_json: JsonOpt = False) -> None:
    """Delete an item."""
    with service(ctx) as (svc, me):
        item = svc.get_item(me, item_id)
        svc.remove_item(me, item_id)
    if as_json:
        echo_json({"removed": item_id})
        return
    typer.echo(f"Removed item {item_id} '{item.title}'.")
