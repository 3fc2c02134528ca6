"""A destruction certificate as a PDF in any of the four OAS languages.

Everything printed comes from the signed payload (plus the envelope's fingerprint, key id and
signing time), so the page says what the signature covers and nothing else. The envelope is
embedded in the PDF (``certificates.pdf_embed``): ``cifta certificate verify`` and the public
page read it back. The QR code, drawn by reportlab as vectors (no image), carries the public
verification URL with the certificate number and, after ``#``, the fingerprint.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override, pgettext
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cifta.destruction import certificates as engine
from cifta.destruction.models import DestructionItem, Method, Witness
from cifta.directory.models import Country
from cifta.reference.models import FirearmType

INK = colors.HexColor("#1f2933")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#e4e7eb")
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
LABEL_WIDTH = 48 * mm
QR_SIZE = 38 * mm

KIND_LABELS: dict[str, Any] = dict(DestructionItem.Kind.choices)
ROLE_LABELS: dict[str, Any] = dict(Witness.Role.choices)
METHOD_LABELS: dict[str, Any] = {
    **dict(Method.choices), "burning": gettext_lazy("burning"),
    "contained_detonation": gettext_lazy("contained detonation"), "reverse_assembly": gettext_lazy("reverse assembly"),
    "cryofracture": gettext_lazy("cryofracture"), "melt_out": gettext_lazy("melt-out"),
    "wash_out": gettext_lazy("wash-out"),
}
STAGE_LABELS: dict[str, Promise] = {"before": gettext_lazy("before"), "after": gettext_lazy("after")}


def public_base(request: Any) -> str:
    """The public address the QR code points under (``https://hub/destruction``)."""
    return str(request.build_absolute_uri(reverse("destruction:verify"))).rstrip("/").removesuffix("/verify")


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def method_label(code: str) -> str:
    return str(METHOD_LABELS.get(code, code)) if code else ""


def when(text: str | None) -> str:
    """A signed UTC time as people read it, in the active language."""
    moment = parse_datetime(text) if text else None
    return f"{date_format(moment, 'DATETIME_FORMAT', use_l10n=True)} UTC" if moment else "—"


def type_labels(codes: Iterable[str]) -> dict[str, str]:
    return {t.code: t.label for t in FirearmType.objects.filter(code__in=set(codes))}


def category_label(item: dict[str, Any], types: dict[str, str]) -> str:
    category = str(item.get("category", ""))
    return types.get(category, category) if item.get("kind") != engine.AMMUNITION else category


def state_name(code: str) -> str:
    country = Country.objects.filter(code=code).first() if code else None
    return f"{country.name} ({code})" if country is not None else code


class _Renderer:
    def __init__(self, envelope: engine.Envelope, url: str, withdrawn: bool) -> None:
        self.envelope, self.url, self.withdrawn = envelope, url, withdrawn
        self.payload = envelope.payload
        self.types = type_labels(str(i.get("category", "")) for i in self.payload.get("items", []))
        base = getSampleStyleSheet()
        self.title = ParagraphStyle("title", parent=base["Title"], fontSize=16, leading=20, alignment=0,
                                    textColor=INK)
        self.heading = ParagraphStyle("heading", parent=base["Heading2"], fontSize=12, leading=15, spaceBefore=10,
                                      spaceAfter=4, textColor=INK, keepWithNext=1)
        self.label = ParagraphStyle("label", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=9,
                                    leading=11, textColor=INK)
        self.text = ParagraphStyle("text", parent=base["Normal"], fontSize=9, leading=11.5, textColor=INK)
        self.cell = ParagraphStyle("cell", parent=self.text, fontSize=8, leading=10, wordWrap="CJK")
        self.alert = ParagraphStyle("alert", parent=self.label, fontSize=11, textColor=colors.HexColor("#b91c1c"))

    def p(self, text: Any, style: ParagraphStyle | None = None) -> Paragraph:
        value = "" if text in (None, "") else str(text)
        return Paragraph(escape(" ".join(value.split())) or "—", style or self.text)

    def fields(self, rows: list[tuple[str, Any]], width: float = WIDTH) -> Table:
        table = Table([[Paragraph(escape(label), self.label), self.p(value)] for label, value in rows],
                      colWidths=[LABEL_WIDTH, width - LABEL_WIDTH], hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                                   ("LEFTPADDING", (0, 0), (0, -1), 0)]))
        return table

    def grid(self, header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        body = [[Paragraph(escape(h), self.label) for h in header]]
        body += [[self.p(v, self.cell) for v in row] for row in rows]
        table = Table(body, colWidths=[WIDTH * w for w in widths], repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                                   ("GRID", (0, 0), (-1, -1), 0.25, RULE)]))
        return table

    def qr(self) -> Drawing:
        widget = QrCodeWidget(self.url, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0])
        drawing.add(widget)
        return drawing

    def story(self) -> list[Flowable]:
        p = self.payload
        site = p.get("site", {})
        coordinates = f"{site['latitude']}, {site['longitude']}" if site.get("latitude") else ""
        head = self.fields([
            (_("Certificate number"), p.get("certificate_number")),
            (_("Issuing State"), state_name(str(p.get("state", "")))),
            (_("Issuing authority"), p.get("authority_name") or p.get("authority")),
            (_("Legal order"), p.get("order_reference")),
            (_("Destruction event"), p.get("event")),
            (_("Site"), site.get("name")), (_("Address"), site.get("address")), (_("Coordinates"), coordinates),
            (_("Started"), when(p.get("started_at"))), (_("Ended"), when(p.get("ended_at"))),
            (_("Methods"), ", ".join(method_label(m.get("code", "")) for m in p.get("methods", []))),
        ], WIDTH - QR_SIZE - 6 * mm)
        top = Table([[head, self.qr()]], colWidths=[WIDTH - QR_SIZE - 4 * mm, QR_SIZE + 4 * mm])
        top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story: list[Flowable] = [
            Paragraph(escape(_("Certificate of destruction %(number)s") % {"number": p.get("certificate_number")}),
                      self.title)]
        if self.withdrawn:
            story.append(Paragraph(escape(_("WITHDRAWN by the issuing authority: this certificate is no longer "
                                            "valid.")), self.alert))
        story += [Spacer(1, 4), top]
        items = p.get("items", [])
        story.append(Paragraph(escape(_("Items destroyed (%(n)s lines)") % {"n": len(items)}), self.heading))
        story.append(self.grid(
            [_("No."), _("Kind"), _("Serial or lot"), _("Category"), _("Make"), _("Model"), _("Calibre"),
             _("Quantity"), _("Method")],
            [[n + 1, KIND_LABELS.get(i.get("kind"), i.get("kind")), i.get("serial") or i.get("lot"),
              category_label(i, self.types), i.get("make"), i.get("model"), i.get("calibre"), i.get("quantity"),
              method_label(i.get("method", ""))] for n, i in enumerate(items)],
            [0.06, 0.11, 0.14, 0.15, 0.11, 0.09, 0.10, 0.09, 0.15]))
        story.append(Paragraph(escape(_("Witnesses")), self.heading))
        story.append(self.grid(
            [_("Name"), _("Role"), _("Organisation"), _("Independent")],
            [[w.get("name"), ROLE_LABELS.get(w.get("role"), w.get("role")), w.get("organisation"),
              _("yes") if w.get("independent") else _("no")] for w in p.get("witnesses", [])],
            [0.30, 0.15, 0.40, 0.15]))
        photos = p.get("photos", [])
        story.append(Paragraph(escape(_("Photographs (SHA-256)")), self.heading))
        if photos:
            story.append(self.grid(
                [_("SHA-256"), _("Stage"), pgettext("destruction", "Item")],
                [[ph.get("sha256"), STAGE_LABELS.get(ph.get("stage"), ph.get("stage")),
                  "" if ph.get("item") is None else ph["item"] + 1] for ph in photos],
                [0.70, 0.15, 0.15]))
        else:
            story.append(self.p(_("None.")))
        story.append(Paragraph(escape(_("Signature")), self.heading))
        story.append(self.fields([
            (_("Fingerprint (SHA-256)"), self.envelope.payload_digest), (_("Key id"), self.envelope.key_id),
            (_("Signed at"), when(engine.timestamp_text(self.envelope.signed_at))),
            (_("Verify at"), self.url.partition("#")[0]),
        ]))
        story += [Spacer(1, 6), self.p(_(
            "The signed content is embedded in this file. Check it with the public verification page or "
            "with 'cifta certificate verify FILE'; what they show is what the authority signed."))]
        return story


def certificate_pdf(envelope: engine.Envelope, *, language: str, base_url: str, withdrawn: bool = False) -> bytes:
    """The PDF of a signed envelope in ``language``, with the envelope embedded. ``base_url`` is
    the public address the QR code points under (``…/destruction``)."""
    if language not in languages():
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(languages())}")
    url = engine.verification_url(base_url, envelope.certificate_number, envelope.payload_digest)
    buffer = io.BytesIO()
    with override(language):
        renderer = _Renderer(envelope, url, withdrawn)
        number = envelope.certificate_number
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=15 * mm,
                                bottomMargin=18 * mm, title=_("Certificate of destruction %(number)s")
                                % {"number": number}, author=_("CIFTA information system"), lang=language)
        footer = _("Fingerprint %(digest)s") % {"digest": envelope.payload_digest}

        def first(canvas: Canvas, doc: Any) -> None:
            engine.embed(canvas, envelope)
            later(canvas, doc)

        def later(canvas: Canvas, doc: Any) -> None:
            canvas.saveState()
            canvas.setFont("Helvetica", 7)
            canvas.setFillColor(INK)
            canvas.drawString(MARGIN, 9 * mm, f"{number} — {footer}")
            canvas.drawRightString(A4[0] - MARGIN, 9 * mm, _("Page %(page)s") % {"page": doc.page})
            canvas.restoreState()

        doc.build(renderer.story(), onFirstPage=first, onLaterPages=later)
    return buffer.getvalue()
