"""Errors, empty states and small notices: every page shows failures the same way, never as a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import streamlit as st

from app import state
from core.errors import TravelOpsError

logger = logging.getLogger("travelops.app")

SEED_HINT = "Run `travelops demo seed` (or `make run`, which seeds the demo) to load a demo agency and usage."


@contextmanager
def guard(doing: str) -> Iterator[None]:
    """The page boundary: a ``TravelOpsError`` shows its message; anything else is logged and summarised."""
    try:
        yield
    except TravelOpsError as e:
        st.error(str(e), icon=":material/error:")
    except Exception:  # the boundary: a page must never show a traceback
        logger.exception("Unexpected error while %s", doing)
        st.error(
            f"Something went wrong while {doing}. The details are in the server log; "
            "try again, and report it if it keeps happening.",
            icon=":material/error:",
        )


def empty(message: str, hint: str = SEED_HINT) -> None:
    """An empty state that says what to do about it."""
    st.info(f"{message} {hint}".strip(), icon=":material/info:")


def problem(problems: Mapping[str, str], field: str) -> None:
    """The validation message of ``field``, shown right under it (nothing when the field is fine)."""
    message = problems.get(field)
    if message:
        st.markdown(f":red[:material/error: {message}]")


def duplicate_warning(lead: str, matches: list[tuple[str, int, str]]) -> None:
    """The "looks like another client" warning: each match's name, id and why, stored text escaped."""
    from app.components.formatting import plain

    lines = "\n".join(f"- **{plain(name)}** (#{cid}): {plain(why)}" for name, cid, why in matches)
    st.warning(f"{lead}:\n{lines}", icon=":material/content_copy:")


def offline_badge() -> None:
    """The mark of the offline drafter: deterministic text, no AI model, costs nothing."""
    st.badge("offline drafter · no AI model", icon=":material/cloud_off:", color="gray")


def flash(message: str, *, ok: bool = True) -> None:
    """Show ``message`` once, at the top of the next run (e.g. "Saved", or why an action failed)."""
    st.session_state[state.FLASH] = (ok, message)


def show_flash() -> None:
    shown = st.session_state.pop(state.FLASH, None)
    if shown:
        ok, message = shown
        if ok:
            st.success(message, icon=":material/check_circle:")
        else:
            st.error(message, icon=":material/error:")


def action(doing: str, run: Callable[[], str]) -> None:
    """A widget callback's boundary: ``run`` returns what to tell the user; failures become the message.

    Callbacks run before the page script, outside ``guard``, so they need their own."""
    try:
        flash(run())
    except TravelOpsError as e:
        flash(str(e), ok=False)
    except Exception:  # the boundary of a callback
        logger.exception("Unexpected error while %s", doing)
        flash(f"Something went wrong while {doing}. The details are in the server log.", ok=False)
