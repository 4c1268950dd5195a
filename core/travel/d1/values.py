"""Reading the original system's values: blanks, JSON, dates, times, money, countries, currencies, kinds of
booking and people's names (the rules are in docs/d1-import.md).

Each reader returns ``None`` for a blank value and raises ``Unreadable`` for a value that is there but cannot be
read, with a message that says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo

from core.travel._codes import COUNTRIES, CURRENCIES, normalize_place
from core.travel._search import normalize

__all__ = [
    "Unreadable",
    "clean_text",
    "is_blank",
    "is_fee",
    "is_list",
    "is_object",
    "item_kind",
    "json_or_text",
    "pick",
    "read_cents",
    "read_country",
    "read_currency",
    "read_date",
    "read_datetime",
    "read_json",
    "read_time",
    "read_times",
    "split_name",
]


class Unreadable(Exception):
    """A value that is there but cannot be read; the message says why (without the value if secret)."""


_BLANKS = frozenset({"", "null", "none", "n/a", "na", "-", "tbd", "tba", "unknown", "?"})
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in _BLANKS)


def is_object(value: object) -> TypeGuard[dict[str, Any]]:
    """True for a JSON object (a dict: its keys are text, its values anything JSON holds)."""
    return isinstance(value, dict)


def is_list(value: object) -> TypeGuard[list[Any]]:
    """True for a JSON list (of anything JSON holds)."""
    return isinstance(value, list)


def clean_text(value: Any) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return " ".join(str(value).split()) or None


def pick(row: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` that ``row`` has with a non-blank value."""
    for name in names:
        value = row.get(name)
        if not is_blank(value):
            return value
    return None


def read_json(value: Any, kind: type[list[Any]] | type[dict[str, Any]]) -> Any:
    """``value`` as a JSON list or object (blank: empty). Raises ``Unreadable``."""
    if is_blank(value):
        return kind()
    parsed: Any
    if is_list(value) or is_object(value):
        parsed = value
    else:
        try:
            parsed = json.loads(str(value))
        except json.JSONDecodeError as e:
            raise Unreadable(f"is not valid JSON ({e.msg} at character {e.pos})") from e
    if parsed is None:
        return kind()
    if kind is list and is_object(parsed):
        return [parsed]  # one object where a list was expected
    if not (is_list(parsed) if kind is list else is_object(parsed)):
        expected = "a list" if kind is list else "an object"
        raise Unreadable(f"is JSON {type(parsed).__name__}, not {expected}")
    return parsed


def read_date(value: Any) -> date | None:
    """A calendar date from the formats the original system produced (the list is in docs/d1-import.md, "Dates")."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _epoch(value).date()
    text = str(value).strip()
    try:
        if re.match(r"^\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text[:10])
        m = re.match(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$", text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", text)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = re.match(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})$", text)
        if m:
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            year = year if year > 99 else (2000 + year if year < 70 else 1900 + year)
            month, day = (second, first) if first > 12 else (first, second)
            return date(year, month, day)
        words = re.findall(r"[a-z]+|\d+", text.lower())
        months = [_MONTHS[w] for w in words if w in _MONTHS]
        numbers = [w for w in words if w.isdigit()]
        years = [int(n) for n in numbers if len(n) == 4]
        days = [int(n) for n in numbers if len(n) <= 2]
        if len(months) == 1 and len(years) == 1 and len(days) == 1:
            return date(years[0], months[0], days[0])
    except ValueError as e:
        raise Unreadable(f"'{text}' is not a real date") from e
    raise Unreadable(f"'{text}' is not a date we can read")


def _epoch(value: float) -> datetime:
    seconds = value / 1000 if value > 1e11 else value
    if not 1e8 < seconds < 4e9:
        raise Unreadable(f"{value} is not a date")
    return datetime.fromtimestamp(seconds)


_TIME = re.compile(
    r"(?<![\d:])(\d{1,2})(?:[:h.](\d{2}))?(?::\d{2}(?:\.\d+)?)?(?:\s*([ap])\.?m\b\.?)?(?![\d:])",
    re.IGNORECASE,
)


def read_time(value: Any) -> time | None:
    """``09:00``, ``9:30 pm``, ``9am``, ``21h30``, ``noon``. Raises ``Unreadable`` ("morning")."""
    start, _ = read_times(value)
    return start


def read_times(value: Any) -> tuple[time | None, time | None]:
    """A time or a range (``09:00-12:00``, ``9am to 1pm``)."""
    if is_blank(value):
        return None, None
    text = str(value).strip().lower()
    if text in ("noon", "midday"):
        return time(12), None
    if text == "midnight":
        return time(0), None
    found: list[time] = []
    for m in _TIME.finditer(text):
        if m[2] is None and m[3] is None:
            continue  # a bare number ("2 people") is not a time
        hour, minute = int(m[1]), int(m[2] or 0)
        if m[3]:
            if not 1 <= hour <= 12:
                raise Unreadable(f"'{value}' is not a time")
            hour = hour % 12 + (12 if m[3] == "p" else 0)
        if hour > 23 or minute > 59:
            raise Unreadable(f"'{value}' is not a time")
        found.append(time(hour, minute))
    if not found:
        raise Unreadable(f"'{value}' is not a time")
    return found[0], found[1] if len(found) > 1 else None


def read_datetime(value: Any, zone: str | None) -> tuple[date | None, time | None]:
    """A date and, when given, a local time. Timestamps with an offset are converted to ``zone`` when known
    (else their own wall clock is kept). Raises ``Unreadable``."""
    if is_blank(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = _epoch(value)
        return moment.date(), moment.time().replace(second=0, microsecond=0)
    text = str(value).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", text):
        try:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError as e:
            raise Unreadable(f"'{text}' is not a date and time we can read") from e
        if moment.tzinfo is not None:
            if zone:
                moment = moment.astimezone(ZoneInfo(zone))
            moment = moment.replace(tzinfo=None)
        return moment.date(), moment.time().replace(second=0, microsecond=0)
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return read_date(text), None
    # "03/07/2025 14:30", "7 Mar 2025 2pm": a date part and a time part
    m = re.search(r"(?:\s|T|,)\s*(\d{1,2}(?::\d{2})?(?::\d{2})?\s*(?:[ap]\.?m\.?)?)\s*$", text, re.IGNORECASE)
    if m and (":" in m[1] or re.search("[ap]", m[1], re.IGNORECASE)):
        return read_date(text[: m.start()].strip(" ,T")), read_time(m[1])
    return read_date(text), None


_NUMBER = re.compile(r"^\(?-?[\d.,' ]+\)?$")


def read_cents(value: Any) -> int | None:
    """A money amount as integer cents (blank: None). Raises ``Unreadable`` for text and negative amounts."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise Unreadable(f"{value!r} is not an amount")
    if isinstance(value, (int, float)):
        amount = Decimal(str(value))
    else:
        text = str(value).strip()
        if text.lower() in ("free", "included", "complimentary", "comp"):
            return 0
        cleaned = re.sub(r"\b[A-Za-z]{3}\b|[$€£¥]|\s", "", text).replace("'", "")
        negative = cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")"))
        cleaned = cleaned.strip("()-")
        if not cleaned or not _NUMBER.match(cleaned):
            raise Unreadable(f"'{text}' is not an amount")
        if "," in cleaned and "." in cleaned:
            decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        elif "," in cleaned:
            decimal_mark = "," if re.search(r",\d{1,2}$", cleaned) else "."
        else:
            decimal_mark = "."
        thousands = "." if decimal_mark == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation as e:
            raise Unreadable(f"'{text}' is not an amount") from e
        if negative:
            amount = -amount
    if not amount.is_finite():
        raise Unreadable(f"{value!r} is not an amount")
    if amount < 0:
        raise Unreadable(f"{value} is negative")
    return int((amount * 100).to_integral_value())


# Country names and ISO alpha-3 codes seen in the original data (alpha-2 codes are accepted as they are).
_COUNTRY_NAMES_TEXT = """
US: usa, united states, united states of america, america | GB: uk, gbr, united kingdom, great britain, england,
scotland, wales | CA: can, canada | MX: mex, mexico | AU: aus, australia | NZ: nzl, new zealand | IE: irl, ireland
| DE: deu, germany | FR: fra, france | ES: esp, spain | PT: prt, portugal | IT: ita, italy | NL: nld, netherlands,
holland | BE: bel, belgium | CH: che, switzerland | AT: aut, austria | SE: swe, sweden | NO: nor, norway | DK: dnk,
denmark | FI: fin, finland | PL: pol, poland | GR: grc, greece | JP: jpn, japan | CN: chn, china | IN: ind, india
| BR: bra, brazil | AR: arg, argentina | ZA: zaf, south africa | IL: isr, israel | AE: are, uae, united arab
emirates | SG: sgp, singapore | KR: kor, korea, south korea
"""
_COUNTRY_NAMES: dict[str, str] = {
    name.strip(): code.strip()
    for entry in " ".join(_COUNTRY_NAMES_TEXT.split()).split("|")
    for code, names in [entry.split(":")]
    for name in names.split(",")
}


def read_country(value: Any) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    code = text.upper()
    if code in COUNTRIES:
        return code
    return _COUNTRY_NAMES.get(normalize(text))


_CURRENCY_SIGNS = {
    "$": "USD",
    "us$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "dollars": "USD",
    "euros": "EUR",
}


def read_currency(value: Any) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    code = text.upper()
    return code if code in CURRENCIES else _CURRENCY_SIGNS.get(text.lower())


def _words(text: str) -> str:
    return f" {normalize_place(text)} "


_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("flight", ("flight", "flights", "air", "airfare", "plane", "airline", "fly")),
    ("rail", ("train", "trains", "rail", "railway")),
    ("cruise", ("cruise", "cruises")),
    ("car", ("car rental", "rental car", "car hire", "rental", "car")),
    (
        "transfer",
        (
            "transfer",
            "transfers",
            "taxi",
            "shuttle",
            "bus",
            "coach",
            "ferry",
            "transport",
            "transportation",
            "driver",
            "pickup",
            "ground",
        ),
    ),
    (
        "hotel",
        (
            "hotel",
            "hotels",
            "accommodation",
            "accommodations",
            "lodging",
            "resort",
            "hostel",
            "villa",
            "stay",
        ),
    ),
    ("note", ("note", "free time", "free day", "at leisure", "leisure")),
)
_FEES = ("fee", "fees", "service fee", "planning fee", "agency fee", "booking fee")


def item_kind(*texts: Any, default: str = "activity") -> str:
    words = _words(" ".join(str(t) for t in texts if t))
    for kind, names in _KINDS:
        if any(f" {n} " in words for n in names):
            return kind
    return default


def is_fee(text: str) -> bool:
    words = _words(text)
    return any(f" {n} " in words for n in _FEES)


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"})
_PARTICLES = frozenset(
    {
        "da",
        "de",
        "del",
        "della",
        "der",
        "den",
        "di",
        "do",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "van",
        "von",
        "ten",
    }
    | {"ter", "st", "bin", "ibn", "al", "el", "y"}
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def split_name(full: str) -> tuple[str, str] | None:
    """(first, last) legal names from a full name; None for a single word."""
    text = " ".join(full.split())
    if "," in text:
        last, first = (part.strip() for part in text.split(",", 1))
        if first and last and first.lower().strip(".") not in _SUFFIXES:
            return first, last
        text = text.replace(",", " ")
    words = text.split()
    while words and words[0].lower().strip(".") in _TITLES:
        words = words[1:]
    if len(words) < 2:
        return None
    suffix = words[-1] if len(words) > 2 and words[-1].lower().strip(".") in _SUFFIXES else ""
    core = words[:-1] if suffix else words
    i = len(core) - 1
    while i - 1 >= 1 and core[i - 1].lower() in _PARTICLES:
        i -= 1
    return " ".join(core[:i]), " ".join([*core[i:], suffix]).strip()


def json_or_text(value: Any) -> Any:
    """Parsed JSON when ``value`` looks like JSON (raises ``Unreadable`` when it is broken), else the text."""
    if is_blank(value):
        return None
    if is_object(value) or is_list(value):
        return value
    text = str(value).strip()
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise Unreadable(f"is not valid JSON ({e.msg} at character {e.pos})") from e
    return text
