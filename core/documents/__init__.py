"""Documents that go to clients: the proposal, the client itinerary and the invoice/contract.

Render one from a trip, as the acting user; it is written and recorded (kind, trip, version, by whom)::

    from core.documents import render
    from core.security import Principal
    from core.travel import TravelService

    service = TravelService.open(settings)
    doc = render(service, Principal.default_admin(), trip_id, kind="proposal", fmt="pdf", settings=settings)
    doc.path, doc.version, doc.content_type        # <data_dir>/documents/<trip_id>/proposal-v1.pdf, 1, ...

Kinds and formats are data (``KINDS``, ``FORMATS``): proposal and invoice render to html and pdf, the
itinerary also to ics (RFC 5545, each event in its own time zones). HTML comes from the Jinja2 templates in
``config/templates/`` (autoescaped, StrictUndefined), which read a view-model built here; the PDF (fpdf2, real
text) is laid out from the same view-model. Everything else in this package is private.

Before rendering for a person, ``preflight(service, p, trip_id, kind)`` lists what to look at first (open check
flags, the placeholder agency profile, no dates, no items, nothing to invoice); the app and ``travelops docs
render`` ask before going ahead. ``render`` itself never asks.
"""

from core.documents._html import REPO_TEMPLATES, template_dirs
from core.documents._preflight import Notice, preflight
from core.documents._render import (
    PLACEHOLDER_WARNING,
    PROPOSAL_VALID_DAYS,
    RenderedDocument,
    build_view,
    document_dir,
    render,
)
from core.documents._spec import (
    FORMATS,
    KINDS,
    DocumentFormat,
    DocumentKind,
    FormatSpec,
    KindSpec,
    check_request,
)
from core.documents._views import (
    AgencyView,
    DayView,
    DocumentHeader,
    InvoiceLine,
    InvoiceView,
    ItemView,
    ItineraryView,
    PaymentView,
    ProposalView,
    TierView,
    invoiceable,
)

__all__ = [
    "FORMATS",
    "KINDS",
    "PLACEHOLDER_WARNING",
    "PROPOSAL_VALID_DAYS",
    "REPO_TEMPLATES",
    "AgencyView",
    "DayView",
    "DocumentFormat",
    "DocumentHeader",
    "DocumentKind",
    "FormatSpec",
    "InvoiceLine",
    "InvoiceView",
    "ItemView",
    "ItineraryView",
    "KindSpec",
    "Notice",
    "PaymentView",
    "ProposalView",
    "RenderedDocument",
    "TierView",
    "build_view",
    "check_request",
    "document_dir",
    "invoiceable",
    "preflight",
    "render",
    "template_dirs",
]
