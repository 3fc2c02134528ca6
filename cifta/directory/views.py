"""Directory pages: the member states, one's own agencies, and the points of contact."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cifta.core.errors import ServiceError
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.directory import services
from cifta.directory.filtersets import AgencyFilterSet, CountryFilterSet, PointOfContactFilterSet
from cifta.directory.forms import AgencyForm, PointOfContactForm
from cifta.directory.models import Agency, Country, PointOfContact


def _service_error(form: Any, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


@login_required
@require_action(Action.VIEW)
def country_list(request: HttpRequest) -> HttpResponse:
    filterset = CountryFilterSet(request.GET, queryset=Country.objects.member_states())
    return render(request, "directory/country_list.html", {"filter": filterset, "countries": filterset.qs})


@login_required
@require_action(Action.VIEW)
def country_detail(request: HttpRequest, code: str) -> HttpResponse:
    country = get_object_or_404(Country.objects.all(), code=code.upper())
    contacts = PointOfContact.objects.filter(country=country).select_related("agency")
    agencies = Agency.objects.filter(country=country)  # empty unless it is one's own country
    return render(request, "directory/country_detail.html",
                  {"country": country, "object": country, "contacts": contacts, "agencies": agencies})


@login_required
@require_action(Action.VIEW)
def agency_list(request: HttpRequest) -> HttpResponse:
    filterset = AgencyFilterSet(request.GET, queryset=Agency.objects.all())
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "directory/agency_list.html", {"filter": filterset, "page": page})


@login_required
@require_action(Action.VIEW)
def agency_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.all(), public_id=public_id)
    return render(request, "directory/agency_detail.html", {"agency": agency, "object": agency})


@login_required
@require_action(Action.MANAGE_DIRECTORY)
def agency_edit(request: HttpRequest, public_id: Any = None) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.owned(), public_id=public_id) if public_id else None
    form = AgencyForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            if agency is None:
                agency = services.create_agency(actor=request.user, **data)
            else:
                agency = services.update_agency(actor=request.user, instance=agency, **data)
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(agency.get_absolute_url())
    return render(request, "directory/agency_form.html", {"form": form, "agency": agency},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.VIEW)
def contact_list(request: HttpRequest) -> HttpResponse:
    queryset = PointOfContact.objects.select_related("agency", "country").order_by("country__name_en", "-is_primary")
    filterset = PointOfContactFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "directory/contact_list.html", {"filter": filterset, "page": page})


@login_required
@require_action(Action.VIEW)
def contact_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    contact = get_object_or_404(PointOfContact.objects.select_related("agency", "country"), public_id=public_id)
    return render(request, "directory/contact_detail.html", {"contact": contact, "object": contact})


@login_required
@require_action(Action.MANAGE_DIRECTORY)
def contact_edit(request: HttpRequest, public_id: Any = None) -> HttpResponse:
    contact = get_object_or_404(PointOfContact.objects.owned(), public_id=public_id) if public_id else None
    form = PointOfContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            if contact is None:
                contact = services.create_point_of_contact(actor=request.user, **data)
            else:
                contact = services.update_point_of_contact(actor=request.user, instance=contact, **data)
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(contact.get_absolute_url())
    return render(request, "directory/contact_form.html", {"form": form, "contact": contact},
                  status=400 if form.errors else 200)
