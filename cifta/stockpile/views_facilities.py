"""Stockpile pages: facilities, their storehouses, exposed sites and measured distances, the
facility map, the explosive-safety check with the licences, the quantity-distance calculator and
the State's own safety rules.

Facilities are a State's records: the Secretariat keeps none, so its users get an explanation
on the list page and 403 on every other State page (the calculator, which holds no record, is
open to everyone). Reads go through the scoped managers (another State's record is a 404);
whatever leads to a write is looked up through ``objects.owned()``; writes go through the
services, whose refusals are shown beside the field they name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cifta.core.errors import ServiceError
from cifta.core.paging import page_of
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.core.views_support import show_refusal as refuse
from cifta.core.views_support import state_records_only as national_stockpile
from cifta.directory.models import Agency
from cifta.stockpile import safety_bridge, selectors_facilities, services_facilities, services_safety
from cifta.stockpile.forms_facilities import (
    DistanceForm,
    ExposedSiteForm,
    FacilityForm,
    QdForm,
    SafetyRulesForm,
    StorehouseForm,
    limit_field_name,
)
from cifta.stockpile.models import ExposedSite, Facility, MeasuredDistance, SafetyRules, Storehouse
from cifta.stockpile.safety import BASE, FUNCTIONS, SafetyError, qd_report
from cifta.stockpile.safety.siting import SITED_DIVISIONS

PAGE_SIZE = 50


# --- helpers -----------------------------------------------------------------------------------
def principal_of(request: HttpRequest) -> Any:
    return getattr(request, "principal", None)


def _national(principal: Any) -> bool:
    return principal is not None and not principal.is_secretariat and principal.country_id is not None


def _facility(public_id: Any, *, own: bool = False) -> Facility:
    manager = Facility.objects.owned() if own else Facility.objects.all()
    return get_object_or_404(manager.select_related("operator"), public_id=public_id)


def _storehouse(public_id: Any, *, own: bool = False) -> Storehouse:
    manager = Storehouse.objects.owned() if own else Storehouse.objects.all()
    return get_object_or_404(manager.select_related("facility"), public_id=public_id)


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "facilities", **context}, status=status)


def _finding_rows(check: safety_bridge.StorehouseCheck) -> list[dict[str, Any]]:
    return [{"finding": f, "text": safety_bridge.finding_text(f), "severity": f.severity,
             "severity_label": safety_bridge.SEVERITY_LABELS.get(f.severity, f.severity)} for f in check.findings]


def _licence_rows(check: safety_bridge.StorehouseCheck) -> list[dict[str, Any]]:
    if check.licence is None:
        return []
    licensed = check.storehouse.licensed_limits_kg or {}
    return [{"hd": hd, "limit": limit, "function": safety_bridge.function_label(limit.function),
             "licensed": licensed.get(hd),
             "over": licensed.get(hd) is not None and float(licensed[hd]) > limit.limit_kg}
            for hd, limit in check.licence.limits.items()]


def _decorate(checks: list[safety_bridge.StorehouseCheck]) -> list[dict[str, Any]]:
    return [{"check": c, "store": c.storehouse, "findings": _finding_rows(c), "licence": _licence_rows(c),
             "treatment": safety_bridge.treatment_label(c.treatment), "counts": c.counts} for c in checks]


# --- facilities --------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
def facility_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not _national(principal):
        # The Secretariat keeps no arsenal records: say so, and offer what holds none.
        return render(request, "stockpile/secretariat.html", {"section": "facilities"})
    queryset, chosen = selectors_facilities.facilities(request.GET)
    page = page_of(queryset, request, PAGE_SIZE)
    checks = safety_bridge.check_facilities(list(page.object_list), timezone.localdate())
    rows = [{"facility": f, "counts": safety_bridge.counts(checks.get(f.pk, []))} for f in page.object_list]
    return _render(request, "stockpile/facility_list.html", {
        "page": page, "rows": rows, "chosen": chosen, "kinds": Facility.Kind.choices,
        "operators": Agency.objects.owned().order_by("name")})


@login_required
@require_action(Action.ADD)
@national_stockpile
def facility_new(request: HttpRequest) -> HttpResponse:
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            facility = services_facilities.save_facility(actor=request.user, **form.values())
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Facility %(name)s is recorded. Add its storehouses and the exposed sites "
                                        "around it next.") % {"name": facility.name})
            return redirect(facility.get_absolute_url())
    return _render(request, "stockpile/facilities/facility_form.html", {"form": form, "facility": None},
                   _status(form))


@login_required
@require_action(Action.CHANGE)
@national_stockpile
def facility_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    facility = _facility(public_id, own=True)
    form = FacilityForm(request.POST or None, instance=facility)
    if request.method == "POST" and form.is_valid():
        try:
            services_facilities.save_facility(actor=request.user, instance=facility, **form.values())
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(facility.get_absolute_url())
    return _render(request, "stockpile/facilities/facility_form.html", {"form": form, "facility": facility},
                   _status(form))


def _distances_of(facility: Facility) -> QuerySet[MeasuredDistance]:
    return (MeasuredDistance.objects.filter(storehouse__facility=facility).select_related("storehouse", "site")
            .order_by("storehouse__name", "site__name"))


@login_required
@require_action(Action.VIEW)
@national_stockpile
def facility_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    facility = _facility(public_id)
    principal = principal_of(request)
    may_add = principal.can(Action.ADD)
    return _render(request, "stockpile/facilities/facility_detail.html", {
        "facility": facility, "object": facility,
        "storehouses": facility.storehouses.order_by("name"),
        "sites": facility.exposed_sites.order_by("name"),
        "distances": _distances_of(facility),
        # Three forms on one page: their ids must differ (the names need not).
        "storehouse_form": StorehouseForm(auto_id="store_%s") if may_add else None,
        "site_form": ExposedSiteForm(auto_id="site_%s") if may_add else None,
        "distance_form": DistanceForm(facility=facility, auto_id="distance_%s") if may_add else None,
    })


@login_required
@require_action(Action.VIEW)
@national_stockpile
@require_GET
def facility_map(request: HttpRequest, public_id: Any) -> HttpResponse:
    facility = _facility(public_id)
    checks = safety_bridge.check_facility(facility, timezone.localdate())
    fmap = safety_bridge.facility_map(facility, checks)
    return _render(request, "stockpile/facilities/facility_map.html", {
        "facility": facility, "map": selectors_facilities.map_layout(fmap), "fmap": fmap,
        "checks": _decorate(checks)})


@login_required
@require_action(Action.VIEW)
@national_stockpile
@require_GET
def facility_safety(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The check of every storehouse in use: findings (rule, source, numbers), the explosives
    limit licence and the distance each exposed site needs. Recorded in the audit log."""
    facility = _facility(public_id)
    error = ""
    checks: list[safety_bridge.StorehouseCheck] = []
    try:
        checks = services_safety.run_safety_check(facility, actor=request.user)
    except ServiceError as exc:
        error = str(exc)
    rules = None
    try:
        rules = safety_bridge.rules_for(facility.country_id)
    except ServiceError as exc:
        error = error or str(exc)
    return _render(request, "stockpile/facilities/facility_safety.html", {
        "facility": facility, "checks": _decorate(checks), "totals": safety_bridge.counts(checks),
        "rules": rules, "error": error, "today": timezone.localdate()})


# --- storehouses -------------------------------------------------------------------------------
@login_required
@require_action(Action.ADD)
@national_stockpile
def storehouse_new(request: HttpRequest, public_id: Any) -> HttpResponse:
    facility = _facility(public_id, own=True)
    form = StorehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            store = services_facilities.save_storehouse(actor=request.user, facility=facility, **form.values())
        except ServiceError as exc:
            refuse(form, exc, {"licensed_limits_kg": limit_field_name("1.1")})
        else:
            messages.success(request, _("Storehouse %(name)s is recorded.") % {"name": store.name})
            return redirect(facility.get_absolute_url())
    return _render(request, "stockpile/facilities/storehouse_form.html", {
        "form": form, "facility": facility, "store": None}, _status(form))


@login_required
@require_action(Action.CHANGE)
@national_stockpile
def storehouse_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    store = _storehouse(public_id, own=True)
    form = StorehouseForm(request.POST or None, instance=store)
    if request.method == "POST" and form.is_valid():
        try:
            services_facilities.save_storehouse(actor=request.user, facility=store.facility, instance=store,
                                                **form.values())
        except ServiceError as exc:
            refuse(form, exc, {"licensed_limits_kg": limit_field_name("1.1")})
        else:
            messages.success(request, _("Saved."))
            return redirect(store.get_absolute_url())
    return _render(request, "stockpile/facilities/storehouse_form.html", {
        "form": form, "facility": store.facility, "store": store}, _status(form))


@login_required
@require_action(Action.VIEW)
@national_stockpile
@require_GET
def storehouse_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    store = _storehouse(public_id)
    check = safety_bridge.check_storehouse(store, timezone.localdate())
    return _render(request, "stockpile/facilities/storehouse_detail.html", {
        "store": store, "object": store, "facility": store.facility, "item": _decorate([check])[0],
        "distances": store.measured_distances.select_related("site").order_by("site__name"),
        "limits": sorted((store.licensed_limits_kg or {}).items()),
        "conditions": [safety_bridge.CONDITION_LABELS.get(c, c) for c in store.conditions_met or []]})


# --- exposed sites and measured distances ------------------------------------------------------
@login_required
@require_action(Action.ADD)
@national_stockpile
def site_new(request: HttpRequest, public_id: Any) -> HttpResponse:
    facility = _facility(public_id, own=True)
    form = ExposedSiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = services_facilities.save_exposed_site(actor=request.user, facility=facility, **form.values())
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Exposed site %(name)s is recorded.") % {"name": site.name})
            return redirect(facility.get_absolute_url())
    return _render(request, "stockpile/facilities/site_form.html", {"form": form, "facility": facility,
                                                                     "site": None}, _status(form))


@login_required
@require_action(Action.CHANGE)
@national_stockpile
def site_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    site = get_object_or_404(ExposedSite.objects.owned().select_related("facility"), public_id=public_id)
    form = ExposedSiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            services_facilities.save_exposed_site(actor=request.user, facility=site.facility, instance=site,
                                                  **form.values())
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(site.facility.get_absolute_url())
    return _render(request, "stockpile/facilities/site_form.html", {"form": form, "facility": site.facility,
                                                                     "site": site}, _status(form))


@login_required
@require_action(Action.ADD)
@national_stockpile
def distance_new(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Record a distance measured on the ground (it replaces an earlier one of the same pair)."""
    facility = _facility(public_id, own=True)
    form = DistanceForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        try:
            services_facilities.record_distance(actor=request.user, **form.values())
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The measured distance is recorded."))
            return redirect(facility.get_absolute_url())
    return _render(request, "stockpile/facilities/distance_form.html", {"form": form, "facility": facility,
                                                                         "measure": None}, _status(form))


@login_required
@require_action(Action.CHANGE)
@national_stockpile
def distance_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    measure = get_object_or_404(MeasuredDistance.objects.owned().select_related("storehouse__facility", "site"),
                                public_id=public_id)
    facility = measure.storehouse.facility
    form = DistanceForm(request.POST or None, facility=facility, initial={
        "storehouse": measure.storehouse.public_id, "site": measure.site.public_id,
        "distance_m": measure.distance_m, "measured_on": measure.measured_on})
    form.fields["storehouse"].disabled = form.fields["site"].disabled = True
    if request.method == "POST" and form.is_valid():
        values = {**form.values(), "storehouse": measure.storehouse, "site": measure.site}
        try:
            services_facilities.record_distance(actor=request.user, **values)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(facility.get_absolute_url())
    return _render(request, "stockpile/facilities/distance_form.html", {"form": form, "facility": facility,
                                                                         "measure": measure}, _status(form))


# --- the calculator and the national rules -----------------------------------------------------
@login_required
@require_action(Action.VIEW)
@require_GET
def qd_calculator(request: HttpRequest) -> HttpResponse:
    """HD and NEQ -> every distance function of the table, raw and tabulated (the engine's
    ``qd_report``). Holds no record: open to every user, the Secretariat included."""
    form = QdForm(request.GET if "hd" in request.GET or "neq" in request.GET else None)
    report, rows, error = None, [], ""
    if form.is_bound and form.is_valid():
        try:
            report = qd_report(form.cleaned_data["hd"], float(form.cleaned_data["neq"]))
        except SafetyError as exc:
            error = safety_bridge.error_text(exc)
            form.add_error("neq" if exc.field == "neq_kg" else "hd", error)
        else:
            table = {"1.5": "1.1", "1.2": "1.2", "1.2.1": "1.2", "1.2.2": "1.2"}.get(report["hd"], report["hd"])
            for name, values in report["functions"].items():
                fn = FUNCTIONS.get(f"{table}/{name}")
                rows.append({"name": name, "printed": fn.printed if fn else "", "raw": values["raw"],
                             "table": values["table"], "note": fn.note if fn else ""})
    return render(request, "stockpile/qd_calculator.html", {
        "form": form, "report": report, "rows": rows, "error": error, "section": "qd",
        "version": BASE.version}, status=400 if form.is_bound and form.errors else 200)


def _rule_rows(rules: Any) -> list[dict[str, Any]]:
    return [{"rule": r, "function": safety_bridge.function_label(r.function) if r.function else "—"}
            for r in sorted(rules.rules.values(), key=lambda r: (SITED_DIVISIONS.index(r.hd), r.pes, r.target))]


@login_required
@require_action(Action.VIEW)
@national_stockpile
def safety_rules(request: HttpRequest) -> HttpResponse:
    """The rules in force for the State's storehouses: the standard, tightened by the State's own
    rules. National administrators set them; everyone in the State reads them."""
    principal = principal_of(request)
    own = SafetyRules.objects.owned().first()
    may_edit = principal.can(Action.APPROVE)
    form = SafetyRulesForm(request.POST or None, instance=own) if may_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services_safety.save_safety_rules(actor=request.user, label=form.cleaned_data["label"],
                                                  tightenings=form.tightenings(), instance=own)
            except ServiceError as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("Your State's safety rules are saved. Every check from now on applies "
                                            "them."))
                return redirect("stockpile:safety_rules")
    error, rules = "", BASE
    try:
        rules = safety_bridge.rules_for(principal.country_id)
    except ServiceError as exc:
        error = str(exc)
    return render(request, "stockpile/safety_rules.html", {
        "own": own, "form": form, "rules": rules, "base": BASE, "error": error, "rule_rows": _rule_rows(rules),
        "sources": sorted(rules.sources.items()), "section": "rules",
        "multiplier": Decimal(str(rules.multiplier)).normalize(),
    }, status=400 if form is not None and form.is_bound and form.errors else 200)
