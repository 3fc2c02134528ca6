"""International trace request pages: the outbox, the inbox and what is overdue; drafting; one
request with its steps and answer, and the actions either side may take now; the requested
State's registry search and answer; onward sharing; exports.

A request is read by exactly two States: the one that sent it and the one it is addressed to
(once sent). Anyone else gets a 404. Which buttons a page offers follows from the workflow
table (``engines.workflow.available``) for the caller's side and role; the services decide."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cifta.core import audit
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.paging import page_of
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.reference.models import PartType
from cifta.registry import selectors as registry_selectors
from cifta.registry import serial_search
from cifta.tracing import events, selectors, services
from cifta.tracing.engines.deadlines import Deadlines, overdue
from cifta.tracing.engines.workflow import BY_ACTION, Side, State, available
from cifta.tracing.forms import DISCLOSABLE_LABELS, OUTCOME_LABELS, ActForm, AnswerForm, RequestForm, ShareForm
from cifta.tracing.models import OnwardShare, TraceAnswer, TraceCase, TraceReminder, TraceRequest, TraceStep
from cifta.tracing.views import (
    PAGE_SIZE,
    label_firearms,
    national_tracing,
    own_firearm,
    parse_uuid,
    principal_of,
    refuse,
)

TABS = ("outbox", "inbox", "overdue")


def action_labels() -> dict[str, str]:
    return {"send": _("Send the request"), "withdraw": _("Withdraw the request"),
            "acknowledge": _("Acknowledge receipt"), "start": _("Start work on it"),
            "delay": _("Delay the answer"), "restrict": _("Restrict the answer"), "close": _("Close the request"),
            "answer": _("Answer")}


def step_labels() -> dict[str, str]:
    return {"send": _("sent"), "withdraw": _("withdrawn"), "acknowledge": _("acknowledged"),
            "start": _("work started"), "answer": _("answered"), "delay": _("answer delayed"),
            "restrict": _("answer restricted"), "close": _("closed")}


def late_steps(request: TraceRequest, state: str, now: Any) -> list[str]:
    """The deadlines passed without their step, for a request in ``state``."""
    if request.sent_at is None or state not in selectors.OPEN_STATES:
        return []
    return overdue(Deadlines(request.acknowledge_by, request.answer_by), now=now,  # type: ignore[arg-type]
                   acknowledged=state != State.SENT, answered=False)


def _visible(public_id: Any) -> TraceRequest:
    """A request the caller's State sent, or one sent to it (404 for anything else)."""
    return get_object_or_404(TraceRequest.objects.select_related("country", "requested_country",
                                                                 "point_of_contact"), public_id=public_id)


def _side(request: HttpRequest, req: TraceRequest) -> Side:
    side = services.side_of(req, principal_of(request).country_id)
    if side is None:  # the scope would not have shown it; never act for a State that is not a side
        raise PermissionDenied
    return side


# --- lists -------------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_tracing
def request_list(request: HttpRequest) -> HttpResponse:
    country_id = principal_of(request).country_id
    tab = request.GET.get("tab", "outbox")
    tab = tab if tab in TABS else "outbox"
    now = timezone.now()
    late = selectors.overdue_requests(TraceRequest.objects.all(), now)
    counts = {"outbox": selectors.outbox(country_id).count(), "inbox": selectors.inbox(country_id).count(),
              "overdue": len(late)}
    if tab == "overdue":
        rows: Any = [item.request for item in late]
        for item in late:
            item.request.late = item.steps  # type: ignore[attr-defined]
        page = page_of(rows, request, PAGE_SIZE)
    else:
        page = page_of(selectors.outbox(country_id) if tab == "outbox" else selectors.inbox(country_id),
                       request, PAGE_SIZE)
        for r in page:
            r.late = late_steps(r, r.state, now)
    for r in page:
        r.state_label = services.state_label(r.state)
        r.outgoing = r.country_id == country_id
        r.other = r.requested_country if r.outgoing else r.country
    return render(request, "tracing/request_list.html", {"page": page, "tab": tab, "counts": counts,
                                                         "section": "requests"})


# --- drafting ----------------------------------------------------------------------------------
def _initial_from_case(case: TraceCase, states: dict[str, Any]) -> dict[str, Any]:
    initial = {name: getattr(case, name) for name in (
        "case_reference", "illicit_reason", "legal_basis", "recovered_on", "recovered_place", "make", "model_name",
        "firearm_type", "calibre", "country_of_manufacture", "country_of_last_import")}
    # The State of last import keeps the latest records; else the State of manufacture.
    for code in (case.country_of_last_import, case.country_of_manufacture):
        if code in states:
            initial["requested_country"] = code
            break
    return initial


@login_required
@require_action(Action.ADD)
@national_tracing
def request_new(request: HttpRequest) -> HttpResponse:
    """Draft a request, from a trace case (``?case=``) or from scratch. Sending is a separate step."""
    country_id = principal_of(request).country_id
    case = None
    if request.GET.get("case"):
        case = get_object_or_404(TraceCase.objects.owned(), public_id=parse_uuid(request.GET["case"]))
    markings = ([{"component": m.component.code if m.component_id else "", "serial": m.serial, "text": m.text}
                 for m in case.markings.select_related("component")] if case is not None else [])
    form = RequestForm(request.POST or None, own_country_id=country_id, markings=markings)
    if case is not None and request.method != "POST":
        form.initial.update(_initial_from_case(case, form.states))
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.draft_request(actor=request.user, case=case, markings=form.markings(),
                                           **form.request_fields())
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Draft %(reference)s is saved. Check it, then send it.")
                             % {"reference": draft.reference})
            return redirect(draft.get_absolute_url())
    return render(request, "tracing/request_new.html", {
        "form": form, "case": case, "section": "requests",
        "makers": registry_selectors.manufacturer_choices(), "calibres": registry_selectors.calibre_choices(),
    }, status=400 if request.method == "POST" and form.refused() else 200)


# --- one request -------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_tracing
def request_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    req = _visible(public_id)
    _side(request, req)
    audit.audit_read(events.REQUEST_VIEWED, country_id=principal_of(request).country_id,
                     query={"request": req.reference}, result_count=1, case_reference=req.case_reference,
                     target=req)
    return _detail_page(request, req)


def _markings(req: TraceRequest) -> list[dict[str, str]]:
    parts = {p.code: p.label for p in PartType.objects.all()}
    return [{"component": parts.get(m.get("component", ""), m.get("component", "")), "serial": m.get("serial", ""),
             "text": m.get("text", "")} for m in req.markings]


def _answer_view(answer: TraceAnswer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    disclosed = []
    for name in services.DISCLOSABLE:
        if name in answer.disclosed:
            value = answer.disclosed[name]
            disclosed.append((DISCLOSABLE_LABELS[name],
                              registry_selectors.status_label(value) if name == "status" else value))
    return {"answer": answer, "outcome": OUTCOME_LABELS.get(answer.outcome, answer.outcome),
            "disclosed": disclosed, "chain": chain_rows(answer.chain)}


def chain_rows(chain: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Chain links for display: the event's label and the date as a date (shown in the locale)."""
    rows = []
    for link in chain:
        try:
            day = dt.date.fromisoformat(link.get("date", ""))
        except ValueError:
            day = None
        rows.append({**link, "day": day, "event_label": registry_selectors.event_label(link.get("event", ""))})
    return rows


def _detail_page(request: HttpRequest, req: TraceRequest, *, reason_error: tuple[str, str] | None = None,
                 status: int = 200) -> HttpResponse:
    principal = principal_of(request)
    side = _side(request, req)
    state = services.current_state(req)
    labels, done = action_labels(), step_labels()
    acts = []
    may_act = principal.can(Action.CHANGE)
    for action in available(state, side, principal.role) if may_act else []:
        if action == "answer":
            continue
        error = reason_error[1] if reason_error and reason_error[0] == action else ""
        acts.append({"action": action, "label": labels[action], "needs_reason": BY_ACTION[action].needs_reason,
                     "error": error})
    steps = list(TraceStep.objects.filter(request=req).order_by("seq"))
    for step in steps:
        step.label = done.get(step.action, step.action)  # type: ignore[attr-defined]
        step.by_requesting = step.country_id == req.country_id  # type: ignore[attr-defined]
    answer = TraceAnswer.objects.filter(request=req).first()
    acknowledged = any(s.action == "acknowledge" for s in steps)
    now = timezone.now()
    late = (overdue(Deadlines(req.acknowledge_by, req.answer_by), now=now, acknowledged=acknowledged,  # type: ignore[arg-type]
                    answered=False)
            if req.sent_at is not None and state in selectors.OPEN_STATES else [])
    # The requesting State's own trace case is its record: never shown to the other side.
    case = (TraceCase.objects.owned().filter(pk=req.case_id).first()
            if side == Side.REQUESTING and req.case_id else None)
    return render(request, "tracing/request_detail.html", {
        "req": req, "object": req, "side": side.value, "state": state.value,
        "state_label": services.state_label(state), "acts": acts, "steps": steps, "answer": _answer_view(answer),
        "own_answer": answer is not None and side == Side.REQUESTED, "markings": _markings(req), "late": late,
        "case": case, "shares": OnwardShare.objects.filter(request=req),
        "reminders": TraceReminder.objects.filter(request=req),
        "can_answer": may_act and principal.can(Action.ADD) and "answer" in available(state, side, principal.role),
        "can_share": side == Side.REQUESTING and answer is not None and principal.can(Action.ADD),
        "section": "requests",
    }, status=status)


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_tracing
def request_act(request: HttpRequest, public_id: Any) -> HttpResponse:
    """One step of the workflow (send, acknowledge, start, delay, restrict, withdraw, close)."""
    req = _visible(public_id)
    _side(request, req)
    role = principal_of(request).role
    form = ActForm(request.POST)
    action = request.POST.get("action", "")
    try:
        if not form.is_valid() or action not in BY_ACTION:
            raise ServiceError(_("Unknown action."), field="action")
        if action == "answer":
            raise ServiceError(_("Answer with the answer form."), field="action")
        if action == "send":
            services.send_request(actor=request.user, request=req, role=role)
        else:
            services.take_step(actor=request.user, request=req, action=action, role=role,
                               reason=form.cleaned_data["reason"])
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ServiceError as exc:
        if exc.field == "reason":
            return _detail_page(request, req, reason_error=(action, str(exc)), status=400)
        messages.error(request, str(exc))
    else:
        if action == "send":
            messages.success(request, _("The request is sent to %(state)s.") % {"state": req.requested_country.name})
        else:
            messages.success(request, _("Done: the request is now %(state)s.")
                             % {"state": services.state_label(services.current_state(req))})
    return redirect(req.get_absolute_url())


# --- the requested State: search and answer ----------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_tracing
def request_search(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The requested State searches its own register for each serial in the request; every
    search is audited with the request's reference."""
    req = _visible(public_id)
    if _side(request, req) != Side.REQUESTED:
        raise PermissionDenied
    principal = principal_of(request)
    serials = [m for m in _markings(req) if m["serial"]]
    results: list[dict[str, Any]] | None = None
    if request.method == "POST":
        results = []
        for marking in serials:
            try:
                found = serial_search.search_serials(marking["serial"], case_reference=req.reference)
            except ServiceError as exc:
                results.append({"marking": marking, "error": str(exc), "hits": []})
                continue
            label_firearms([h.firearm for h in found.hits])
            results.append({"marking": marking, "error": "", "hits": found.hits, "reduced": found.reduced})
    state = services.current_state(req)
    return render(request, "tracing/request_search.html", {
        "req": req, "serials": serials, "results": results, "section": "requests",
        "can_answer": principal.can(Action.ADD) and "answer" in available(state, Side.REQUESTED, principal.role),
    })


@login_required
@require_action(Action.ADD)
@national_tracing
def request_answer(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The requested State's answer: the outcome, the details of its record it chooses to
    disclose (each value shown, so the officer sees what goes out), the chain and the diversion."""
    req = _visible(public_id)
    if _side(request, req) != Side.REQUESTED:
        raise PermissionDenied
    firearm = own_firearm(request.GET["firearm"]) if request.GET.get("firearm") else None
    values = None
    chain: list[dict[str, Any]] = []
    if firearm is not None:
        values = services.disclosable_fields(firearm)
        values["status"] = registry_selectors.status_label(values["status"])
        chain = chain_rows(services.chain_of(firearm))
        label_firearms([firearm])
    initial = {"outcome": "found" if firearm is not None else "", "use_limits": req.use_limits}
    if firearm is not None and firearm.holding_agency_id:
        initial["last_legal_holder"] = firearm.holding_agency.name  # type: ignore[union-attr]
    form = AnswerForm(request.POST or None, values=values, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.answer_request(actor=request.user, request=req, role=principal_of(request).role,
                                        firearm=firearm, **form.answer_fields())
            except ConflictError as exc:
                form.add_error(None, str(exc))
                status = 409
            except ServiceError as exc:
                refuse(form, exc, {"fields": "disclose"})
            else:
                messages.success(request, _("The answer is sent to %(state)s.") % {"state": req.country.name})
                return redirect(req.get_absolute_url())
        if status == 200:
            status = 400
    return render(request, "tracing/request_answer.html", {
        "req": req, "form": form, "firearm": firearm, "chain": chain,
        "answered": TraceAnswer.objects.filter(request=req).exists(), "section": "requests",
    }, status=status)


# --- the requesting State: onward sharing ------------------------------------------------------
@login_required
@require_action(Action.ADD)
@national_tracing
def request_share(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Before passing an answer on, the requesting State tells the answering State (CIFTA Art. XII)."""
    req = _visible(public_id)
    if _side(request, req) != Side.REQUESTING:
        raise PermissionDenied
    answer = TraceAnswer.objects.filter(request=req).first()
    form = ShareForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.share_onward(actor=request.user, request=req, **form.cleaned_data)
            except ServiceError as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("%(state)s is told that its answer will be shared.")
                                 % {"state": req.requested_country.name})
                return redirect(req.get_absolute_url())
        status = 409 if answer is None else 400
    return render(request, "tracing/request_share.html", {
        "req": req, "form": form, "answer": _answer_view(answer), "section": "requests"}, status=status)


# --- exports -----------------------------------------------------------------------------------
def _export(request: HttpRequest, public_id: Any, fmt: str, language: str = "") -> tuple[TraceRequest, Any]:
    req = _visible(public_id)
    _side(request, req)
    exports = importlib.import_module("cifta.tracing.exports")
    query = {"request": req.reference, "format": fmt, **({"language": language} if language else {})}
    audit.audit_read(events.REQUEST_EXPORTED, country_id=principal_of(request).country_id, query=query,
                     result_count=1, case_reference=req.case_reference, target=req)
    return req, exports


@login_required
@require_action(Action.EXPORT)
@national_tracing
def request_export_json(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The request and its answer as MOSAIC 05.31-style JSON, as the caller's State sees them."""
    req, exports = _export(request, public_id, "json")
    data = exports.request_json(req, viewer_country_id=principal_of(request).country_id)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{req.reference}.json"'
    return response


@login_required
@require_action(Action.EXPORT)
@national_tracing
def request_export_pdf(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The request and its answer as a PDF, in the language asked (``?lang=``)."""
    languages = [code for code, _name in settings.LANGUAGES]
    language = request.GET.get("lang") or (get_language() or "en")[:2]
    if language not in languages:
        language = "en"
    req, exports = _export(request, public_id, "pdf", language)
    content = exports.request_pdf(req, language=language, viewer_country_id=principal_of(request).country_id)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{req.reference}-{language}.pdf"'
    return response
