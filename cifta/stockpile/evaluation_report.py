"""The national technical evaluation of a State's arsenals, as of a date: a web page, a
standalone HTML document and a PDF in any of the four OAS languages.

It follows what the OAS Secretariat's national technical evaluations cover (the seed report
mentions those made in Peru, El Salvador and Ecuador during its 2020 physical security and
stockpile management training): the facilities and who runs them, their physical security
against the checklist (``security_checklist``) with the main recommendations, and, when those
parts of the stockpile module are installed, explosive safety findings, stock-check
discrepancy rates and the lots that are candidates for destruction.

Everything is read through the scoped managers inside the caller's scope, which must include
the State reported on (otherwise ``ServiceError``): another State's facilities never enter a
report. Exporting a report (PDF, or the HTML document of the command line) is audited as
``stockpile.report.exported`` by its callers (``audit_export``).

The optional parts read other parts of the stockpile module, imported when the report runs; a
part whose module is not installed says so in the report instead:

    ``cifta.stockpile.safety_bridge.check_facility(facility, today)``
        each storehouse's explosive-safety findings (``finding_text`` puts them in words);
    ``cifta.stockpile.selectors_inventory.discrepancy_rate(subject, year)``
        the stock checks closed in the report's year, per facility and for the State;
    ``cifta.stockpile.selectors_inventory.destruction_candidates(today)``
        lots and firearms still held that may be destroyed, with the reasons.

These parts are computed from the records as they stand when the report is made (the ledger's
balances are today's); the report's date decides which lots count as expired and which year's
stock checks are counted. Physical security is shown as of the date: each facility's latest
assessment on or before it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.core.pdf import WIDTH, PdfWriter, check_language, footer, render
from cifta.core.scoping import scope_allows
from cifta.directory.models import Country
from cifta.stockpile import events
from cifta.stockpile import security_checklist as checklist
from cifta.stockpile.models import Facility, SecurityAssessment, Storehouse
from cifta.stockpile.selectors_security import (
    Recommendation,
    band_label,
    item_text,
    recommendations,
    score_label,
    section_title,
    trends,
)

logger = logging.getLogger(__name__)

REPORT_NAME = "national-technical-evaluation"
RECOMMENDATIONS_PER_FACILITY = 5
BAND_COLOURS = {checklist.GOOD: "#1e6b34", checklist.FAIR: "#a15c00", checklist.POOR: "#b91c1c"}
NO_SCORE_COLOUR = "#9aa5b1"
SERIES_COLOURS = ("#0b4f8a", "#b91c1c", "#1e6b34", "#a15c00", "#6b21a8", "#0e7490", "#be185d", "#4d7c0f")


# --- numbers and charts (shared with the pages) ------------------------------------------------
def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{number_format(value, decimal_pos=1, use_l10n=True)} %"


def band_colour(value: float | None) -> str:
    band = checklist.band(value)
    return BAND_COLOURS[band] if band is not None else NO_SCORE_COLOUR


def bars_svg(rows: list[tuple[str, float | None]]) -> dict[str, Any]:
    """Geometry of a horizontal bar chart of percentages (0-100) for
    ``stockpile/security/_bars.html``; each bar coloured by its band."""
    label_width, bar_width, row = 260, 300, 26
    bars = []
    for n, (label, value) in enumerate(rows):
        width = round(bar_width * (value or 0) / 100)
        if value and width < 2:
            width = 2
        bars.append({"label": label, "y": n * row + 4, "text_y": n * row + 20, "width": width,
                     "colour": band_colour(value), "value_x": label_width + width + 6,
                     "text": percent_text(value) if value is not None else _("no score")})
    height = len(rows) * row + 8
    grid = [{"x": label_width + bar_width * t // 100, "label": f"{t} %"} for t in (0, 50, 100)]
    return {"bars": bars, "width": label_width + bar_width + 80, "height": height + 16, "plot_bottom": height,
            "label_x": label_width - 8, "bar_x": label_width, "grid": grid, "axis_y": height + 12}


def lines_svg(series: list[tuple[str, list[tuple[dt.date, float | None]]]]) -> dict[str, Any]:
    """Geometry of a line chart of percentages over time for ``stockpile/security/_lines.html``:
    one line per series that has a value, a dot per value (with its date and value as a
    tooltip), a legend. Values of ``None`` (nothing scored) are left out."""
    left, top, plot_w, plot_h, legend_w, bottom = 52, 12, 460, 180, 190, 36
    dates = sorted({d for _label, points in series for d, v in points if v is not None})
    if not dates:
        return {"series": []}
    first, span = dates[0], (dates[-1] - dates[0]).days

    def x(day: dt.date) -> float:
        return round(left + (plot_w / 2 if span == 0 else plot_w * (day - first).days / span), 1)

    def y(value: float) -> float:
        return round(top + plot_h * (1 - value / 100), 1)

    step = max(1, (len(dates) + 4) // 5)
    ticks = dates[::step]
    if ticks[-1] != dates[-1]:
        ticks.append(dates[-1])
    out = []
    drawn = [(label, [(d, v) for d, v in points if v is not None]) for label, points in series]
    for n, (label, known) in enumerate([(label, known) for label, known in drawn if known]):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        out.append({
            "label": label, "colour": colour, "legend_y": top + 8 + 18 * n,
            "points": " ".join(f"{x(d)},{y(v)}" for d, v in known),
            "dots": [{"x": x(d), "y": y(v), "title": f"{label}, {date_format(d, 'SHORT_DATE_FORMAT')}: "
                      f"{percent_text(v)}"} for d, v in known],
        })
    return {
        "series": out, "width": left + plot_w + legend_w, "height": top + plot_h + bottom,
        "left": left, "right": left + plot_w, "top": top, "bottom": top + plot_h, "legend_x": left + plot_w + 16,
        "grid": [{"y": y(t), "label": f"{t} %"} for t in (0, 25, 50, 75, 100)],
        "ticks": [{"x": x(d), "label": date_format(d, "SHORT_DATE_FORMAT")} for d in ticks],
        "tick_y": top + plot_h + 18,
    }


# --- the report's content ------------------------------------------------------------------------
@dataclass
class SectionRow:
    code: str
    title: str
    percent: float | None
    scored: int
    not_applicable: int
    not_assessed: int


@dataclass
class FacilityRow:
    facility: Facility
    kind: str
    operator: str
    storehouses: int
    weapon_stores: int
    assessment: SecurityAssessment | None = None
    percent: float | None = None
    band: str = ""
    previous_percent: float | None = None
    sections: list[SectionRow] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    gaps: int = 0
    trend: list[tuple[dt.date, float | None]] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        if self.percent is None or self.previous_percent is None:
            return None
        return round(self.percent - self.previous_percent, 1)


@dataclass
class Part:
    """An optional part of the report: its rows, or a note saying why it is not there."""

    available: bool
    note: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    country: Country
    on: dt.date
    generated_at: dt.datetime
    facilities: list[FacilityRow]
    state_sections: list[SectionRow]
    safety: Part
    discrepancies: Part
    destruction: Part
    language: str = "en"

    @property
    def assessed(self) -> list[FacilityRow]:
        return [f for f in self.facilities if f.assessment is not None]

    @property
    def mean_percent(self) -> float | None:
        values = [f.percent for f in self.facilities if f.percent is not None]
        return round(sum(values) / len(values), 1) if values else None

    @property
    def weakest(self) -> list[SectionRow]:
        scored = [s for s in self.state_sections if s.percent is not None]
        return sorted(scored, key=lambda s: s.percent or 0)[:3]

    @property
    def recommendation_count(self) -> int:
        return sum(f.gaps for f in self.facilities)


def build(country: Country, on: dt.date) -> Report:
    """The report's content for ``country`` as of ``on``, in the active language. The caller's
    scope must allow the country."""
    if not scope_allows(country.pk):
        raise ServiceError(_("No State of yours has this code."), field="country")
    facilities = list(Facility.objects.owned().filter(country_id=country.pk, is_active=True)
                      .select_related("operator").order_by("name"))
    stores = {row["facility_id"]: row for row in (
        Storehouse.objects.filter(facility__in=facilities, is_active=True).values("facility_id")
        .annotate(total=Count("id"), weapons=Count("id", filter=Q(holds_weapons=True))))}
    history = trends(facilities, on=on)
    rows = []
    for facility in facilities:
        counted = stores.get(facility.pk, {})
        row = FacilityRow(facility, str(facility.get_kind_display()), facility.operator.name,
                          counted.get("total", 0), counted.get("weapons", 0))
        points = history.get(facility.pk, [])
        if points:
            assessment = points[-1].assessment
            result = checklist.score({i.code: i.score for i in assessment.items.all()})
            row.assessment, row.percent = assessment, result.percent
            row.band = checklist.band(result.percent) or ""
            row.previous_percent = points[-2].percent if len(points) > 1 else None
            row.sections = [SectionRow(s.code, section_title(s.code), s.percent, s.scored, s.not_applicable,
                                       s.not_assessed) for s in result.sections]
            found = recommendations(assessment)
            row.gaps = len(found)
            row.recommendations = found[:RECOMMENDATIONS_PER_FACILITY]
            row.trend = [(p.assessed_on, p.percent) for p in points]
        rows.append(row)
    return Report(country=country, on=on, generated_at=timezone.now(), facilities=rows,
                  state_sections=_state_sections(rows), safety=_safety(rows, on),
                  discrepancies=_discrepancies(country, rows, on), destruction=_destruction(on),
                  language=(get_language() or "en")[:2])


def _state_sections(rows: list[FacilityRow]) -> list[SectionRow]:
    """Each section's mean over the facilities' latest assessments where it was scored."""
    out = []
    for section in checklist.CHECKLIST:
        values = [s.percent for r in rows for s in r.sections if s.code == section.code and s.percent is not None]
        out.append(SectionRow(section.code, section_title(section.code),
                              round(sum(values) / len(values), 1) if values else None, len(values), 0, 0))
    return out


# --- optional parts ----------------------------------------------------------------------------
def _module(name: str) -> Any:
    """Another part of the stockpile module, or None when it is not installed."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def _missing(what: str) -> Part:
    return Part(False, _("Not available: %(what)s is not installed on this system.") % {"what": what})


def _safety(rows: list[FacilityRow], on: dt.date) -> Part:
    """Each facility's storehouses checked by ``safety_bridge.check_facility``: the findings,
    worst first, in words; a storehouse that could not be checked says why."""
    bridge = _module("cifta.stockpile.safety_bridge")
    if bridge is None or not hasattr(bridge, "check_facility"):
        return _missing(_("the explosive safety check"))
    labels = getattr(bridge, "SEVERITY_LABELS", {})
    order = {name: n for n, name in enumerate(getattr(bridge, "SEVERITIES", ()))}
    describe: Callable[[Any], str] = getattr(bridge, "finding_text", lambda f: f.code)
    part = Part(True)
    checked = 0
    for row in rows:
        for check in bridge.check_facility(row.facility, on):
            checked += 1
            store = check.storehouse.name
            if getattr(check, "error", None):
                part.rows.append({"facility": row.facility.name, "storehouse": store, "severity": _("not checked"),
                                  "finding": str(check.error), "rule": "", "rank": -1})
            for finding in check.findings:
                part.rows.append({
                    "facility": row.facility.name, "storehouse": store,
                    "severity": str(labels.get(finding.severity, finding.severity)), "finding": describe(finding),
                    "rule": " · ".join(p for p in (finding.rule_id, finding.source) if p),
                    "rank": order.get(finding.severity, len(order)),
                })
    part.rows.sort(key=lambda r: (r["facility"], r["rank"], r["storehouse"]))
    if not part.rows:
        part.note = (ngettext("No finding: the storehouse checked meets the rules for what it holds.",
                              "No finding: the %(count)s storehouses checked meet the rules for what they hold.",
                              checked) % {"count": checked}) if checked else _("No storehouse to check.")
    return part


def _discrepancies(country: Country, rows: list[FacilityRow], on: dt.date) -> Part:
    """Stock checks closed in the year of the report, per facility and for the State: lines
    counted, lines whose count differed from the ledger, and the rate."""
    inventory = _module("cifta.stockpile.selectors_inventory")
    if inventory is None or not hasattr(inventory, "discrepancy_rate"):
        return _missing(_("the stock-check module"))
    part = Part(True, _("Stock checks closed in %(year)s.") % {"year": on.year})

    def line(name: str, figures: Any) -> dict[str, Any]:
        rate = figures.rate
        return {"facility": name, "checks": figures.checks, "lines": figures.lines,
                "discrepancies": figures.discrepancies,
                "rate": percent_text(round(100 * rate, 1)) if rate is not None else "—"}

    for row in rows:
        part.rows.append(line(row.facility.name, inventory.discrepancy_rate(row.facility, on.year)))
    part.rows.append(line(_("Whole State"), inventory.discrepancy_rate(country, on.year)))
    return part


def _destruction(on: dt.date) -> Part:
    """What ``selectors_inventory.destruction_candidates`` proposes: expired, unserviceable,
    awaiting disposal or surplus lots, and deactivated or confiscated firearms, still held."""
    inventory = _module("cifta.stockpile.selectors_inventory")
    if inventory is None or not hasattr(inventory, "destruction_candidates"):
        return _missing(_("the inventory module"))
    part = Part(True)
    for c in inventory.destruction_candidates(on):
        held = c.lot if c.lot is not None else c.firearm
        part.rows.append({
            "facility": c.storehouse.facility.name, "storehouse": c.storehouse.name, "item": str(held),
            "quantity": number_format(c.quantity, use_l10n=True, force_grouping=True),
            "reasons": "; ".join(getattr(c, "reason_labels", c.reasons)),
        })
    if not part.rows:
        part.note = _("No lot or firearm held is a candidate for destruction.")
    return part


# --- text shared by the page, the document and the PDF ------------------------------------------
def title() -> str:
    return _("National technical evaluation of stockpile management and physical security")


def method_text() -> list[str]:
    counted = checklist.counts()
    return [
        _("Each facility's physical security is assessed against the %(name)s, version %(version)s: "
          "%(items)s items in %(sections)s sections drawn from MOSAIC 05.20, IATG 03.10, the OSCE Best "
          "Practice Guide on stockpile management and security, and the AASTP-1 explosives limit licence.")
        % {"name": checklist.NAME, "version": checklist.VERSION, "items": counted["items"],
           "sections": counted["sections"]},
        _("Every item is answered 2 (met), 1 (partly met), 0 (not met) or does not apply. A score is the "
          "weighted share of the points possible, over the items that apply; items that do not apply or were "
          "not assessed do not count. %(good)s and above is good, %(fair)s to %(good)s needs improvement, below "
          "%(fair)s shows serious gaps.") % {"good": f"{checklist.BANDS[0][0]:.0f} %",
                                             "fair": f"{checklist.BANDS[1][0]:.0f} %"},
        _("%(verified)s of the %(items)s items rest on a source that was read and verified; the other "
          "items are sound practice whose exact wording in MOSAIC 05.20 and IATG 03.10 is still to be "
          "checked, and are marked as such in the annex.") % {"verified": counted["verified"],
                                                              "items": counted["items"]},
        _("Each facility is shown as of its latest assessment on or before the date of the report. Explosive "
          "safety, stock checks and destruction candidates are computed from the records as they stand when the "
          "report is made: the date decides which lots count as expired and which year's stock checks are "
          "counted."),
    ]


def change_text(change: float | None) -> str:
    """A change in points of percentage, signed."""
    if change is None:
        return "—"
    return f"{'+' if change > 0 else ''}{percent_text(change)}"


def summary_text(report: Report) -> str:
    counts: dict[str, Any] = {"assessed": len(report.assessed), "total": len(report.facilities),
              "mean": percent_text(report.mean_percent), "gaps": report.recommendation_count}
    return " ".join((
        ngettext("%(assessed)s of %(total)s active facility has been assessed; the mean score is %(mean)s.",
                 "%(assessed)s of %(total)s active facilities have been assessed; their mean score is %(mean)s.",
                 counts["total"]) % counts,
        ngettext("The assessments call for %(gaps)s improvement (an item not met or partly met).",
                 "The assessments call for %(gaps)s improvements (items not met or partly met).",
                 counts["gaps"]) % counts,
    ))


def report_context(report: Report) -> dict[str, Any]:
    """What ``stockpile/security/_report_body.html`` shows, charts included."""
    facilities = []
    for row in report.facilities:
        facilities.append({
            "row": row, "band_label": band_label(row.band or None), "percent": percent_text(row.percent),
            "previous": percent_text(row.previous_percent), "change": row.change,
            "change_text": change_text(row.change),
            "chart": bars_svg([(s.title, s.percent) for s in row.sections]) if row.sections else None,
            "recommendations": [{"r": r, "answer": score_label(r.score)} for r in row.recommendations],
            "sections": [{"s": s, "percent": percent_text(s.percent)} for s in row.sections],
        })
    annex = [{"section": section_title(s.code), "items": [{"item": i, "text": item_text(i)} for i in s.items]}
             for s in checklist.CHECKLIST]
    return {
        "report": report, "title": title(), "method": method_text(), "summary": summary_text(report),
        "facilities": facilities,
        "mean": percent_text(report.mean_percent),
        "overall_chart": bars_svg([(r.facility.name, r.percent) for r in report.facilities]),
        "state_chart": bars_svg([(s.title, s.percent) for s in report.state_sections]),
        "weakest": [{"s": s, "percent": percent_text(s.percent)} for s in report.weakest],
        "annex": annex, "checklist_version": checklist.VERSION,
    }


def render_document(report: Report) -> str:
    """The report as one standalone HTML document (no link to the site, styles inside)."""
    return render_to_string("stockpile/security/report_document.html", report_context(report))


# --- PDF -----------------------------------------------------------------------------------------
class _Pdf(PdfWriter):
    """The flowables of the report in the active language."""

    label_width = 55 * mm

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.r = report

    def chart(self, rows: list[tuple[str, float | None]]) -> Drawing:
        """A horizontal bar chart of percentages, bars coloured by band."""
        label_w, row_h = 62 * mm, 14
        height = len(rows) * row_h + 30
        drawing = Drawing(WIDTH, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = label_w, 20
        chart.width, chart.height = WIDTH - label_w - 40, len(rows) * row_h
        # The first category is drawn at the bottom: reverse, so the chart reads top-down.
        ordered = list(reversed(rows))
        chart.data = [[value or 0 for _label, value in ordered]]
        chart.categoryAxis.categoryNames = [label[:48] for label, _value in ordered]
        chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = "Helvetica", 7.5
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
        chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = "Helvetica", 7
        chart.valueAxis.labelTextFormat = "%d %%"
        chart.barWidth = row_h * 0.6
        chart.bars.strokeColor = None
        for n, (_label, value) in enumerate(ordered):
            chart.bars[(0, n)].fillColor = colors.HexColor(band_colour(value))
        drawing.add(chart)
        return drawing

    # --- sections
    def story(self) -> list[Flowable]:
        r = self.r
        story: list[Flowable] = [
            Paragraph(escape(title()), self.s.title),
            Paragraph(escape(_("%(state)s — situation on %(date)s") % {
                "state": r.country.name, "date": date_format(r.on, "DATE_FORMAT")}), self.s.subtitle),
            Spacer(1, 8),
            self.fields([
                (_("State"), f"{r.country.name} ({r.country.code})"),
                (_("Situation on"), date_format(r.on, "DATE_FORMAT")),
                (_("Checklist"), f"{checklist.NAME} {checklist.VERSION}"),
                (_("Active facilities"), str(len(r.facilities))),
                (_("Facilities assessed"), str(len(r.assessed))),
                (_("Mean physical security score"), percent_text(r.mean_percent)),
            ]),
        ]
        story += self.method()
        story += self.summary()
        story += self.overview()
        story += self.security()
        story += self.safety()
        story += self.stock_checks()
        story += self.destruction()
        story += self.annex()
        return story

    def method(self) -> list[Flowable]:
        return [self.heading(_("Scope and method")), *[self.p(text) for text in method_text()]]

    def summary(self) -> list[Flowable]:
        r = self.r
        out: list[Flowable] = [self.heading(_("Summary"))]
        if not r.assessed:
            return [*out, self.none(_("No facility has been assessed on or before this date."))]
        out.append(self.p(summary_text(r)))
        if r.weakest:
            out.append(self.p(_("Weakest areas across the State: %(sections)s.") % {
                "sections": "; ".join(f"{s.title} ({percent_text(s.percent)})" for s in r.weakest)}))
        out += [self.heading(_("Score of each facility"), sub=True),
                self.chart([(f.facility.name, f.percent) for f in r.facilities])]
        out += [self.heading(_("Score of each section across the State"), sub=True),
                self.chart([(s.title, s.percent) for s in r.state_sections])]
        return out

    def overview(self) -> list[Flowable]:
        r = self.r
        out: list[Flowable] = [self.heading(_("Facilities"))]
        if not r.facilities:
            return [*out, self.none(_("The State has no active facility recorded."))]
        rows = [[f.facility.name, f.kind, f.operator,
                 _("%(total)s (%(weapons)s for weapons)") % {"total": f.storehouses, "weapons": f.weapon_stores},
                 date_format(f.assessment.assessed_on, "SHORT_DATE_FORMAT") if f.assessment else _("not assessed"),
                 percent_text(f.percent)] for f in r.facilities]
        out.append(self.grid([_("Facility"), _("Kind"), _("Operator"), _("Storehouses"), _("Last assessment"),
                              _("Score")], rows, [0.22, 0.16, 0.2, 0.16, 0.14, 0.12]))
        return out

    def security(self) -> list[Flowable]:
        out: list[Flowable] = [self.heading(_("Physical security by facility"))]
        for f in self.r.facilities:
            out.append(self.heading(f.facility.name, sub=True))
            if f.assessment is None:
                out.append(self.none(_("Not assessed on or before this date.")))
                continue
            out.append(self.fields([
                (_("Assessed on"), date_format(f.assessment.assessed_on, "DATE_FORMAT")),
                (_("Assessor"), f.assessment.assessor),
                (_("Score"), f"{percent_text(f.percent)} — {band_label(f.band or None)}"),
                (_("Previous assessment"), percent_text(f.previous_percent) if f.previous_percent is not None
                 else _("none")),
                (_("Change since the previous assessment"), change_text(f.change)),
            ]))
            out += [Spacer(1, 4), self.chart([(s.title, s.percent) for s in f.sections])]
            out.append(self.grid([_("Section"), _("Score"), _("Items scored"), _("Do not apply"), _("Not assessed")],
                                 [[s.title, percent_text(s.percent), s.scored, s.not_applicable, s.not_assessed]
                                  for s in f.sections], [0.44, 0.14, 0.14, 0.14, 0.14]))
            out.append(Paragraph(escape(_("Main recommendations")), self.s.label))
            if f.recommendations:
                out.append(self.grid([_("Item"), _("Question"), _("Answer"), _("Recommendation")],
                                     [[r.code, r.text, score_label(r.score), r.recommendation or _("none written")]
                                      for r in f.recommendations], [0.1, 0.4, 0.13, 0.37]))
                if f.gaps > len(f.recommendations):
                    out.append(self.none(_("%(more)s more items not met or partly met: see the assessment.")
                                         % {"more": f.gaps - len(f.recommendations)}))
            else:
                out.append(self.none(_("Every item assessed is met.")))
            if f.assessment.summary:
                out += [Paragraph(escape(_("Summary of the assessor")), self.s.label), self.p(f.assessment.summary)]
        return out

    def _part(self, heading: str, part: Part, header: list[str], keys: list[str], widths: list[float]
              ) -> list[Flowable]:
        out: list[Flowable] = [self.heading(heading)]
        if part.note:
            out.append(self.none(part.note))
        if part.rows:
            out.append(self.grid(header, [[row.get(k, "") for k in keys] for row in part.rows], widths))
        return out

    def safety(self) -> list[Flowable]:
        return self._part(_("Explosive safety"), self.r.safety,
                          [_("Facility"), _("Storehouse"), _("Severity"), _("Finding"), _("Rule")],
                          ["facility", "storehouse", "severity", "finding", "rule"], [0.15, 0.14, 0.12, 0.39, 0.2])

    def stock_checks(self) -> list[Flowable]:
        return self._part(_("Stock checks: discrepancy rates"), self.r.discrepancies,
                          [_("Facility"), _("Checks closed"), _("Lines counted"), _("Discrepancies"),
                           _("Discrepancy rate")], ["facility", "checks", "lines", "discrepancies", "rate"],
                          [0.36, 0.16, 0.16, 0.16, 0.16])

    def destruction(self) -> list[Flowable]:
        return self._part(_("Candidates for destruction"), self.r.destruction,
                          [_("Facility"), _("Storehouse"), _("Lot or firearm"), _("Quantity"), _("Reasons")],
                          ["facility", "storehouse", "item", "quantity", "reasons"], [0.17, 0.15, 0.3, 0.1, 0.28])

    def annex(self) -> list[Flowable]:
        out: list[Flowable] = [self.heading(_("Annex: the checklist and its sources"))]
        for section in checklist.CHECKLIST:
            rows = [[i.code, item_text(i), str(i.weight), f"{i.standard} — {i.reference}",
                     _("verified") if i.verified else _("to be checked")] for i in section.items]
            out.append(KeepTogether([self.heading(section_title(section.code), sub=True),
                                     self.grid([_("Item"), _("Question"), _("Weight"), _("Source"), _("Source status")],
                                               rows, [0.09, 0.4, 0.07, 0.3, 0.14])]))
        return out

    def page(self) -> Callable[[Canvas, Any], None]:
        generated = _("Generated on %(date)s") % {"date": date_format(timezone.localtime(self.r.generated_at),
                                                                     "SHORT_DATETIME_FORMAT")}
        return footer(generated, f"{self.r.country.name} · {date_format(self.r.on, 'SHORT_DATE_FORMAT')}")


def render_pdf(report: Report) -> bytes:
    """The report as a PDF, in the active language (build and render under the same one)."""
    renderer = _Pdf(report)
    return render(renderer.story(), draw=renderer.page(), language=report.language, subject=checklist.NAME,
                  title=f"{title()} — {report.country.name}")


def report_pdf(country: Country, on: dt.date, *, language: str) -> bytes:
    """The report for ``country`` as of ``on`` as a PDF in ``language`` (en, es, fr or pt)."""
    check_language(language)
    with override(language):
        return render_pdf(build(country, on))


def report_document(country: Country, on: dt.date, *, language: str) -> str:
    """The report for ``country`` as of ``on`` as a standalone HTML document in ``language``."""
    check_language(language)
    with override(language):
        return render_document(build(country, on))


def audit_export(country: Country, on: dt.date, *, fmt: str, language: str, facilities: int | None = None) -> None:
    """Record who exported which State's report, as of which date, in which form."""
    audit.audit_read(events.REPORT_EXPORTED, country_id=country.pk,
                     query={"report": REPORT_NAME, "date": on.isoformat(), "format": fmt, "language": language},
                     result_count=facilities if facilities is not None else
                     Facility.objects.owned().filter(country_id=country.pk, is_active=True).count())
