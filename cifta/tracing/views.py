"""Tracing pages: the dashboard (a State's own figures, or the Secretariat's regional counts),
domestic trace cases with their search of the national records, and the State's deadlines.
International requests are in ``views_requests.py``.

Tracing records are a State's: the Secretariat keeps none and sees only the regional figures,
so every other page refuses its users (403). Reads go through the scoped managers (another
State's record is a 404); whatever leads to a write is looked up through ``objects.owned()``;
writes go through ``services``, whose refusals are shown beside the field they name."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cifta.core import audit
from cifta.core.downloads import stored_file_response
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.paging import page_of
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.core.views_support import state_records_only as national_tracing
from cifta.directory.models import Country
from cifta.registry import selectors as registry_selectors
from cifta.registry.models import Firearm
from cifta.tracing import events, selectors, services
from cifta.tracing.engines import deadlines as deadline_rules
from cifta.tracing.forms import CaseForm, CloseCaseForm, MarkingPhotoForm, PolicyForm
from cifta.tracing.models import TraceAnswer, TraceCase, TraceMarking, TracePolicy, TraceRequest

PAGE_SIZE = 50
FIRST_YEAR = 2000
# Requests the requested State still owes something on.
WAITING_STATES = ("sent", "acknowledged", "in_progress", "delayed")
BRAND, OK, WARN = "#0b4f8a", "#1e6b34", "#7a4b00"


# --- helpers -----------------------------------------------------------------------------------
def principal_of(request: HttpRequest) -> Any:
    return getattr(request, "principal", None)


def refuse(form: Any, exc: ServiceError, rename: dict[str, str] | None = None) -> None:
    """Show a service's refusal beside the field it names, or above the form."""
    field = (rename or {}).get(exc.field or "", exc.field)
    if field == "markings" and hasattr(form, "marking_errors"):
        form.marking_errors.append(str(exc))
        return
    form.add_error(field if field in form.fields else None, str(exc))


def parse_uuid(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError as exc:
        raise Http404 from exc


def own_firearm(value: str | None) -> Firearm:
    """A firearm of the caller's State, by public id (404 for anything else)."""
    return get_object_or_404(Firearm.objects.owned().select_related("type", "manufacturer", "model", "calibre",
                                                                    "holding_agency"),
                             public_id=parse_uuid(value))


def label_firearms(firearms: Any) -> None:
    for f in firearms:
        f.status_label = registry_selectors.status_label(f.status)


def label_events(events_: Any) -> list[Any]:
    items = list(events_)
    for e in items:
        e.kind_label = registry_selectors.event_label(e.kind)
        e.status_label = registry_selectors.status_label(e.status_after)
    return items


def _year(request: HttpRequest) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except (TypeError, ValueError):
        return this_year
    return year if FIRST_YEAR <= year <= this_year + 1 else this_year


def _number(value: float | None, decimals: int = 0) -> str:
    return "—" if value is None else number_format(value, decimal_pos=decimals, use_l10n=True)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def bar_chart(rows: list[tuple[str, float | None, str]], *, maximum: float | None = None,
              percent: bool = False) -> dict[str, Any]:
    """Geometry of a horizontal bar chart for ``tracing/_chart.html``: (label, value, colour)
    rows, scaled to ``maximum`` (the largest value by default). Numbers follow the locale."""
    label_width, bar_width, row = 300, 300, 30
    top = maximum or max((value or 0 for _label, value, _colour in rows), default=0) or 1
    bars = []
    for n, (label, value, colour) in enumerate(rows):
        width = round(bar_width * (value or 0) / top)
        if value and width < 2:
            width = 2
        text = _number(value, 1 if percent else 0) + (" %" if percent and value is not None else "")
        bars.append({"label": label, "y": n * row + 5, "text_y": n * row + 20, "width": width, "colour": colour,
                     "value_x": label_width + width + 6, "text": text})
    return {"bars": bars, "width": label_width + bar_width + 90, "height": len(rows) * row + 10,
            "label_x": label_width - 8, "bar_x": label_width}


# --- dashboard ---------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    year = _year(request)
    years = list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))[:8]
    if principal.is_secretariat or principal.country_id is None:
        if not principal.can(Action.VIEW_AGGREGATES):
            raise PermissionDenied
        return _regional(request, year, years)
    country = Country.objects.get(pk=principal.country_id)
    now = timezone.now()
    own, asked = (TraceRequest.objects.filter(country_id=country.pk),
                  TraceRequest.objects.filter(requested_country_id=country.pk))
    counts = {
        "open_cases": TraceCase.objects.filter(status__in=(TraceCase.Status.OPEN, TraceCase.Status.REQUESTED)).count(),
        # ``state`` is an annotation of with_state, unknown to the type checker.
        "inbox_waiting": selectors.inbox(country.pk).filter(state__in=WAITING_STATES).count(),  # type: ignore[misc]
        "outbox_open": selectors.outbox(country.pk).filter(
            state__in=selectors.OPEN_STATES).count(),  # type: ignore[misc]
        "overdue_outbox": len(selectors.overdue_requests(own, now)),
        "overdue_inbox": len(selectors.overdue_requests(asked, now)),
    }
    figures = selectors.state_figures(country, year)
    sent, received = figures.sent, figures.received
    requests_chart = bar_chart([
        (_("Requests sent"), sent.requests, BRAND),
        (_("Sent: acknowledged in time"), sent.acknowledged_in_time, OK),
        (_("Sent: answered in time"), sent.answered_in_time, OK),
        (_("Requests received"), received.requests, BRAND),
        (_("Received: acknowledged in time"), received.acknowledged_in_time, OK),
        (_("Received: answered in time"), received.answered_in_time, OK),
    ])
    shares_chart = bar_chart([
        (_("Our requests traced"), _percent(sent.traced_share), BRAND),
        (_("Requests we traced for others"), _percent(received.traced_share), BRAND),
        (_("SDG 16.4.2: origin traced"), figures.sdg_value, WARN),
    ], maximum=100, percent=True)
    return render(request, "tracing/dashboard.html", {
        "country": country, "year": year, "years": years, "counts": counts, "figures": figures,
        "sent_traced": _percent(sent.traced_share), "received_traced": _percent(received.traced_share),
        "failures": _failures(sent.failures, received.failures),
        "requests_chart": requests_chart, "shares_chart": shares_chart, "section": "dashboard",
    })


def _failures(sent: dict[str, int], received: dict[str, int]) -> list[tuple[str, int, int]]:
    labels = {**dict(TraceAnswer.Failure.choices), "restricted": _("answer restricted")}
    return [(str(labels.get(code, code)), sent.get(code, 0), received.get(code, 0))
            for code in sorted(set(sent) | set(received))]


def _regional(request: HttpRequest, year: int, years: list[int]) -> HttpResponse:
    """The Secretariat's view: counts and timeliness per State, never a request's content."""
    regional = selectors.regional_figures(year)
    rows = [{"country": f.country, "cases": f.cases, "sent": f.sent.requests, "received": f.received.requests,
             "acknowledged_in_time": f.received.acknowledged_in_time,
             "answered_in_time": f.received.answered_in_time,
             "median_hours": f.received.median_response_hours, "traced": _percent(f.received.traced_share),
             "sdg_pair": f.sdg_pair, "sdg_value": f.sdg_value}
            for f in regional.states]
    sdg_chart = bar_chart([(f.country.name, f.sdg_value, WARN) for f in regional.states if f.sdg_value is not None],
                          maximum=100, percent=True)
    answered_chart = bar_chart([row for f in regional.states if f.received.requests for row in (
        (_("%(state)s: received") % {"state": f.country.name}, f.received.requests, BRAND),
        (_("%(state)s: answered in time") % {"state": f.country.name}, f.received.answered_in_time, OK))])
    return render(request, "tracing/regional.html", {
        "regional": regional, "rows": rows, "cases_total": sum(f.cases for f in regional.states),
        "year": year, "years": years, "sdg": regional.sdg,
        "coverage": _percent(regional.sdg.coverage), "totals": regional.totals,
        "totals_traced": _percent(regional.totals.traced_share), "sdg_chart": sdg_chart,
        "answered_chart": answered_chart, "section": "dashboard",
    })


# --- trace cases -------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_tracing
def case_list(request: HttpRequest) -> HttpResponse:
    serials = Prefetch("markings", queryset=TraceMarking.objects.exclude(serial="").order_by("id"),
                       to_attr="serial_markings")
    queryset = TraceCase.objects.prefetch_related(serials)
    status = request.GET.get("status", "")
    if status in TraceCase.Status.values:
        queryset = queryset.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        queryset = queryset.filter(Q(reference__icontains=q) | Q(case_reference__icontains=q)
                                   | Q(pk__in=TraceMarking.objects.filter(serial__icontains=q).values("case_id")))
    page = page_of(queryset, request, PAGE_SIZE)
    return render(request, "tracing/case_list.html", {
        "page": page, "q": q, "status": status, "statuses": TraceCase.Status.choices, "section": "cases"})


def _case_initial(firearm: Firearm) -> dict[str, Any]:
    return {"make": firearm.manufacturer.name if firearm.manufacturer else firearm.make_as_read,
            "model_name": firearm.model.name if firearm.model else firearm.model_as_read,
            "firearm_type": str(firearm.type),
            "calibre": firearm.calibre.designation if firearm.calibre else firearm.calibre_as_read,
            "country_of_manufacture": firearm.country_of_manufacture}


@login_required
@require_action(Action.ADD)
@national_tracing
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a domestic trace; from a registry record (``?firearm=``) the description and the
    markings are filled in from it."""
    firearm = own_firearm(request.GET["firearm"]) if request.GET.get("firearm") else None
    initial = _case_initial(firearm) if firearm is not None else {}
    markings = services.markings_of_firearm(firearm) if firearm is not None else []
    form = CaseForm(request.POST or None, initial=initial, markings=markings)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(actor=request.user, firearm=firearm, markings=form.markings(),
                                      **form.case_fields())
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Trace case %(reference)s is open. Search the national records "
                                        "next.") % {"reference": case.reference})
            return redirect(case.get_absolute_url())
    if firearm is not None:
        label_firearms([firearm])
    return render(request, "tracing/case_new.html", {
        "form": form, "firearm": firearm, "section": "cases",
        "makers": registry_selectors.manufacturer_choices(), "calibres": registry_selectors.calibre_choices(),
    }, status=400 if request.method == "POST" and form.refused() else 200)


def _case(public_id: Any) -> TraceCase:
    return get_object_or_404(TraceCase.objects.select_related("firearm", "traced_firearm"), public_id=public_id)


@login_required
@require_action(Action.VIEW)
@national_tracing
def case_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    case = _case(public_id)
    audit.audit_read(events.CASE_VIEWED, country_id=principal_of(request).country_id,
                     query={"case": case.reference}, result_count=1, case_reference=case.case_reference,
                     target=case)
    return _case_page(request, case)


def _case_page(request: HttpRequest, case: TraceCase, *, search: list[dict[str, Any]] | None = None,
               close_form: CloseCaseForm | None = None, status: int = 200) -> HttpResponse:
    if case.traced_firearm is not None:
        label_firearms([case.traced_firearm])
    requests = list(selectors.with_state(case.requests.select_related("requested_country")))
    for r in requests:
        r.state_label = services.state_label(r.state)  # type: ignore[attr-defined]
    return render(request, "tracing/case_detail.html", {
        "case": case, "object": case, "markings": case.markings.select_related("component"),
        "requests": requests, "search": search, "close_form": close_form or CloseCaseForm(),
        "photo_form": MarkingPhotoForm(), "is_open": case.status in (TraceCase.Status.OPEN,
                                                                     TraceCase.Status.REQUESTED),
        "section": "cases",
    }, status=status)


@require_POST
@login_required
@require_action(Action.VIEW)
@national_tracing
def case_search(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The domestic trace: each serial read is searched in the national records (every search
    audited with the case reference); each firearm found comes with its life."""
    case = _case(public_id)
    results = []
    total = 0
    for marking, found in selectors.case_search(case):
        if isinstance(found, ServiceError):
            results.append({"marking": marking, "error": str(found), "hits": []})
            continue
        hits = []
        for hit in found.hits:
            label_firearms([hit.firearm])
            hits.append({"hit": hit, "firearm": hit.firearm,
                         "life": label_events(selectors.firearm_life(hit.firearm))})
        total += len(hits)
        results.append({"marking": marking, "error": "", "hits": hits, "reduced": found.reduced})
    audit.audit_read(events.CASE_SEARCHED, country_id=principal_of(request).country_id,
                     query={"case": case.reference, "serials": len(results)}, result_count=total,
                     case_reference=case.case_reference, target=case)
    return _case_page(request, case, search=results)


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_tracing
def case_trace(request: HttpRequest, public_id: Any) -> HttpResponse:
    """One click on a firearm found: the case is closed as traced in the national records."""
    case = get_object_or_404(TraceCase.objects.owned(), public_id=public_id)
    firearm = Firearm.objects.owned().filter(public_id=parse_uuid(request.POST.get("firearm"))).first()
    try:
        if firearm is None:
            raise ServiceError(_("No firearm of your State has this identifier."), field="firearm")
        services.record_domestic_trace(actor=request.user, case=case, firearm=firearm,
                                       conclusion=request.POST.get("conclusion", ""))
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The case is closed as traced: the firearm is %(serial)s.")
                         % {"serial": firearm.serial_key})
    return redirect(case.get_absolute_url())


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_tracing
def case_close(request: HttpRequest, public_id: Any) -> HttpResponse:
    case = get_object_or_404(TraceCase.objects.owned().select_related("traced_firearm"), public_id=public_id)
    form = CloseCaseForm(request.POST)
    if form.is_valid():
        try:
            services.close_case(actor=request.user, case=case, conclusion=form.cleaned_data["conclusion"])
        except ConflictError as exc:
            messages.error(request, str(exc))
            return redirect(case.get_absolute_url())
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The case is closed untraced."))
            return redirect(case.get_absolute_url())
    return _case_page(request, case, close_form=form, status=400)


@require_POST
@login_required
@require_action(Action.ADD)
@national_tracing
def marking_photo_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    marking = get_object_or_404(TraceMarking.objects.owned().select_related("case"), public_id=public_id)
    form = MarkingPhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo."))
    else:
        try:
            services.add_marking_photo(actor=request.user, marking=marking, photo=form.cleaned_data["photo"])
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The photo is added."))
    return redirect(marking.case.get_absolute_url())


@login_required
@require_action(Action.VIEW)
@national_tracing
def marking_photo(request: HttpRequest, public_id: Any) -> Any:
    """A marking's photo, for a case the caller may read. Photos have no public URL."""
    marking = get_object_or_404(TraceMarking.objects.all(), public_id=public_id)
    return stored_file_response(marking.photo)


# --- deadlines ---------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_tracing
def policy(request: HttpRequest) -> HttpResponse:
    """The hub's deadlines, the State's own (for the requests it receives) and every State's
    published values. National administrators set the State's own."""
    principal = principal_of(request)
    own = TracePolicy.objects.owned().first()
    may_edit = principal.can(Action.MANAGE_DIRECTORY)
    form = None
    if may_edit:
        initial = ({"acknowledge_working_days": own.acknowledge_working_days, "urgent_hours": own.urgent_hours,
                    "routine_days": own.routine_days, "holidays": own.holidays} if own is not None else {})
        form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.save_policy(actor=request.user, **form.policy_fields())
            except ServiceError as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("Your deadlines are saved. They apply to requests sent to you "
                                            "from now on."))
                return redirect("tracing:policy")
    hub = deadline_rules.Policy(**getattr(settings, "CIFTA_TRACE_DEADLINES", {}))
    effective, holidays = services.policy_for(principal.country_id)
    published = TracePolicy.objects.select_related("country").order_by("country__code")
    return render(request, "tracing/policy.html", {
        "hub": hub, "own": own, "effective": effective, "holidays": holidays, "form": form,
        "published": published, "section": "policy",
    }, status=400 if form is not None and form.errors else 200)
