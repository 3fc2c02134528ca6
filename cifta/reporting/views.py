"""The home dashboard, shaped by the caller's role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cifta.core.areas import AREAS
from cifta.core.permissions import Action
from cifta.reporting import selectors


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    principal = getattr(request, "principal", None)
    if principal is None:
        raise PermissionDenied  # an account with no active membership sees nothing
    context: dict[str, object] = {"areas": AREAS}
    if principal.can(Action.VIEW_AGGREGATES) or principal.sees_all_countries:
        context["regional"] = selectors.regional_aggregates()
    if not principal.sees_all_countries:
        context["national"] = selectors.national_figures()
    if principal.can(Action.VIEW_AUDIT):
        context["audit_events"] = selectors.recent_audit_events()
    return render(request, "reporting/dashboard.html", context)
