"""Inventory API viewsets. Every one derives from the core scoped bases (scope, change context
and role checks per request) and builds its queryset per request; every write calls a service
of ``services_inventory``, whose refusals answer 400 naming the field or 409
(``core/api/exceptions.py``).

Movements are created and never changed (a correction is a new movement). Counting, closing a
stock check and resolving a discrepancy are actions. Arsenal records are a State's: the
Secretariat keeps none and writes nothing here; it reads the regional discrepancy rates."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from cifta.core.permissions import Action, can
from cifta.directory.models import Country
from cifta.registry.api.views import WRITE_PERMISSIONS
from cifta.stockpile import selectors_inventory as selectors
from cifta.stockpile import services_inventory as services
from cifta.stockpile.api import serializers_inventory as s
from cifta.stockpile.models import AmmunitionLot, CountLine, Discrepancy, Movement, StockCheck, Storehouse

LOT_FIELDS = ("nature", "lot_number", "hazard_division", "compatibility_group", "neq_per_unit_kg", "calibre",
              "manufacturer", "year", "un_number", "condition", "surveillance_due", "expiry_date")


def _principal(request: Request) -> Any:
    return getattr(request, "principal", None)


def _national(request: Request) -> None:
    principal = _principal(request)
    if principal is None or principal.is_secretariat or principal.country_id is None:
        raise PermissionDenied(_("Arsenal records are a State's: the Secretariat keeps none."))


# --- lots --------------------------------------------------------------------------------------
class AmmunitionLotViewSet(ScopedModelViewSet):
    """The caller's State's ammunition lots, each with what every storehouse holds of it
    (derived from the ledger). ``POST`` records a lot; ``PATCH`` corrects its description;
    ``…/surplus/`` declares it surplus (or withdraws that). Filters: ``q``, ``condition``,
    ``surplus`` (true/false), ``hazard_division``."""

    model = AmmunitionLot
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.AmmunitionLotSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = ()  # filtered by hand (see list)
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.ADD, "partial_update": Action.CHANGE,
        "surplus": Action.CHANGE,
    }

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.lot_queryset()

    def get_serializer_class(self) -> Any:
        return {"create": s.LotInputSerializer, "partial_update": s.LotInputSerializer,
                "surplus": s.SurplusInputSerializer}.get(self.action or "", s.AmmunitionLotSerializer)

    def _detail(self, lot: AmmunitionLot, code: int = status.HTTP_200_OK) -> Response:
        lot = selectors.attach_balances([self.get_queryset().get(pk=lot.pk)])[0]
        return Response(s.AmmunitionLotSerializer(lot, context=self.get_serializer_context()).data, status=code)

    @extend_schema(parameters=[
        OpenApiParameter("q", str, description="nature, lot, calibre, maker or UN number contains"),
        OpenApiParameter("condition", str, enum=AmmunitionLot.Condition.values),
        OpenApiParameter("surplus", bool), OpenApiParameter("hazard_division", str),
    ])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        p = request.query_params
        surplus = {"true": True, "1": True, "false": False, "0": False}.get(p.get("surplus", "").lower())
        lots = selectors.filter_lots(self.get_queryset(), q=p.get("q", ""), condition=p.get("condition", ""),
                                     surplus=surplus, hazard_division=p.get("hazard_division", ""))
        page = self.paginate_queryset(lots)
        rows = selectors.attach_balances(page if page is not None else lots)
        return self.get_paginated_response(s.AmmunitionLotSerializer(rows, many=True,
                                                                     context=self.get_serializer_context()).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    @extend_schema(request=s.LotInputSerializer, responses={201: s.AmmunitionLotSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.LotInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            lot = services.save_lot(actor=request.user, **serializer.validated_data)
        return self._detail(lot, status.HTTP_201_CREATED)

    @extend_schema(request=s.LotInputSerializer, responses=s.AmmunitionLotSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lot = self.get_object()  # a write: the caller's own lots only
        serializer = s.LotInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = {name: getattr(lot, name) for name in LOT_FIELDS}
        data.update({k: v for k, v in serializer.validated_data.items() if k in request.data})
        with transaction.atomic():
            lot = services.save_lot(actor=request.user, instance=lot, **data)
        return self._detail(lot)

    @extend_schema(request=s.SurplusInputSerializer, responses=s.AmmunitionLotSerializer)
    @action(detail=True, methods=["post"])
    def surplus(self, request: Request, public_id: str) -> Response:
        """Declare the lot surplus to requirements (a candidate for destruction), or withdraw
        the declaration with ``surplus: false``."""
        lot = get_object_or_404(AmmunitionLot.objects.owned(), public_id=public_id)
        serializer = s.SurplusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            lot = services.declare_surplus(actor=request.user, lot=lot, **serializer.validated_data)
        return self._detail(lot)


# --- the ledger --------------------------------------------------------------------------------
class MovementViewSet(ScopedModelViewSet):
    """The ledger of the caller's State, newest first. ``POST`` records a movement (never
    changed afterwards: put a mistake right with ``correction_in``/``correction_out``, a
    ``reason`` and ``corrects``). ``…/balances/`` gives what each storehouse holds now.
    Filters: ``facility``, ``storehouse``, ``lot``, ``firearm`` (public ids), ``kind``,
    ``since``, ``until``."""

    model = Movement
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.MovementSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = ()  # filtered by hand (see list)
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.ADD, "balances": Action.VIEW,
    }

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.movement_queryset()

    def get_serializer_class(self) -> Any:
        return s.MovementInputSerializer if self.action == "create" else s.MovementSerializer

    def _filters(self, request: Request) -> dict[str, Any]:
        query = s.LedgerQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)

    @extend_schema(parameters=[s.LedgerQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        movements = selectors.filter_movements(self.get_queryset(), **self._filters(request))
        page = self.paginate_queryset(movements)
        return self.get_paginated_response(s.MovementSerializer(page, many=True,
                                                                context=self.get_serializer_context()).data)

    @extend_schema(request=s.MovementInputSerializer, responses={201: s.MovementSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.MovementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            movement = services.record_movement(actor=request.user, **serializer.validated_data)
        movement = self.get_queryset().get(pk=movement.pk)
        return Response(s.MovementSerializer(movement, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[
        OpenApiParameter("storehouse", str, description="public id of a storehouse (default: every one)"),
        OpenApiParameter("facility", str, description="public id of a facility"),
    ], responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def balances(self, request: Request) -> Response:
        """What the ledger places in each storehouse now: lots with their quantities, and
        firearms. Nothing here is stored; it is summed from the movements."""
        filters = self._filters(request)
        stores = Storehouse.objects.select_related("facility").order_by("facility__name", "name")
        if filters.get("storehouse") is not None:
            stores = stores.filter(pk=filters["storehouse"].pk)
        if filters.get("facility") is not None:
            stores = stores.filter(facility=filters["facility"])
        out = [{"storehouse": str(e.storehouse.public_id), "storehouse_name": f"{e.storehouse.facility.name} / "
                f"{e.storehouse.name}",
                "lots": [{"lot": str(lot.public_id), "nature": lot.nature, "lot_number": lot.lot_number,
                          "quantity": qty, "neq_kg": str(lot.neq_per_unit_kg * qty)} for lot, qty in e.lots],
                "firearms": [{"firearm": str(f.public_id), "serial": f.serial_key} for f in e.firearms]}
               for e in selectors.contents(stores)]
        return Response({"storehouses": out})


# --- stock checks ------------------------------------------------------------------------------
class StockCheckViewSet(ScopedModelViewSet):
    """Physical counts of the caller's State's facilities. ``POST`` schedules one;
    ``…/count/`` enters what was found in a storehouse (a lot's units, or a firearm: 1 or 0);
    ``…/expected/`` lists what the ledger places in the facility and is not counted yet;
    ``…/close/`` closes the check, opening a discrepancy for each count that differs."""

    model = StockCheck
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.StockCheckSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["status"]
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.ADD, "count": Action.ADD,
        "close": Action.CHANGE, "expected": Action.VIEW,
    }

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.check_queryset()

    def get_serializer_class(self) -> Any:
        return {"create": s.CheckInputSerializer, "count": s.CountInputSerializer,
                "close": s.CloseInputSerializer}.get(self.action or "", s.StockCheckSerializer)

    def _detail(self, check: StockCheck, code: int = status.HTTP_200_OK) -> Response:
        check = self.get_queryset().get(pk=check.pk)
        return Response(s.StockCheckSerializer(check, context=self.get_serializer_context()).data, status=code)

    def _own(self) -> StockCheck:
        return get_object_or_404(StockCheck.objects.owned(), public_id=self.kwargs["public_id"])

    @extend_schema(request=s.CheckInputSerializer, responses={201: s.StockCheckSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.CheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            check = services.schedule_check(actor=request.user, **serializer.validated_data)
        return self._detail(check, status.HTTP_201_CREATED)

    @extend_schema(request=s.CountInputSerializer, responses={201: s.CountLineSerializer})
    @action(detail=True, methods=["post"])
    def count(self, request: Request, public_id: str) -> Response:
        """Enter one count: ``storehouse`` with ``lot`` and the units found, or ``firearm`` and 1
        (there) or 0 (not there). Entered once per storehouse and lot, once per firearm."""
        check = self._own()
        serializer = s.CountInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            line = services.enter_count(actor=request.user, check=check, **serializer.validated_data)
        return Response(s.CountLineSerializer(line, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CloseInputSerializer, responses=s.StockCheckSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, public_id: str) -> Response:
        check = self._own()
        serializer = s.CloseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            check = services.close_check(actor=request.user, check=check, **serializer.validated_data)
        return self._detail(check)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def expected(self, request: Request, public_id: str) -> Response:
        """What the ledger places in the facility's storehouses and the check has not counted."""
        check = self.get_object()
        rows = [] if check.status == StockCheck.Status.CLOSED else selectors.uncounted(check)
        return Response({"stock_check": str(check.public_id), "expected": [
            {"storehouse": str(e.storehouse.public_id), "lot": str(e.lot.public_id) if e.lot else None,
             "firearm": str(e.firearm.public_id) if e.firearm else None, "recorded": e.recorded} for e in rows]})


class CountLineViewSet(ScopedModelViewSet):
    """What was counted, line by line, beside what the ledger said when it was entered.
    ``POST`` enters a count (the same as ``stock-checks/…/count/``); a line is never changed."""

    model = CountLine
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.CountLineSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = ()  # filtered by hand (see list)
    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW, "retrieve": Action.VIEW,
                                                    "create": Action.ADD}

    def get_queryset(self) -> QuerySet[Any]:
        lines = CountLine.objects.select_related("country", "check_run", "storehouse__facility", "lot", "firearm")
        stock_check = self.request.query_params.get("stock_check") if self.action == "list" else None
        if stock_check:
            try:
                lines = lines.filter(check_run__public_id=uuid.UUID(stock_check))
            except ValueError as exc:
                raise ValidationError({"stock_check": [_("Not a valid identifier.")]}) from exc
        return lines

    def get_serializer_class(self) -> Any:
        return s.CountLineInputSerializer if self.action == "create" else s.CountLineSerializer

    @extend_schema(request=s.CountLineInputSerializer, responses={201: s.CountLineSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.CountLineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        with transaction.atomic():
            line = services.enter_count(actor=request.user, check=data.pop("stock_check"), **data)
        line = self.get_queryset().get(pk=line.pk)
        return Response(s.CountLineSerializer(line, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class DiscrepancyViewSet(ScopedReadOnlyViewSet):
    """Counts that differed from the ledger. ``…/resolve/`` records the outcome:
    ``investigating``, ``found`` (no ledger change), ``lost`` or ``stolen`` (a loss movement;
    a registry firearm is reported in the registry too) or ``written_off`` (a correction)."""

    model = Discrepancy
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.DiscrepancySerializer
    filterset_fields = ["status"]
    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW, "retrieve": Action.VIEW,
                                                    "resolve": Action.CHANGE}

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.discrepancy_queryset()

    def get_serializer_class(self) -> Any:
        return s.ResolveInputSerializer if self.action == "resolve" else s.DiscrepancySerializer

    @extend_schema(request=s.ResolveInputSerializer, responses=s.DiscrepancySerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, public_id: str) -> Response:
        found = get_object_or_404(Discrepancy.objects.owned(), public_id=public_id)
        serializer = s.ResolveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            found = services.resolve_discrepancy(actor=request.user, discrepancy=found, **serializer.validated_data)
        found = self.get_queryset().get(pk=found.pk)
        return Response(s.DiscrepancySerializer(found, context=self.get_serializer_context()).data)


# --- candidates and rates ----------------------------------------------------------------------
def candidate_as_dict(c: selectors.Candidate) -> dict[str, Any]:
    return {"kind": c.kind, "storehouse": str(c.storehouse.public_id),
            "storehouse_name": f"{c.storehouse.facility.name} / {c.storehouse.name}",
            "lot": str(c.lot.public_id) if c.lot else None, "nature": c.lot.nature if c.lot else None,
            "lot_number": c.lot.lot_number if c.lot else None,
            "firearm": str(c.firearm.public_id) if c.firearm else None,
            "serial": c.firearm.serial_key if c.firearm else None, "quantity": c.quantity,
            "neq_kg": str(c.neq_kg) if c.neq_kg is not None else None, "reasons": c.reasons}


class DestructionCandidateViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """Surplus and obsolete stock still held, one row per storehouse, with the reasons:
    ``expired``, ``unserviceable``, ``awaiting_disposal``, ``surplus`` (lots); ``deactivated``,
    ``confiscated`` (registry firearms)."""

    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW}

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        _national(request)
        today = timezone.localdate()
        rows = [candidate_as_dict(c) for c in selectors.destruction_candidates(today)]
        return Response({"date": today.isoformat(), "count": len(rows), "results": rows})


def rate_as_dict(r: selectors.DiscrepancyRate) -> dict[str, Any]:
    return {"checks": r.checks, "lines": r.lines, "discrepancies": r.discrepancies, "rate": r.rate}


def regional_rates_as_dict(r: selectors.RegionalRates) -> dict[str, Any]:
    return {"year": r.year, "states_total": r.states_total, "totals": rate_as_dict(r.totals),
            "states": [{"country": x.country.code, **rate_as_dict(x.figures)} for x in r.states]}


class DiscrepancyRatesViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """Discrepancy rates for a year (``?year=``, this year by default): lines counted in the
    stock checks closed that year and lines whose count differed. A State's own (with each
    facility); for the Secretariat's analysts, every State's numbers. Never a record."""

    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW}

    @extend_schema(parameters=[s.YearQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        query = s.YearQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        principal = _principal(request)
        if principal.is_secretariat or principal.country_id is None:
            if not can(principal, Action.VIEW_AGGREGATES):
                raise PermissionDenied(_("Regional figures are for the Secretariat's analysts."))
            return Response({"scope": "regional", **regional_rates_as_dict(selectors.regional_discrepancy_rates(year))})
        country = Country.objects.get(pk=principal.country_id)
        return Response({"scope": "state", "country": country.code, "year": year,
                         **rate_as_dict(selectors.discrepancy_rate(country, year)),
                         "facilities": [{"facility": str(f.public_id), "name": f.name, **rate_as_dict(r)}
                                        for f, r in selectors.facility_rates(year)]})

