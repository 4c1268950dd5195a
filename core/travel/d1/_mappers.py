"""Small mappers: row keys, JSON values as readable (masked) text, addresses, preferences, loyalty programs
and cost lines, in the shapes the travel models take."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.security import mask_secret
from core.travel._codes import normalize_place
from core.travel.d1._drafts import Row
from core.travel.d1.values import (
    Unreadable,
    clean_text,
    is_blank,
    is_list,
    is_object,
    pick,
    read_json,
)

__all__ = [
    "cost_lines",
    "json_field",
    "masked_text",
    "plain",
    "read_address",
    "read_loyalty",
    "read_preferences",
    "row_key",
]


_OWN_KEYS = {
    "tripdays": "day_id",
    "tripactivities": "activity_id",
    "accommodations": "accommodation_id",
    "tripcosts": "cost_id",
    "tripparticipants": "participant_id",
}


def row_key(table_key: str, row: Mapping[str, Any], n: int) -> str:
    """The row's own id (not the ids it refers to), else "trip/client", else its position."""
    for name in (_OWN_KEYS.get(table_key, "id"), "id"):
        value = clean_text(row.get(name))
        if value:
            return value
    trip, client = clean_text(row.get("trip_id")), clean_text(row.get("client_id"))
    return f"{trip}/{client}" if trip and client else f"row {n}"


def plain(value: Any) -> str:
    """A JSON value as one readable line."""
    if is_object(value):
        return "; ".join(f"{k.replace('_', ' ')}: {plain(v)}" for k, v in value.items() if not is_blank(v))
    if is_list(value):
        return ", ".join(plain(v) for v in value if not is_blank(v))
    return " ".join(str(value).split())


_SECRET_WORDS = frozenset({"number", "no", "num", "id", "policy", "ktn", "redress", "passport", "pnr"})


def masked_text(value: Any) -> str:
    """Like ``plain``, with anything that looks like a document or policy number masked."""
    if is_object(value):
        parts: list[str] = []
        for k, v in value.items():
            if is_blank(v):
                continue
            secret = bool(set(normalize_place(k).split()) & _SECRET_WORDS)
            parts.append(f"{k.replace('_', ' ')}: {mask_secret(str(v)) if secret else masked_text(v)}")
        return "; ".join(parts)
    if is_list(value):
        return ", ".join(masked_text(v) for v in value if not is_blank(v))
    text = " ".join(str(value).split())
    return re.sub(r"\b(?=[A-Z0-9-]*\d)[A-Z0-9-]{6,}\b", lambda m: mask_secret(m[0]), text)


def read_address(value: Any) -> str | None:
    if is_object(value):
        parts = [
            clean_text(value.get(k))
            for k in ("street", "line1", "address", "line2", "city", "state", "postal_code", "zip", "country")
        ]
        return ", ".join(p for p in parts if p) or None
    return clean_text(value)


_SEATS = {"aisle": "aisle", "window": "window", "any": "any", "no preference": "any"}
_DIETS = (
    "vegetarian",
    "vegan",
    "gluten",
    "halal",
    "kosher",
    "lactose",
    "nut",
    "pescatarian",
    "allerg",
    "celiac",
)
_TIERS = (
    ("luxury", ("luxury", "5 star", "5-star", "five star", "5*")),
    ("upscale", ("upscale", "4 star", "4-star", "four star", "4*", "premium", "boutique", "first class")),
    (
        "midrange",
        (
            "midrange",
            "mid-range",
            "mid range",
            "3 star",
            "3-star",
            "three star",
            "3*",
            "moderate",
            "standard",
        ),
    ),
    ("budget", ("budget", "economy", "2 star", "2-star", "hostel", "cheap")),
)


def _tier(text: str) -> str | None:
    lowered = text.lower()
    for tier, names in _TIERS:
        if any(n in lowered for n in names):
            return tier
    return None


def read_preferences(raw: Any) -> tuple[dict[str, Any], str]:
    """Recognisable preferences as ``TravelerPreferences`` fields, and the rest as text."""
    prefs: dict[str, Any] = {}
    rest: list[str] = []
    if is_blank(raw):
        return prefs, ""
    pieces: list[tuple[str | None, Any]]
    if is_object(raw):
        pieces = [(str(k).lower().replace(" ", "_").replace("-", "_"), v) for k, v in raw.items()]
    elif is_list(raw):
        pieces = [(None, v) for v in raw]
    else:
        pieces = [(None, v) for v in re.split(r"[;,\n]", str(raw))]
    for key, value in pieces:
        if is_blank(value) or value in ([], {}):
            continue
        text = plain(value)
        lowered = text.lower()
        if key in ("seat", "seat_preference", "seating", "seats") or (key is None and "seat" in lowered):
            seat = next((v for k, v in _SEATS.items() if k in lowered), None)
            if seat and "seat" not in prefs:
                prefs["seat"] = seat
                continue
        elif key in (
            "meal",
            "meals",
            "diet",
            "dietary",
            "dietary_restrictions",
            "dietary_requirements",
            "food",
        ) or (key is None and any(d in lowered for d in _DIETS)):
            prefs["meal"] = ", ".join(x for x in (prefs.get("meal"), text) if x)
            continue
        elif key in ("accessibility", "mobility", "special_needs", "special_assistance") or (
            key is None and any(w in lowered for w in ("wheelchair", "accessible", "mobility"))
        ):
            prefs["accessibility"] = ", ".join(x for x in (prefs.get("accessibility"), text) if x)
            continue
        elif key in (
            "hotel",
            "hotel_tier",
            "hotel_preference",
            "hotel_class",
            "accommodation",
            "accommodation_level",
        ):
            tier = _tier(text)
            if tier:
                prefs["hotel_tier"] = tier
                continue
        elif key in ("interests", "activities", "hobbies", "likes"):
            items = value if is_list(value) else re.split(r"[,;/]", text)
            prefs["interests"] = [*prefs.get("interests", []), *(plain(i) for i in items if not is_blank(i))]
            continue
        rest.append(f"{key.replace('_', ' ')}: {text}" if key else text.strip())
    return prefs, "; ".join(rest)


def read_loyalty(raw: Any) -> tuple[list[dict[str, str]], str]:
    """Loyalty programs with a program and a number; the rest as text (numbers masked)."""
    programs: list[dict[str, str]] = []
    rest: list[str] = []
    if is_blank(raw):
        return programs, ""
    entries: list[Any]
    if is_object(raw):
        fieldish = {
            "program",
            "program_name",
            "name",
            "airline",
            "number",
            "member_number",
            "membership_number",
        }
        entries = [raw] if set(raw) & fieldish else [{"program": k, "number": v} for k, v in raw.items()]
    elif is_list(raw):
        entries = raw
    else:
        return programs, masked_text(raw)
    for entry in entries:
        if is_object(entry):
            program = clean_text(
                pick(entry, "program", "program_name", "name", "airline", "hotel", "company", "provider")
            )
            number = clean_text(
                pick(entry, "number", "member_number", "membership_number", "member_id", "account", "id")
            )
            if program and number:
                programs.append({"program": program[:300], "number": number[:64]})
                continue
        if not is_blank(entry):
            rest.append(masked_text(entry))
    return programs, "; ".join(rest)


def cost_lines(breakdown: Any) -> list[tuple[str, Any]]:
    if is_object(breakdown):
        return [(str(k), v) for k, v in breakdown.items() if not isinstance(v, (dict, list))]
    if is_list(breakdown):
        lines: list[tuple[str, Any]] = []
        for entry in breakdown:
            if is_object(entry):
                label = clean_text(pick(entry, "category", "item", "description", "name", "label")) or "Cost"
                lines.append((label, pick(entry, "amount", "cost", "price", "total")))
        return lines
    return []


def json_field(
    row_info: Row,
    row: Mapping[str, Any],
    column: str,
    kind: type[list[Any]] | type[dict[str, Any]],
    *,
    keep_raw: bool,
    notes: list[str] | None = None,
) -> Any:
    """Column ``column`` of ``row`` as a JSON list or object (``read_json``). When it cannot be read: an empty
    one, a fix on ``row_info``, and with ``keep_raw`` the value as written appended to ``notes``."""
    try:
        return read_json(row.get(column), kind)
    except Unreadable as e:
        if keep_raw and notes is not None:
            notes.append(f"{column} (unreadable, as written): {str(row.get(column)).strip()}")
            row_info.fixes.append(f"{column} {e}: not imported, kept as written in the notes")
        else:
            row_info.fixes.append(f"{column} {e}: not imported (re-enter it by hand)")
        return kind()
