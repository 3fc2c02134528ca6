"""Facility and safety API viewsets. Every one derives from the core scoped bases (scope,
change context and role checks per request) and builds its queryset per request; every write
calls a service, whose refusals answer 400 naming the field or 409.

Facilities are a State's records: the Secretariat reads nothing here (its scope holds none) and
writes nothing (``NationalRecordsOnly``). The quantity-distance report holds no record and is
open to every user."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.core.api.viewsets import ScopedModelViewSet, ScopedViewSetMixin
from cifta.core.errors import ConflictError
from cifta.core.permissions import Action
from cifta.registry.api.views import WRITE_PERMISSIONS
from cifta.stockpile import safety_bridge, selectors_facilities, services_facilities, services_safety
from cifta.stockpile.api import serializers_facilities as s
from cifta.stockpile.models import ExposedSite, Facility, MeasuredDistance, SafetyRules, Storehouse
from cifta.stockpile.safety import SafetyError, qd_report

CRUD: dict[str, str] = {"list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.ADD,
                        "partial_update": Action.CHANGE}


class _MergedUpdate(ScopedModelViewSet):
    """A PATCH gives some fields; the service takes them all: the others keep their values."""

    permission_classes = WRITE_PERMISSIONS
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions: ClassVar[dict[str, str]] = CRUD
    kept: ClassVar[tuple[str, ...]] = ()

    def perform_update(self, serializer: Any) -> None:
        instance = serializer.instance
        values = {name: getattr(instance, name) for name in self.kept}
        values.update(serializer.validated_data)
        service = self._service("update_service")
        with transaction.atomic():
            serializer.instance = service(actor=self.request.user, instance=instance, **values)


class FacilityViewSet(_MergedUpdate):
    """The caller's State's armouries, depots and ammunition storage areas. ``…/safety/`` checks
    every storehouse in use (findings with the rule and its source, the explosives limit
    licence, the distance each exposed site needs); each check is recorded in the audit log."""

    model = Facility
    serializer_class = s.FacilitySerializer
    filterset_class = selectors_facilities.FacilityFilterSet
    create_service = services_facilities.save_facility
    update_service = services_facilities.save_facility
    kept = ("name", "kind", "operator", "latitude", "longitude", "address", "perimeter_fence", "intrusion_alarm",
            "guarded_24h", "notes", "is_active")
    action_permissions: ClassVar[dict[str, str]] = {**CRUD, "safety": Action.VIEW}

    def get_queryset(self) -> QuerySet[Any]:
        return selectors_facilities.facility_queryset()

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def safety(self, request: Request, public_id: str) -> Response:
        facility = self.get_object()
        today = timezone.localdate()
        checks = services_safety.run_safety_check(facility, actor=request.user, today=today)
        return Response({"facility": str(facility.public_id), "name": facility.name, "checked_on": today,
                         "ruleset_version": safety_bridge.ruleset_version(facility.country_id),
                         "counts": safety_bridge.counts(checks),
                         "storehouses": [safety_bridge.check_as_dict(c) for c in checks]})


class StorehouseViewSet(_MergedUpdate):
    """Storehouses (potential explosion sites, or weapons stores) of the caller's State's
    facilities, with the NEQ their licence allows per hazard division. ``?facility=`` filters."""

    model = Storehouse
    serializer_class = s.StorehouseSerializer
    create_service = services_facilities.save_storehouse
    update_service = services_facilities.save_storehouse
    kept = ("facility", "name", "kind", "latitude", "longitude", "licensed_limits_kg", "conditions_met",
            "holds_weapons", "is_active")

    def get_queryset(self) -> QuerySet[Any]:
        queryset = Storehouse.objects.select_related("country", "facility").order_by("facility__name", "name", "id")
        facility = self.request.query_params.get("facility")
        return queryset.filter(facility__public_id=_uuid(facility, "facility")) if facility else queryset


class ExposedSiteViewSet(_MergedUpdate):
    """What the storehouses of a facility must be kept away from. ``?facility=`` filters."""

    model = ExposedSite
    serializer_class = s.ExposedSiteSerializer
    create_service = services_facilities.save_exposed_site
    update_service = services_facilities.save_exposed_site
    kept = ("facility", "name", "kind", "traffic", "latitude", "longitude")

    def get_queryset(self) -> QuerySet[Any]:
        queryset = ExposedSite.objects.select_related("country", "facility").order_by("facility__name", "name", "id")
        facility = self.request.query_params.get("facility")
        return queryset.filter(facility__public_id=_uuid(facility, "facility")) if facility else queryset


class MeasuredDistanceViewSet(ScopedModelViewSet):
    """Distances measured on the ground between a storehouse and an exposed site of its
    facility. ``POST`` records one (replacing an earlier measure of the same pair); ``PATCH``
    records a new measure of the same pair."""

    model = MeasuredDistance
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.MeasuredDistanceSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions: ClassVar[dict[str, str]] = CRUD
    create_service = services_facilities.record_distance

    def get_queryset(self) -> QuerySet[Any]:
        return MeasuredDistance.objects.select_related("country", "storehouse", "site").order_by("id")

    def get_serializer_class(self) -> Any:
        if self.action == "partial_update":
            return s.MeasuredDistanceUpdateSerializer
        return s.MeasuredDistanceSerializer

    def perform_update(self, serializer: Any) -> None:
        measure = serializer.instance
        data = serializer.validated_data
        with transaction.atomic():
            serializer.instance = services_facilities.record_distance(
                actor=self.request.user, storehouse=measure.storehouse, site=measure.site,
                distance_m=data.get("distance_m", measure.distance_m), measured_on=data.get("measured_on"))


class SafetyRulesViewSet(ScopedModelViewSet):
    """The caller's State's tightening of the safety rules (one per State; every State member
    reads it, national administrators set it). ``POST`` records it, ``PATCH`` changes it; a
    value that would loosen the standard is refused naming the field."""

    model = SafetyRules
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.SafetyRulesSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.APPROVE, "partial_update": Action.APPROVE}

    def get_queryset(self) -> QuerySet[Any]:
        return SafetyRules.objects.select_related("country").order_by("id")

    def _answer(self, record: SafetyRules, code: int) -> Response:
        record = self.get_queryset().get(pk=record.pk)
        return Response(s.SafetyRulesSerializer(record, context=self.get_serializer_context()).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if SafetyRules.objects.owned().exists():
            raise ConflictError(_("Your State's safety rules are already recorded: change them instead."))
        with transaction.atomic():
            record = services_safety.save_safety_rules(actor=request.user, **serializer.validated_data)
        return self._answer(record, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()  # a write: the caller's own only
        serializer = self.get_serializer(record, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {"label": record.label, "tightenings": record.tightenings, **serializer.validated_data}
        with transaction.atomic():
            record = services_safety.save_safety_rules(actor=request.user, instance=record, **data)
        return self._answer(record, status.HTTP_200_OK)


class SafetyQdViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """The distances of one hazard division and NEQ (``?hd=1.1&neq=1000``): every function of
    the table, raw and as printed, and the inhabited-building and public-traffic-route distances
    of the table functions alone (the engine's ``qd_report``). Holds no record."""

    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW}

    @extend_schema(parameters=[s.QdQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        query = s.QdQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            report = qd_report(query.validated_data["hd"], query.validated_data["neq"])
        except SafetyError as exc:
            raise ValidationError({"neq" if exc.field == "neq_kg" else "hd": [safety_bridge.error_text(exc)]}) from exc
        return Response(report)


def _uuid(value: str, name: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise ValidationError({name: [_("Give the public id of a record.")]}) from exc
