"""A household's travelers on the Clients page: add, edit and remove them, and the form behind it.

The form has every field of a traveler: legal names, date of birth, contacts, preferences (seat, meal and
dietary needs, accessibility, hotel tier, interests), loyalty programs and travel documents. A saved document
number is never put back in a field: the field stays blank ("leave blank to keep ••••1234") and the current
document (its real number) is passed back to the service, so a mask can never be saved as a number.

A save that makes the person look like another client's (``duplicates_for_edit``, the one rule the CLI and the
MCP tools use too) asks first: "Save anyway" or "Cancel", right under the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, get_args

import streamlit as st

from app.components.feedback import duplicate_warning
from core.security import Principal
from core.travel import (
    ClientDraft,
    RecordInvalid,
    TravelDocument,
    Traveler,
    TravelerPreferences,
    TravelService,
    parse_record,
)

PREFIX = "clients.traveler."
NOTICE = PREFIX + "notice"  # (where, message): shown once, next to the control that caused it
SEATS: tuple[str | None, ...] = (
    None,
    *get_args(get_args(TravelerPreferences.model_fields["seat"].annotation)[0]),
)
TIERS: tuple[str | None, ...] = (
    None,
    *get_args(get_args(TravelerPreferences.model_fields["hotel_tier"].annotation)[0]),
)
KINDS: tuple[str, ...] = get_args(TravelDocument.model_fields["kind"].annotation)
_SLOT_OF = {"date_of_birth": "dob", "loyalty_programs": "loyalty"}


def edit_key(traveler_id: int) -> str:
    return f"{PREFIX}edit.{traveler_id}."


def new_key(client_id: int) -> str:
    return f"{PREFIX}new.{client_id}."


def remove_key(traveler_id: int) -> str:
    return f"{PREFIX}remove.{traveler_id}"


@dataclass
class TravelerForm:
    values: dict[str, Any] | None  # None: not submitted, or a field could not be read
    slots: dict[str, Any] = field(default_factory=dict[str, Any])

    def refuse(self, error: RecordInvalid) -> None:
        for name, message in error.problems.items():
            parts = name.split(".")
            head = parts[0]
            slot_name = _SLOT_OF.get(head, head)
            if head == "preferences" and len(parts) > 1:
                slot_name = parts[1]
            if head == "documents" and len(parts) > 1 and parts[1].isdigit():
                slot_name = f"doc.{parts[1]}"
            slot = self.slots.get(slot_name) or self.slots.get("bottom")
            if slot is not None:
                slot.error(message, icon=":material/error:")


def _error(slot: Any, message: str) -> None:
    slot.error(message, icon=":material/error:")


def traveler_form(key: str, current: Traveler | None, submit: str) -> TravelerForm:
    """Draw the form under ``key``; on submit, the fields to save (documents as the service takes them)."""
    today = date.today()
    slots: dict[str, Any] = {}
    prefs = current.preferences if current else TravelerPreferences()
    with st.form(key + "form"):
        c = st.columns(2)
        with c[0]:
            first = st.text_input("Legal first name(s)", current.first_name if current else "", key=key + "first",
                                  help="As on the passport.")  # fmt: skip
            slots["first_name"] = st.empty()
        with c[1]:
            last = st.text_input("Legal last name(s)", current.last_name if current else "", key=key + "last")
            slots["last_name"] = st.empty()
        c = st.columns(3)
        with c[0]:
            born = st.date_input(
                "Date of birth", current.date_of_birth if current else None, key=key + "dob", format="YYYY-MM-DD",
                min_value=date(today.year - 130, 1, 1), max_value=today,
            )  # fmt: skip
            slots["dob"] = st.empty()
        with c[1]:
            email = st.text_input("Email", (current.email or "") if current else "", key=key + "email")
            slots["email"] = st.empty()
        with c[2]:
            phone = st.text_input("Phone", (current.phone or "") if current else "", key=key + "phone")
            slots["phone"] = st.empty()
        c = st.columns(3)
        with c[0]:
            seat = st.radio("Seat", SEATS, index=SEATS.index(prefs.seat), key=key + "seat", horizontal=True,
                            format_func=lambda s: "no preference" if s is None else s)  # fmt: skip
            slots["seat"] = st.empty()
        with c[1]:
            meal = st.text_input("Meal / dietary needs", prefs.meal or "", key=key + "meal",
                                 placeholder="vegetarian, gluten-free…")  # fmt: skip
            slots["meal"] = st.empty()
        with c[2]:
            tier = st.selectbox("Hotel tier", TIERS, index=TIERS.index(prefs.hotel_tier), key=key + "tier",
                                format_func=lambda s: "no preference" if s is None else s)  # fmt: skip
            slots["hotel_tier"] = st.empty()
        accessibility = st.text_input("Accessibility", prefs.accessibility or "", key=key + "access")
        slots["accessibility"] = st.empty()
        interests = st.text_input(
            "Interests (comma separated)", ", ".join(prefs.interests), key=key + "interests"
        )
        slots["interests"] = st.empty()
        loyalty = st.text_area(
            "Loyalty programs (one per line: program, number)",
            "\n".join(f"{lp.program}, {lp.number}" for lp in (current.loyalty_programs if current else [])),
            key=key + "loyalty", placeholder="TAP Miles&Go, 123456789",
        )  # fmt: skip
        slots["loyalty"] = st.empty()
        st.markdown("**Travel documents**")
        docs = list(current.documents) if current else []
        rows: list[tuple[TravelDocument | None, str, str, str, Any, bool]] = []
        for i, doc in enumerate([*docs, None]):
            c = st.columns([2, 3, 2, 2, 1], vertical_alignment="bottom")
            kind = c[0].selectbox(
                "Kind", KINDS, index=KINDS.index(doc.kind) if doc else 0, key=f"{key}doc.{i}.kind"
            )
            number = c[1].text_input(
                "Number" if doc else "New document number", key=f"{key}doc.{i}.number",
                placeholder=f"{doc.masked}: leave blank to keep" if doc else "P1234567",
            )  # fmt: skip
            country = c[2].text_input("Country", doc.country if doc else "", key=f"{key}doc.{i}.country",
                                      placeholder="PT", max_chars=2)  # fmt: skip
            expiry = c[3].date_input("Expiry", doc.expiry if doc else None, key=f"{key}doc.{i}.expiry",
                                     format="YYYY-MM-DD", min_value=date(today.year - 20, 1, 1),
                                     max_value=date(today.year + 20, 12, 31))  # fmt: skip
            drop = bool(doc) and c[4].checkbox("Remove", key=f"{key}doc.{i}.remove")
            slots[f"doc.{i}"] = st.empty()
            rows.append((doc, kind, number, country, expiry, drop))
        slots["bottom"] = st.empty()
        submitted = st.form_submit_button(submit, type="primary")
    if not submitted:
        return TravelerForm(None, slots)
    ok = True
    if not first.strip():
        _error(slots["first_name"], "Give the legal first name(s), as on the passport.")
        ok = False
    if not last.strip():
        _error(slots["last_name"], "Give the legal last name(s), as on the passport.")
        ok = False
    programs: list[dict[str, str]] = []
    for line in (x.strip() for x in loyalty.splitlines()):
        if not line:
            continue
        program, comma, number = line.rpartition(",")
        if not comma or not program.strip() or not number.strip():
            _error(
                slots["loyalty"], f"'{line}' is not 'program, number': write e.g. 'TAP Miles&Go, 123456789'."
            )
            ok = False
        programs.append({"program": program.strip(), "number": number.strip()})
    documents: list[dict[str, Any]] = []
    saved = 0  # index of the document in the list that is saved, for the messages
    for i, (doc, kind, number, country, expiry, drop) in enumerate(rows):
        if drop:
            continue
        number = number.strip()
        if doc is None and not number:
            if country.strip() or isinstance(expiry, date):
                _error(slots[f"doc.{i}"], "Give the document's number too, or clear the country and expiry.")
                ok = False
            continue
        documents.append(
            {
                "kind": kind,
                "number": number if number else doc.number if doc else "",  # blank: keep the saved number
                "country": country.strip().upper(),
                "expiry": expiry if isinstance(expiry, date) else None,
            }
        )
        slots[f"doc.{saved}"], saved = slots[f"doc.{i}"], saved + 1
    if not ok:
        return TravelerForm(None, slots)
    values: dict[str, Any] = {
        "first_name": " ".join(first.split()),
        "last_name": " ".join(last.split()),
        "date_of_birth": born if isinstance(born, date) else None,
        "email": email,
        "phone": phone,
        "preferences": {
            "seat": seat,
            "meal": meal,
            "accessibility": accessibility,
            "hotel_tier": tier,
            "interests": [x.strip() for x in interests.split(",") if x.strip()],
        },
        "loyalty_programs": programs,
        "documents": documents,
    }
    return TravelerForm(values, slots)


# ------------------------------------------------------------------------------------------------------------
# The travelers of one household: cards with Edit and Remove, and "Add traveler"
# ------------------------------------------------------------------------------------------------------------


def _notice(where: str) -> None:
    shown = st.session_state.get(NOTICE)
    if shown and shown[0] == where:
        st.success(shown[1], icon=":material/check_circle:")
        del st.session_state[NOTICE]


def _save_or_ask(
    service: TravelService,
    me: Principal,
    client_id: int,
    key: str,
    form: TravelerForm,
    save: Callable[[dict[str, Any]], Traveler],
    done: str,
) -> None:
    """Validate, check for duplicates (ask when found), save; messages under the form."""
    pending_key = key + "duplicates"
    if form.values is not None:
        st.session_state.pop(pending_key, None)
        try:
            parse_record(Traveler, form.values | {"client_id": client_id}, what="traveler")
        except RecordInvalid as e:
            form.refuse(e)
            return
        v = form.values
        draft = ClientDraft(
            name=f"{v['first_name']} {v['last_name']}",
            email=v["email"] or None,
            phone=v["phone"] or None,
            date_of_birth=v["date_of_birth"],
        )
        matches = service.duplicates_for_edit(me, client_id, draft)
        if not matches:
            _commit(save, v, key, done)
            return
        st.session_state[pending_key] = {
            "values": v,
            "matches": [(m.client.name, m.client.id, m.why) for m in matches],
        }
    pending = st.session_state.get(pending_key)
    if pending is None:
        return
    duplicate_warning("This person looks like another client's", pending["matches"])
    c1, c2 = st.columns(2)
    if c1.button("Save anyway", key=key + "anyway", type="primary"):
        _commit(save, pending["values"], key, done)
    if c2.button("Cancel", key=key + "anyway.cancel"):
        st.session_state.pop(pending_key, None)
        st.rerun()


def _commit(save: Callable[[dict[str, Any]], Traveler], values: dict[str, Any], key: str, done: str) -> None:
    try:
        traveler = save(values)
    except RecordInvalid as e:
        st.error(str(e), icon=":material/error:")
        return
    st.session_state.pop(key + "duplicates", None)
    st.session_state[NOTICE] = (key, done.format(name=traveler.full_name))
    st.rerun()


def traveler_actions(service: TravelService, me: Principal, traveler: Traveler) -> None:
    """Inside a traveler's card: "Edit" (the whole form) and "Remove" (archived: trips keep them)."""
    assert traveler.id is not None
    traveler_id = traveler.id
    key = edit_key(traveler_id)
    _notice(key)
    pending = st.session_state.get(key + "duplicates") is not None
    with st.expander("Edit", icon=":material/edit:", expanded=pending):
        form = traveler_form(key, traveler, "Save traveler")
        _save_or_ask(
            service, me, traveler.client_id, key, form,
            lambda v: service.update_traveler(me, traveler_id, **v), "Saved {name}.",
        )  # fmt: skip
    if st.button("Remove from the household", key=remove_key(traveler_id), icon=":material/person_remove:"):
        service.archive_traveler(me, traveler_id)
        st.session_state[NOTICE] = (
            PREFIX + "removed",
            f"Removed {traveler.full_name} (trips that name them keep them).",
        )
        st.rerun()


def blank_new_form(key: str) -> None:
    """Empty the add form under the same keys. Each text and date field is set to its empty value rather than
    deleted: a deleted key leaves the browser showing (and sending back) the last traveler's values, and the
    next traveler was saved with the previous one's passport."""
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(key)]:
        name = k[len(key) :]
        if name in (
            "first",
            "last",
            "email",
            "phone",
            "meal",
            "access",
            "interests",
            "loyalty",
        ) or name.endswith((".number", ".country")):
            st.session_state[k] = ""
        elif name == "dob" or name.endswith(".expiry"):
            st.session_state[k] = None
        elif name.endswith(".remove"):
            st.session_state[k] = False
        # the seat, hotel tier and document kind keep their choice (a person usually enters a household alike)


def add_traveler(service: TravelService, me: Principal, client_id: int) -> None:
    """The "Add traveler" form of a household."""
    key = new_key(client_id)
    _notice(PREFIX + "removed")
    _notice(key)
    pending = st.session_state.get(key + "duplicates") is not None
    if st.session_state.pop(key + "blank", False):
        blank_new_form(key)
    with st.expander("Add traveler", icon=":material/person_add:", expanded=pending):
        form = traveler_form(key, None, "Add traveler")

        def save(values: dict[str, Any]) -> Traveler:
            traveler = service.add_traveler(me, client_id, **values)
            st.session_state[key + "blank"] = True  # the next run starts the form blank, before drawing it
            return traveler

        _save_or_ask(service, me, client_id, key, form, save, "Added {name}.")
