"""A trip's money panel: the client's payment schedule (deposit and final), payments received, commission.

``money_panel(trip_id)`` draws it; every write is one call into the travel services. Used by the Money page
and meant for the Itinerary page's money tab.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Final

import streamlit as st

from app import deps
from app.components.feedback import action
from app.components.formatting import amount, money, when
from core.travel import Item, PaymentSchedule, RecordInvalid, TripPlan, to_cents

PREFIX: Final = "money."  # session-state keys of this panel start with it
SCHEDULE_FORM: Final = PREFIX + "schedule"  # + "." + trip id
ADD_FORM: Final = PREFIX + "add"  # + "." + trip id
PAID_ON: Final = PREFIX + "paid_on."  # + payment id
COMMISSION: Final = PREFIX + "commission."  # + item id
KINDS = {"deposit": "Deposit", "final": "Final payment", "other": "Other"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


def plain(text: str) -> str:
    """Text a person wrote, made safe for a Markdown label or message (every Markdown character escaped)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _cents(value: float | None) -> int:
    return to_cents(f"{value or 0:.2f}")


# what to do in this panel, for the problems the services name (their own hints name API arguments)
UI_FIX = {
    "replace": "This trip already has payments: tick “Replace the current payments” to replace them, or add "
    "a single payment instead.",
    "option_id": "The tiers differ in price and the client has not chosen one: pick the tier to price.",
}


def _slot_errors(error: RecordInvalid, slots: dict[str, Any], fields: dict[str, str]) -> None:
    """The error under the control it is about (``fields`` maps a service field to its slot), or on top."""
    for field in error.problems:
        name = field.split(".")[0]
        message = UI_FIX.get(name, error.message)
        slot = slots.get(fields.get(name, ""))
        if slot is not None:
            slot.error(message, icon=":material/error:")
        else:
            st.error(message, icon=":material/error:")


def _mark_paid(payment: PaymentSchedule) -> None:
    def run() -> str:
        assert payment.id is not None
        on = st.session_state.get(f"{PAID_ON}{payment.id}") or date.today()
        deps.travel().mark_paid(deps.principal(), payment.id, paid_on=on)
        return f"Marked '{plain(payment.description or KINDS[payment.kind])}' received on {when(on)}."

    action("marking a payment received", run)


def _remove(payment: PaymentSchedule) -> None:
    def run() -> str:
        assert payment.id is not None
        deps.travel().remove_payment(deps.principal(), payment.id)
        return f"Removed '{plain(payment.description or KINDS[payment.kind])}' from the schedule."

    action("removing a payment", run)


def _commission(item: Item) -> None:
    def run() -> str:
        assert item.id is not None
        received = bool(st.session_state.get(f"{COMMISSION}{item.id}"))
        status = "received" if received else "expected"
        deps.travel().update_item(deps.principal(), item.id, commission_status=status)
        return f"Commission on '{plain(item.title)}' marked {status}."

    action("updating a commission", run)


def _totals(plan: TripPlan) -> None:
    t = plan.totals
    cur = t.currency
    m = st.columns(4)
    m[0].metric(
        f"Trip total ({cur})", amount(t.client_total_cents), help="Sell prices plus the planning fee."
    )
    m[1].metric(f"Scheduled ({cur})", amount(t.scheduled_cents))
    m[2].metric(f"Received ({cur})", amount(t.paid_cents))
    m[3].metric(f"Balance due ({cur})", amount(t.balance_due_cents))
    live = [o for o in plan.options if o.status != "archived" and o.id is not None]
    if live and not any(o.status == "accepted" for o in live):
        each = ", ".join(f"{plain(o.label)} {money(_tier_total(plan, o.id or 0), cur)}" for o in live)
        st.caption(
            f"The client has not chosen a tier yet, so the trip total counts the shared plan only. Each tier: "
            f"{each}."
        )
    if t.unscheduled_balance_cents > 0 and plan.payments:
        st.caption(f"{money(t.unscheduled_balance_cents, cur)} of the trip total is not in the schedule yet.")


def _payments(plan: TripPlan) -> None:
    cur = plan.trip.currency
    st.subheader("Payments")
    if not plan.payments:
        st.caption("No payments scheduled yet: schedule the deposit and the final payment below.")
    for payment in plan.payments:
        assert payment.id is not None
        with st.container(border=True):
            c = st.columns([3, 2, 2, 2, 2, 2], vertical_alignment="center")
            c[0].markdown(f"**{KINDS[payment.kind]}**")
            if payment.description and payment.description != KINDS[payment.kind]:
                c[0].text(payment.description)  # typed by a person: text, never Markdown
            c[1].markdown(f"due {when(payment.due_date)}")
            c[2].markdown(money(payment.amount_cents, cur))
            if payment.paid:
                received = f"{payment.paid_on:%d %b %Y}" if payment.paid_on else ""
                c[3].markdown(f":green-badge[received {received}]")
            else:
                overdue = payment.due_date < date.today()
                c[3].markdown(":red-badge[overdue]" if overdue else ":blue-badge[due]")
                c[4].date_input("Received on", value=date.today(), key=f"{PAID_ON}{payment.id}")
                c[4].button(
                    "Mark received", key=f"{PREFIX}paid.{payment.id}", on_click=_mark_paid, args=(payment,)
                )
            c[5].button(
                "Remove",
                key=f"{PREFIX}remove.{payment.id}",
                icon=":material/delete:",
                help="Remove this payment from the schedule",
                on_click=_remove,
                args=(payment,),
            )


def _schedule_form(plan: TripPlan) -> None:
    trip = plan.trip
    assert trip.id is not None
    live = [o for o in plan.options if o.status != "archived" and o.id is not None]
    accepted = next((o for o in live if o.status == "accepted"), None)
    start = trip.start_date or date.today() + timedelta(days=90)
    with st.form(f"{SCHEDULE_FORM}.{trip.id}"):
        st.markdown("**Schedule the deposit and the final payment**")
        st.caption("The final payment is the trip total minus the deposit.")
        slots: dict[str, Any] = {}
        option_id: int | None = None
        base = plan.totals.client_total_cents
        if live and accepted is None:
            totals = {o.id: _tier_total(plan, o.id) for o in live if o.id is not None}
            ids = list(totals)
            default = min(1, len(ids) - 1)  # Signature, the tier most clients choose
            option_id = st.selectbox(
                "Price of tier",
                ids,
                index=default,
                format_func=lambda i: (
                    f"{next(o.label for o in live if o.id == i)} ({money(totals[i], trip.currency)})"
                ),
                help="The client has not chosen a tier yet: the schedule is priced on this one.",
            )
            base = totals[ids[default]]
        slots["option"] = st.empty()
        c = st.columns(3)
        suggested = round(base * 0.3) / 100  # 30% of the total
        deposit = c[0].number_input(
            f"Deposit ({trip.currency})", min_value=0.0, value=float(suggested), step=100.0, format="%.2f"
        )
        slots["deposit"] = c[0].empty()
        deposit_due = c[1].date_input("Deposit due", value=min(date.today() + timedelta(days=7), start))
        slots["deposit_due"] = c[1].empty()
        final_due = c[2].date_input("Final payment due", value=max(start - timedelta(days=45), date.today()))
        slots["final_due"] = c[2].empty()
        replace = st.checkbox("Replace the current payments", value=False) if plan.payments else False
        slots["replace"] = st.empty()
        if st.form_submit_button("Schedule payments", type="primary"):
            try:
                deps.travel().schedule_payments(
                    deps.principal(),
                    trip.id,
                    deposit_cents=_cents(deposit),
                    deposit_due=deposit_due,  # type: ignore[arg-type]
                    final_due=final_due,  # type: ignore[arg-type]
                    replace=bool(replace),
                    option_id=option_id,
                )
            except RecordInvalid as e:
                fields = {
                    "deposit_cents": "deposit",
                    "deposit_due": "deposit_due",
                    "final_due": "final_due",
                    "replace": "replace",
                    "option_id": "option",
                }
                _slot_errors(e, slots, fields)
            else:
                action(
                    "scheduling payments",
                    lambda: f"Scheduled the deposit and the final payment of '{plain(trip.name)}'.",
                )
                st.rerun()


def _tier_total(plan: TripPlan, option_id: int) -> int:
    return (
        deps.travel().trip_totals(deps.principal(), plan.trip.id or 0, option_id=option_id).client_total_cents
    )


def _add_form(plan: TripPlan) -> None:
    trip = plan.trip
    assert trip.id is not None
    with st.form(f"{ADD_FORM}.{trip.id}", clear_on_submit=True):
        st.markdown("**Add a payment**")
        c = [*st.columns(2), *st.columns(2)]
        value = c[0].number_input(
            f"Amount ({trip.currency})", min_value=0.0, value=0.0, step=50.0, format="%.2f"
        )
        slots: dict[str, Any] = {"amount": c[0].empty()}
        due = c[1].date_input("Due", value=date.today() + timedelta(days=14))
        slots["due"] = c[1].empty()
        kind = c[2].selectbox("Kind", list(KINDS), index=2, format_func=lambda k: KINDS[k])
        description = c[3].text_input("Description", placeholder="e.g. Second instalment")
        received = st.checkbox("Already received (today)")
        if st.form_submit_button("Add payment"):
            fields: dict[str, Any] = {
                "amount_cents": _cents(value),
                "due_date": due,
                "kind": kind,
                "description": description.strip() or KINDS[kind],
            }
            if received:
                fields |= {"paid": True, "paid_on": date.today()}
            try:
                deps.travel().add_payment(deps.principal(), trip.id, **fields)
            except RecordInvalid as e:
                _slot_errors(e, slots, {"amount_cents": "amount", "due_date": "due"})
            else:
                action("adding a payment", lambda: f"Added '{plain(fields['description'])}' to the schedule.")
                st.rerun()


def _commissions(plan: TripPlan) -> None:
    t = plan.totals
    cur = t.currency
    st.subheader("Commission")
    c = st.columns(2)
    c[0].metric(f"Commission expected ({cur})", amount(t.commission_expected_cents))
    c[1].metric(f"Commission received ({cur})", amount(t.commission_received_cents))
    archived = {o.id for o in plan.options if o.status == "archived"}
    option_of_day = {d.day.id: d.day.option_id for d in plan.days}
    items = [
        i
        for i in plan.items()
        if i.commission_status != "none"
        and i.status != "cancelled"
        and option_of_day.get(i.day_id) not in archived
        and i.id is not None
    ]
    if not items:
        st.caption("No item earns a commission (set a commission rate or amount on an item).")
    for item in items:
        row = st.columns([5, 2, 2], vertical_alignment="center")
        row[0].text(item.title)  # stored text: never Markdown
        row[1].markdown(money(item.effective_commission_cents, item.currency))
        row[2].toggle(
            "Received",
            value=item.commission_status == "received",
            key=f"{COMMISSION}{item.id}",
            on_change=_commission,
            args=(item,),
        )


def money_panel(trip_id: int) -> None:
    """Totals, the payment schedule with "Mark received" and "Remove", the schedule and add forms, and the
    commission of each item with its "Received" toggle."""
    plan = deps.travel().get_trip_plan(deps.principal(), trip_id)
    _totals(plan)
    _payments(plan)
    left, right = st.columns(2)
    with left:
        _schedule_form(plan)
    with right:
        _add_form(plan)
    _commissions(plan)
