"""Reference data API: read by every authenticated user; calibres and manufacturers can be
added and changed by Secretariat administrators (and the hub operator) through the services."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.core.api.viewsets import ScopedReadOnlyViewSet
from cifta.core.permissions import Action
from cifta.reference import services
from cifta.reference.api.serializers import (
    CalibreSerializer,
    CalibreWriteSerializer,
    FirearmModelSerializer,
    FirearmTypeSerializer,
    ManufacturerSerializer,
    ManufacturerWriteSerializer,
    PartTypeSerializer,
)
from cifta.reference.filtersets import (
    CalibreFilterSet,
    FirearmModelFilterSet,
    FirearmTypeFilterSet,
    ManufacturerFilterSet,
    PartTypeFilterSet,
)
from cifta.reference.models import (
    Calibre,
    FirearmModel,
    FirearmType,
    Manufacturer,
    ManufacturerSuccession,
    ModelVariant,
    PartType,
)

MANAGE: dict[str, str] = {"create": Action.MANAGE_REFERENCE, "update": Action.MANAGE_REFERENCE,
                           "partial_update": Action.MANAGE_REFERENCE}


class FirearmTypeViewSet(ScopedReadOnlyViewSet):
    """Kinds of firearms and light weapons (by code)."""

    model = FirearmType
    serializer_class = FirearmTypeSerializer
    filterset_class = FirearmTypeFilterSet
    lookup_field = "code"
    ordering_fields = ["code", "sort", "marking_code"]


class PartTypeViewSet(ScopedReadOnlyViewSet):
    """Components that carry serial numbers (by code)."""

    model = PartType
    serializer_class = PartTypeSerializer
    filterset_class = PartTypeFilterSet
    lookup_field = "code"
    ordering_fields = ["code", "sort"]


class CalibreViewSet(ScopedReadOnlyViewSet):
    """Calibres with their other names (by code). ``?q=`` takes any name as written on a gun:
    ``?q=9mm Luger`` answers 9×19 mm."""

    model = Calibre
    serializer_class = CalibreSerializer
    filterset_class = CalibreFilterSet
    lookup_field = "code"
    ordering_fields = ["code", "designation", "kind", "marking_code"]
    action_permissions = MANAGE

    def get_queryset(self) -> QuerySet[Any]:
        return Calibre.objects.prefetch_related("aliases")

    @extend_schema(request=CalibreWriteSerializer, responses={201: CalibreSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(CalibreWriteSerializer(data=request.data))
        calibre = services.create_calibre(**data)
        return Response(CalibreSerializer(self._reload(calibre)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CalibreWriteSerializer, responses={200: CalibreSerializer})
    def update(self, request: Request, code: str, partial: bool = False) -> Response:
        calibre = self.get_object()
        current = {"code": calibre.code, "designation": calibre.designation, "kind": calibre.kind,
                   "standard": calibre.standard, "marking_code": calibre.marking_code,
                   "aliases": [a.alias for a in calibre.aliases.all()]}
        data = _valid(CalibreWriteSerializer(data={**current, **_body(request)} if partial else
                                             {**_body(request), "code": calibre.code}))
        calibre = services.update_calibre(**{**data, "code": calibre.code})
        return Response(CalibreSerializer(self._reload(calibre)).data)

    @extend_schema(request=CalibreWriteSerializer, responses={200: CalibreSerializer})
    def partial_update(self, request: Request, code: str) -> Response:
        return self.update(request, code, partial=True)

    def _reload(self, calibre: Calibre) -> Calibre:
        return self.get_queryset().get(pk=calibre.pk)


class ManufacturerViewSet(ScopedReadOnlyViewSet):
    """Manufacturers with the names stamped on their guns and their company history (by maker
    code). ``?q=`` matches names, brands and importers."""

    model = Manufacturer
    serializer_class = ManufacturerSerializer
    filterset_class = ManufacturerFilterSet
    lookup_field = "code"
    ordering_fields = ["code", "name", "country_code", "active_from"]
    action_permissions = MANAGE

    def get_queryset(self) -> QuerySet[Any]:
        return Manufacturer.objects.prefetch_related(
            "aliases",
            Prefetch("predecessions", queryset=ManufacturerSuccession.objects.select_related("predecessor")),
            Prefetch("successions", queryset=ManufacturerSuccession.objects.select_related("successor")),
        )

    def get_object(self) -> Any:
        self.kwargs[self.lookup_field] = str(self.kwargs[self.lookup_field]).upper()
        return super().get_object()

    @extend_schema(request=ManufacturerWriteSerializer, responses={201: ManufacturerSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(ManufacturerWriteSerializer(data=request.data))
        maker = services.create_manufacturer(**data)
        return Response(ManufacturerSerializer(self._reload(maker)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ManufacturerWriteSerializer, responses={200: ManufacturerSerializer})
    def update(self, request: Request, code: str, partial: bool = False) -> Response:
        maker = self.get_object()
        link = next(iter(maker.predecessions.all()), None)
        current = {"code": maker.code, "name": maker.name, "legal_name": maker.legal_name,
                   "country_code": maker.country_code, "active_from": maker.active_from,
                   "aliases": [{"name": a.name, "role": a.role} for a in maker.aliases.all()],
                   "predecessor": {"code": link.predecessor.code, "year": link.year} if link else None}
        data = _valid(ManufacturerWriteSerializer(data={**current, **_body(request)} if partial else
                                                  {**_body(request), "code": maker.code}))
        maker = services.update_manufacturer(**{**data, "code": maker.code})
        return Response(ManufacturerSerializer(self._reload(maker)).data)

    @extend_schema(request=ManufacturerWriteSerializer, responses={200: ManufacturerSerializer})
    def partial_update(self, request: Request, code: str) -> Response:
        return self.update(request, code, partial=True)

    def _reload(self, maker: Manufacturer) -> Manufacturer:
        return self.get_queryset().get(pk=maker.pk)


class FirearmModelViewSet(ScopedReadOnlyViewSet):
    """Firearm models with their variants and template ids. Filter with ``?manufacturer=`` (maker
    code), ``?type=`` (type code) and ``?calibre=`` (calibre code)."""

    model = FirearmModel
    serializer_class = FirearmModelSerializer
    filterset_class = FirearmModelFilterSet
    ordering_fields = ["name", "manufacturer__name"]

    def get_queryset(self) -> QuerySet[Any]:
        return FirearmModel.objects.select_related("manufacturer", "type").prefetch_related(
            Prefetch("variants", queryset=ModelVariant.objects.select_related("calibre")))


def _body(request: Request) -> dict[str, Any]:
    """The request's JSON object (a list or a scalar body is a field error, not a crash)."""
    data = request.data
    if not isinstance(data, dict):
        raise ValidationError({"detail": "send a JSON object"})
    return {k: data[k] for k in data}


def _valid(serializer: Any) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
