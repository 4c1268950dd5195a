"""The Itinerary page's drag-and-drop board: one column per day plus "Unscheduled", an item per card.

Drawn with ``streamlit-sortables`` (dnd-kit in an iframe: mouse, touch, and keyboard with Space and the arrow
keys). The component deals in strings, so each item gets a short label unique on the board ("09:00 · Sintra
day trip", "(2)" added when two read the same) and each column a header, both mapped back to ids here. The
component is keyed by the board's content: whenever the store changes (a drop, ↑ ↓, "Move to…", another
user), it starts afresh from the store instead of replaying a stale arrangement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from streamlit_sortables import sort_items

from app import state
from core.travel import Item, TripPlan

STYLE = """
.sortable-component { font-family: var(--font); }
.sortable-component.vertical { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr));
  align-items: start; gap: 6px; }
.sortable-component.vertical .sortable-container { min-width: 0; padding: 4px; }
.sortable-container-header { font-size: 0.8rem; font-weight: 600; padding: 2px 4px; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.sortable-container-body { border-radius: 6px; min-height: 40px; }
.sortable-item, .sortable-item:hover { background-color: var(--background-color); color: var(--text-color);
  border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 6px; font-size: 0.8rem; text-align: left;
  margin: 4px; padding: 4px 8px; white-space: normal; }
.sortable-item:hover { border-color: var(--primary-color); }
.sortable-item:focus-visible { outline: 2px solid var(--primary-color); }
.sortable-item.dragging { box-shadow: 0 4px 12px rgba(0, 0, 0, 0.2); }
"""


@dataclass(frozen=True)
class Board:
    """What the component shows, and how its strings map back to days and items."""

    columns: list[dict[str, Any]]  # [{"header": str, "items": [label, ...]}, ...]: the component's input
    days: dict[str, int | None] = field(default_factory=dict[str, int | None])  # header -> day id
    items: dict[str, int] = field(default_factory=dict[str, int])  # label -> item id

    def arrangement(self, columns: list[dict[str, Any]]) -> dict[int | None, list[int]]:
        """The component's columns as day id (None: unscheduled) -> item ids in order. Strings the board
        does not know are left out, so ``apply_board`` names the items they hid as missing."""
        arranged: dict[int | None, list[int]] = {}
        for column in columns:
            header = column.get("header")
            if header in self.days:
                labels = column.get("items") or []
                arranged[self.days[header]] = [self.items[x] for x in labels if x in self.items]
        return arranged

    def digest(self) -> str:
        return hashlib.sha1(json.dumps(self.columns).encode()).hexdigest()[:12]


def _label(item: Item) -> str:
    title = " ".join(item.title.split()) or "untitled"
    return f"{item.start_local:%H:%M} · {title}" if item.start_local else title


def board_of(plan: TripPlan, day_names: Mapping[int, str], unscheduled: int = 0) -> Board:
    """Every day of ``plan`` in order, then "Unscheduled" (always there, so items can be dropped on it)."""
    used: set[str] = set()

    def unique(text: str) -> str:
        n, candidate = 1, text
        while candidate in used:
            n += 1
            candidate = f"{text} ({n})"
        used.add(candidate)
        return candidate

    lists: list[tuple[int | None, str, list[Item]]] = [
        (d.day.id, day_names.get(d.day.id or unscheduled, str(d.day.date)), d.items) for d in plan.days
    ]
    lists.append((None, day_names.get(unscheduled, "Unscheduled"), plan.unscheduled))
    columns: list[dict[str, Any]] = []
    days: dict[str, int | None] = {}
    items: dict[str, int] = {}
    for day_id, name, day_items in lists:
        header = unique(name)
        days[header] = day_id
        labels: list[str] = []
        for item in sorted(day_items, key=lambda i: i.position):
            if item.id is None:
                continue
            label = unique(_label(item))
            items[label] = item.id
            labels.append(label)
        columns.append({"header": header, "items": labels})
    return Board(columns, days, items)


def drag_board(
    plan: TripPlan, day_names: Mapping[int, str], unscheduled: int = 0
) -> dict[int | None, list[int]] | None:
    """Draw the board. Returns the new arrangement (day id -> item ids) once an item is dropped somewhere new,
    else None (the board is as the store has it).

    A drop made on a board the store has since moved on from (someone else changed the trip) is not
    returned: the board is drawn afresh and a warning says the move was not saved."""
    board = board_of(plan, day_names, unscheduled)
    generation = st.session_state.get(state.BOARD_GENERATION, 0)
    key = f"{state.BOARD_KEY_PREFIX}{plan.trip.id}.{generation}.{board.digest()}"
    last = st.session_state.get(state.BOARD_LAST)
    dropped = st.session_state.get(last[0]) if last and last[0] != key else None  # None: no drop there
    if dropped is not None and last and dropped != last[1]:
        st.warning(
            "The trip changed while you were dragging (someone else edited it), so that move was not saved. "
            "The board now shows the current order: drag the item again.",
            icon=":material/sync_problem:",
        )
    st.session_state[state.BOARD_LAST] = (key, board.columns)
    value = sort_items(
        board.columns, multi_containers=True, direction="vertical", custom_style=STYLE, key=key
    )
    if not isinstance(value, list):
        return None
    arranged = board.arrangement(value)
    return None if arranged == board.arrangement(board.columns) else arranged


def start_afresh() -> None:
    """After a save (done or refused): the next run draws a new board from the store, even when the store did
    not change, and does not take the saved drop for a stale one."""
    st.session_state[state.BOARD_GENERATION] = st.session_state.get(state.BOARD_GENERATION, 0) + 1
    st.session_state.pop(state.BOARD_LAST, None)
