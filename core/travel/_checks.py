"""Trip checks: things worth a look before a proposal goes out. They flag, never reject.

Each check is a small function over a ``TripPlan``; ``CHECKS`` lists them in the order they run. Codes are
stable (pages and tests rely on them):

=========================== ======== =========================================================================
code                        severity what
=========================== ======== =========================================================================
overlap                     warning  two timed items (or two stays) of the same plan overlap in time
outside_trip_dates          warning  an item starts before / ends after the trip (overnight transport: +1 day)
day_outside_trip_dates      warning  an itinerary day is outside the trip's dates
item_day_mismatch           warning  an item's start date is not the date of the day it sits in
passport_expires_soon       warning  a traveller's passport expires within six months after the return date
passport_expired_on_return  error    ... or before the return date
missing_confirmation        warning  a booked item has no confirmation number
tz_missing                  warning  an item has a local time but no time zone
tz_order                    error    arrival is before departure once both are converted to UTC
tz_implausible_duration     warning  a flight lasts more than 20 hours in UTC (a date or zone is likely wrong)
tz_nonexistent_time         warning  a local time falls in a daylight-saving gap
tz_place_mismatch           warning  an item's zone disagrees with the usual zone of its place (non-flights)
currency_mismatch           info     an item is priced in another currency than the trip (left out of totals)
payment_overdue             warning  a client payment is past due and not marked paid
sold_below_cost             warning  an item's sell price is below its cost
no_payment_schedule         warning  a confirmed or in-progress trip has no client payment scheduled
no_travelers                warning  a trip (not cancelled) has nobody in its party
=========================== ======== =========================================================================

Items of an archived option (a tier the client did not choose) are not checked: they will not happen.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.travel._codes import city_timezone
from core.travel._models import Item, format_money
from core.travel._results import Flag, TripPlan

__all__ = ["CHECKS", "add_months", "run_checks"]

TIMED = frozenset({"flight", "activity", "transfer", "rail"})
STAYS = frozenset({"hotel", "cruise"})
OVERNIGHT = frozenset({"flight", "rail", "cruise", "transfer"})
MAX_FLIGHT = timedelta(hours=20)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _when(item: Item) -> str:
    if item.start_local is None:
        return ""
    text = item.start_local.strftime("%Y-%m-%d %H:%M")
    return f" ({text} {item.start_tz})" if item.start_tz else f" ({text})"


def _live(plan: TripPlan) -> list[tuple[Item, int | None]]:
    """Items that count (not cancelled, not notes, not in an archived option) with the option their day
    belongs to (None = shared)."""
    option_of_day = {d.day.id: d.day.option_id for d in plan.days}
    archived = {o.id for o in plan.options if o.status == "archived"}
    out: list[tuple[Item, int | None]] = []
    for item in plan.items():
        option = option_of_day.get(item.day_id) if item.day_id is not None else None
        if item.status != "cancelled" and item.kind != "note" and (option is None or option not in archived):
            out.append((item, option))
    return out


def check_overlaps(plan: TripPlan, today: date) -> Iterator[Flag]:
    spans: list[tuple[datetime, datetime, Item, int | None, str]] = []
    for item, option in _live(plan):
        start, end = item.start_utc, item.end_utc
        if start is None or end is None or end <= start:
            continue
        group = "timed" if item.kind in TIMED else "stay" if item.kind in STAYS else item.kind
        spans.append((start, end, item, option, group))
    spans.sort(key=lambda s: (s[0], s[1]))
    for i, (start_a, end_a, a, opt_a, group_a) in enumerate(spans):
        for start_b, end_b, b, opt_b, group_b in spans[i + 1 :]:
            if start_b >= end_a:
                break
            same_plan = opt_a is None or opt_b is None or opt_a == opt_b
            if group_a == group_b and same_plan and start_a < end_b:
                yield Flag(
                    item_id=b.id,
                    severity="warning",
                    code="overlap",
                    message=f"'{b.title}'{_when(b)} overlaps '{a.title}'{_when(a)}: the party cannot do "
                    "both. Move one, or mark one optional or cancelled.",
                )


def check_dates(plan: TripPlan, today: date) -> Iterator[Flag]:
    trip = plan.trip
    if trip.start_date is None or trip.end_date is None:
        return
    window = f"{trip.start_date} – {trip.end_date}"
    for d in plan.days:
        if not trip.start_date <= d.day.date <= trip.end_date:
            yield Flag(
                item_id=None,
                severity="warning",
                code="day_outside_trip_dates",
                message=f"Day {d.day.date} ('{d.day.title or 'untitled'}') is outside the trip dates "
                f"{window}. Move the day or change the trip's dates.",
            )
    day_dates = {d.day.id: d.day.date for d in plan.days}
    for item, _ in _live(plan):
        if item.start_local is not None:
            start = item.start_local.date()
            end = item.end_local.date() if item.end_local else start
            latest = trip.end_date + timedelta(days=1 if item.kind in OVERNIGHT else 0)
            if start < trip.start_date or start > trip.end_date or end > latest:
                yield Flag(
                    item_id=item.id,
                    severity="warning",
                    code="outside_trip_dates",
                    message=f"'{item.title}' runs {start} – {end}, outside the trip dates {window}. Check "
                    "the item's dates, or the trip's.",
                )
            day_date = day_dates.get(item.day_id) if item.day_id is not None else None
            if day_date is not None and day_date != start:
                yield Flag(
                    item_id=item.id,
                    severity="warning",
                    code="item_day_mismatch",
                    message=f"'{item.title}' starts on {start} but sits in the day of {day_date}. Move it "
                    "to its day, or correct its start time.",
                )


def _return_date(plan: TripPlan) -> date | None:
    if plan.trip.end_date is not None:
        return plan.trip.end_date
    ends = [i.end_local.date() for i in plan.items() if i.end_local is not None]
    return max(ends, default=None)


def check_passports(plan: TripPlan, today: date) -> Iterator[Flag]:
    back = _return_date(plan)
    if back is None:
        return
    limit = add_months(back, 6)
    for traveler in plan.travelers:
        passport = traveler.passport()
        if passport is None or passport.expiry is None:
            continue
        where = f"{traveler.full_name}'s passport ({passport.masked}, {passport.country})"
        if passport.expiry < back:
            yield Flag(
                item_id=None,
                severity="error",
                code="passport_expired_on_return",
                message=f"{where} expires on {passport.expiry}, before the return on {back}. It must be "
                "renewed before travel.",
            )
        elif passport.expiry < limit:
            yield Flag(
                item_id=None,
                severity="warning",
                code="passport_expires_soon",
                message=f"{where} expires on {passport.expiry}, less than six months after the return on "
                f"{back}. Many countries refuse entry on such a passport: advise renewing it.",
            )


def check_confirmations(plan: TripPlan, today: date) -> Iterator[Flag]:
    for item, _ in _live(plan):
        if item.status == "booked" and not item.confirmation_numbers:
            yield Flag(
                item_id=item.id,
                severity="warning",
                code="missing_confirmation",
                message=f"'{item.title}' is booked but has no confirmation number. Add it from the "
                "supplier's confirmation, or set the status back to proposed.",
            )


def _nonexistent(local: datetime, zone: str) -> bool:
    there = local.replace(tzinfo=ZoneInfo(zone))
    return there.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) != local


def check_time_zones(plan: TripPlan, today: date) -> Iterator[Flag]:
    for item, _ in _live(plan):
        if item.start_local is not None and item.start_tz is None:
            yield Flag(
                item_id=item.id,
                severity="warning",
                code="tz_missing",
                message=f"'{item.title}' has a local time but no time zone, so overlaps and calendars "
                "cannot be worked out. Set start_tz (e.g. Europe/Lisbon).",
            )
            continue
        for local, zone, label in (
            (item.start_local, item.start_tz, "start"),
            (item.end_local, item.end_tz, "end"),
        ):
            if local is not None and zone is not None and _nonexistent(local, zone):
                yield Flag(
                    item_id=item.id,
                    severity="warning",
                    code="tz_nonexistent_time",
                    message=f"'{item.title}' {label}s at {local:%Y-%m-%d %H:%M}, a time that does not exist "
                    f"in {zone} (the clocks jump forward). Check the time.",
                )
        start, end = item.start_utc, item.end_utc
        if start is not None and end is not None:
            if end < start:
                yield Flag(
                    item_id=item.id,
                    severity="error",
                    code="tz_order",
                    message=f"'{item.title}' ends ({item.end_local:%Y-%m-%d %H:%M} {item.end_tz}) before it "
                    f"starts ({item.start_local:%Y-%m-%d %H:%M} {item.start_tz}) once both are converted to "
                    "UTC. Check the arrival date and both time zones.",
                )
            elif item.kind == "flight" and end - start > MAX_FLIGHT:
                hours = (end - start).total_seconds() / 3600
                yield Flag(
                    item_id=item.id,
                    severity="warning",
                    code="tz_implausible_duration",
                    message=f"'{item.title}' lasts {hours:.1f} hours in UTC; no flight is that long. Check "
                    "the arrival date and both time zones.",
                )
        if item.kind != "flight" and item.place_name and item.start_tz:
            expected = city_timezone(item.place_name)
            when = item.start_local or (
                datetime.combine(plan.trip.start_date, datetime.min.time()) if plan.trip.start_date else None
            )
            if expected and expected != item.start_tz and when is not None:
                have = when.replace(tzinfo=ZoneInfo(item.start_tz)).utcoffset()
                usual = when.replace(tzinfo=ZoneInfo(expected)).utcoffset()
                if have != usual:
                    yield Flag(
                        item_id=item.id,
                        severity="warning",
                        code="tz_place_mismatch",
                        message=f"'{item.title}' is at {item.place_name}, usually {expected} "
                        f"(UTC{_offset(usual)} then), but its time zone is {item.start_tz} "
                        f"(UTC{_offset(have)}). Check start_tz.",
                    )


def _offset(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def check_currency(plan: TripPlan, today: date) -> Iterator[Flag]:
    for item, _ in _live(plan):
        if item.currency != plan.trip.currency and (item.sell_cents or item.cost_cents):
            yield Flag(
                item_id=item.id,
                severity="info",
                code="currency_mismatch",
                message=f"'{item.title}' is priced in {item.currency}, the trip in {plan.trip.currency}: it "
                "is left out of the totals. Convert the price, or change the trip's currency.",
            )


def check_payments(plan: TripPlan, today: date) -> Iterator[Flag]:
    for payment in plan.payments:
        if not payment.paid and payment.due_date < today:
            yield Flag(
                item_id=None,
                severity="warning",
                code="payment_overdue",
                message=f"Payment '{payment.description or 'payment'}' of "
                f"{format_money(payment.amount_cents, plan.trip.currency)} was due on {payment.due_date} "
                "and is not marked paid. Chase it, or mark it paid.",
            )


def check_money(plan: TripPlan, today: date) -> Iterator[Flag]:
    for item, _ in _live(plan):
        if item.sell_cents < item.cost_cents:
            yield Flag(
                item_id=item.id,
                severity="warning",
                code="sold_below_cost",
                message=f"'{item.title}' sells for {format_money(item.sell_cents, item.currency)} but costs "
                f"{format_money(item.cost_cents, item.currency)}: the agency loses "
                f"{format_money(item.cost_cents - item.sell_cents, item.currency)}. Check the sell price.",
            )
    if plan.trip.status in ("confirmed", "in_progress") and not plan.payments:
        yield Flag(
            item_id=None,
            severity="warning",
            code="no_payment_schedule",
            message=f"The trip is {plan.trip.status.replace('_', ' ')} but no client payment is scheduled. "
            "Schedule the deposit and the final payment (Money, or travelops payments schedule).",
        )


def check_party(plan: TripPlan, today: date) -> Iterator[Flag]:
    if plan.trip.status != "cancelled" and not plan.travelers:
        yield Flag(
            item_id=None,
            severity="warning",
            code="no_travelers",
            message="Nobody travels on this trip yet: add the client's travelers to its party, so passports "
            "and documents can be checked.",
        )


CHECKS: tuple[Callable[[TripPlan, date], Iterator[Flag]], ...] = (
    check_overlaps,
    check_dates,
    check_passports,
    check_confirmations,
    check_time_zones,
    check_currency,
    check_payments,
    check_money,
    check_party,
)


def run_checks(plan: TripPlan, *, today: date | None = None) -> list[Flag]:
    """Every flag for the trip, errors first, then in check order."""
    day = today or date.today()
    flags = [flag for check in CHECKS for flag in check(plan, day)]
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(flags, key=lambda f: order[f.severity])
