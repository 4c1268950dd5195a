"""``render``: read the trip once, build the view-model, write the file, record it in the registry."""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from core.config import Settings
from core.documents._html import read_text_resource, render_html, template_dirs
from core.documents._spec import DocumentFormat, DocumentKind, KindSpec, check_request
from core.documents._views import (
    AgencyView,
    DocumentHeader,
    InvoiceView,
    ItineraryView,
    ProposalView,
    agency_view,
    build_header,
    build_invoice,
    build_itinerary,
    build_proposal,
    itinerary_items,
)
from core.errors import TravelOpsError
from core.security import Principal
from core.travel import Document, NotFound, RecordInvalid, TravelService, TripPlan

__all__ = [
    "PLACEHOLDER_WARNING",
    "PROPOSAL_VALID_DAYS",
    "RenderedDocument",
    "build_view",
    "document_dir",
    "render",
]

logger = logging.getLogger(__name__)

PROPOSAL_VALID_DAYS = 14
_VERSION_ATTEMPTS = 3
PLACEHOLDER_WARNING = (
    'The agency profile is still the placeholder "My Agency", so this document carries no agency name. '
    "Fix: set your agency's name on the Agency profile page, or run travelops agency update --name NAME."
)


@dataclass(frozen=True)
class RenderedDocument:
    """A rendered, written and recorded document. ``bytes`` is exactly what was written to ``path``."""

    kind: DocumentKind
    format: DocumentFormat
    path: Path
    version: int
    bytes: bytes
    content_type: str
    document: Document  # the registry record (id, created_by, created_at)
    warnings: tuple[str, ...] = ()  # what the reader should fix before sending it (the placeholder agency)


def document_dir(service: TravelService, trip_id: int, settings: Settings | None = None) -> Path:
    """``<data_dir>/documents/<trip_id>/``: ``settings.data_dir``, else the directory of the travel database
    (which ``TravelService.open(settings)`` keeps in ``data_dir``)."""
    base = settings.data_dir if settings is not None else service.store.path.parent
    return base / "documents" / str(trip_id)


def _terms(dirs: tuple[Path, ...], own: str = "") -> list[str]:
    """The invoice's terms as paragraphs: the agency profile's when set, else the template's terms.txt."""
    text = own if own.strip() else read_text_resource(dirs, "terms.txt")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [" ".join(p.split()) for p in "\n".join(lines).split("\n\n") if p.strip()]


def _prepared_by(service: TravelService, p: Principal, plan: TripPlan) -> str | None:
    agent = plan.trip.agent_id
    if agent is None:
        return None
    try:
        return service.get_user(p, agent).display_name
    except NotFound:
        return None


def build_view(
    service: TravelService,
    p: Principal,
    plan: TripPlan,
    spec: KindSpec,
    *,
    version: int,
    today: date,
    dirs: tuple[Path, ...],
) -> ProposalView | ItineraryView | InvoiceView:
    """The view-model of ``spec.kind`` for ``plan`` (what the HTML template and the PDF layout read)."""
    agency = service.get_agency(p)
    header: DocumentHeader = build_header(
        plan,
        kind=spec.kind,
        version=version,
        agency=_agency(service, p),
        prepared_by=_prepared_by(service, p, plan),
        today=today,
    )
    if spec.kind == "proposal":
        return build_proposal(plan, header, today=today, valid_days=PROPOSAL_VALID_DAYS)
    if spec.kind == "itinerary":
        return build_itinerary(plan, header)
    return build_invoice(plan, header, today=today, terms=_terms(dirs, agency.terms))


def _agency(service: TravelService, p: Principal) -> AgencyView | None:
    agency = service.get_agency(p)
    return agency_view(agency, service.agency_logo(p) if agency.logo_path else None)


def _next_version(service: TravelService, p: Principal, trip_id: int, kind: str) -> int:
    return max((d.version for d in service.list_documents(p, trip_id, kind=kind)), default=0) + 1


def _target(out: Path | None, default_dir: Path, name: str) -> Path:
    """``out`` (a folder gets ``name`` inside it), else ``default_dir / name``."""
    if out is None:
        return (default_dir / name).resolve()
    return (out / name if out.is_dir() else out).resolve()


def _write_tmp(path: Path, data: bytes) -> Path:
    """Write ``data`` beside ``path`` under a temporary name (renamed into place once recorded)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise TravelOpsError(
            f"Could not write {path}: {e.strerror or e}.",
            hint="Fix: choose a folder you can write to (--out), or check the permissions of data_dir.",
        ) from e
    return tmp


def render(
    service: TravelService,
    principal: Principal,
    trip_id: int,
    *,
    kind: DocumentKind | str,
    fmt: DocumentFormat | str,
    out: Path | str | None = None,
    settings: Settings | None = None,
    version: int | None = None,
    today: date | None = None,
) -> RenderedDocument:
    """Render a trip's ``kind`` document as ``fmt``, write it and record it (kind, trip, version, by whom).

    - ``kind``: ``proposal`` (the pricing tiers with their days and totals), ``itinerary`` (day by day, local
      times and zones, confirmation numbers, no prices) or ``invoice`` (lines, payment schedule, balance,
      terms). ``fmt``: ``html`` or ``pdf``; ``ics`` for the itinerary only.
    - ``out``: the file to write (a directory gets the default file name); default
      ``<data_dir>/documents/<trip_id>/<kind>-v<version>.<ext>`` (see ``document_dir``).
    - ``settings``: where templates (``<config dir>/templates``, then the repository's ``config/templates``)
      and ``data_dir`` come from; None uses the repository's templates and the database's directory.
    - ``version``: default one more than the trip's latest ``kind``; pass the same version to record the html
      and pdf of one rendering together. ``today``: the issue date (default: today).

    Raises ``core.errors.ValidationError`` (unknown kind/format, ics for a proposal, unknown trip),
    ``PermissionDenied`` (viewers cannot record documents) or ``ConfigError`` (a broken template).
    """
    spec, fmt_spec = check_request(str(kind), str(fmt))
    principal.require_write("render a document")
    day = today or date.today()
    dirs = template_dirs(settings)
    plan = service.get_trip_plan(principal, trip_id, today=day)  # NotFound names the trip
    agency = service.get_agency(principal)
    target_dir = document_dir(service, trip_id, settings)
    explicit = Path(out).expanduser() if out is not None else None
    chosen = version
    for attempt in range(_VERSION_ATTEMPTS):
        number = chosen if chosen is not None else _next_version(service, principal, trip_id, spec.kind)
        if fmt_spec.format == "ics":
            name = None if agency.is_placeholder else agency.name
            data = _ics(plan, agency.id or principal.agency_id, name, number)
        else:
            view = build_view(service, principal, plan, spec, version=number, today=day, dirs=dirs)
            if fmt_spec.format == "html":
                data = render_html(dirs, spec.template, view).encode("utf-8")
            else:
                from core.documents._pdf import render_pdf  # fpdf2 only when a PDF is asked for

                data = render_pdf(view)
        path = _target(explicit, target_dir, f"{spec.kind}-v{number}.{fmt_spec.extension}")
        tmp = _write_tmp(path, data)
        recorded = False
        try:
            record = service.record_document(
                principal, trip_id, kind=spec.kind, format=fmt_spec.format, path=path, version=number
            )
            recorded = True
        except RecordInvalid as e:
            if chosen is None and "version" in e.problems and attempt + 1 < _VERSION_ATTEMPTS:
                continue  # another render took this version a moment ago: take the next one
            raise
        finally:
            if not recorded:
                tmp.unlink(missing_ok=True)
        try:
            os.replace(tmp, path)
        except OSError as e:
            logger.exception("Recorded %s but could not write %s", record.path, path)
            raise TravelOpsError(
                f"Could not write {path}: {e.strerror or e}.",
                hint=f"Fix: check that the folder is writable (the temporary file is {tmp}).",
            ) from e
        warnings: tuple[str, ...] = ()
        if agency.is_placeholder:
            logger.warning("Rendered %s of trip %s without an agency name: %s", spec.kind, trip_id, path)
            warnings = (PLACEHOLDER_WARNING,)
        return RenderedDocument(
            kind=spec.kind,
            format=fmt_spec.format,
            path=path,
            version=number,
            bytes=data,
            content_type=fmt_spec.content_type,
            document=record,
            warnings=warnings,
        )
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _ics(plan: TripPlan, agency_id: int, agency_name: str | None, version: int) -> bytes:
    from core.documents._ics import render_ics  # icalendar only when a calendar is asked for

    return render_ics(
        plan,
        itinerary_items(plan),
        agency_id=agency_id,
        agency_name=agency_name,
        version=version,
        now=datetime.now(UTC),
    )
