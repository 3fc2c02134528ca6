"""Generic views of core: area pages, the History tab of any record, the audit log."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cifta.core.areas import area as find_area
from cifta.core.filtersets import AuditEventFilterSet
from cifta.core.models import AuditEvent, ChangeLoggedModel, CountryScopedModel, ObjectChange
from cifta.core.paging import page_of
from cifta.core.permissions import Action, can
from cifta.core.views_support import require_action


@login_required
@require_action(Action.VIEW)
def area_page(request: HttpRequest, slug: str) -> HttpResponse:
    found = find_area(slug)
    if found is None:
        raise Http404
    if found.url_name:
        return redirect(found.url_name)
    return render(request, "core/area.html", {"area": found})


def _history_model(label: str) -> Any:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    if not issubclass(model, ChangeLoggedModel):
        raise Http404
    return model


def _require_history_action(request: Any, model: Any) -> None:
    """Some records' history holds personal data: the model names the action it needs."""
    if not can(getattr(request, "principal", None), getattr(model, "history_action", Action.VIEW)):
        raise PermissionDenied


def _history_object(model: Any, public_id: Any) -> Any:
    # Through the default manager: a record outside the scope is "not found".
    return get_object_or_404(model._default_manager.all(), public_id=public_id)


def object_history(obj: Any) -> tuple[Any, Any]:
    """The change rows and audit events of one record that the current scope may read."""
    label = obj._meta.label_lower
    if isinstance(obj, CountryScopedModel):
        changes = ObjectChange.objects.filter(object_type=label, object_id=obj.pk)
        events = AuditEvent.objects.filter(target_type=label, target_id=obj.pk)
    else:
        # Global reference data: its history is as public as the data itself (rows that belong
        # to no country; a State's own events about it stay in that State's scope).
        changes = ObjectChange.unscoped.filter(object_type=label, object_id=obj.pk, country__isnull=True)
        events = AuditEvent.unscoped.filter(target_type=label, target_id=obj.pk, country__isnull=True)
    return changes.order_by("-seq"), events.order_by("-seq")


@login_required
@require_action(Action.VIEW)
def history(request: HttpRequest, label: str, public_id: Any) -> HttpResponse:
    model = _history_model(label)
    _require_history_action(request, model)
    obj = _history_object(model, public_id)
    changes, events = object_history(obj)
    return render(
        request,
        "core/history.html",
        {"object": obj, "changes": changes[:200], "events": events[:200], "label": label},
    )


@login_required
@require_action(Action.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilterSet(request.GET, queryset=AuditEvent.objects.all().order_by("-seq"))
    page = page_of(filterset.qs, request)
    return render(request, "core/audit_log.html", {"filter": filterset, "page": page})
