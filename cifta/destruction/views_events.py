"""Destruction event pages: the list (by status and year), the plan form, the event with its
items (picked from the registry's and the stockpile's candidates, or by pasting serials),
witnesses, photos with their hashes, the chain of custody, and the approve / execute (with a
check-off per item) / cancel actions; and the State's witness rule.

Destruction records are a State's: the Secretariat (a tenant too) and the hub operator keep
none, so every page refuses them (403). Reads go through the scoped managers (another State's
record is a 404); whatever leads to a write is looked up through ``objects.owned()``; writes
go through ``services_events``, whose refusals are shown beside the field they name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cifta.core.downloads import stored_file_response
from cifta.core.errors import ServiceError
from cifta.core.paging import page_of
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.core.views_support import show_refusal as refuse
from cifta.core.views_support import state_records_only as national_records
from cifta.destruction import selectors_events as selectors
from cifta.destruction import services_events as services
from cifta.destruction.forms_events import (
    CancelForm,
    CustodyForm,
    EventFilterForm,
    EventForm,
    ExecuteForm,
    FirearmsForm,
    LotForm,
    PhotoForm,
    PolicyForm,
    WitnessForm,
)
from cifta.destruction.models import DestructionEvent, DestructionItem, DestructionPhoto
from cifta.registry.models import Firearm

PAGE_SIZE = 50
E = DestructionEvent.Status


def _filter_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _own_event(public_id: Any) -> DestructionEvent:
    return get_object_or_404(DestructionEvent.objects.owned(), public_id=public_id)


# --- the list and the plan ---------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_records
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET)
    found = selectors.event_queryset()
    if form.is_valid():
        d = form.cleaned_data
        found = selectors.filter_events(found, status=d.get("status") or "", year=d.get("year"), q=d.get("q") or "")
    else:
        found = found.none()
    page = page_of(found, request, PAGE_SIZE)
    return render(request, "destruction/events/event_list.html", {
        "form": form, "page": page, "query": _filter_query(request), "section": "events"})


def _event_form_page(request: HttpRequest, event: DestructionEvent | None) -> HttpResponse:
    initial = EventForm.initial_of(event) if event is not None else {"planned_on": timezone.localdate()}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if event is None:
                saved = services.plan_event(actor=request.user, **form.cleaned_data)
            else:
                saved = services.update_event(actor=request.user, event=event, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The event %(reference)s is saved.") % {"reference": saved.reference})
            return redirect(saved.get_absolute_url())
    return render(request, "destruction/events/event_form.html", {"form": form, "event": event, "section": "events"},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.ADD)
@national_records
def event_new(request: HttpRequest) -> HttpResponse:
    return _event_form_page(request, None)


@login_required
@require_action(Action.CHANGE)
@national_records
def event_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _event_form_page(request, _own_event(public_id))


# --- the event ---------------------------------------------------------------------------------
def _candidate_choices(event: DestructionEvent, request: HttpRequest) -> tuple[list[Any], list[tuple[str, str]]]:
    candidates = selectors.registry_candidates(event, q=request.GET.get("cq", "").strip()[:60],
                                               status=request.GET.get("cstatus", "") if request.GET.get("cstatus")
                                               in ("seized", "confiscated", "deactivated") else "")
    return candidates, [(str(c.firearm.public_id), c.firearm.serial_key) for c in candidates]


def _detail_page(request: HttpRequest, event: DestructionEvent, status: int = 200, **forms: Any) -> HttpResponse:
    items = selectors.items_of(event)
    planned = event.status == E.PLANNED
    candidates, choices = _candidate_choices(event, request) if planned else ([], [])
    listed_lots = {(i.lot_id, i.storehouse_id) for i in items if i.lot_id}
    lots = ([c for c in selectors.lot_choices(timezone.localdate())
             if c.lot is not None and (c.lot.pk, c.storehouse.pk) not in listed_lots] if planned else [])
    rule = selectors.witness_rule()
    context = {
        "event": event, "object": event, "items": items, "planned": planned,
        "open": event.status in (E.PLANNED, E.APPROVED), "approved": event.status == E.APPROVED,
        "witnesses": list(event.witnesses.select_related("agency").order_by("role", "id")),
        "photos": list(event.photos.select_related("item").order_by("stage", "id")),
        "custody": list(event.custody.order_by("at", "id")),
        "rule": rule, "shortfall": selectors.witness_shortfall(event, rule),
        "candidates": candidates, "stock_lots": lots,
        "candidate_query": request.GET.get("cq", ""), "candidate_status": request.GET.get("cstatus", ""),
        "firearms_form": forms.get("firearms_form") or FirearmsForm(choices=choices),
        "lot_form": forms.get("lot_form") or LotForm(),
        "witness_form": forms.get("witness_form") or WitnessForm(),
        "photo_form": forms.get("photo_form") or PhotoForm(event=event),
        "custody_form": forms.get("custody_form") or CustodyForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "execute_form": forms.get("execute_form") or ExecuteForm(items=items),
        "action_error": forms.get("action_error"),
        "section": "events",
    }
    return render(request, "destruction/events/event_detail.html", context, status=status)


@login_required
@require_action(Action.VIEW)
@national_records
def event_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _detail_page(request, get_object_or_404(DestructionEvent.objects.all(), public_id=public_id))


def _submit(request: HttpRequest, event: DestructionEvent, form: Any, form_key: str, done: str,
            write: Callable[[dict[str, Any]], Any]) -> HttpResponse:
    """One of the event page's forms: written through its service, or shown again on the event's
    page with the refusal beside its field (nothing stored)."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, done)
            return redirect(event.get_absolute_url())
    return _detail_page(request, event, status=400, **{form_key: form})


@require_POST
@login_required
@require_action(Action.ADD)
@national_records
def event_add_firearms(request: HttpRequest, public_id: Any) -> HttpResponse:
    event = _own_event(public_id)
    _candidates, choices = _candidate_choices(event, request)
    # Any own firearm may be ticked (the candidate list is only a help): take the ids as given.
    posted = request.POST.getlist("firearms")
    form = FirearmsForm(request.POST, request.FILES, choices=[*choices, *((p, p) for p in posted)])
    if form.is_valid():
        ids = form.cleaned_data["firearms"]
        firearms = list(Firearm.objects.owned().filter(public_id__in=ids)) if ids else []
        missing = len(set(ids)) - len(firearms)
        serials = services.parse_serials("\n".join([form.cleaned_data["serials"], form.cleaned_data["serials_file"]]))
        try:
            if missing:
                raise ServiceError(_("No firearm of your State has this identifier."), field="firearms")
            added = services.add_firearms(actor=request.user, event=event, firearms=firearms, serials=serials)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("%(count)s firearm(s) added.") % {"count": len(added.items)})
            return redirect(event.get_absolute_url())
    return _detail_page(request, event, status=400, firearms_form=form)


@require_POST
@login_required
@require_action(Action.ADD)
@national_records
def event_add_lot(request: HttpRequest, public_id: Any) -> HttpResponse:
    event = _own_event(public_id)
    return _submit(request, event, LotForm(request.POST), "lot_form", _("The ammunition is added."),
                   lambda data: services.add_lot(actor=request.user, event=event, **data))


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_records
def item_remove(request: HttpRequest, public_id: Any) -> HttpResponse:
    item = get_object_or_404(DestructionItem.objects.owned().select_related("event"), public_id=public_id)
    try:
        services.remove_item(actor=request.user, item=item)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The item is removed from the event."))
    return redirect(item.event.get_absolute_url())


@require_POST
@login_required
@require_action(Action.ADD)
@national_records
def witness_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    event = _own_event(public_id)
    return _submit(request, event, WitnessForm(request.POST), "witness_form", _("The witness is added."),
                   lambda data: services.add_witness(actor=request.user, event=event, **data))


@require_POST
@login_required
@require_action(Action.ADD)
@national_records
def photo_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    event = _own_event(public_id)
    return _submit(request, event, PhotoForm(request.POST, request.FILES, event=event), "photo_form",
                   _("The photo is added; its SHA-256 is recorded."),
                   lambda data: services.add_photo(actor=request.user, event=event, stage=data["stage"],
                                                   content=data["image"], filename=data["image"].name or "photo",
                                                   caption=data["caption"], item=data["item"]))


@login_required
@require_action(Action.VIEW)
@national_records
def photo_image(request: HttpRequest, public_id: Any) -> Any:
    """A photo's bytes, for a record the caller may read. Photos have no public URL."""
    return stored_file_response(get_object_or_404(DestructionPhoto.objects.all(), public_id=public_id).image)


@require_POST
@login_required
@require_action(Action.ADD)
@national_records
def custody_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    event = _own_event(public_id)
    return _submit(request, event, CustodyForm(request.POST), "custody_form", _("The hand-over is recorded."),
                   lambda data: services.record_custody(actor=request.user, event=event, **data))


@require_POST
@login_required
@require_action(Action.APPROVE)
@national_records
def event_approve(request: HttpRequest, public_id: Any) -> HttpResponse:
    event = _own_event(public_id)
    try:
        services.approve_event(actor=request.user, event=event)
    except ServiceError as exc:
        return _detail_page(request, event, status=400, action_error=str(exc))
    messages.success(request, _("The event is approved."))
    return redirect(event.get_absolute_url())


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_records
def event_execute(request: HttpRequest, public_id: Any) -> HttpResponse:
    event = _own_event(public_id)
    form = ExecuteForm(request.POST, items=selectors.items_of(event))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.execute_event(actor=request.user, event=event, outcomes=form.outcomes(),
                                   started_at=d["started_at"], ended_at=d["ended_at"],
                                   scrap_disposition=d["scrap_disposition"])
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The destruction is recorded: the firearms destroyed are destroyed in the "
                                        "registry and the ammunition has left the stock ledger."))
            return redirect(event.get_absolute_url())
    return _detail_page(request, event, status=400, execute_form=form)


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_records
def event_cancel(request: HttpRequest, public_id: Any) -> HttpResponse:
    event = _own_event(public_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_event(actor=request.user, event=event, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The event is cancelled."))
            return redirect(event.get_absolute_url())
    return _detail_page(request, event, status=400, cancel_form=form)


# --- the State's rule --------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_records
def policy(request: HttpRequest) -> HttpResponse:
    """The State's witness rule. National administrators change it."""
    rule = selectors.witness_rule()
    form = PolicyForm(request.POST or None, initial={"min_witnesses": rule.min_witnesses,
                                                     "min_agencies": rule.min_agencies})
    principal = getattr(request, "principal", None)
    if request.method == "POST":
        if principal is None or not principal.can(Action.APPROVE):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.save_policy(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("The rule is saved."))
                return redirect("destruction:policy")
    return render(request, "destruction/events/policy.html", {"form": form, "rule": rule, "section": "policy"},
                  status=400 if form.errors else 200)
