"""View-models: everything a document shows, computed and formatted here so templates only loop and test.

The HTML templates, the PDF layout and the calendar all read these models, so the three formats of a
document cannot disagree. Prices are left out (``None``) of the itinerary's models, not hidden by templates.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from core.documents._spec import KINDS, DocumentKind
from core.travel import (
    Agency,
    Day,
    Item,
    ItineraryOption,
    PaymentSchedule,
    Supplier,
    TripPlan,
    compute_totals,
    format_money,
    invoiceable,
)

__all__ = [
    "AgencyView",
    "DayView",
    "DocumentHeader",
    "InvoiceLine",
    "InvoiceView",
    "ItemView",
    "ItineraryView",
    "PaymentView",
    "ProposalView",
    "TierView",
    "agency_view",
    "build_invoice",
    "build_itinerary",
    "build_proposal",
    "date_label",
    "invoice_items",
    "invoiceable",
    "itinerary_items",
    "long_date",
    "time_ordered",
]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_KIND_LABELS = {
    "flight": "Flight",
    "hotel": "Hotel",
    "activity": "Activity",
    "transfer": "Transfer",
    "rail": "Train",
    "car": "Car",
    "cruise": "Cruise",
    "note": "Note",
}
_STATUS_LABELS = {
    "proposed": "Proposed",
    "optional": "Optional",
    "booked": "Confirmed",
    "cancelled": "Cancelled",
}


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def long_date(d: date) -> str:
    """``2 May 2027`` (English month names whatever the locale)."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def date_label(d: date) -> str:
    """``Sun 2 May 2027``."""
    return f"{_WEEKDAYS[d.weekday()]} {long_date(d)}"


def _short_date(d: date) -> str:
    return f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1][:3]}"


def _abbr(local: datetime, zone: str) -> str:
    return local.replace(tzinfo=ZoneInfo(zone)).tzname() or zone


class AgencyView(_View):
    """Who signs the document: the agency profile as printed (None on a header: the placeholder profile)."""

    name: str
    address_lines: list[str]
    phone: str | None
    email: str | None
    website: str | None
    logo: bytes | None  # PNG or JPEG bytes the service stored (checked by their magic bytes)
    logo_mime: str | None

    @property
    def logo_data_uri(self) -> str | None:
        """The logo inlined for HTML (``data:image/png;base64,…``): our own bytes, never a URL."""
        if self.logo is None or self.logo_mime is None:
            return None
        return f"data:{self.logo_mime};base64,{base64.b64encode(self.logo).decode('ascii')}"

    @property
    def contact(self) -> str:
        """``phone · email · website``, the parts that are set."""
        return " · ".join(x for x in (self.phone, self.email, self.website) if x)


def agency_view(agency: Agency, logo: bytes | None = None) -> AgencyView | None:
    """The profile as documents print it; None while it is the placeholder ("My Agency"), which no client
    document prints."""
    if agency.is_placeholder:
        return None
    mime = None
    if logo is not None:
        if logo.startswith(b"\x89PNG"):
            mime = "image/png"
        elif logo.startswith(b"\xff\xd8\xff"):
            mime = "image/jpeg"
        else:
            logo = None
    return AgencyView(
        name=agency.name.strip(),
        address_lines=[line.strip() for line in agency.address.splitlines() if line.strip()],
        phone=agency.phone,
        email=agency.email,
        website=agency.website,
        logo=logo,
        logo_mime=mime,
    )


class DocumentHeader(_View):
    kind: DocumentKind
    title: str
    version: int
    reference: str  # "Trip 12 · proposal v3"
    issued: str
    agency: AgencyView | None  # None: the profile is still the placeholder, so no agency name is printed
    prepared_by: str | None
    client_name: str | None
    client_email: str | None
    client_phone: str | None
    client_address: str | None
    travelers: list[str]
    trip_name: str
    destinations: list[str]
    start: str | None
    end: str | None
    dates: str | None  # "2 May 2027 – 9 May 2027"
    nights: int | None

    @property
    def agency_name(self) -> str:
        """The agency's name, or "" while the profile is the placeholder."""
        return self.agency.name if self.agency else ""


class ItemView(_View):
    id: int
    kind: str
    kind_label: str
    title: str
    place: str | None
    supplier: str | None
    supplier_phone: str | None
    when: str  # "08:00 EDT → 20:00 WEST", "" when the item has no time
    zones: str  # "America/New_York → Europe/Lisbon", "Europe/Lisbon", ""
    start_time: str | None
    start_zone: str | None
    end_time: str | None
    end_zone: str | None
    crosses_zones: bool
    confirmations: list[str]
    notes: str
    status: str
    status_label: str
    optional: bool
    price: str | None  # None in documents without prices


class DayView(_View):
    number: int
    date: str  # "Sun 2 May 2027"
    title: str
    notes: str
    items: list[ItemView]
    free: bool  # nothing planned that day


class TierView(_View):
    tier: int
    label: str
    accepted: bool
    days: list[DayView]
    extras: list[ItemView]  # unscheduled items, part of every tier
    travel_total: str  # the items' sell total
    planning_fee: str | None
    total: str  # what the client pays for this tier
    total_cents: int
    items_counted: int


class ProposalView(_View):
    header: DocumentHeader
    valid_until: str
    tiers: list[TierView]
    currency: str
    other_currency_note: str | None


class ItineraryView(_View):
    header: DocumentHeader
    option_label: str | None  # the tier the itinerary follows, when there is an accepted one
    days: list[DayView]
    extras: list[ItemView]


class InvoiceLine(_View):
    date: str | None
    description: str
    detail: str
    amount: str
    note: str = ""


class PaymentView(_View):
    description: str
    due: str
    amount: str
    paid: bool
    status: str  # "Paid 1 March 2027", "Due", "Overdue"
    overdue: bool


class InvoiceView(_View):
    header: DocumentHeader
    invoice_number: str
    option_label: str | None
    currency: str
    lines: list[InvoiceLine]
    separately_billed: list[InvoiceLine]
    planning_fee: str | None
    travel_total: str
    total: str
    total_cents: int
    paid: str
    balance_due: str
    balance_due_cents: int
    payments: list[PaymentView]
    unscheduled_balance: str | None  # part of the total no payment covers yet
    next_payment: str | None  # "EUR 3,290.00 due 20 March 2027"
    terms: list[str]


# ------------------------------------------------------------------------------------------------------------
# Builders
# ------------------------------------------------------------------------------------------------------------


def build_header(
    plan: TripPlan,
    *,
    kind: DocumentKind,
    version: int,
    agency: AgencyView | None,
    prepared_by: str | None,
    today: date,
) -> DocumentHeader:
    trip, client = plan.trip, plan.client
    start, end = trip.start_date, trip.end_date
    if start and end:
        dates: str | None = f"{long_date(start)} – {long_date(end)}"
    elif start:
        dates = f"from {long_date(start)}"
    else:
        dates = None
    return DocumentHeader(
        kind=kind,
        title=KINDS[kind].title,
        version=version,
        reference=f"Trip {trip.id} · {kind} v{version}",
        issued=long_date(today),
        agency=agency,
        prepared_by=prepared_by,
        client_name=client.name if client else None,
        client_email=client.email if client else None,
        client_phone=client.phone if client else None,
        client_address=client.address if client else None,
        travelers=[t.full_name for t in plan.travelers],
        trip_name=trip.name,
        destinations=list(trip.destinations),
        start=date_label(start) if start else None,
        end=date_label(end) if end else None,
        dates=dates,
        nights=trip.nights,
    )


def _times(item: Item) -> tuple[str, str]:
    """(``when``, ``zones``) of an item, as a traveller reads a ticket: local times with their zones."""
    if item.start_local is None or item.start_tz is None:
        return "", ""
    start, start_tz = item.start_local, item.start_tz
    start_text = f"{start:%H:%M} {_abbr(start, start_tz)}"
    if item.end_local is None:
        return start_text, start_tz
    end, end_tz = item.end_local, item.end_tz or start_tz
    end_day = f"{_short_date(end.date())} " if end.date() != start.date() else ""
    if end_tz == start_tz:
        if end_day:
            return f"{start_text} → {end_day}{end:%H:%M}", start_tz
        return f"{start:%H:%M}–{end:%H:%M} {_abbr(start, start_tz)}", start_tz
    return f"{start_text} → {end_day}{end:%H:%M} {_abbr(end, end_tz)}", f"{start_tz} → {end_tz}"


def item_view(item: Item, suppliers: dict[int, Supplier], *, currency: str | None) -> ItemView:
    """``currency`` None leaves the price out (the itinerary)."""
    assert item.id is not None
    supplier = suppliers.get(item.supplier_id) if item.supplier_id is not None else None
    when, zones = _times(item)
    end_zone = (item.end_tz or item.start_tz) if item.end_local is not None else None
    priced = (
        currency is not None and item.kind != "note" and (item.sell_cents > 0 or item.status != "optional")
    )
    return ItemView(
        id=item.id,
        kind=item.kind,
        kind_label=_KIND_LABELS.get(item.kind, item.kind.title()),
        title=item.title,
        place=item.place_name,
        supplier=supplier.name if supplier else None,
        supplier_phone=supplier.phone if supplier else None,
        when=when,
        zones=zones,
        start_time=f"{item.start_local:%H:%M}" if item.start_local else None,
        start_zone=item.start_tz,
        end_time=f"{item.end_local:%H:%M}" if item.end_local else None,
        end_zone=end_zone,
        crosses_zones=end_zone is not None and end_zone != item.start_tz,
        confirmations=list(item.confirmation_numbers),
        notes=item.client_notes,
        status=item.status,
        status_label=_STATUS_LABELS.get(item.status, item.status),
        optional=item.status == "optional",
        price=format_money(item.sell_cents, item.currency) if priced else None,
    )


def _time_key(item: Item) -> tuple[int, datetime]:
    """Zoned items by their instant, then items with a time but no zone by their wall clock."""
    utc = item.start_utc
    if utc is not None:
        return (0, utc.replace(tzinfo=None))
    assert item.start_local is not None
    return (1, item.start_local)


def time_ordered(items: Sequence[Item]) -> list[Item]:
    """``items`` of one date with the timed ones in time order (by UTC instant when the zone is known);
    untimed items (notes, "free afternoon") keep their places (PLAN13 D1)."""
    timed = sorted((i for i in items if i.start_local is not None), key=_time_key)
    it = iter(timed)
    return [next(it) if i.start_local is not None else i for i in items]


def _plan_days(plan: TripPlan, option_id: int | None) -> list[tuple[date, list[Day], list[Item]]]:
    """Days of the plan of ``option_id`` (shared days and that option's), merged by date, cancelled left
    out; within a date the timed items are in time order, whichever day (shared or tier) they sit on."""
    merged: dict[date, tuple[list[Day], list[Item]]] = {}
    for day_plan in plan.days:
        day = day_plan.day
        if day.option_id is not None and day.option_id != option_id:
            continue
        days, items = merged.setdefault(day.date, ([], []))
        days.append(day)
        items.extend(i for i in day_plan.items if i.status != "cancelled")
    return [(d, days, time_ordered(items)) for d, (days, items) in sorted(merged.items())]


def _day_views(plan: TripPlan, option_id: int | None, *, currency: str | None) -> list[DayView]:
    """Every day of the plan, in date order; a day with nothing planned is ``free`` ("At leisure")."""
    start = plan.trip.start_date
    out: list[DayView] = []
    for index, (d, days, items) in enumerate(_plan_days(plan, option_id)):
        number = (d - start).days + 1 if start else index + 1
        titles = dict.fromkeys(x.title for x in days if x.title and x.title != f"Day {number}")
        out.append(
            DayView(
                number=number,
                date=date_label(d),
                title=" · ".join(titles),
                notes="\n".join(x.notes for x in days if x.notes),
                items=[item_view(i, plan.suppliers, currency=currency) for i in items],
                free=not items,
            )
        )
    return out


def _extras(plan: TripPlan, *, currency: str | None) -> list[ItemView]:
    return [
        item_view(i, plan.suppliers, currency=currency) for i in plan.unscheduled if i.status != "cancelled"
    ]


def _live_options(options: Sequence[ItineraryOption]) -> list[ItineraryOption]:
    return [o for o in options if o.status != "archived"]


def _label(option: ItineraryOption) -> str:
    return f"Option {option.tier}: {option.label}" if option.label else f"Option {option.tier}"


def build_proposal(plan: TripPlan, header: DocumentHeader, *, today: date, valid_days: int) -> ProposalView:
    trip = plan.trip
    days = [d.day for d in plan.days]
    items = plan.items()
    options: list[ItineraryOption | None] = list(_live_options(plan.options)) or [None]
    tiers: list[TierView] = []
    other: set[str] = set()
    for option in options:
        option_id = option.id if option else None
        totals = compute_totals(
            trip, days, items, plan.payments, plan.options, option_id=option_id, today=today
        )
        elsewhere = set(totals.other_currency_item_ids)
        other.update(i.currency for i in items if i.id in elsewhere)
        tiers.append(
            TierView(
                tier=option.tier if option else 1,
                label=_label(option) if option else "Proposed itinerary",
                accepted=bool(option and option.status == "accepted"),
                days=_day_views(plan, option_id, currency=trip.currency),
                extras=_extras(plan, currency=trip.currency),
                travel_total=format_money(totals.sell_cents, trip.currency),
                planning_fee=format_money(trip.planning_fee_cents, trip.currency)
                if trip.planning_fee_cents
                else None,
                total=format_money(totals.client_total_cents, trip.currency),
                total_cents=totals.client_total_cents,
                items_counted=totals.items_counted,
            )
        )
    valid_until = today + timedelta(days=valid_days)
    if trip.start_date and valid_until >= trip.start_date:
        valid_until = max(today, trip.start_date - timedelta(days=1))
    note = (
        f"Items priced in {', '.join(sorted(other))} are quoted separately and not included in the totals."
        if other
        else None
    )
    return ProposalView(
        header=header,
        valid_until=long_date(valid_until),
        tiers=tiers,
        currency=trip.currency,
        other_currency_note=note,
    )


def build_itinerary(plan: TripPlan, header: DocumentHeader) -> ItineraryView:
    chosen = plan.totals.option_id
    option = next((o for o in plan.options if o.id == chosen), None)
    return ItineraryView(
        header=header,
        option_label=_label(option) if option else None,
        days=_day_views(plan, chosen, currency=None),
        extras=_extras(plan, currency=None),
    )


def _payment_view(payment: PaymentSchedule, currency: str, today: date) -> PaymentView:
    overdue = not payment.paid and payment.due_date < today
    if payment.paid:
        status = f"Paid {long_date(payment.paid_on)}" if payment.paid_on else "Paid"
    else:
        status = "Overdue" if overdue else "Due"
    return PaymentView(
        description=payment.description or "Payment",
        due=long_date(payment.due_date),
        amount=format_money(payment.amount_cents, currency),
        paid=payment.paid,
        status=status,
        overdue=overdue,
    )


def _accepted_option_id(plan: TripPlan) -> int | None:
    return next((o.id for o in plan.options if o.status == "accepted"), None)


def invoice_items(plan: TripPlan) -> list[tuple[date | None, Item]]:
    """The invoice's lines as (date or None when unscheduled, item), in the order printed: the plan of the
    accepted option (else the shared plan), filtered by ``invoiceable``."""
    accepted = _accepted_option_id(plan)
    dated: list[tuple[date | None, Item]] = [
        (d, i) for d, _, items in _plan_days(plan, plan.totals.option_id) for i in items
    ]
    dated += [(None, i) for i in plan.unscheduled if i.status != "cancelled"]
    return [(d, i) for d, i in dated if invoiceable(i, accepted_option_id=accepted)]


def build_invoice(plan: TripPlan, header: DocumentHeader, *, today: date, terms: list[str]) -> InvoiceView:
    trip = plan.trip
    # The totals of what the lines bill (core.travel's invoice rule), not of the whole plan.
    totals = compute_totals(
        trip,
        [d.day for d in plan.days],
        plan.items(),
        plan.payments,
        plan.options,
        today=today,
        invoiced_only=True,
    )
    currency = trip.currency
    chosen = totals.option_id
    option = next((o for o in plan.options if o.id == chosen), None)
    lines: list[InvoiceLine] = []
    separately: list[InvoiceLine] = []
    for d, item in invoice_items(plan):
        view = item_view(item, plan.suppliers, currency=item.currency)
        line = InvoiceLine(
            date=_short_date(d) if d else None,
            description=item.title,
            detail=" · ".join(x for x in (view.kind_label, view.supplier, view.status_label) if x),
            amount=format_money(item.sell_cents, item.currency),
            note="" if item.currency == currency else f"billed separately in {item.currency}",
        )
        (lines if item.currency == currency else separately).append(line)
    next_payment = (
        f"{format_money(totals.next_payment_cents, currency)} due {long_date(totals.next_payment_date)}"
        if totals.next_payment_date and totals.next_payment_cents is not None
        else None
    )
    return InvoiceView(
        header=header,
        invoice_number=f"INV-{trip.id:05d}-{header.version:02d}",
        option_label=_label(option) if option else None,
        currency=currency,
        lines=lines,
        separately_billed=separately,
        planning_fee=format_money(trip.planning_fee_cents, currency) if trip.planning_fee_cents else None,
        travel_total=format_money(totals.sell_cents, currency),
        total=format_money(totals.client_total_cents, currency),
        total_cents=totals.client_total_cents,
        paid=format_money(totals.paid_cents, currency),
        balance_due=format_money(totals.balance_due_cents, currency),
        balance_due_cents=totals.balance_due_cents,
        payments=[_payment_view(p, currency, today) for p in plan.payments],
        unscheduled_balance=format_money(totals.unscheduled_balance_cents, currency)
        if totals.unscheduled_balance_cents > 0
        else None,
        next_payment=next_payment,
        terms=terms,
    )


def itinerary_items(plan: TripPlan) -> list[Item]:
    """What the calendar shows: the items on the days of the accepted option or the shared plan, in date and
    time order, cancelled left out. Unscheduled items are not on a date, so they are no events (PLAN13 D3),
    even when they carry a time."""
    return [i for _, _, items in _plan_days(plan, plan.totals.option_id) for i in items]
