"""``documents``: the client documents as MCP tools (replaces the original template-document server).

Thin over ``core.documents``: the templates are its document kinds (proposal, itinerary, invoice), rendered from
a trip and recorded with their version. HTML and PDF come from ``core.documents.render``; markdown is a plain
conversion of the same view-model the HTML and PDF read, written and recorded the same way. PDFs are returned as
a file path and size, never as bytes.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict, Field

from core.config import Settings
from core.documents import (
    KINDS,
    DayView,
    DocumentHeader,
    InvoiceView,
    ItemView,
    ItineraryView,
    ProposalView,
    build_view,
    check_request,
    document_dir,
    render,
    template_dirs,
)
from core.mcp.servers._common import READ_ONLY, WRITE, Backend, Output, new_server, require_trip
from core.travel import RecordInvalid

__all__ = ["build", "to_markdown"]

NAME = "documents"
INSTRUCTIONS = (
    "The agency's client documents: list_templates shows the proposal, itinerary and invoice; "
    "render_template(template_id, data={'trip_id': N}, output_format) renders one from a trip's data (html, "
    "markdown or pdf) and records it as a new version; generate_itinerary(trip_id) is the shortcut for the "
    "itinerary (also as an .ics calendar). Documents show only what is stored: fix the trip first "
    "(travel-db tools), then render."
)

RenderFormat = Literal["html", "markdown", "pdf"]
ItineraryFormat = Literal["html", "markdown", "pdf", "ics"]
_MARKDOWN = "markdown"


class RenderData(BaseModel):
    """What a template is rendered from: our templates read a whole trip."""

    model_config = ConfigDict(extra="forbid")

    trip_id: int = Field(ge=1, description="The trip to render (find it with get_anything on travel-db).")


class TemplateInfo(Output):
    template_id: str
    title: str
    about: str
    formats: list[str]
    shows_prices: bool
    template_file: str
    data: dict[str, str]


class TemplateList(Output):
    templates: list[TemplateInfo]


class TemplateDetail(Output):
    template: TemplateInfo
    source_path: str
    source: str = Field(description="The Jinja2 HTML template; it reads the view-model as `doc`.")


class RenderedOutput(Output):
    # No docstring: it would become the output schema's description. The schema keeps the title clients saw.
    model_config = ConfigDict(title="RenderedDocument")

    template_id: str
    trip_id: int
    format: str
    version: int
    path: str
    size_bytes: int
    content_type: str
    text: str | None = Field(description="The document for html, markdown and ics; None for pdf (see path).")


def _info(kind: str) -> TemplateInfo:
    spec = KINDS[kind]
    formats = [f for f in spec.formats if f != "ics"] + [_MARKDOWN]
    if "ics" in spec.formats:
        formats.append("ics (generate_itinerary)")
    return TemplateInfo(
        template_id=spec.kind,
        title=spec.title,
        about=spec.about,
        formats=formats,
        shows_prices=spec.shows_prices,
        template_file=spec.template,
        data={"trip_id": "the id of the trip to render (required)"},
    )


def _unknown_template(template_id: str) -> ToolError:
    return ToolError(
        f"No template {template_id!r}. Templates: {', '.join(KINDS)}. Fix: use one of those ids "
        "(list_templates describes them)."
    )


# ----------------------------------------------------------------------------------------------------------
# Markdown from the view-model
# ----------------------------------------------------------------------------------------------------------


def _md_header(h: DocumentHeader, extra: list[str]) -> list[str]:
    lines = [f"# {h.title}: {h.trip_name}", "", f"{h.reference} · issued {h.issued}", ""]
    facts: list[tuple[str, str | None]] = [
        ("Client", h.client_name),
        ("Travellers", ", ".join(h.travelers) or None),
        ("Dates", f"{h.dates} ({h.nights} nights)" if h.dates and h.nights is not None else h.dates),
        ("Destinations", ", ".join(h.destinations) or None),
        ("Prepared by", ", ".join(x for x in (h.prepared_by, h.agency_name) if x) or None),
    ]
    lines += [f"- **{label}:** {value}" for label, value in facts if value]
    lines += extra
    return [*lines, ""]


def _md_item(item: ItemView) -> str:
    parts = [f"**{item.when}**" if item.when else "", f"{item.kind_label}: {item.title}"]
    if item.place:
        parts.append(f"({item.place})")
    text = " ".join(p for p in parts if p)
    details = [item.status_label]
    if item.price:
        details.append(item.price)
    if item.confirmations:
        details.append("confirmation " + ", ".join(item.confirmations))
    if item.supplier:
        details.append(item.supplier)
    line = f"- {text} — {' · '.join(details)}"
    return line + (f"\n  {item.notes}" if item.notes else "")


def _md_days(days: list[DayView], extras: list[ItemView], level: str = "##") -> list[str]:
    lines: list[str] = []
    for day in days:
        title = f" — {day.title}" if day.title else ""
        lines += [f"{level} Day {day.number} · {day.date}{title}", ""]
        if day.notes:
            lines += [day.notes, ""]
        lines += [_md_item(i) for i in day.items] if day.items else ["- Free day"]
        lines.append("")
    if extras:
        lines += [f"{level} Also included", "", *(_md_item(i) for i in extras), ""]
    return lines


def to_markdown(view: ProposalView | ItineraryView | InvoiceView) -> str:
    """A plain markdown rendering of a document's view-model (what the HTML and PDF show)."""
    if isinstance(view, ProposalView):
        lines = _md_header(view.header, [f"- **Valid until:** {view.valid_until}"])
        for tier in view.tiers:
            accepted = " (accepted)" if tier.accepted else ""
            lines += [f"## {tier.label}{accepted} — {tier.total}", ""]
            lines += _md_days(tier.days, tier.extras, "###")
            lines.append(f"- Travel total: {tier.travel_total}")
            if tier.planning_fee:
                lines.append(f"- Planning fee: {tier.planning_fee}")
            lines += [f"- **Total: {tier.total}**", ""]
        if view.other_currency_note:
            lines += [view.other_currency_note, ""]
    elif isinstance(view, ItineraryView):
        extra = [f"- **Plan:** {view.option_label}"] if view.option_label else []
        lines = _md_header(view.header, extra)
        lines += ["All times are local, with the time zone of the place where they happen.", ""]
        lines += _md_days(view.days, view.extras)
    else:
        extra = [f"- **Invoice:** {view.invoice_number}"]
        if view.option_label:
            extra.append(f"- **Plan:** {view.option_label}")
        lines = _md_header(view.header, extra)
        lines += ["## Charges", "", "| Date | Description | Detail | Amount |", "| --- | --- | --- | ---: |"]
        lines += [
            f"| {line.date or ''} | {line.description} | {line.detail} | {line.amount} |"
            for line in view.lines
        ]
        lines.append("")
        if view.separately_billed:
            lines += ["Billed separately:", ""]
            lines += [
                f"- {line.description}: {line.amount} {line.note}".rstrip() for line in view.separately_billed
            ]
            lines.append("")
        if view.planning_fee:
            lines.append(f"- Planning fee: {view.planning_fee}")
        lines += [
            f"- Travel total: {view.travel_total}",
            f"- **Total: {view.total}**",
            f"- Paid: {view.paid}",
            f"- **Balance due: {view.balance_due}**",
            "",
        ]
        if view.payments:
            lines += [
                "## Payment schedule",
                "",
                "| Due | Description | Amount | Status |",
                "| --- | --- | ---: | --- |",
            ]
            lines += [f"| {p.due} | {p.description} | {p.amount} | {p.status} |" for p in view.payments]
            lines.append("")
        if view.next_payment:
            lines += [f"Next payment: {view.next_payment}", ""]
        if view.terms:
            lines += ["## Terms", "", *(f"{n}. {t}" for n, t in enumerate(view.terms, start=1)), ""]
    return "\n".join(lines).rstrip() + "\n"


# ----------------------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------------------


def build(settings: Settings) -> MCPServer[Any]:
    """The documents server over the travel store and templates of ``settings``."""
    backend = Backend(settings)
    server = new_server(NAME, backend, instructions=INSTRUCTIONS)

    def rendered(kind: str, trip_id: int, fmt: str) -> RenderedOutput:
        require_trip(backend, trip_id)
        if fmt == _MARKDOWN:
            return _markdown(backend, kind, trip_id)
        doc = render(
            backend.service, backend.principal, trip_id, kind=kind, fmt=fmt, settings=backend.settings
        )
        return RenderedOutput(
            template_id=kind,
            trip_id=trip_id,
            format=doc.format,
            version=doc.version,
            path=str(doc.path),
            size_bytes=len(doc.bytes),
            content_type=doc.content_type,
            text=None if doc.format == "pdf" else doc.bytes.decode("utf-8"),
        )

    @server.tool(annotations=READ_ONLY)
    def list_templates() -> TemplateList:
        """The document templates: what each shows, its formats and the data it needs."""
        return TemplateList(templates=[_info(kind) for kind in KINDS])

    @server.tool(annotations=READ_ONLY)
    def get_template(
        template_id: Annotated[str, Field(description="proposal, itinerary or invoice.")],
    ) -> TemplateDetail:
        """A template's description and its Jinja2 source (the agency's override if it has one)."""
        if template_id not in KINDS:
            raise _unknown_template(template_id)
        info = _info(template_id)
        for folder in template_dirs(backend.settings):
            path = folder / info.template_file
            if path.is_file():
                return TemplateDetail(template=info, source_path=str(path), source=path.read_text("utf-8"))
        raise ToolError(
            f"The template file {info.template_file} is missing from {', '.join(map(str, template_dirs(backend.settings)))}. "
            "Fix: restore config/templates/ from the repository."
        )

    @server.tool(annotations=WRITE)
    def render_template(
        template_id: Annotated[str, Field(description="proposal, itinerary or invoice.")],
        data: RenderData,
        output_format: RenderFormat = "html",
    ) -> RenderedOutput:
        """Render a document from a trip and record it as a new version. html and markdown come back as text;
        pdf as the file's path and size."""
        if template_id not in KINDS:
            raise _unknown_template(template_id)
        return rendered(template_id, data.trip_id, output_format)

    @server.tool(annotations=WRITE)
    def generate_itinerary(
        trip_id: Annotated[
            int, Field(ge=1, description="The trip (find it with get_anything on travel-db).")
        ],
        format: ItineraryFormat = "html",
    ) -> RenderedOutput:
        """The client itinerary of a trip, day by day with local times and zones (no prices), recorded as a
        new version: html, markdown, pdf (path and size) or ics (a calendar)."""
        return rendered("itinerary", trip_id, format)

    return server


def _markdown(backend: Backend, kind: str, trip_id: int) -> RenderedOutput:
    service, p = backend.service, backend.principal
    spec, _ = check_request(kind, "html")
    p.require_write("render a document")
    today = date.today()
    plan = service.get_trip_plan(p, trip_id, today=today)
    folder = document_dir(service, trip_id, backend.settings)
    for _attempt in range(3):
        version = max((d.version for d in service.list_documents(p, trip_id, kind=kind)), default=0) + 1
        view = build_view(
            service, p, plan, spec, version=version, today=today, dirs=template_dirs(backend.settings)
        )
        data = to_markdown(view).encode("utf-8")
        path = (folder / f"{kind}-v{version}.md").resolve()
        # Like core.documents.render: write beside the target, record, then move into place.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
        except OSError as e:
            raise ToolError(
                f"Could not write {path}: {e.strerror or e}. Fix: check that data_dir is writable."
            ) from e
        try:
            service.record_document(p, trip_id, kind=kind, format=_MARKDOWN, path=path, version=version)
        except RecordInvalid as e:
            tmp.unlink(missing_ok=True)
            if "version" in e.problems:
                continue  # another render took this version a moment ago
            raise
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, path)
        return RenderedOutput(
            template_id=kind,
            trip_id=trip_id,
            format=_MARKDOWN,
            version=version,
            path=str(path),
            size_bytes=len(data),
            content_type="text/markdown; charset=utf-8",
            text=data.decode("utf-8"),
        )
    raise ToolError(f"Could not find a free version number for the {kind} of trip {trip_id}. Fix: try again.")
