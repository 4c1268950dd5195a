"""Agency profile: who signs every client document (name, logo, address, contacts, default currency, terms).

One call into core saves the form (``update_agency_profile``: everything validated before anything is
written); a problem shows under its field; a save says what changed.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from app import deps
from app.components.feedback import action, flash, guard, show_flash
from core.travel import CURRENCIES, PLACEHOLDER_AGENCY_NAME, RecordInvalid

KEY = "settings.agency."  # session-state keys of this page (widget keys: KEY + field)
FORM = KEY + "form"
REMOVE_LOGO = KEY + "remove_logo"
UPLOADS = KEY + "uploads"  # bumped after a saved logo, so the uploader starts empty again

st.title("Agency profile")
show_flash()


def plain(text: str) -> str:
    """``text`` with Markdown's special characters escaped: messages quote what the user typed."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)


def show_problems(problems: dict[str, str], slots: dict[str, Any]) -> None:
    for field, message in problems.items():
        slot = slots.get(field.split(".")[0])
        if slot is not None:
            slot.error(plain(message), icon=":material/error:")
        else:
            st.error(plain(f"{field}: {message}"), icon=":material/error:")


with guard("loading the agency profile"):
    service, me = deps.travel(), deps.principal()
    agency = service.get_agency(me)
    if agency.is_placeholder:
        st.warning(
            f'The profile is still the placeholder "{PLACEHOLDER_AGENCY_NAME}", so documents print no agency '
            "name and warn when rendered. Set your agency's name below.",
            icon=":material/warning:",
        )
    st.caption("Printed on every proposal, itinerary and invoice.")

    logo = service.agency_logo(me)
    if logo is not None:
        st.image(logo, caption="Current logo", width=220)
        st.button(
            "Remove logo",
            key=REMOVE_LOGO,
            icon=":material/delete:",
            on_click=action,
            args=("removing the logo", lambda: (service.remove_agency_logo(me), "Removed the logo.")[1]),
        )

    currencies = sorted(CURRENCIES)
    slots: dict[str, Any] = {}
    with st.form(FORM, border=True):
        values: dict[str, Any] = {}
        values["name"] = st.text_input("Agency name", agency.name, key=KEY + "name")
        slots["name"] = st.empty()
        values["address"] = st.text_area(
            "Address", agency.address, key=KEY + "address", height=90, help="As printed: one line per line."
        )
        slots["address"] = st.empty()
        left, right = st.columns(2)
        with left:
            values["phone"] = st.text_input("Phone", agency.phone or "", key=KEY + "phone")
            slots["phone"] = st.empty()
            values["website"] = st.text_input("Website", agency.website or "", key=KEY + "website")
            slots["website"] = st.empty()
        with right:
            values["email"] = st.text_input("Email", agency.email or "", key=KEY + "email")
            slots["email"] = st.empty()
            values["default_currency"] = st.selectbox(
                "Default currency",
                currencies,
                index=currencies.index(agency.default_currency)
                if agency.default_currency in currencies
                else None,
                key=KEY + "currency",
                help="New trips use it unless another is chosen.",
            )
            slots["default_currency"] = st.empty()
        values["terms"] = st.text_area(
            "Invoice terms",
            agency.terms,
            key=KEY + "terms",
            height=160,
            help="Paragraphs separated by a blank line. Leave blank to print the template's terms.",
        )
        slots["terms"] = st.empty()
        upload = st.file_uploader(
            "Logo (PNG or JPEG, at most 1 MiB)",
            type=["png", "jpg", "jpeg"],
            key=f"{KEY}logo.{st.session_state.get(UPLOADS, 0)}",
        )
        slots["logo"] = st.empty()
        save = st.form_submit_button("Save profile", type="primary", icon=":material/save:")

    if save:
        try:
            _, changed = service.update_agency_profile(
                me,
                values,
                logo=upload.getvalue() if upload is not None else None,
                logo_name=upload.name if upload is not None else "",
            )
        except RecordInvalid as e:
            show_problems(e.problems, slots)
        else:
            if upload is not None:
                st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1
            flash(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.")
            st.rerun()
