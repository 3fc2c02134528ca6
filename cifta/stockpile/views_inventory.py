"""Inventory pages: ammunition lots with what each storehouse holds, the movement ledger (with
its CSV export), stock checks from scheduling to closing, discrepancies and their resolution,
destruction candidates, and discrepancy rates (a State's own; every State's numbers for the
Secretariat).

Arsenal records are a State's: the Secretariat (a tenant too) and the hub operator keep none,
so every page but the rates refuses them (403). Reads go through the scoped managers (another
State's record is a 404); whatever leads to a write is looked up through ``objects.owned()``;
writes go through ``services_inventory``, whose refusals are shown beside the field they name."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cifta.core import audit
from cifta.core.downloads import csv_response
from cifta.core.errors import ServiceError
from cifta.core.paging import page_of
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.core.views_support import show_refusal as refuse
from cifta.core.views_support import state_records_only as national_stockpile
from cifta.directory.models import Country
from cifta.stockpile import events
from cifta.stockpile import selectors_inventory as selectors
from cifta.stockpile import services_inventory as services
from cifta.stockpile.forms_inventory import (
    CheckFilterForm,
    CheckForm,
    CloseForm,
    CountForm,
    DiscrepancyFilterForm,
    LedgerFilterForm,
    LotFilterForm,
    LotForm,
    MovementForm,
    ResolveForm,
    SurplusForm,
    YearForm,
    own_storehouses,
)
from cifta.stockpile.models import AmmunitionLot, Discrepancy, Movement, StockCheck, Storehouse

PAGE_SIZE = 50
FIRST_YEAR = 2000


# --- helpers -----------------------------------------------------------------------------------
def principal_of(request: HttpRequest) -> Any:
    return getattr(request, "principal", None)


def _filter_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _year(request: HttpRequest) -> int:
    this_year = timezone.localdate().year
    form = YearForm(request.GET)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    return year if year and FIRST_YEAR <= year <= this_year + 1 else this_year


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


# --- ammunition lots ---------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_stockpile
def lot_list(request: HttpRequest) -> HttpResponse:
    form = LotFilterForm(request.GET)
    lots = selectors.lot_queryset()
    if form.is_valid():
        d = form.cleaned_data
        surplus = {"yes": True, "no": False}.get(d.get("surplus") or "")
        lots = selectors.filter_lots(lots, q=d.get("q") or "", condition=d.get("condition") or "", surplus=surplus)
    else:
        lots = lots.none()
    page = page_of(lots, request, PAGE_SIZE)
    rows = selectors.attach_balances(page.object_list)
    return render(request, "stockpile/inventory/lot_list.html", {
        "form": form, "page": page, "rows": rows, "query": _filter_query(request), "section": "lots"})


def _lot_form_page(request: HttpRequest, lot: AmmunitionLot | None) -> HttpResponse:
    form = LotForm(request.POST or None, initial=LotForm.initial_of(lot) if lot is not None else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_lot(actor=request.user, instance=lot, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The lot is saved."))
            return redirect(saved.get_absolute_url())
    return render(request, "stockpile/inventory/lot_form.html", {"form": form, "lot": lot, "section": "lots"},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.ADD)
@national_stockpile
def lot_new(request: HttpRequest) -> HttpResponse:
    return _lot_form_page(request, None)


@login_required
@require_action(Action.CHANGE)
@national_stockpile
def lot_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _lot_form_page(request, get_object_or_404(AmmunitionLot.objects.owned(), public_id=public_id))


@login_required
@require_action(Action.VIEW)
@national_stockpile
def lot_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    lot = get_object_or_404(selectors.lot_queryset(), public_id=public_id)
    selectors.attach_balances([lot])
    movements = list(selectors.filter_movements(selectors.movement_queryset(), lot=lot)[:20])
    return render(request, "stockpile/inventory/lot_detail.html", {
        "lot": lot, "object": lot, "movements": movements, "surplus_form": SurplusForm(),
        "reasons": [str(selectors.REASONS[r]) for r in selectors.lot_reasons(lot, timezone.localdate())],
        "section": "lots"})


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_stockpile
def lot_surplus(request: HttpRequest, public_id: Any) -> HttpResponse:
    lot = get_object_or_404(AmmunitionLot.objects.owned(), public_id=public_id)
    form = SurplusForm(request.POST)
    surplus = request.POST.get("surplus", "1") != "0"
    try:
        if not form.is_valid():
            raise ServiceError(_("At most 500 characters."), field="reason")
        services.declare_surplus(actor=request.user, lot=lot, surplus=surplus, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The lot is declared surplus: it is now a candidate for destruction.") if surplus
                         else _("The surplus declaration is withdrawn."))
    return redirect(lot.get_absolute_url())


# --- the ledger --------------------------------------------------------------------------------
def _ledger(request: HttpRequest) -> tuple[LedgerFilterForm, Any]:
    form = LedgerFilterForm(request.GET)
    movements = selectors.filter_movements(selectors.movement_queryset(), **form.filters())
    return form, movements if form.is_valid() else movements.none()  # a filter refused shows nothing


@login_required
@require_action(Action.VIEW)
@national_stockpile
def ledger(request: HttpRequest) -> HttpResponse:
    """Every movement, newest first, filtered by facility, storehouse, lot, kind and dates; with
    what the chosen storehouse (or every storehouse of the chosen facility) holds now."""
    form, movements = _ledger(request)
    filters = form.filters()
    stores: list[Storehouse] = []
    if filters["storehouse"] is not None:
        stores = [filters["storehouse"]]
    elif filters["facility"] is not None:
        stores = list(own_storehouses(facility=filters["facility"], active=False))
    page = page_of(movements, request, PAGE_SIZE)
    return render(request, "stockpile/inventory/ledger.html", {
        "form": form, "page": page, "query": _filter_query(request), "contents": selectors.contents(stores),
        "section": "ledger"})


@login_required
@require_action(Action.EXPORT)
@national_stockpile
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The filtered ledger as CSV; the export is audited."""
    _form, movements = _ledger(request)
    rows = list(selectors.ledger_rows(movements))
    query = {k: v for k, v in request.GET.items() if k != "page"}
    audit.audit_read(events.LEDGER_EXPORTED, country_id=principal_of(request).country_id,
                     query={"report": "ledger", **query, "format": "csv"}, result_count=len(rows) - 1)
    return csv_response(rows, f"ledger-{timezone.localdate().isoformat()}")


def _own_movement(value: Any) -> Movement | None:
    try:
        public_id = uuid.UUID(str(value or ""))
    except ValueError:
        return None
    return Movement.objects.owned().select_related("lot", "firearm", "from_storehouse", "to_storehouse").filter(
        public_id=public_id).first()


@login_required
@require_action(Action.ADD)
@national_stockpile
def movement_new(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"occurred_on": timezone.localdate(), "quantity": 1}
    for name in ("kind", "lot", "from_storehouse", "to_storehouse", "firearm", "corrects"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    corrected = _own_movement(initial.get("corrects"))
    if corrected is not None:  # a correction concerns the same lot or firearm, in the same place
        initial.update(lot=corrected.lot.public_id if corrected.lot else None,
                       firearm=str(corrected.firearm.public_id) if corrected.firearm else "",
                       quantity=corrected.quantity)
        store = corrected.to_storehouse or corrected.from_storehouse
        initial["to_storehouse" if initial.get("kind") == "correction_in" else "from_storehouse"] = (
            store.public_id if store else None)
    form = MovementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            movement = services.record_movement(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The movement is recorded."))
            return redirect("stockpile:movement_detail", public_id=movement.public_id)
    return render(request, "stockpile/inventory/movement_form.html", {"form": form, "section": "ledger"},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.VIEW)
@national_stockpile
def movement_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    movement = get_object_or_404(selectors.movement_queryset(), public_id=public_id)
    corrections = Movement.objects.filter(corrects=movement).order_by("id")
    return render(request, "stockpile/inventory/movement_detail.html", {
        "movement": movement, "object": movement, "corrections": corrections, "section": "ledger"})


# --- stock checks ------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_stockpile
def check_list(request: HttpRequest) -> HttpResponse:
    form = CheckFilterForm(request.GET)
    checks = selectors.check_queryset()
    if form.is_valid():
        if form.cleaned_data.get("facility") is not None:
            checks = checks.filter(facility=form.cleaned_data["facility"])
        if form.cleaned_data.get("status"):
            checks = checks.filter(status=form.cleaned_data["status"])
    else:
        checks = checks.none()
    page = page_of(checks, request, PAGE_SIZE)
    return render(request, "stockpile/inventory/check_list.html", {
        "form": form, "page": page, "query": _filter_query(request), "section": "checks"})


@login_required
@require_action(Action.ADD)
@national_stockpile
def check_new(request: HttpRequest) -> HttpResponse:
    form = CheckForm(request.POST or None, initial={"scheduled_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            check = services.schedule_check(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The stock check is scheduled."))
            return redirect(check.get_absolute_url())
    return render(request, "stockpile/inventory/check_form.html", {"form": form, "section": "checks"},
                  status=400 if form.errors else 200)


def _check_page(request: HttpRequest, check: StockCheck, *, count_form: CountForm | None = None,
                close_form: CloseForm | None = None, status: int = 200) -> HttpResponse:
    lines = list(check.lines.select_related("storehouse__facility", "lot", "firearm", "discrepancy")
                 if check.status == StockCheck.Status.CLOSED
                 else check.lines.select_related("storehouse__facility", "lot", "firearm"))
    is_open = check.status != StockCheck.Status.CLOSED
    return render(request, "stockpile/inventory/check_detail.html", {
        "check": check, "object": check, "lines": lines, "is_open": is_open,
        "expected": selectors.uncounted(check) if is_open else [],
        "count_form": count_form or CountForm(check=check), "close_form": close_form or CloseForm(initial={
            "counted_by": check.counted_by, "witness": check.witness}),
        "section": "checks"}, status=status)


@login_required
@require_action(Action.VIEW)
@national_stockpile
def check_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _check_page(request, get_object_or_404(selectors.check_queryset(), public_id=public_id))


@require_POST
@login_required
@require_action(Action.ADD)
@national_stockpile
def check_count(request: HttpRequest, public_id: Any) -> HttpResponse:
    check = get_object_or_404(StockCheck.objects.owned().select_related("facility"), public_id=public_id)
    form = CountForm(request.POST, check=check)
    if form.is_valid():
        try:
            services.enter_count(actor=request.user, check=check, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The count is entered."))
            return redirect(check.get_absolute_url())
    return _check_page(request, check, count_form=form, status=400)


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_stockpile
def check_close(request: HttpRequest, public_id: Any) -> HttpResponse:
    check = get_object_or_404(StockCheck.objects.owned().select_related("facility"), public_id=public_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            check = services.close_check(actor=request.user, check=check, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            opened = Discrepancy.objects.filter(line__check_run=check).count()
            messages.success(request, _("The stock check is closed: %(count)s discrepancy(ies) opened.")
                             % {"count": opened})
            return redirect(check.get_absolute_url())
    return _check_page(request, check, close_form=form, status=400)


# --- discrepancies -----------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_stockpile
def discrepancy_list(request: HttpRequest) -> HttpResponse:
    """The history of discrepancies, per facility and status."""
    form = DiscrepancyFilterForm(request.GET)
    found = selectors.discrepancy_queryset()
    if form.is_valid():
        if form.cleaned_data.get("facility") is not None:
            found = found.filter(line__check_run__facility=form.cleaned_data["facility"])
        status = form.cleaned_data.get("status")
        if status == "unresolved":
            found = found.filter(status__in=services.UNRESOLVED)
        elif status:
            found = found.filter(status=status)
    else:
        found = found.none()
    page = page_of(found, request, PAGE_SIZE)
    return render(request, "stockpile/inventory/discrepancy_list.html", {
        "form": form, "page": page, "query": _filter_query(request), "section": "discrepancies"})


def _discrepancy_page(request: HttpRequest, found: Discrepancy, form: ResolveForm | None = None,
                      status: int = 200) -> HttpResponse:
    return render(request, "stockpile/inventory/discrepancy_detail.html", {
        "discrepancy": found, "object": found, "line": found.line, "form": form or ResolveForm(),
        "is_open": found.status in services.UNRESOLVED, "section": "discrepancies"}, status=status)


@login_required
@require_action(Action.VIEW)
@national_stockpile
def discrepancy_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _discrepancy_page(request, get_object_or_404(selectors.discrepancy_queryset(), public_id=public_id))


@require_POST
@login_required
@require_action(Action.CHANGE)
@national_stockpile
def discrepancy_resolve(request: HttpRequest, public_id: Any) -> HttpResponse:
    found = get_object_or_404(Discrepancy.objects.owned(), public_id=public_id)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            found = services.resolve_discrepancy(actor=request.user, discrepancy=found, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The discrepancy is now: %(status)s.") % {"status": found.get_status_display()})
            return redirect("stockpile:discrepancy_detail", public_id=found.public_id)
    return _discrepancy_page(request, get_object_or_404(selectors.discrepancy_queryset(), pk=found.pk), form,
                             status=400)


# --- destruction candidates and rates ----------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national_stockpile
def candidate_list(request: HttpRequest) -> HttpResponse:
    """Surplus and obsolete stock still held, with the reasons: what to put forward for
    destruction."""
    candidates = selectors.destruction_candidates(timezone.localdate())
    lots = [c for c in candidates if c.lot is not None]
    return render(request, "stockpile/inventory/candidate_list.html", {
        "candidates": candidates, "lot_units": sum(c.quantity for c in lots),
        "neq_kg": sum((c.neq_kg or 0) for c in lots), "firearms": len(candidates) - len(lots),
        "section": "candidates"})


@login_required
@require_action(Action.VIEW)
def discrepancy_rates(request: HttpRequest) -> HttpResponse:
    """How often counts differ from the ledger: a State's own facilities, or (for the
    Secretariat's analysts) every State's numbers, never a record."""
    principal = principal_of(request)
    year = _year(request)
    years = list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))[:8]
    if principal.is_secretariat or principal.country_id is None:
        if not principal.can(Action.VIEW_AGGREGATES):
            raise PermissionDenied
        regional = selectors.regional_discrepancy_rates(year)
        return render(request, "stockpile/inventory/rates_regional.html", {
            "regional": regional, "year": year, "years": years, "totals_percent": _percent(regional.totals.rate),
            "rows": [{"country": s.country, "figures": s.figures, "percent": _percent(s.figures.rate)}
                     for s in regional.states], "section": "rates"})
    country = Country.objects.get(pk=principal.country_id)
    national = selectors.discrepancy_rate(country, year)
    return render(request, "stockpile/inventory/rates.html", {
        "country": country, "year": year, "years": years, "national": national,
        "national_percent": _percent(national.rate),
        "rows": [{"facility": f, "figures": r, "percent": _percent(r.rate)} for f, r in selectors.facility_rates(year)],
        "section": "rates"})
