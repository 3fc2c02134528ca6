"""Registry pages: the firearm list (filter, sort, export), a firearm's record and the officer's
actions on it, registration, the lost/stolen/seized registers, hit notices, the exact serial
look-up and the marking compliance report.

Reads go through the scoped managers (another State's record is a 404); every page that leads
to a write looks the record up through ``objects.owned()``; writes go through ``services``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cifta.core import audit
from cifta.core.downloads import csv_response, stored_file_response, xlsx_response
from cifta.core.errors import ServiceError
from cifta.core.paging import page_of
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.reference.models import Calibre, FirearmModel, Manufacturer, PartType
from cifta.registry import events, selectors, services
from cifta.registry import serial_search as serial_search_engine
from cifta.registry.drafts import FirearmDraft, draft_from_row
from cifta.registry.engines.lifecycle import Event
from cifta.registry.filtersets import FirearmFilterSet, HitNoticeFilterSet
from cifta.registry.forms import (
    EventForm,
    FirearmEditForm,
    FirearmRegistrationForm,
    HolderForm,
    MarkingForm,
    PhotoForm,
    SerialLookupForm,
    SerialRangeForm,
    SerialSearchForm,
    StateMarkingForm,
)
from cifta.registry.models import CivilianHolder, Firearm, FirearmPhoto, HitNotice, SerialRange
from cifta.registry.serial_ranges import register_range

PAGE_SIZE = 50
REGISTER_TITLES = {
    "lost": (lambda: _("Lost firearms"), lambda: _("Firearms reported lost and not recovered.")),
    "stolen": (lambda: _("Stolen firearms"), lambda: _("Firearms reported stolen and not recovered.")),
    "seized": (lambda: _("Seized firearms"), lambda: _("Firearms seized or confiscated by the authorities.")),
}


# --- helpers -----------------------------------------------------------------------------------
def national_records(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Firearm records are a State's: the Secretariat (a tenant too) keeps none, whatever its
    role may do elsewhere, so its users cannot write here."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        principal = _principal(request)
        if principal is None or principal.is_secretariat:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _principal(request: HttpRequest) -> Any:
    return getattr(request, "principal", None)


def _can(request: HttpRequest, action: str) -> bool:
    principal = _principal(request)
    return principal is not None and bool(principal.can(action))


def _service_error(form: Any, exc: ServiceError, rename: dict[str, str] | None = None) -> None:
    """Show a refusal beside the field it names (or above the form)."""
    field = (rename or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, str(exc))


def _label(firearms: Iterable[Firearm]) -> None:
    for f in firearms:
        f.status_label = selectors.status_label(f.status)  # type: ignore[attr-defined]


def _filter_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _export(request: HttpRequest, rows: list[list[Any]], fmt: str, filename: str, title: str,
            query: dict[str, Any]) -> HttpResponse:
    audit.audit_read(events.FIREARM_EXPORTED, country_id=_principal(request).country_id, query={**query, "format": fmt},
                     result_count=max(len(rows) - 1, 0))
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        return xlsx_response(rows, f"{filename}-{stamp}", title)
    return csv_response(rows, f"{filename}-{stamp}")


def _own_firearm(public_id: Any) -> Firearm:
    """A firearm the caller may write (404 for anything else)."""
    return get_object_or_404(Firearm.objects.owned().select_related("type", "manufacturer", "model", "calibre",
                                                                    "country"), public_id=public_id)


# --- list and export ---------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
def firearm_list(request: HttpRequest) -> HttpResponse:
    filterset = FirearmFilterSet(request.GET, queryset=selectors.firearm_queryset())
    page = page_of(filterset.qs, request, PAGE_SIZE)
    _label(page)
    return render(request, "registry/firearm_list.html",
                  {"filter": filterset, "page": page, "query": _filter_query(request), "section": "firearms"})


@login_required
@require_action(Action.EXPORT)
def firearm_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered list as CSV or XLSX, built in memory; the export is audited."""
    filterset = FirearmFilterSet(request.GET, queryset=selectors.firearm_queryset())
    rows = list(selectors.export_rows(filterset.qs))
    query = {k: v for k, v in request.GET.items() if k != "page"}
    return _export(request, rows, fmt, "firearms", _("Firearms"), query)


# --- one firearm -------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
def firearm_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    firearm = get_object_or_404(selectors.firearm_queryset().select_related("civilian_holder"), public_id=public_id)
    _label([firearm])
    events = list(selectors.firearm_timeline(firearm))
    for e in events:
        e.kind_label = selectors.event_label(e.kind)  # type: ignore[attr-defined]
        e.status_label = selectors.status_label(e.status_after)  # type: ignore[attr-defined]
    return render(request, "registry/firearm_detail.html", {
        "firearm": firearm, "object": firearm,
        "serials": firearm.serials.select_related("component"),
        "markings": firearm.markings.select_related("component"),
        "photos": firearm.photos.all(),
        "events": events,
        "hits": firearm.hit_notices.select_related("agency", "matched_firearm"),
        "issues": selectors.compliance_issues(firearm),
        "personal_data": _can(request, Action.VIEW_PERSONAL_DATA),
        "section": "firearms",
    })


@login_required
@require_action(Action.ADD)
@national_records
def firearm_register(request: HttpRequest) -> HttpResponse:
    """A guided registration. "Check" shows how the make, model and calibre were read without
    saving; "Register" saves the record (and the optional civilian holder) in one transaction."""
    personal = _can(request, Action.VIEW_PERSONAL_DATA)
    form = FirearmRegistrationForm(request.POST or None, personal_data=personal)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            draft = draft_from_row(form.row(), selectors.reference_index(), today=timezone.localdate())
            if "check" in request.POST:
                preview = _preview(draft)
            else:
                firearm = _register(request, draft, form.holder())
        except ServiceError as exc:
            _service_error(form, exc, {"kind": "event"})
        else:
            if preview is None:
                messages.success(request, _("The firearm is registered."))
                if HitNotice.objects.filter(matched_firearm=firearm).exists():
                    messages.warning(request, _("This record matches a firearm reported lost or stolen: the "
                                                "agency that reported it has been notified."))
                return redirect(firearm.get_absolute_url())
    return render(request, "registry/firearm_register.html", {
        "form": form, "preview": preview, "section": "register",
        "makers": selectors.manufacturer_choices(), "calibres": selectors.calibre_choices(),
    }, status=400 if form.errors else 200)


def _register(request: HttpRequest, draft: FirearmDraft, holder: dict[str, Any] | None) -> Firearm:
    with transaction.atomic():
        firearm = services.register_firearm(actor=request.user, draft=draft)
        if holder:
            field = "civilian_holder" if "instance" in holder else "holder_full_name"
            try:
                instance = holder.get("instance") or services.create_civilian_holder(actor=request.user, **holder)
                services.record_event(actor=request.user, firearm=firearm, kind=Event.HOLDER_CHANGED,
                                      occurred_on=draft.occurred_on, civilian_holder=instance)
            except ServiceError as exc:
                raise ServiceError(str(exc), field=field) from exc  # rolls the registration back too
    return firearm


def _preview(draft: FirearmDraft) -> dict[str, Any]:
    parts = dict(PartType.objects.values_list("pk", "code"))
    labels = {p.code: p.label for p in PartType.objects.all()}
    return {
        "make_as_read": draft.make_as_read,
        "manufacturer": Manufacturer.objects.filter(pk=draft.manufacturer_id).first(),
        "model_as_read": draft.model_as_read,
        "model": FirearmModel.objects.filter(pk=draft.model_id).first(),
        "calibre_as_read": draft.calibre_as_read,
        "calibre": Calibre.objects.filter(pk=draft.calibre_id).first(),
        "serials": [(labels[parts[c]], value, key) for c, value, key, _p in draft.serials],
        "event": selectors.event_label(draft.first_event),
        "occurred_on": draft.occurred_on,
    }


@login_required
@require_action(Action.CHANGE)
@national_records
def firearm_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    firearm = _own_firearm(public_id)
    form = FirearmEditForm(request.POST or None, firearm=firearm)
    if request.method == "POST" and form.is_valid():
        try:
            changes = selectors.resolve_descriptive(form.changes(), firearm=firearm)
            if changes:
                services.update_firearm(actor=request.user, instance=firearm, **changes)
        except ServiceError as exc:
            _service_error(form, exc, {"manufacturer": "make", "make_as_read": "make", "model_as_read": "model",
                                       "calibre_as_read": "calibre"})
        else:
            messages.success(request, _("Saved."))
            return redirect(firearm.get_absolute_url())
    return render(request, "registry/firearm_edit.html", {
        "form": form, "firearm": firearm, "section": "firearms",
        "makers": selectors.manufacturer_choices(), "calibres": selectors.calibre_choices(),
    }, status=400 if form.errors else 200)


@login_required
@require_action(Action.ADD)
@national_records
def event_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    firearm = _own_firearm(public_id)
    form = EventForm(request.POST or None, personal_data=_can(request, Action.VIEW_PERSONAL_DATA))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_event(actor=request.user, firearm=firearm, kind=d["kind"], occurred_on=d["occurred_on"],
                                  agency=d.get("agency"), civilian_holder=d.get("civilian_holder"),
                                  counterpart_country=d.get("counterpart_country", ""),
                                  reference=d.get("reference", ""), notes=d.get("notes", ""))
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, _("The event is recorded."))
            return redirect(firearm.get_absolute_url())
    _label([firearm])
    return render(request, "registry/event_form.html", {"form": form, "firearm": firearm, "section": "firearms"},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.ADD)
@national_records
def marking_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    firearm = _own_firearm(public_id)
    form = MarkingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_marking(actor=request.user, firearm=firearm, marking=form.draft(),
                                 occurred_on=form.cleaned_data.get("occurred_on"),
                                 agency=form.cleaned_data.get("agency"))
        except ServiceError as exc:
            _service_error(form, exc, {"kind": "kind", "occurred_on": "occurred_on"})
        else:
            messages.success(request, _("The marking is recorded."))
            return redirect(firearm.get_absolute_url())
    return render(request, "registry/marking_form.html", {"form": form, "firearm": firearm, "section": "firearms"},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.ADD)
@national_records
def photo_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    firearm = _own_firearm(public_id)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["image"]
        try:
            services.add_photo(actor=request.user, firearm=firearm, content=upload.read(),
                               filename=upload.name or "photo", caption=form.cleaned_data.get("caption", ""))
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, _("The photo is added."))
            return redirect(firearm.get_absolute_url())
    return render(request, "registry/photo_form.html", {"form": form, "firearm": firearm, "section": "firearms"},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.VIEW)
def photo_image(request: HttpRequest, public_id: Any) -> Any:
    """A photo's bytes, for a record the caller may read. Photos have no public URL."""
    photo = get_object_or_404(FirearmPhoto.objects.all(), public_id=public_id)
    return photo_response(photo)


def photo_response(photo: FirearmPhoto) -> FileResponse:
    return stored_file_response(photo.image)


@login_required
@require_action(Action.ADD)
@national_records
def state_marking(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Generate a State marking (MOSAIC 05.30 layout, unique State serial); the officer then
    records it as a 'state' marking once applied."""
    firearm = _own_firearm(public_id)
    form = StateMarkingForm(request.POST or None)
    generated = None
    marking_form = None
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data.get("year") or timezone.localdate().year
        try:
            generated = services.generate_state_marking(actor=request.user, firearm=firearm, year=year)
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            marking_form = MarkingForm(initial={"kind": "state", "text": generated, "year": year,
                                                "country_code": firearm.country.code, "method": "dot_peen"})
    return render(request, "registry/state_marking.html", {
        "form": form, "firearm": firearm, "generated": generated, "marking_form": marking_form,
        "section": "firearms",
    }, status=400 if form.errors else 200)


# --- registers, hits, look-up ------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
def register_list(request: HttpRequest, register: str) -> HttpResponse:
    if register not in selectors.REGISTERS:
        raise Http404
    page = page_of(selectors.register_queryset(register), request, PAGE_SIZE)
    _label(page)
    title, intro = REGISTER_TITLES[register]
    return render(request, "registry/register_list.html",
                  {"page": page, "register": register, "title": title(), "intro": intro(), "section": register})


@login_required
@require_action(Action.VIEW)
def hit_list(request: HttpRequest) -> HttpResponse:
    filterset = HitNoticeFilterSet(request.GET, queryset=selectors.hit_notices())
    page = page_of(filterset.qs, request, PAGE_SIZE)
    return render(request, "registry/hit_list.html", {"filter": filterset, "page": page, "section": "hits"})


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_records
def hit_read(request: HttpRequest, public_id: Any) -> HttpResponse:
    notice = get_object_or_404(HitNotice.objects.owned(), public_id=public_id)
    services.mark_hit_read(actor=request.user, notice=notice)
    messages.success(request, _("Marked as read."))
    return redirect("registry:hit_list")


@login_required
@require_action(Action.VIEW)
def serial_lookup(request: HttpRequest) -> HttpResponse:
    """Exact serial look-up in the caller's country. The case reference is required and the
    search is audited; a hit on a firearm reported lost or stolen notifies its agency."""
    form = SerialLookupForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = services.look_up_serial(principal=_principal(request), serial=form.cleaned_data["serial"],
                                           case_reference=form.cleaned_data["case_reference"])
        _label(results)
    return render(request, "registry/serial_lookup.html", {"form": form, "results": results, "section": "lookup"},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.VIEW)
def serial_search(request: HttpRequest) -> HttpResponse:
    """The search for damaged or partial serials in the caller's country, ranked, each hit
    with its reasons. Case reference required; every search is audited."""
    form = SerialSearchForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = serial_search_engine.search_serials(
                data["q"], case_reference=data["case_reference"],
                filters=serial_search_engine.Filters(make=data["make"], model=data["model"], calibre=data["calibre"],
                                                     type=data["type"], status=data["status"]),
                max_edits=int(data["max_edits"]) if data["max_edits"] != "" else None,
                ignore_embedded_letters=data["ignore_embedded_letters"])
        except ServiceError as exc:
            _service_error(form, exc, {})
        else:
            _label([h.firearm for h in result.hits])
    return render(request, "registry/serial_search.html", {"form": form, "result": result, "section": "search"},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.VIEW)
def serial_range_list(request: HttpRequest) -> HttpResponse:
    """Serial ranges listed on licences and consignments (searched with the serials); writers
    add one below the list."""
    if request.method == "POST":
        return _record_range(request)
    return _range_page(request, SerialRangeForm())


@require_action(Action.ADD)
@national_records
def _record_range(request: HttpRequest) -> HttpResponse:
    form = SerialRangeForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                made = register_range(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, _("Range %(reference)s recorded: %(size)s serials.")
                             % {"reference": made.reference, "size": made.size})
            return redirect("registry:serial_range_list")
    return _range_page(request, form)


def _range_page(request: HttpRequest, form: SerialRangeForm) -> HttpResponse:
    queryset = SerialRange.objects.select_related("manufacturer").order_by("-id")
    q = request.GET.get("q", "").strip()
    if q:
        queryset = queryset.filter(reference__icontains=q)
    page = page_of(queryset, request, PAGE_SIZE)
    return render(request, "registry/serial_range_list.html", {"page": page, "q": q, "form": form,
                                                                "section": "ranges"},
                  status=400 if form.errors else 200)


# --- compliance --------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
def compliance_report(request: HttpRequest) -> HttpResponse:
    """Every firearm whose markings fall short of CIFTA Art. VI / ITI para. 8, and why, grouped
    by holding agency (50 records a page)."""
    page = page_of(selectors.compliance_report_queryset(), request, PAGE_SIZE)
    from django.db.models import prefetch_related_objects

    firearms = list(page.object_list)
    prefetch_related_objects(firearms, *selectors.compliance_prefetches())
    _label(firearms)
    rows = selectors.with_compliance_issues(firearms)
    return render(request, "registry/compliance_report.html", {
        "page": page, "rows": rows, "summary": selectors.compliance_summary(), "section": "compliance",
    })


@login_required
@require_action(Action.EXPORT)
def compliance_export(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.compliance_export_rows(selectors.compliance_report_queryset()))
    return _export(request, rows, "csv", "marking-compliance", _("Marking compliance"), {"report": "compliance"})


# --- licensed civilian holders (personal data) -------------------------------------------------
@login_required
@require_action(Action.VIEW_PERSONAL_DATA)
def holder_list(request: HttpRequest) -> HttpResponse:
    queryset = CivilianHolder.objects.all()
    q = request.GET.get("q", "").strip()
    if q:
        queryset = queryset.filter(Q(full_name__icontains=q) | Q(licence_number__iexact=q))
    page = page_of(queryset.order_by("full_name", "id"), request, PAGE_SIZE)
    return render(request, "registry/holder_list.html", {"page": page, "q": q, "section": "holders"})


@login_required
@require_action(Action.VIEW_PERSONAL_DATA)
def holder_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    holder = get_object_or_404(CivilianHolder.objects.all(), public_id=public_id)
    firearms = list(selectors.firearm_queryset().filter(civilian_holder=holder))
    _label(firearms)
    return render(request, "registry/holder_detail.html",
                  {"holder": holder, "object": holder, "firearms": firearms, "section": "holders"})


@login_required
@require_action(Action.VIEW_PERSONAL_DATA)
@require_action(Action.ADD)
@national_records
def holder_new(request: HttpRequest) -> HttpResponse:
    form = HolderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            holder = services.create_civilian_holder(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(holder.get_absolute_url())
    return render(request, "registry/holder_form.html", {"form": form, "section": "holders"},
                  status=400 if form.errors else 200)
