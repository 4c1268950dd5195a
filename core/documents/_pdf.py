"""PDF with fpdf2, laid out from the same view-models as the HTML: real, extractable text, no HTML parsing.

Font: DejaVu Sans (a Unicode TrueType font, embedded as a subset) when it is installed in one of the usual
places; otherwise fpdf2's built-in Helvetica, which only has Latin-1, and every character outside Latin-1 is
replaced by a close ASCII spelling ("→" -> "->", "€" -> "EUR", "ł" -> "l") or "?" (see ``latin1``).
Text is always drawn as text: markup in names ("<script>", "**") is printed as written.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from core.documents._views import (
    DayView,
    DocumentHeader,
    InvoiceView,
    ItemView,
    ItineraryView,
    ProposalView,
)

__all__ = ["FONT_CANDIDATES", "cleaner", "find_unicode_font", "latin1", "render_pdf"]

_DEJAVU = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts"),
    Path("/opt/homebrew/share/fonts"),
    Path.home() / "Library" / "Fonts",  # macOS
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
# (regular, bold) pairs, first found wins.
FONT_CANDIDATES: tuple[tuple[Path, Path], ...] = tuple((d / _DEJAVU[0], d / _DEJAVU[1]) for d in _FONT_DIRS)

_ASCII = {
    "→": "->",
    "←": "<-",
    "↔": "<->",
    "–": "-",
    "—": "-",
    "‒": "-",
    "‐": "-",
    "‘": "'",
    "’": "'",
    "‚": ",",
    "“": '"',
    "”": '"',
    "„": '"',
    "…": "...",
    "•": "-",
    "€": "EUR",
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Œ": "OE",
    "œ": "oe",
    "ı": "i",
    "™": "(TM)",
    "\u2009": " ",
    "\u202f": " ",
    "\u2007": " ",
}

Run = tuple[str, bool, bool]  # a paragraph of a table cell: (text, bold, muted)

_INK = (31, 41, 51)
_MUTED = (97, 110, 124)
_ACCENT = (11, 110, 79)
_LINE = (217, 226, 236)


@functools.lru_cache(maxsize=1)
def find_unicode_font() -> tuple[Path, Path] | None:
    """The first installed (regular, bold) DejaVu Sans pair of ``FONT_CANDIDATES``, or None."""
    for regular, bold in FONT_CANDIDATES:
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _substitute(ch: str, covered: frozenset[int]) -> str:
    spelled = _ASCII.get(ch)
    if spelled is not None and all(ord(c) in covered for c in spelled):
        return spelled
    base = "".join(
        c for c in unicodedata.normalize("NFKD", ch) if ord(c) in covered and not unicodedata.combining(c)
    )
    return base or "?"


def cleaner(covered: frozenset[int]) -> Callable[[str], str]:
    """A function that keeps the characters a font has (``covered`` code points) and replaces the others with
    a close spelling (``_ASCII``, or the letter without its accent) or "?"; line breaks and tabs stay."""

    def clean(text: str) -> str:
        if all(ord(c) in covered for c in text):
            return text
        return "".join(c if ord(c) in covered else _substitute(c, covered) for c in text)

    return clean


_LATIN1 = frozenset(range(256))
latin1 = cleaner(_LATIN1)
latin1.__doc__ = "``text`` in Latin-1 for the built-in PDF fonts: close spellings, accents dropped, else '?'."


@functools.lru_cache(maxsize=4)
def _font_coverage(regular: Path, bold: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    maps: list[set[int]] = []
    for path in (regular, bold):
        with TTFont(str(path), lazy=True) as font:
            cmap: dict[int, str] = font.getBestCmap() or {}
            maps.append(set(cmap))
    return frozenset(maps[0] & maps[1]) | frozenset(range(32))


class _Pdf(FPDF):
    def __init__(self, header: DocumentHeader, font: tuple[Path, Path] | None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = header
        self._widths: dict[tuple[str, bool, float], float] = {}
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(auto=True, margin=16)
        self.clean: Callable[[str], str]
        if font is not None:
            self.add_font("DocSans", "", str(font[0]))
            self.add_font("DocSans", "B", str(font[1]))
            self.family_name = "DocSans"
            self.clean = cleaner(_font_coverage(*font))
        else:
            self.family_name = "helvetica"
            self.clean = latin1
        self.set_title(self.clean(f"{header.title}: {header.trip_name}"))
        if header.agency is not None:
            self.set_author(self.clean(header.agency.name))
        self.set_subject(self.clean(header.reference))
        self.set_creator("TravelOps")
        self.set_text_color(*_INK)
        self.set_draw_color(*_LINE)
        self.add_page()

    # -------------------------------------------------------------------------------------------- primitives
    def use(self, size: float, *, bold: bool = False, color: tuple[int, int, int] = _INK) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)
        self.set_text_color(*color)

    def para(
        self,
        text: str,
        *,
        size: float = 10,
        bold: bool = False,
        color: tuple[int, int, int] = _INK,
        h: float | None = None,
        align: str = "L",
    ) -> None:
        self.use(size, bold=bold, color=color)
        self.multi_cell(
            0, h or size * 0.5, self.clean(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def footer(self) -> None:
        self.set_y(-12)
        self.use(7.5, color=_MUTED)
        d = self.doc
        self.cell(
            0,
            5,
            self.clean(
                " · ".join(x for x in (d.agency_name, d.reference, f"page {self.page_no()}/{{nb}}") if x)
            ),
            align="C",
        )

    def rule(self, color: tuple[int, int, int] = _LINE, width: float = 0.3) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_draw_color(*_LINE)
        self.set_line_width(0.2)

    def heading(self, text: str) -> None:
        self.keep(50)
        self.ln(4)
        self.para(text, size=13, bold=True, h=7)
        self.rule(_ACCENT, 0.6)
        self.ln(2)

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit above the bottom margin (no orphaned headings)."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def subheading(self, text: str) -> None:
        self.keep(38)
        self.ln(2)
        self.para(text, size=10.5, bold=True, color=_ACCENT, h=6)

    # ---------------------------------------------------------------------------------------------- blocks
    def masthead(self) -> None:
        d = self.doc
        agency = d.agency
        if agency is not None:
            if agency.logo is not None:
                self.image(io.BytesIO(agency.logo), x=self.l_margin, h=16, keep_aspect_ratio=True)
                self.ln(1.5)
            self.para(agency.name, size=12, bold=True, h=6)
            for line in (", ".join(agency.address_lines), agency.contact):
                if line:
                    self.para(line, size=8.5, color=_MUTED, h=4.5)
        self.para(d.title, size=19, bold=True, h=9)
        meta = f"{d.reference} · issued {d.issued}" + (
            f" · prepared by {d.prepared_by}" if d.prepared_by else ""
        )
        self.para(meta, size=8.5, color=_MUTED, h=4.5)
        self.ln(1.5)
        self.rule()
        self.ln(3)

    def summary(self, extra: Sequence[tuple[str, str | None]] = ()) -> None:
        d = self.doc
        rows: list[tuple[str, str | None]] = [
            ("Prepared for", d.client_name or "—"),
            ("Travelers", ", ".join(d.travelers) or None),
            ("Trip", d.trip_name),
            ("Destinations", ", ".join(d.destinations) or None),
            ("Dates", f"{d.dates} ({d.nights} nights)" if d.dates and d.nights else d.dates),
            *extra,
        ]
        for label, value in rows:
            if not value:
                continue
            self.use(9.5, color=_MUTED)
            self.cell(32, 5.2, self.clean(label))
            self.use(9.5)
            self.multi_cell(0, 5.2, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    # ------------------------------------------------------------------------------------------------ grid
    def width_of(self, text: str, bold: bool, size: float) -> float:
        key = (text, bold, size)
        width = self._widths.get(key)
        if width is None:
            self.set_font(self.family_name, "B" if bold else "", size)
            width = self._widths[key] = self.get_string_width(text)
        return width

    def wrap(self, text: str, width: float, bold: bool, size: float) -> list[str]:
        """Greedy word wrap of ``text`` (already cleaned) into lines no wider than ``width`` mm; words wider
        than a line are cut. One pass with cached word widths: fpdf2's tables measure every cell twice, which
        made the 60-item proposal three times slower."""
        space = self.width_of(" ", bold, size)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                w = self.width_of(word, bold, size)
                if line and used + space + w <= width:
                    line, used = f"{line} {word}", used + space + w
                    continue
                if line:
                    lines.append(line)
                while w > width and len(word) > 1:  # a word longer than the column: cut it
                    cut = len(word) - 1
                    while cut > 1 and self.width_of(word[:cut], bold, size) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    w = self.width_of(word, bold, size)
                line, used = word, w
            lines.append(line)
        return lines

    def grid(
        self,
        heads: Sequence[str],
        rows: Sequence[Sequence[Sequence[Run]]],
        widths: Sequence[float],
        aligns: Sequence[str],
        *,
        size: float = 9,
    ) -> None:
        """A table with a rule under each row; headings repeat on each page; a row never splits."""
        if not rows:
            return
        scale = self.epw / sum(widths)
        cols = [w * scale for w in widths]
        lh, pad_x, pad_y = size * 0.47, 1.5, 1.2

        def rule() -> None:
            self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())

        def draw_heads() -> None:
            y, x = self.get_y(), self.l_margin
            self.use(size - 1.5, bold=True, color=_MUTED)
            for head, w, align in zip(heads, cols, aligns, strict=True):
                self.set_xy(x + pad_x, y + pad_y)
                self.cell(w - 2 * pad_x, lh, self.clean(head), align=align)
                x += w
            self.set_y(y + lh + 2 * pad_y)
            rule()

        self.keep(lh * 3 + 4 * pad_y)
        draw_heads()
        for row in rows:
            laid: list[list[tuple[str, bool, bool]]] = []
            for cell, w in zip(row, cols, strict=True):
                laid.append(
                    [
                        (line, bold, muted)
                        for text, bold, muted in cell
                        if text
                        for line in self.wrap(self.clean(text), w - 2 * pad_x, bold, size)
                    ]
                )
            height = max(len(c) for c in laid) * lh + 2 * pad_y
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                draw_heads()
            y, x = self.get_y(), self.l_margin
            for lines, w, align in zip(laid, cols, aligns, strict=True):
                for i, (line, bold, muted) in enumerate(lines):
                    self.use(size, bold=bold, color=_MUTED if muted else _INK)
                    self.set_xy(x + pad_x, y + pad_y + i * lh)
                    self.cell(w - 2 * pad_x, lh, line, align=align)
                x += w
            self.set_y(y + height)
            rule()
        self.set_x(self.l_margin)
        self.ln(1)

    def items(self, items: Sequence[ItemView], *, prices: bool) -> None:
        rows: list[list[list[Run]]] = []
        for item in items:
            kind = item.kind_label + (", optional" if item.optional else "")
            supplier = (item.supplier or "") + (f" · {item.supplier_phone}" if item.supplier_phone else "")
            what: list[Run] = [
                (item.title, True, False),
                (f"{kind} · {item.place}" if item.place else kind, False, True),
                (supplier, False, True),
                (
                    "Confirmation: " + ", ".join(item.confirmations) if item.confirmations else "",
                    False,
                    False,
                ),
                (item.notes, False, True),
            ]
            when: list[Run] = [(item.when or "—", False, False), (item.zones, False, True)]
            rows.append([when, what, [(item.price or "", False, False)]] if prices else [when, what])
        heads = ["When (local time)", "What", "Price"] if prices else ["When (local time)", "What"]
        widths = (40, 112, 28) if prices else (40, 140)
        self.grid(heads, rows, widths, ("L", "L", "R") if prices else ("L", "L"))

    def money_lines(self, rows: Sequence[tuple[str, str, bool]]) -> None:
        """Right-aligned label/amount lines; bold ones get a rule above."""
        label_w, amount_w = 60, 35
        x = self.w - self.r_margin - label_w - amount_w
        self.keep(6 * len(rows) + 2)
        for label, amount, bold in rows:
            if bold:
                self.set_draw_color(*_INK)
                self.line(x, self.get_y(), self.w - self.r_margin, self.get_y())
                self.set_draw_color(*_LINE)
            self.set_x(x)
            self.use(10 if bold else 9.5, bold=bold)
            self.cell(label_w, 6, self.clean(label))
            self.cell(amount_w, 6, self.clean(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def days(self, days: Sequence[DayView], extras: Sequence[ItemView], *, prices: bool) -> None:
        for day in days:
            title = f"Day {day.number} · {day.date}" + (f" · {day.title}" if day.title else "")
            self.subheading(title)
            if day.notes:
                self.para(day.notes, size=9, color=_MUTED, h=4.5)
            if day.free:
                self.para("At leisure.", size=9, color=_MUTED, h=4.5)
            self.items(day.items, prices=prices)
        if extras:
            self.subheading("Also in your plan")
            self.items(extras, prices=prices)


def _plain(text: str) -> list[Run]:
    return [(text, False, False)]


def _proposal(pdf: _Pdf, view: ProposalView) -> None:
    pdf.summary([("Valid until", view.valid_until)])
    pdf.heading("Your options")
    pdf.money_lines([(t.label + (" (accepted)" if t.accepted else ""), t.total, False) for t in view.tiers])
    if view.other_currency_note:
        pdf.para(view.other_currency_note, size=8.5, color=_MUTED, h=4.5)
    for tier in view.tiers:
        pdf.heading(tier.label + (" (accepted)" if tier.accepted else ""))
        pdf.days(tier.days, tier.extras, prices=True)
        rows: list[tuple[str, str, bool]] = []
        if tier.planning_fee:
            rows += [
                ("Travel arrangements", tier.travel_total, False),
                ("Planning fee", tier.planning_fee, False),
            ]
        rows.append((f"Total for {tier.label}", tier.total, True))
        pdf.money_lines(rows)
    pdf.para(
        f"Prices are per party in {view.currency} and are held until {view.valid_until}, subject to "
        "availability at booking. Optional items are not included in the totals.",
        size=8.5,
        color=_MUTED,
        h=4.5,
    )


def _itinerary(pdf: _Pdf, view: ItineraryView) -> None:
    pdf.summary([("Plan", view.option_label)])
    pdf.heading("Day by day")
    pdf.para(
        "All times are local, shown with the time zone of the place where they happen.",
        size=8.5,
        color=_MUTED,
        h=4.5,
    )
    pdf.days(view.days, view.extras, prices=False)


def _invoice(pdf: _Pdf, view: InvoiceView) -> None:
    d = view.header
    pdf.summary(
        [
            ("Invoice", view.invoice_number),
            ("Email", d.client_email),
            ("Address", d.client_address),
            ("Plan", view.option_label),
        ]
    )
    pdf.heading("Services")
    rows = [
        [
            _plain(line.date or "—"),
            [(line.description, False, False), (line.detail, False, True)],
            _plain(line.amount),
        ]
        for line in view.lines
    ]
    if view.planning_fee:
        rows.append([_plain("—"), _plain("Planning fee"), _plain(view.planning_fee)])
    pdf.grid(["Date", "Description", "Amount"], rows, (28, 122, 30), ("L", "L", "R"))
    totals: list[tuple[str, str, bool]] = [("Travel arrangements", view.travel_total, False)]
    if view.planning_fee:
        totals.append(("Planning fee", view.planning_fee, False))
    totals += [
        ("Total", view.total, True),
        ("Paid", view.paid, False),
        ("Balance due", view.balance_due, True),
    ]
    pdf.money_lines(totals)
    if view.separately_billed:
        pdf.subheading("Billed separately")
        pdf.grid(
            ["Date", "Description", "Amount"],
            [
                [
                    _plain(x.date or "—"),
                    [(x.description, False, False), (x.note, False, True)],
                    _plain(x.amount),
                ]
                for x in view.separately_billed
            ],
            (28, 122, 30),
            ("L", "L", "R"),
        )
    pdf.heading("Payment schedule")
    if view.payments:
        pdf.grid(
            ["Payment", "Due", "Amount", "Status"],
            [
                [_plain(p.description), _plain(p.due), _plain(p.amount), _plain(p.status)]
                for p in view.payments
            ],
            (62, 40, 32, 46),
            ("L", "L", "R", "L"),
        )
    else:
        pdf.para("No payments are scheduled yet.", size=9.5)
    if view.next_payment:
        pdf.para(f"Next payment: {view.next_payment}", size=9.5, bold=True, h=5)
    if view.unscheduled_balance:
        pdf.para(
            f"{view.unscheduled_balance} of the total is not yet covered by the schedule; we will agree its due "
            "date with you.",
            size=8.5,
            color=_MUTED,
            h=4.5,
        )
    pdf.heading("Terms and conditions")
    for paragraph in view.terms:
        pdf.para(paragraph, size=8.5, color=_MUTED, h=4.2, align="J")
        pdf.ln(1.5)


def render_pdf(view: ProposalView | ItineraryView | InvoiceView, *, unicode_font: bool = True) -> bytes:
    """The PDF of a document's view-model. ``unicode_font=False`` forces the Latin-1 fallback (for tests)."""
    pdf = _Pdf(view.header, find_unicode_font() if unicode_font else None)
    pdf.masthead()
    if isinstance(view, ProposalView):
        _proposal(pdf, view)
    elif isinstance(view, ItineraryView):
        _itinerary(pdf, view)
    else:
        _invoice(pdf, view)
    return bytes(pdf.output())
