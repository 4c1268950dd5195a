"""Trip money: totals from items and the payment schedule (pure functions, no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.travel._models import Day, Item, ItineraryOption, PaymentSchedule, Trip
from core.travel._results import TripTotals

__all__ = ["compute_totals", "counted_items", "invoiceable", "invoiced_items"]


def chosen_option(options: Sequence[ItineraryOption], option_id: int | None) -> int | None:
    if option_id is not None:
        return option_id
    return next((o.id for o in options if o.status == "accepted"), None)


def counted_items(days: Sequence[Day], items: Sequence[Item], option_id: int | None) -> list[Item]:
    """Items in the plan of ``option_id``: shared days, unscheduled, and that option's days (cancelled
    excluded)."""
    option_of_day = {d.id: d.option_id for d in days}
    out: list[Item] = []
    for item in items:
        if item.status == "cancelled":
            continue
        option = option_of_day.get(item.day_id) if item.day_id is not None else None
        if option is None or option == option_id:
            out.append(item)
    return out


def invoiceable(item: Item, *, accepted_option_id: int | None) -> bool:
    """Whether an item of the invoiced plan is billed (the rule, named once): **booked**, or **proposed** once
    the client has accepted a tier. Optional, cancelled and note items never are."""
    if item.kind == "note":
        return False
    return item.status == "booked" or (item.status == "proposed" and accepted_option_id is not None)


def invoiced_items(
    days: Sequence[Day], items: Sequence[Item], options: Sequence[ItineraryOption]
) -> list[Item]:
    """What an invoice bills: the items of the trip's plan (shared, unscheduled, or the accepted tier's days)
    that are ``invoiceable``; nothing of a tier the client did not choose."""
    accepted = next((o.id for o in options if o.status == "accepted"), None)
    return [i for i in counted_items(days, items, accepted) if invoiceable(i, accepted_option_id=accepted)]


def compute_totals(
    trip: Trip,
    days: Sequence[Day],
    items: Sequence[Item],
    payments: Sequence[PaymentSchedule],
    options: Sequence[ItineraryOption],
    *,
    option_id: int | None = None,
    today: date | None = None,
    invoiced_only: bool = False,
) -> TripTotals:
    """See ``TripTotals`` for what each figure means. Optional items are not part of the price.

    ``invoiced_only``: count only what the invoice bills (``invoiced_items``: booked items, and proposed
    ones of the accepted tier's plan); ``option_id`` is then ignored."""
    assert trip.id is not None
    chosen = chosen_option(options, None if invoiced_only else option_id)
    if invoiced_only:
        in_plan = invoiced_items(days, items, options)
    else:
        in_plan = [
            i for i in counted_items(days, items, chosen) if i.status != "optional" and i.kind != "note"
        ]
    counted = [i for i in in_plan if i.currency == trip.currency]
    other = [i.id for i in in_plan if i.currency != trip.currency and i.id is not None]
    cost = sum(i.cost_cents for i in counted)
    sell = sum(i.sell_cents for i in counted)
    margin = sell - cost
    expected = sum(i.effective_commission_cents for i in counted if i.commission_status == "expected")
    received = sum(i.effective_commission_cents for i in counted if i.commission_status == "received")
    client_total = sell + trip.planning_fee_cents
    scheduled = sum(p.amount_cents for p in payments)
    paid = sum(p.amount_cents for p in payments if p.paid)
    unpaid = sorted((p for p in payments if not p.paid), key=lambda p: p.due_date)
    day = today or date.today()
    supplier_dates = [
        d
        for i in counted
        if i.status != "cancelled"
        for d in (i.deposit_due, i.final_payment_due)
        if d and d >= day
    ]
    return TripTotals(
        trip_id=trip.id,
        currency=trip.currency,
        option_id=chosen,
        items_counted=len(counted),
        cost_cents=cost,
        sell_cents=sell,
        margin_cents=margin,
        margin_pct=round(margin * 100 / sell, 1) if sell else None,
        planning_fee_cents=trip.planning_fee_cents,
        client_total_cents=client_total,
        commission_expected_cents=expected,
        commission_received_cents=received,
        commission_total_cents=expected + received,
        scheduled_cents=scheduled,
        paid_cents=paid,
        balance_due_cents=client_total - paid,
        unscheduled_balance_cents=client_total - scheduled,
        next_payment_date=unpaid[0].due_date if unpaid else None,
        next_payment_cents=unpaid[0].amount_cents if unpaid else None,
        next_supplier_due=min(supplier_dates, default=None),
        other_currency_item_ids=other,
        budget_cents=trip.budget_cents,
    )
