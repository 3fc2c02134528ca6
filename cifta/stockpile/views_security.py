"""Physical security pages: a State's assessments (latest per facility, a trend chart), one
facility's assessments over time, the assessment form, one assessment, the checklist with its
sources, and the national technical evaluation report (page and PDF).

Assessments are a State's records: the Secretariat keeps none, so the State pages refuse its
users and the hub operator (403); the checklist page is open to all, it is method, not data.
Reads go through the scoped managers (another State's record is a 404); the facility an
assessment is for is looked up through ``objects.owned()``; writes go through
``services_security``, whose refusals are shown beside the field they name."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cifta.core.errors import ServiceError
from cifta.core.paging import page_of
from cifta.core.pdf import languages as pdf_languages
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.core.views_support import show_refusal as refuse
from cifta.core.views_support import state_records_only as national_stockpile
from cifta.directory.models import Country
from cifta.stockpile import evaluation_report as report
from cifta.stockpile import security_checklist as checklist
from cifta.stockpile import selectors_security as selectors
from cifta.stockpile import services_security as services
from cifta.stockpile.forms_security import AssessmentForm
from cifta.stockpile.models import Facility, SecurityAssessment

PAGE_SIZE = 50


def principal_of(request: HttpRequest) -> Any:
    return getattr(request, "principal", None)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise Http404 from exc


def _date(request: HttpRequest) -> dt.date:
    """``?date=`` (ISO), at most today; today when absent or unreadable."""
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("date", "").strip())
    except ValueError:
        return today
    return min(day, today)


def _language(request: HttpRequest) -> str:
    languages = pdf_languages()
    language = request.GET.get("lang") or (get_language() or "en")[:2]
    return language if language in languages else "en"


def _scored(assessments: list[SecurityAssessment]) -> list[dict[str, Any]]:
    rows = []
    for a in assessments:
        result = selectors.assessment_score(a)
        rows.append({"a": a, "percent": report.percent_text(result.percent), "value": result.percent,
                     "band": selectors.band_label(checklist.band(result.percent)),
                     "colour": report.band_colour(result.percent), "gaps": len(checklist.gaps(selectors.answers(a)))})
    return rows


# --- lists -------------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_stockpile
def assessment_list(request: HttpRequest) -> HttpResponse:
    """The State's facilities with their latest score, a trend line per facility, and every
    assessment, newest first."""
    facilities = list(Facility.objects.filter(is_active=True).order_by("name"))
    history = selectors.trends(facilities)
    latest = [{"facility": f, "points": len(history.get(f.pk, [])),
               **(_scored([history[f.pk][-1].assessment])[0] if history.get(f.pk) else {})} for f in facilities]
    chart = report.lines_svg([(f.name, [(p.assessed_on, p.percent) for p in history[f.pk]])
                              for f in facilities if history.get(f.pk)])
    page = page_of(selectors.with_items(SecurityAssessment.objects.all()), request, PAGE_SIZE)
    return render(request, "stockpile/security/assessment_list.html", {
        "latest": latest, "chart": chart, "page": page, "rows": _scored(list(page)), "section": "assessments",
    })


@login_required
@require_action(Action.VIEW)
@national_stockpile
def facility_assessments(request: HttpRequest, public_id: Any) -> HttpResponse:
    """One facility's assessments over time: the overall score and each section's."""
    facility = get_object_or_404(Facility.objects.select_related("operator"), public_id=public_id)
    points = selectors.trend(facility)
    overall = report.lines_svg([(_("Overall score"), [(p.assessed_on, p.percent) for p in points])])
    sections = report.lines_svg([(selectors.section_title(s.code), selectors.section_trend(points, s.code))
                                 for s in checklist.CHECKLIST])
    rows = _scored([p.assessment for p in reversed(points)])
    return render(request, "stockpile/security/facility.html", {
        "facility": facility, "overall_chart": overall, "sections_chart": sections, "rows": rows,
        "section": "assessments",
    })


# --- the form ----------------------------------------------------------------------------------
@login_required
@require_action(Action.ADD)
@national_stockpile
def assessment_new(request: HttpRequest) -> HttpResponse:
    """Record an assessment against the checklist (``?facility=`` chooses the facility)."""
    initial = {}
    chosen = request.GET.get("facility", "")
    if chosen:
        initial["facility"] = get_object_or_404(Facility.objects.owned(), public_id=_uuid(chosen))
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        items = form.items()
        if not form.errors:
            try:
                assessment = services.record_assessment(
                    actor=request.user, facility=form.cleaned_data["facility"],
                    assessed_on=form.cleaned_data["assessed_on"], assessor=form.cleaned_data["assessor"],
                    items=items, summary=form.cleaned_data["summary"])
            except ServiceError as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("The assessment of %(facility)s is recorded.")
                                 % {"facility": assessment.facility.name})
                return redirect(assessment.get_absolute_url())
    return render(request, "stockpile/security/assessment_form.html", {
        "form": form, "sections": form.sections(), "counts": checklist.counts(), "version": checklist.VERSION,
        "section": "new",
    }, status=400 if request.method == "POST" and form.errors else 200)


# --- one assessment ----------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_stockpile
def assessment_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    """One assessment: its section scores as a chart, the items not met with their
    recommendations first, then every item."""
    assessment = get_object_or_404(selectors.with_items(SecurityAssessment.objects.all()), public_id=public_id)
    result = selectors.assessment_score(assessment)
    sections = [{"code": s.code, "title": selectors.section_title(s.code), "score": s,
                 "percent": report.percent_text(s.percent)} for s in result.sections]
    chart = report.bars_svg([(selectors.section_title(s.code), s.percent) for s in result.sections])
    recorded = {i.code: i for i in assessment.items.all()}
    items = []
    for section in checklist.CHECKLIST:
        rows = []
        for it in section.items:
            found = recorded.get(it.code)
            rows.append({"item": it, "text": selectors.item_text(it), "row": found,
                         "answer": selectors.score_label(found.score) if found else _("not assessed")})
        items.append({"title": selectors.section_title(section.code), "rows": rows})
    return render(request, "stockpile/security/assessment_detail.html", {
        "assessment": assessment, "object": assessment, "percent": report.percent_text(result.percent),
        "band": selectors.band_label(checklist.band(result.percent)), "result": result, "sections": sections,
        "chart": chart, "gaps": [{"r": r, "answer": selectors.score_label(r.score)}
                                 for r in selectors.recommendations(assessment)],
        "items": items, "unknown": result.unknown, "section": "assessments",
    })


# --- the checklist -----------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
def checklist_page(request: HttpRequest) -> HttpResponse:
    """The checklist, its weights and its sources: which rest on a verified source, which are still
    to be checked against the standards' text."""
    return render(request, "stockpile/security/checklist.html", {
        "checklist": selectors.checklist_as_dict(), "section": "checklist",
    })


# --- the report --------------------------------------------------------------------------------
def _own_country(request: HttpRequest) -> Country:
    return Country.objects.get(pk=principal_of(request).country_id)


@login_required
@require_action(Action.VIEW)
@national_stockpile
def evaluation_report(request: HttpRequest) -> HttpResponse:
    """The national technical evaluation as a page, as of ``?date=`` (today by default)."""
    on = _date(request)
    content = report.build(_own_country(request), on)
    return render(request, "stockpile/security/report.html", {
        **report.report_context(content), "date": on, "report_languages": settings.LANGUAGES, "section": "report",
    })


@login_required
@require_action(Action.EXPORT)
@national_stockpile
def evaluation_report_pdf(request: HttpRequest) -> HttpResponse:
    """The report as a PDF in the language asked (``?lang=``), as of ``?date=``; audited."""
    on, language = _date(request), _language(request)
    country = _own_country(request)
    content = report.report_pdf(country, on, language=language)
    report.audit_export(country, on, fmt="pdf", language=language)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="{report.REPORT_NAME}-{country.code}-'
                                       f'{on.isoformat()}-{language}.pdf"')
    return response
