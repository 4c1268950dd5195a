"""The document registry as data: which kinds exist, what each shows, and which formats each renders to."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.errors import ValidationError

__all__ = ["FORMATS", "KINDS", "DocumentFormat", "DocumentKind", "FormatSpec", "KindSpec", "check_request"]

DocumentKind = Literal["proposal", "itinerary", "invoice"]
DocumentFormat = Literal["html", "pdf", "ics"]


class KindSpec(BaseModel):
    """One kind of document: its title, its HTML template (in the template directory) and its formats."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: DocumentKind
    title: str
    template: str
    formats: tuple[DocumentFormat, ...]
    shows_prices: bool
    about: str


class FormatSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: DocumentFormat
    extension: str
    content_type: str


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            kind="proposal",
            title="Travel proposal",
            template="proposal.html.j2",
            formats=("html", "pdf"),
            shows_prices=True,
            about="the pricing tiers (itinerary options), each with its days, items and total",
        ),
        KindSpec(
            kind="itinerary",
            title="Your itinerary",
            template="itinerary.html.j2",
            formats=("html", "pdf", "ics"),
            shows_prices=False,
            about="day by day with local times, time zones, places and confirmation numbers; no prices",
        ),
        KindSpec(
            kind="invoice",
            title="Invoice and contract",
            template="invoice.html.j2",
            formats=("html", "pdf"),
            shows_prices=True,
            about="line items with sell prices, the payment schedule, the balance due and the terms",
        ),
    )
}

FORMATS: dict[str, FormatSpec] = {
    spec.format: spec
    for spec in (
        FormatSpec(format="html", extension="html", content_type="text/html; charset=utf-8"),
        FormatSpec(format="pdf", extension="pdf", content_type="application/pdf"),
        FormatSpec(format="ics", extension="ics", content_type="text/calendar; charset=utf-8"),
    )
}


def check_request(
    kind: str, fmt: str, *, kind_option: str = "kind", format_option: str = "fmt"
) -> tuple[KindSpec, FormatSpec]:
    """The specs of ``kind`` and ``fmt``, or a ``ValidationError`` naming the option and the fix.

    ``kind_option``/``format_option`` are how the caller spells the options ("--kind", "--format" in the CLI).
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError(
            f"Unknown document kind {kind!r} ({kind_option}).",
            hint=f"Fix: use one of {', '.join(KINDS)}.",
        )
    fmt_spec = FORMATS.get(fmt)
    if fmt_spec is None:
        raise ValidationError(
            f"Unknown format {fmt!r} ({format_option}).",
            hint=f"Fix: use one of {', '.join(FORMATS)}.",
        )
    if fmt not in spec.formats:
        able = [k.kind for k in KINDS.values() if fmt in k.formats]
        raise ValidationError(
            f"{format_option} {fmt} is not available for {kind_option} {kind}: {fmt} is only for "
            f"{' and '.join(able)}.",
            hint=f"Fix: use {format_option} {' or '.join(spec.formats)} for a {kind}, or "
            f"{kind_option} {able[0]} {format_option} {fmt}.",
        )
    return spec, fmt_spec
