"""The trip form, shared by the Trips page (create and edit) and the Plan page (new trip): every field of a
trip, each message drawn right under its control.

``trip_form`` draws the client picker (outside the form, so the party follows the client) and the form; it
returns a ``TripForm`` whose ``values`` are the fields to save when the form was submitted and read cleanly
(for an edit, only the changed ones), and whose ``refuse`` shows a ``RecordInvalid`` next to the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, get_args

import streamlit as st

from core.errors import ValidationError
from core.profiles import traveler_choices
from core.security import Principal
from core.travel import CURRENCIES, RecordInvalid, TravelService, Trip, to_cents

STATUSES: tuple[str, ...] = get_args(Trip.model_fields["status"].annotation)
# field of the record -> the control its message is drawn under
_SLOT_OF = {"client_id": "client", "start_date": "start", "end_date": "end", "budget_cents": "budget"}
_SLOT_OF |= {"planning_fee_cents": "fee", "agent_id": "agent", "lead_source": "lead"}


@dataclass
class TripForm:
    """What the form gave: ``values`` to save (None: not submitted, or a field could not be read)."""

    values: dict[str, Any] | None
    slots: dict[str, Any] = field(default_factory=dict[str, Any])

    def refuse(self, error: RecordInvalid) -> None:
        """Each problem under its control (any other at the bottom of the form)."""
        show_problems(error.problems, self.slots)


def show_problems(problems: dict[str, str], slots: dict[str, Any]) -> None:
    for name, message in problems.items():
        head = name.split(".")[0]
        slot = slots.get(_SLOT_OF.get(head, head)) or slots.get("bottom")
        if slot is not None:
            slot.error(message, icon=":material/error:")


def _money(text: str, label: str, slot: Any) -> tuple[int | None, bool]:
    """(cents, ok) of a money text box: blank is None; a message under it otherwise."""
    if not text.strip():
        return None, True
    try:
        cents = to_cents(text)
    except ValidationError:
        slot.error(f"{label} '{text}' is not an amount: write it like 2500.00.", icon=":material/error:")
        return None, False
    if cents < 0:
        slot.error(f"{label} cannot be negative: give 0 or more.", icon=":material/error:")
        return None, False
    return cents, True


def _amount(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:.2f}"


def trip_form(
    service: TravelService,
    me: Principal,
    key: str,
    *,
    current: Trip | None = None,
    client_id: int | None = None,
    submit: str = "Create trip",
) -> TripForm:
    """Draw the form under ``key`` (a prefix, stable per record) for a new trip (``current`` None; the client
    preselected with ``client_id``) or for ``current``."""
    clients = {c.id: c.name for c in service.list_clients(me, limit=500) if c.id is not None}
    chosen = current.client_id if current else client_id
    if chosen is not None and chosen not in clients:
        clients[chosen] = service.get_client(me, chosen).name  # an archived client stays shown
    slots: dict[str, Any] = {}
    options = [None, *clients]
    set_by_state = key + "client" in st.session_state  # then the index would clash with the state's value
    picked = st.selectbox(
        "Client", options, index=0 if set_by_state else options.index(chosen),
        format_func=lambda i: "no client yet" if i is None else f"{clients[i]} (#{i})", key=key + "client",
    )  # fmt: skip
    slots["client"] = st.empty()
    travelers = traveler_choices(service, me, picked)
    users = {u.id: u.display_name for u in service.list_users(me) if u.id is not None}
    agency_currency = service.get_agency(me).default_currency
    currencies = sorted(CURRENCIES)
    if current is not None:
        party_default = [t for t in current.party if t in travelers]
    else:
        own = {t.id for t in service.list_travelers(me, picked)} if picked is not None else set[int | None]()
        party_default = [t for t in travelers if t in own]
    with st.form(key + "form"):
        name = st.text_input("Trip name", current.name if current else "", key=key + "name",
                             placeholder="Lisbon in May")  # fmt: skip
        slots["name"] = st.empty()
        party = st.multiselect(
            "Party (who travels)", list(travelers), default=party_default,
            format_func=lambda i: travelers[i], key=f"{key}party.{picked}",
            help="The household's travelers come first; anyone else of the agency can travel too.",
        )  # fmt: skip
        slots["party"] = st.empty()
        c = st.columns(2)
        with c[0]:
            start = st.date_input("Start date", current.start_date if current else None, key=key + "start",
                                  format="YYYY-MM-DD")  # fmt: skip
            slots["start"] = st.empty()
        with c[1]:
            end = st.date_input("End date", current.end_date if current else None, key=key + "end",
                                format="YYYY-MM-DD")  # fmt: skip
            slots["end"] = st.empty()
        destinations = st.text_input(
            "Destinations (comma separated)", ", ".join(current.destinations) if current else "",
            key=key + "destinations", placeholder="Lisbon, Porto",
        )  # fmt: skip
        slots["destinations"] = st.empty()
        c = st.columns(3)
        with c[0]:
            budget = st.text_input("Budget", _amount(current.budget_cents) if current else "",
                                   key=key + "budget", placeholder="8000.00")  # fmt: skip
            slots["budget"] = st.empty()
        with c[1]:
            currency = st.selectbox(
                "Currency", currencies, index=currencies.index(current.currency if current else agency_currency),
                key=key + "currency", help="The agency's default currency unless you choose another.",
            )  # fmt: skip
            slots["currency"] = st.empty()
        with c[2]:
            fee = st.text_input("Planning fee", _amount(current.planning_fee_cents) if current else "",
                                key=key + "fee", placeholder="0.00")  # fmt: skip
            slots["fee"] = st.empty()
        c = st.columns(3)
        with c[0]:
            status = st.selectbox("Status", STATUSES, index=STATUSES.index(current.status) if current else 0,
                                  format_func=lambda s: s.replace("_", " "), key=key + "status")  # fmt: skip
            slots["status"] = st.empty()
        with c[1]:
            agent_now = current.agent_id if current else me.user_id
            agents = [None, *users]
            agent = st.selectbox(
                "Assigned agent", agents, index=agents.index(agent_now) if agent_now in agents else 0,
                format_func=lambda i: "nobody yet" if i is None else users[i], key=key + "agent",
            )  # fmt: skip
            slots["agent"] = st.empty()
        with c[2]:
            lead = st.text_input("Lead source", (current.lead_source or "") if current else "",
                                 key=key + "lead", placeholder="referral, website…")  # fmt: skip
            slots["lead"] = st.empty()
        notes = st.text_area("Notes", current.notes if current else "", key=key + "notes")
        slots["notes"] = slots["bottom"] = st.empty()
        submitted = st.form_submit_button(submit, type="primary")
    if not submitted:
        return TripForm(None, slots)
    budget_cents, ok_budget = _money(budget, "Budget", slots["budget"])
    fee_cents, ok_fee = _money(fee, "Planning fee", slots["fee"])
    if not (ok_budget and ok_fee):
        return TripForm(None, slots)
    values: dict[str, Any] = {
        "name": name.strip(),
        "client_id": picked,
        "party": list(party),
        "start_date": start if isinstance(start, date) else None,
        "end_date": end if isinstance(end, date) else None,
        "destinations": [d.strip() for d in destinations.split(",") if d.strip()],
        "budget_cents": budget_cents,
        "currency": currency,
        "planning_fee_cents": fee_cents or 0,
        "status": status,
        "agent_id": agent,
        "lead_source": lead.strip() or None,
        "notes": notes,
    }
    if not values["name"]:
        slots["name"].error("A trip needs a name, e.g. 'Lisbon in May'.", icon=":material/error:")
        return TripForm(None, slots)
    if current is not None:
        values = {k: v for k, v in values.items() if getattr(current, k) != v}
    return TripForm(values, slots)
