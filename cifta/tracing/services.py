"""Tracing writes: domestic trace cases, and each step of an international request.

Every function is one transaction, refuses bad input with a ServiceError naming the field (or
a ConflictError when the request moved on), and leaves nothing half-written. The side an
officer acts for follows from the scope: the request's own State is the requesting side, the
State it is addressed to the requested side; any other State cannot even read it (404).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.scoping import ScopeError, single_country_id
from cifta.directory.models import Country, PointOfContact
from cifta.reference.models import PartType
from cifta.registry.models import Firearm
from cifta.tracing import events
from cifta.tracing.engines import deadlines as deadline_rules
from cifta.tracing.engines.workflow import Outcome, Side, State, WorkflowError, take
from cifta.tracing.models import (
    OnwardShare,
    TraceAnswer,
    TraceCase,
    TraceMarking,
    TracePolicy,
    TraceRequest,
    TraceStep,
)

MAX_MARKINGS = 20
# Fields of a firearm record the answering officer may choose to disclose, in display order.
DISCLOSABLE = ("serial", "make", "model", "type", "calibre", "country_of_manufacture", "year_of_manufacture",
               "status", "holding_agency")


def _country_id() -> int:
    try:
        return single_country_id()
    except ScopeError as exc:
        raise ServiceError(_("Tracing is done in the name of one State: choose a membership of a State.")) from exc


def _required(value: Any, field: str, limit: int | None = None) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not text:
        raise ServiceError(_("This field is required."), field=field)
    if limit is not None and len(text) > limit:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


def _limited(value: str | None, field: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


def _country_code(value: str | None, field: str) -> str:
    code = (value or "").strip().upper()
    if code and not Country.objects.filter(code=code, kind=Country.Kind.MEMBER_STATE).exists() and not _iso(code):
        raise ServiceError(_("Give a two-letter ISO country code."), field=field)
    return code


def _iso(code: str) -> bool:
    import pycountry

    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def _next_reference(model: type[TraceCase] | type[TraceRequest], prefix: str, country_id: int) -> str:
    year = timezone.now().year
    code = Country.objects.get(pk=country_id).code
    stem = f"{prefix}-{code}-{year}-"
    last = (model.objects.owned().filter(reference__startswith=stem).order_by("-reference")
            .values_list("reference", flat=True).first())
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:05d}"


def _save_new(instance: Any) -> None:
    """Save a new record that a unique constraint keeps single (a number, one per State): of two
    officers saving at the same moment, one is asked to try again."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ConflictError(_("Another record took this number at the same moment; try again.")) from exc


# --- domestic trace cases ----------------------------------------------------------------------

@dataclass(frozen=True)
class MarkingRead:
    component: str = ""  # a part type code, or empty for the frame
    serial: str = ""
    text: str = ""


def _markings(markings: list[MarkingRead] | list[dict[str, str]]) -> list[MarkingRead]:
    read = [m if isinstance(m, MarkingRead) else MarkingRead(**{k: str(v or "") for k, v in m.items()
                                                                if k in ("component", "serial", "text")})
            for m in markings]
    read = [MarkingRead(m.component.strip(), m.serial.strip(), m.text.strip()) for m in read
            if m.serial.strip() or m.text.strip()]
    if not read:
        raise ServiceError(_("Record at least one marking: the serial or other markings as read."),
                           field="markings")
    if len(read) > MAX_MARKINGS:
        raise ServiceError(_("At most %(limit)s markings.") % {"limit": MAX_MARKINGS}, field="markings")
    for n, m in enumerate(read, 1):
        if len(m.serial) > 60 or len(m.text) > 300:
            raise ServiceError(_("Marking %(n)s is too long (serial 60, text 300 characters).") % {"n": n},
                               field="markings")
        if m.component and not PartType.objects.filter(code=m.component).exists():
            raise ServiceError(_("Marking %(n)s: unknown component %(code)r.") % {"n": n, "code": m.component},
                               field="markings")
    return read


def markings_of_firearm(firearm: Firearm) -> list[MarkingRead]:
    """A registry record's serials and markings, as a recovered firearm's would be read."""
    read = [MarkingRead(s.component.code if s.component else "", s.value, "")
            for s in firearm.serials.select_related("component").order_by("-is_primary", "id")]
    read += [MarkingRead(m.component.code if m.component else "", "", m.text)
             for m in firearm.markings.select_related("component").order_by("id")]
    return read


@transaction.atomic
def open_case(*, actor: Any, case_reference: str, illicit_reason: str, legal_basis: str,
              recovered_on: dt.date | None, recovered_place: str, markings: list[Any] | None = None,
              circumstances: str = "", make: str = "", model_name: str = "", firearm_type: str = "",
              calibre: str = "", country_of_manufacture: str = "", country_of_last_import: str = "",
              firearm: Firearm | None = None) -> TraceCase:
    """Open a domestic trace of a recovered firearm. From a registry record (``firearm``), what
    the officer leaves blank is read from the record."""
    country_id = _country_id()
    if firearm is not None and not Firearm.objects.owned().filter(pk=firearm.pk).exists():
        raise ServiceError(_("No firearm of your State has this identifier."), field="firearm")
    if recovered_on is None:
        raise ServiceError(_("This field is required."), field="recovered_on")
    if recovered_on > timezone.localdate():
        raise ServiceError(_("The date of recovery cannot be in the future."), field="recovered_on")
    if firearm is not None:
        make = make or (firearm.manufacturer.name if firearm.manufacturer else firearm.make_as_read)
        model_name = model_name or (firearm.model.name if firearm.model else firearm.model_as_read)
        firearm_type = firearm_type or str(firearm.type)
        calibre = calibre or (str(firearm.calibre) if firearm.calibre_id else firearm.calibre_as_read)
        country_of_manufacture = country_of_manufacture or firearm.country_of_manufacture
        markings = markings or markings_of_firearm(firearm)
    case = TraceCase(
        case_reference=_required(case_reference, "case_reference", 100),
        illicit_reason=_required(illicit_reason, "illicit_reason", 2000),
        legal_basis=_required(legal_basis, "legal_basis", 300),
        recovered_on=recovered_on, recovered_place=_required(recovered_place, "recovered_place", 200),
        circumstances=_limited(circumstances, "circumstances", 4000), make=_limited(make, "make", 150),
        model_name=_limited(model_name, "model_name", 120), firearm_type=_limited(firearm_type, "firearm_type", 80),
        calibre=_limited(calibre, "calibre", 80),
        country_of_manufacture=_country_code(country_of_manufacture, "country_of_manufacture"),
        country_of_last_import=_country_code(country_of_last_import, "country_of_last_import"),
        firearm=firearm)
    read = _markings(markings or [])
    case.reference = _next_reference(TraceCase, "TC", country_id)
    _save_new(case)
    parts = {p.code: p for p in PartType.objects.filter(code__in={m.component for m in read if m.component})}
    for m in read:
        TraceMarking(case=case, component=parts.get(m.component), serial=m.serial, text=m.text).save()
    audit.emit(events.CASE_OPENED, target=case, payload={"case_reference": case.case_reference,
                                                         "markings": len(read)})
    return case


MAX_PHOTO_BYTES = 10 * 1024 * 1024


@transaction.atomic
def add_marking_photo(*, actor: Any, marking: TraceMarking, photo: Any) -> TraceMarking:
    if not TraceMarking.objects.owned().filter(pk=marking.pk).exists():
        raise ServiceError(_("No marking of your State has this identifier."), field="marking")
    if photo is None or not getattr(photo, "size", 0):
        raise ServiceError(_("Choose a photo."), field="photo")
    if photo.size > MAX_PHOTO_BYTES:
        raise ServiceError(_("A photo is at most 10 MB."), field="photo")
    content_type = getattr(photo, "content_type", "") or ""
    if content_type and not content_type.startswith("image/"):
        raise ServiceError(_("A photo must be an image."), field="photo")
    digest = hashlib.sha256()
    for chunk in photo.chunks():
        digest.update(chunk)
    photo.seek(0)
    marking.photo = photo
    marking.photo_sha256 = digest.hexdigest()
    marking.save()
    audit.emit(events.PHOTO_ADDED, target=marking.case, payload={"marking": str(marking.public_id),
                                                                 "sha256": marking.photo_sha256})
    return marking


def _open_case(case: TraceCase) -> TraceCase:
    if not TraceCase.objects.owned().filter(pk=case.pk).exists():
        raise ServiceError(_("No trace case of your State has this identifier."), field="case")
    case = TraceCase.objects.select_for_update().get(pk=case.pk)
    if case.status in (TraceCase.Status.TRACED, TraceCase.Status.CLOSED):
        raise ConflictError(_("This trace case is already concluded."))
    return case


@transaction.atomic
def record_domestic_trace(*, actor: Any, case: TraceCase, firearm: Firearm, conclusion: str = "") -> TraceCase:
    """The national records answer the trace: the case points at the record found."""
    case = _open_case(case)
    if firearm is None or not Firearm.objects.owned().filter(pk=firearm.pk).exists():
        raise ServiceError(_("No firearm of your State has this identifier."), field="firearm")
    case.status = TraceCase.Status.TRACED
    case.traced_firearm = firearm
    case.traced_at = timezone.now()
    case.conclusion = _limited(conclusion, "conclusion", 4000)
    case.save()
    audit.emit(events.CASE_TRACED, target=case, payload={"firearm": str(firearm.public_id)})
    return case


@transaction.atomic
def close_case(*, actor: Any, case: TraceCase, conclusion: str) -> TraceCase:
    """Close a case that was not traced, saying why."""
    case = _open_case(case)
    case.conclusion = _required(conclusion, "conclusion", 4000)
    case.status = TraceCase.Status.CLOSED
    case.save()
    audit.emit(events.CASE_CLOSED, target=case, payload={"conclusion": case.conclusion[:200]})
    return case


# --- international requests --------------------------------------------------------------------

def current_state(request: TraceRequest) -> State:
    last = TraceStep.objects.filter(request=request).order_by("-seq").values_list("state_after", flat=True).first()
    return State(last) if last else State.DRAFT


def side_of(request: TraceRequest, country_id: int) -> Side | None:
    if request.country_id == country_id:
        return Side.REQUESTING
    if request.requested_country_id == country_id:
        return Side.REQUESTED
    return None


@transaction.atomic
def draft_request(*, actor: Any, requested_country: Country | str, case_reference: str, intended_use: str,
                  illicit_reason: str = "", urgency: str = TraceRequest.Urgency.ROUTINE, use_limits: str = "",
                  case: TraceCase | None = None, legal_basis: str = "", recovered_on: dt.date | None = None,
                  recovered_place: str = "", make: str = "", model_name: str = "", firearm_type: str = "",
                  calibre: str = "", country_of_manufacture: str = "", country_of_last_import: str = "",
                  markings: list[Any] | None = None, answer_wanted_by: dt.datetime | None = None) -> TraceRequest:
    """A draft request to the State of manufacture or last import. From a trace case, what the
    officer leaves blank is copied from the case; the request keeps its own copy."""
    country_id = _country_id()
    if isinstance(requested_country, str):
        requested_country = Country.objects.filter(code=requested_country.strip().upper()).first()  # type: ignore[assignment]
    if not isinstance(requested_country, Country) or requested_country.kind != Country.Kind.MEMBER_STATE:
        raise ServiceError(_("Choose the State the request is addressed to."), field="requested_country")
    if requested_country.pk == country_id:
        raise ServiceError(_("A State does not send a trace request to itself: trace it in your own records."),
                           field="requested_country")
    if urgency not in TraceRequest.Urgency.values:
        raise ServiceError(_("Choose urgent or routine."), field="urgency")
    if case is not None:
        if not TraceCase.objects.owned().filter(pk=case.pk).exists():
            raise ServiceError(_("No trace case of your State has this identifier."), field="case")
        case_reference = case_reference or case.case_reference
        illicit_reason = illicit_reason or case.illicit_reason
        legal_basis = legal_basis or case.legal_basis
        recovered_on = recovered_on or case.recovered_on
        recovered_place = recovered_place or case.recovered_place
        make, model_name = make or case.make, model_name or case.model_name
        firearm_type, calibre = firearm_type or case.firearm_type, calibre or case.calibre
        country_of_manufacture = country_of_manufacture or case.country_of_manufacture
        country_of_last_import = country_of_last_import or case.country_of_last_import
        if not markings:
            markings = [MarkingRead(m.component.code if m.component else "", m.serial, m.text)
                        for m in case.markings.select_related("component")]
    read = _markings(markings or [])
    _wanted(answer_wanted_by)
    request = TraceRequest(
        case=case, case_reference=_required(case_reference, "case_reference", 100),
        requested_country=requested_country, urgency=urgency,
        intended_use=_required(intended_use, "intended_use", 2000), use_limits=_limited(use_limits, "use_limits", 2000),
        illicit_reason=_required(illicit_reason, "illicit_reason", 2000),
        legal_basis=_limited(legal_basis, "legal_basis", 300), recovered_on=recovered_on,
        recovered_place=_limited(recovered_place, "recovered_place", 200), make=_limited(make, "make", 150),
        model_name=_limited(model_name, "model_name", 120), firearm_type=_limited(firearm_type, "firearm_type", 80),
        calibre=_limited(calibre, "calibre", 80),
        country_of_manufacture=_country_code(country_of_manufacture, "country_of_manufacture"),
        country_of_last_import=_country_code(country_of_last_import, "country_of_last_import"),
        markings=[{"component": m.component, "serial": m.serial, "text": m.text} for m in read],
        answer_wanted_by=answer_wanted_by)
    request.reference = _next_reference(TraceRequest, "TR", country_id)
    _save_new(request)
    audit.emit(events.REQUEST_DRAFTED, target=request, payload={"requested_country": requested_country.code,
                                                                "case_reference": request.case_reference})
    return request


def _wanted(answer_wanted_by: dt.datetime | None) -> None:
    """A date the requesting officer sets by hand must still be ahead when the request leaves."""
    if answer_wanted_by is None:
        return
    try:
        deadline_rules.requested_deadline(answer_wanted_by, timezone.now())
    except deadline_rules.DeadlineError as exc:
        raise ServiceError(_("This deadline is already past."), field="answer_wanted_by") from exc


def policy_for(country_id: int) -> tuple[deadline_rules.Policy, list[dt.date]]:
    """The hub's deadlines with the requested State's own values over them."""
    hub = deadline_rules.Policy(**getattr(settings, "CIFTA_TRACE_DEADLINES", {}))
    own = TracePolicy.objects.filter(country_id=country_id).first()
    if own is None:
        return hub, []
    return (hub.overridden(acknowledge_working_days=own.acknowledge_working_days, urgent_hours=own.urgent_hours,
                           routine_days=own.routine_days), parse_holidays(own.holidays))


def parse_holidays(text: str) -> list[dt.date]:
    days = []
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            days.append(dt.date.fromisoformat(line))
        except ValueError as exc:
            raise ServiceError(_("Line %(n)s is not a date (YYYY-MM-DD): %(value)s") % {"n": n, "value": line[:20]},
                               field="holidays") from exc
    return days


@transaction.atomic
def save_policy(*, actor: Any, acknowledge_working_days: int | None = None, urgent_hours: int | None = None,
                routine_days: int | None = None, holidays: str = "") -> TracePolicy:
    """The caller's State's own deadlines for the requests it receives (blank: the hub's)."""
    _country_id()
    try:
        deadline_rules.Policy().overridden(acknowledge_working_days=acknowledge_working_days,
                                           urgent_hours=urgent_hours, routine_days=routine_days)
    except deadline_rules.DeadlineError as exc:
        raise ServiceError(_("A deadline must be a positive number."), field=str(exc.params.get("field"))) from exc
    parse_holidays(holidays)
    policy = TracePolicy.objects.owned().select_for_update().first() or TracePolicy()
    policy.acknowledge_working_days = acknowledge_working_days
    policy.urgent_hours = urgent_hours
    policy.routine_days = routine_days
    policy.holidays = holidays.strip()
    if policy.pk is None:
        _save_new(policy)
    else:
        policy.save()
    audit.emit(events.POLICY_SAVED, target=policy, payload={
        "acknowledge_working_days": acknowledge_working_days, "urgent_hours": urgent_hours,
        "routine_days": routine_days})
    return policy


def workflow_error(exc: WorkflowError) -> ServiceError:
    messages = {
        "final": _("This request is withdrawn or closed: nothing more can be done on it."),
        "wrong_side": _("Only the %(side)s State may do this.") % {
            "side": _("requesting") if exc.params.get("side") == Side.REQUESTING else _("requested")},
        "role": _("Your role may not act on trace requests."),
        "wrong_state": _("This cannot be done while the request is %(state)s.") % {
            "state": state_label(str(exc.params.get("state", "")))},
        "reason_required": _("Give the reason: the other State is told why."),
        "unknown_action": _("Unknown action."),
    }
    error_class = ConflictError if exc.code in ("final", "wrong_state") else ServiceError
    return error_class(str(messages.get(exc.code, exc.code)), field="reason" if exc.code == "reason_required" else None)


def state_label(state: str) -> str:
    return str({
        "draft": _("draft"), "sent": _("sent"), "acknowledged": _("acknowledged"), "in_progress": _("in progress"),
        "answered": _("answered"), "delayed": _("delayed"), "restricted": _("restricted"),
        "withdrawn": _("withdrawn"), "closed": _("closed")}.get(state, state))


def _take(request: TraceRequest, action: str, role: str, reason: str) -> tuple[TraceRequest, State, int]:
    """Lock the request, check the transition; the step number makes a second, simultaneous
    action fail on the database's unique constraint even where row locks are not taken."""
    country_id = _country_id()
    locked = TraceRequest.objects.select_for_update().filter(pk=request.pk).first()
    if locked is None:
        raise ServiceError(_("No trace request of your State has this identifier."), field="request")
    side = side_of(locked, country_id)
    if side is None:
        raise ServiceError(_("No trace request of your State has this identifier."), field="request")
    last = TraceStep.objects.filter(request=locked).order_by("-seq").values_list("seq", "state_after").first()
    state = State(last[1]) if last else State.DRAFT
    try:
        after = take(state, action, side, role, reason)
    except WorkflowError as exc:
        raise workflow_error(exc) from exc
    return locked, after, (last[0] if last else 0) + 1


def _append_step(request: TraceRequest, seq: int, action: str, state: State, reason: str, at: dt.datetime) -> TraceStep:
    step = TraceStep(request=request, seq=seq, action=action, state_after=state, reason=reason, at=at)
    try:
        with transaction.atomic():
            step.save()
    except IntegrityError as exc:
        raise ConflictError(_("Another officer acted on this request at the same moment; reload it.")) from exc
    audit.emit(events.REQUEST_STEP, target=request, country_id=step.country_id,
               counterpart_country_id=(request.requested_country_id if step.country_id == request.country_id
                                       else request.country_id),
               payload={"action": action, "state": state.value, "reason": reason[:500]})
    return step


def routed_contact(country: Country) -> PointOfContact | None:
    """The requested State's published national point of contact (the primary one first)."""
    return (PointOfContact.objects.filter(country=country, published=True, is_active=True)
            .order_by("-is_primary", "id").first())


@transaction.atomic
def send_request(*, actor: Any, request: TraceRequest, role: str) -> TraceRequest:
    """Send a draft: routed to the requested State's point of contact, deadlines fixed now."""
    request, after, seq = _take(request, "send", role, "")
    _wanted(request.answer_wanted_by)
    now = timezone.now()
    policy, holidays = policy_for(request.requested_country_id)
    due = deadline_rules.deadlines(now, request.urgency, policy, holidays)
    request.sent_at, request.acknowledge_by = now, due.acknowledge_by
    request.answer_by = request.answer_wanted_by or due.answer_by
    request.point_of_contact = routed_contact(request.requested_country)
    request.save()
    if request.case_id is not None:
        case = TraceCase.objects.owned().select_for_update().get(pk=request.case_id)
        if case.status == TraceCase.Status.OPEN:
            case.status = TraceCase.Status.REQUESTED
            case.save()
    _append_step(request, seq, "send", after, "", now)
    contact = request.point_of_contact
    if contact is not None and contact.email:
        _mail_on_commit(
            [contact.email],
            _("Trace request %(ref)s received") % {"ref": request.reference},
            _("A %(urgency)s trace request from %(country)s awaits your acknowledgement by %(ack)s and your answer "
              "by %(answer)s. Open your tracing inbox to read it.") % {
                "urgency": request.get_urgency_display(), "country": request.country.name,
                "ack": request.acknowledge_by.date().isoformat(), "answer": request.answer_by.date().isoformat()})
    return request


@transaction.atomic
def take_step(*, actor: Any, request: TraceRequest, action: str, role: str, reason: str = "") -> TraceRequest:
    """Acknowledge, start, delay, restrict (requested side) or withdraw, close (requesting
    side). Answers go through ``answer_request``; sending through ``send_request``."""
    if action in ("send", "answer"):
        raise ServiceError(_("Unknown action."), field="action")
    reason = _limited(reason, "reason", 2000)
    request, after, seq = _take(request, action, role, reason)
    _append_step(request, seq, action, after, reason, timezone.now())
    return request


def disclosable_fields(firearm: Firearm) -> dict[str, str]:
    """What a firearm record can tell the requesting State, field by field."""
    primary = firearm.serials.filter(is_primary=True).first()
    return {
        "serial": primary.value if primary is not None else firearm.serial_key,
        "make": firearm.manufacturer.name if firearm.manufacturer else firearm.make_as_read,
        "model": firearm.model.name if firearm.model else firearm.model_as_read,
        "type": str(firearm.type) if firearm.type_id else "",
        "calibre": str(firearm.calibre) if firearm.calibre_id else firearm.calibre_as_read,
        "country_of_manufacture": firearm.country_of_manufacture,
        "year_of_manufacture": str(firearm.year_of_manufacture or ""),
        "status": firearm.status,
        "holding_agency": firearm.holding_agency.name if firearm.holding_agency else "",
    }


CHAIN_EVENTS = ("manufactured", "exported", "imported", "registered", "holder_changed", "reported_lost",
                "reported_stolen", "seized", "confiscated", "recovered")


def chain_of(firearm: Firearm) -> list[dict[str, str]]:
    """The firearm's manufacture, export, import and holding chain from its events (agencies by
    name; private holders only as "licensed civilian holder")."""
    chain = []
    for event in firearm.events.select_related("agency").filter(kind__in=CHAIN_EVENTS).order_by("occurred_on", "id"):
        holder = event.agency.name if event.agency else (
            str(_("licensed civilian holder")) if event.civilian_holder_id else "")
        chain.append({"date": event.occurred_on.isoformat(), "event": event.kind,
                      "country": event.counterpart_country, "holder": holder, "reference": event.reference})
    return chain


@transaction.atomic
def answer_request(*, actor: Any, request: TraceRequest, role: str, outcome: str, firearm: Firearm | None = None,
                   fields: list[str] | None = None, chain: list[dict[str, str]] | None = None,
                   last_legal_holder: str = "", point_of_diversion: str = "", diversion_date: dt.date | None = None,
                   failure_reason: str = "", note: str = "", use_limits: str = "") -> TraceAnswer:
    """The requested State answers once: found (with the fields it chooses to disclose of its
    record and the chain), partial, or not found (saying why)."""
    if outcome not in Outcome.__members__.values():
        raise ServiceError(_("Choose found, partial or not found."), field="outcome")
    if firearm is not None and not Firearm.objects.owned().filter(pk=firearm.pk).exists():
        raise ServiceError(_("No firearm of your State has this identifier."), field="firearm")
    if outcome == Outcome.FOUND and firearm is None and not chain:
        raise ServiceError(_("A found answer names the record found (or gives the chain)."), field="firearm")
    if outcome == Outcome.NOT_FOUND:
        if failure_reason not in TraceAnswer.Failure.values:
            raise ServiceError(_("Say why the firearm could not be traced."), field="failure_reason")
    elif failure_reason and failure_reason not in TraceAnswer.Failure.values:
        raise ServiceError(_("Unknown reason."), field="failure_reason")
    unknown = sorted(set(fields or ()) - set(DISCLOSABLE))
    if unknown:
        raise ServiceError(_("Unknown field(s): %(fields)s") % {"fields": ", ".join(unknown)}, field="fields")
    if diversion_date is not None and diversion_date > timezone.localdate():
        raise ServiceError(_("The date of diversion cannot be in the future."), field="diversion_date")
    request, after, seq = _take(request, "answer", role, "")
    disclosed = {}
    if firearm is not None:
        values = disclosable_fields(firearm)
        disclosed = {name: values[name] for name in DISCLOSABLE if name in (fields or ()) and values[name]}
        if chain is None:
            chain = chain_of(firearm)
    now = timezone.now()
    answer = TraceAnswer(
        request=request, outcome=outcome, firearm=firearm, disclosed=disclosed, chain=_chain(chain or []),
        last_legal_holder=_limited(last_legal_holder, "last_legal_holder", 200),
        point_of_diversion=_limited(point_of_diversion, "point_of_diversion", 2000), diversion_date=diversion_date,
        failure_reason=failure_reason, note=_limited(note, "note", 4000),
        use_limits=_limited(use_limits, "use_limits", 2000), answered_at=now)
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError as exc:
        raise ConflictError(_("This request has already been answered.")) from exc
    _append_step(request, seq, "answer", after, "", now)
    audit.emit(events.REQUEST_ANSWERED, target=request, country_id=answer.country_id,
               counterpart_country_id=request.country_id,
               payload={"outcome": outcome, "fields": sorted(disclosed), "chain": len(answer.chain)})
    return answer


def _chain(chain: list[dict[str, str]]) -> list[dict[str, str]]:
    if len(chain) > 50:
        raise ServiceError(_("At most %(limit)s links in the chain.") % {"limit": 50}, field="chain")
    clean = []
    for n, link in enumerate(chain, 1):
        if not isinstance(link, dict):
            raise ServiceError(_("Link %(n)s of the chain is not a record.") % {"n": n}, field="chain")
        clean.append({k: str(link.get(k, ""))[:200] for k in ("date", "event", "country", "holder", "reference")})
    return clean


@transaction.atomic
def share_onward(*, actor: Any, request: TraceRequest, recipient: str, purpose: str) -> OnwardShare:
    """Before the requesting State passes an answer on, the answering State is told: the notice
    is recorded (it sees it on the request) and e-mailed to its point of contact."""
    country_id = _country_id()
    if not TraceRequest.objects.owned().filter(pk=request.pk).exists() or request.country_id != country_id:
        raise ServiceError(_("Only the requesting State shares an answer onward."), field="request")
    if not TraceAnswer.objects.filter(request=request).exists():
        raise ConflictError(_("There is no answer to share yet."))
    share = OnwardShare(request=request, recipient=_required(recipient, "recipient", 200),
                        purpose=_required(purpose, "purpose", 2000), notified_at=timezone.now())
    share.save()
    audit.emit(events.REQUEST_SHARED_ONWARD, target=request, counterpart_country_id=request.requested_country_id,
               payload={"recipient": share.recipient})
    contact = routed_contact(request.requested_country)
    if contact is not None and contact.email:
        _mail_on_commit(
            [contact.email], _("Your answer to trace request %(ref)s will be shared") % {"ref": request.reference},
            _("%(country)s will share your answer with %(recipient)s for this purpose: %(purpose)s") % {
                "country": request.country.name, "recipient": share.recipient, "purpose": share.purpose})
    return share


def _mail_on_commit(recipients: list[str], subject: str, body: str) -> None:
    # Sent only when the step is stored; a failed mail never undoes the step.
    transaction.on_commit(lambda: send_mail(str(subject), str(body), None, recipients, fail_silently=True))


# --- reminders ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReminderRun:
    reminders: int
    escalations: int


def send_reminders(*, actor: Any, now: dt.datetime | None = None) -> ReminderRun:
    """The daily job: for each overdue step a requested State owes, one reminder a day to the
    contact the request was routed to, and past ``CIFTA_TRACE_ESCALATE_AFTER_DAYS`` an
    escalation to the State's national points of contact. Each is recorded in that State's
    name (it shows in both sides' views) and mailed after it is stored."""
    from cifta.core.scoping import ALL_COUNTRIES, country_scope
    from cifta.tracing.models import TraceReminder
    from cifta.tracing.selectors import overdue_requests

    now = now or timezone.now()
    today = timezone.localdate(now)
    escalate_after = dt.timedelta(days=getattr(settings, "CIFTA_TRACE_ESCALATE_AFTER_DAYS", 3))
    with country_scope(ALL_COUNTRIES):
        late = overdue_requests(TraceRequest.objects.all(), now)
    sent = escalated = 0
    for item in late:
        request = item.request
        with country_scope([request.requested_country_id]), transaction.atomic():
            for step in item.steps:
                due = request.acknowledge_by if step == "acknowledge" else request.answer_by
                if due is None:  # never for a sent request; the type allows it for drafts
                    continue
                level = (TraceReminder.Level.ESCALATION if now - due > escalate_after
                         else TraceReminder.Level.REMINDER)
                if TraceReminder.objects.owned().filter(request=request, step=step, level=level,
                                                        sent_on=today).exists():
                    continue
                recipients = _reminder_recipients(request, level)
                TraceReminder(request=request, step=step, level=level, sent_to=", ".join(recipients),
                              sent_on=today).save()
                audit.emit(events.REMINDER_SENT, target=request, country_id=request.requested_country_id,
                           counterpart_country_id=request.country_id, payload={"step": step, "level": level})
                if recipients:
                    _mail_on_commit(recipients, _("Overdue: trace request %(ref)s") % {"ref": request.reference},
                                    _("The %(step)s of trace request %(ref)s from %(country)s was due on %(due)s.") % {
                                        "step": _("acknowledgement") if step == "acknowledge" else _("answer"),
                                        "ref": request.reference, "country": request.country.name,
                                        "due": due.date().isoformat()})
                if level == TraceReminder.Level.ESCALATION:
                    escalated += 1
                else:
                    sent += 1
    return ReminderRun(sent, escalated)


def _reminder_recipients(request: TraceRequest, level: str) -> list[str]:
    addresses = []
    contact = request.point_of_contact
    if contact is not None and contact.email:
        addresses.append(contact.email)
    if level == "escalation":
        addresses += [c.email for c in PointOfContact.objects.filter(
            country_id=request.requested_country_id, is_primary=True, is_active=True).exclude(email="")]
    return sorted(set(addresses))
