"""The one look of the PDFs the system prints (trace requests, evaluation reports,
certificates): A4, the same styles, label/value blocks, tables whose header repeats on every
page, and a footer with the generation date, a reference and the page number.

reportlab's standard fonts cover Spanish, French and Portuguese through WinAnsi, so no font
file is shipped (docs/DEPENDENCIES.md). User text is escaped for reportlab's mini-markup."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

INK = colors.HexColor("#1f2933")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#e4e7eb")
MUTED = colors.HexColor("#52606d")
ALERT = colors.HexColor("#b91c1c")
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def check_language(language: str) -> None:
    if language not in languages():
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(languages())}")


class Styles:
    def __init__(self) -> None:
        base = getSampleStyleSheet()
        self.title = ParagraphStyle("title", parent=base["Title"], fontSize=16, leading=20, alignment=0,
                                    textColor=INK, spaceAfter=2)
        self.subtitle = ParagraphStyle("subtitle", parent=base["Normal"], fontSize=10.5, leading=13, textColor=INK)
        self.heading = ParagraphStyle("heading", parent=base["Heading2"], fontSize=12.5, leading=15.5,
                                      spaceBefore=11, spaceAfter=4, textColor=INK, keepWithNext=1)
        self.subheading = ParagraphStyle("subheading", parent=base["Heading3"], fontSize=11, leading=14,
                                         spaceBefore=8, spaceAfter=3, textColor=INK, keepWithNext=1)
        self.label = ParagraphStyle("label", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=8.5,
                                    leading=10.5, textColor=INK, keepWithNext=1)
        self.text = ParagraphStyle("text", parent=base["Normal"], fontSize=9, leading=11.5, textColor=INK)
        # Cells break anywhere: serial numbers and hashes have no spaces.
        self.cell = ParagraphStyle("cell", parent=self.text, fontSize=8.5, leading=10.5, wordWrap="CJK")
        self.banner = ParagraphStyle("banner", parent=self.label, fontSize=11, leading=14,
                                     textColor=colors.white, alignment=TA_CENTER)
        self.banner_text = ParagraphStyle("banner_text", parent=self.text, textColor=colors.white)
        self.empty = ParagraphStyle("empty", parent=self.text, textColor=MUTED, fontName="Helvetica-Oblique")


def markup(text: Any, *, keep_lines: bool = True) -> str:
    """User text made safe for reportlab's mini-markup; line breaks kept, or folded in cells."""
    value = escape(str(text if text is not None else ""))
    if keep_lines:
        return "<br/>".join(value.splitlines())
    return " ".join(value.split())


class PdfWriter:
    """The building blocks a document's flowables are made of, in the active language."""

    label_width = 52 * mm

    def __init__(self) -> None:
        self.s = Styles()

    def p(self, text: Any, style: ParagraphStyle | None = None, *, keep_lines: bool = True) -> Paragraph:
        return Paragraph(markup(text, keep_lines=keep_lines), style or self.s.text)

    def heading(self, text: str, *, sub: bool = False) -> Paragraph:
        return Paragraph(escape(text), self.s.subheading if sub else self.s.heading)

    def none(self, text: str) -> Paragraph:
        return Paragraph(escape(text), self.s.empty)

    def fields(self, rows: Iterable[tuple[str, Any]]) -> Table:
        """Label and value, one pair a row; values wrap."""
        body = [[Paragraph(escape(label), self.s.label),
                 self.p(value if value not in ("", None) else "—", keep_lines=False)] for label, value in rows]
        table = Table(body, colWidths=[self.label_width, WIDTH - self.label_width], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        return table

    def grid(self, header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        """A table with its header row repeated on every page; ``widths`` are shares of the page."""
        body: list[list[Any]] = [[Paragraph(escape(h), self.s.label) for h in header]]
        body += [[self.p(v if v not in ("", None) else "—", self.s.cell, keep_lines=False) for v in row]
                 for row in rows]
        table = Table(body, colWidths=[WIDTH * w for w in widths], repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("GRID", (0, 0), (-1, -1), 0.25, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        return table


def footer(left: str, centre: str, *, banner: str = "") -> Callable[[Canvas, Any], None]:
    """Draws the footer of every page (and a red banner at the top, e.g. a confidentiality note)."""

    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(INK)
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, 13 * mm, A4[0] - MARGIN, 13 * mm)
        canvas.drawString(MARGIN, 9 * mm, left)
        canvas.drawCentredString(A4[0] / 2, 9 * mm, centre)
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, _("Page %(page)s") % {"page": doc.page})
        if banner:
            canvas.setFont("Helvetica-Bold", 8)
            canvas.setFillColor(ALERT)
            canvas.drawRightString(A4[0] - MARGIN, A4[1] - 10 * mm, banner)
        canvas.restoreState()

    return draw


def render(story: list[Flowable], *, draw: Callable[[Canvas, Any], None], title: str, subject: str,
           language: str, on_canvas: Callable[[Canvas], None] | None = None) -> bytes:
    """The story as A4 PDF bytes. ``on_canvas`` may add to the document itself (metadata)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=15 * mm,
                            bottomMargin=18 * mm, title=title, author=_("CIFTA information system"),
                            subject=subject, lang=language)

    def first(canvas: Canvas, doc_: Any) -> None:
        if on_canvas is not None:
            on_canvas(canvas)
        draw(canvas, doc_)

    doc.build(story, onFirstPage=first, onLaterPages=draw)
    return buffer.getvalue()
