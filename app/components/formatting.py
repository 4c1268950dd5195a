"""How numbers, money and models read on screen."""

from __future__ import annotations

import re
from datetime import date, datetime

from core.models import Registry
from core.travel import format_money

OFFLINE_NOTE = "offline drafter, no AI model"


def usd(amount: float | None) -> str:
    """US dollars for model spend: cents for amounts from $1, four decimals below (calls cost fractions)."""
    if amount is None or amount != amount:
        return "–"
    if abs(amount) >= 1 or amount == 0:
        return f"${amount:,.2f}"
    return f"${amount:,.4f}"


def money(cents: int | None, currency: str) -> str:
    """A trip amount (integer cents) in its currency: ``EUR 1,234.50``."""
    return "–" if cents is None else format_money(cents, currency)


def amount(cents: int | None) -> str:
    """A trip amount without its currency (``1,234.50``), for a metric whose label names the currency."""
    return "–" if cents is None else f"{cents / 100:,.2f}"


def pct(share: float | None, digits: int = 0) -> str:
    return "–" if share is None or share != share else f"{share * 100:.{digits}f}%"


def ms(value: float | None) -> str:
    if value is None or value != value:
        return "–"
    return f"{value / 1000:.1f} s" if value >= 10_000 else f"{value:,.0f} ms"


def size(n_bytes: int | None) -> str:
    """A file's size: bytes below 1 kB, then kB and MB (powers of 1000, as file managers show them)."""
    if n_bytes is None:
        return "–"
    if n_bytes < 1000:
        return f"{n_bytes} B"
    if n_bytes < 1_000_000:
        return f"{n_bytes / 1000:.1f} kB"
    return f"{n_bytes / 1_000_000:.1f} MB"


def when(value: datetime | date | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return f"{value:%a %d %b %Y %H:%M}"
    return f"{value:%a %d %b %Y}"


def model_labels(registry: Registry) -> dict[str, str]:
    """Model id -> how it is shown; the offline drafter is always labelled as such."""
    return {m.id: f"{m.id} ({OFFLINE_NOTE})" if m.is_offline else m.id for m in registry.models}


def label_model(model_id: str | None, labels: dict[str, str]) -> str:
    if not model_id:
        return "–"
    if model_id in labels:
        return labels[model_id]
    return f"{model_id} ({OFFLINE_NOTE})" if model_id.startswith("offline/") else model_id


_MARKDOWN = re.compile(r"([\\`*_\[\]|<>~$:])")  # what makes a link, an image, HTML, emphasis or a directive


def plain(text: str) -> str:
    """Stored text (a name a user typed) made safe to put inside our own Markdown: every markup sign
    escaped, so it shows as written and never as a link, an image or a colour."""
    return _MARKDOWN.sub(r"\\\1", text)
