"""Registry API viewsets. Every one derives from the core scoped bases (scope, change context
and role checks per request) and builds its queryset per request."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.core.api.permissions import RoleActionPermission
from cifta.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from cifta.core.permissions import Action, can
from cifta.registry import selectors, serial_ranges, serial_search, services
from cifta.registry.api import serializers as s
from cifta.registry.drafts import draft_from_row
from cifta.registry.filtersets import FirearmFilterSet, HitNoticeFilterSet
from cifta.registry.models import (
    CivilianHolder,
    Firearm,
    FirearmEvent,
    FirearmPhoto,
    HitNotice,
    ImportJob,
    ImportMapping,
    Marking,
    MarkingSequence,
    MarkingSession,
    MarkingSessionItem,
    SerialNumber,
    SerialRange,
)


class NationalRecordsOnly(BasePermission):
    """Firearm records are a State's: the Secretariat keeps none, so its users read (nothing)
    but never write here, whatever their role may do elsewhere."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        principal = getattr(request, "principal", None)
        return principal is not None and not principal.is_secretariat


WRITE_PERMISSIONS = (RoleActionPermission, NationalRecordsOnly)


# Fields of a firearm that follow from its events or identify it: never corrected by PATCH.
THROUGH_EVENTS = frozenset({"status", "holding_agency", "civilian_holder", "serial", "serial_key"})


class FirearmViewSet(ScopedModelViewSet):
    """The caller's country's firearms. ``POST`` registers one (the same checks as the web form
    and file imports); ``PATCH`` corrects descriptive fields; ``…/events/`` and ``…/markings/``
    read and add to its life. Filters: ``q`` (exact serial, any component), ``type``, ``make``
    (maker code), ``model``, ``calibre`` (code), ``status``, ``holding_agency``, ``compliant``,
    ``ordering``."""

    model = Firearm
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.FirearmSerializer
    filterset_class = FirearmFilterSet
    filter_backends = [DjangoFilterBackend]  # the FilterSet sorts too (?ordering=)
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.ADD, "partial_update": Action.CHANGE,
        "events": Action.VIEW, "record_event": Action.ADD, "markings": Action.VIEW, "add_marking": Action.ADD,
        "serials": Action.VIEW, "photos": Action.VIEW,
    }

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.firearm_queryset().select_related("civilian_holder")

    def get_serializer_class(self) -> Any:
        return {
            "retrieve": s.FirearmDetailSerializer, "create": s.FirearmCreateSerializer,
            "partial_update": s.FirearmUpdateSerializer, "record_event": s.EventInputSerializer,
            "add_marking": s.MarkingInputSerializer, "events": s.FirearmEventSerializer,
            "markings": s.MarkingSerializer, "serials": s.SerialNumberSerializer, "photos": s.FirearmPhotoSerializer,
        }.get(self.action or "", s.FirearmSerializer)

    def _detail(self, firearm: Any, code: int = status.HTTP_200_OK) -> Response:
        firearm = self.get_queryset().get(pk=firearm.pk)
        return Response(s.FirearmDetailSerializer(firearm, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=s.FirearmCreateSerializer, responses={201: s.FirearmDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.FirearmCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            draft = draft_from_row(serializer.row(), selectors.reference_index(), today=timezone.localdate())
            firearm = services.register_firearm(actor=request.user, draft=draft)
        return self._detail(firearm, status.HTTP_201_CREATED)

    @extend_schema(request=s.FirearmUpdateSerializer, responses=s.FirearmDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        firearm = self.get_object()
        through_events = sorted(set(request.data) & THROUGH_EVENTS)
        if through_events:
            message = _("This field changes only through an event.")
            raise ValidationError({name: [message] for name in through_events})
        serializer = s.FirearmUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            changes = selectors.resolve_descriptive(dict(serializer.validated_data), firearm=firearm)
            if changes:
                firearm = services.update_firearm(actor=request.user, instance=firearm, **changes)
        return self._detail(firearm)

    def _children(self, queryset: QuerySet[Any], serializer: Any) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer(page, many=True, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["get"])
    def serials(self, request: Request, public_id: str) -> Response:
        """Serial numbers, frame or receiver first."""
        firearm = self.get_object()
        return self._children(firearm.serials.select_related("component", "country", "firearm"),
                              s.SerialNumberSerializer)

    @action(detail=True, methods=["get"])
    def markings(self, request: Request, public_id: str) -> Response:
        firearm = self.get_object()
        return self._children(firearm.markings.select_related("component", "country", "firearm").order_by("id"),
                              s.MarkingSerializer)

    @markings.mapping.post
    def add_marking(self, request: Request, public_id: str) -> Response:
        """Record a marking applied or found (also records a 'marked' event)."""
        firearm = self.get_object()
        serializer = s.MarkingInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        with transaction.atomic():
            marking = services.add_marking(actor=request.user, firearm=firearm, marking=serializer.draft(),
                                           occurred_on=d.get("occurred_on"), agency=d.get("agency"))
        return Response(s.MarkingSerializer(marking, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def events(self, request: Request, public_id: str) -> Response:
        """The firearm's life, oldest first."""
        firearm = self.get_object()
        return self._children(selectors.firearm_timeline(firearm).select_related("country", "firearm"),
                              s.FirearmEventSerializer)

    @events.mapping.post
    def record_event(self, request: Request, public_id: str) -> Response:
        """Add an event; one that cannot follow the firearm's history is refused (400, ``kind``)."""
        firearm = self.get_object()
        serializer = s.EventInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        if d.get("civilian_holder") is not None and not can(request.principal, Action.VIEW_PERSONAL_DATA):  # type: ignore[attr-defined]
            raise PermissionDenied(_("Naming a licensed civilian holder needs access to personal data."))
        with transaction.atomic():
            event = services.record_event(
                actor=request.user, firearm=firearm, kind=d["kind"], occurred_on=d.get("occurred_on"),
                agency=d.get("agency"), civilian_holder=d.get("civilian_holder"),
                counterpart_country=d.get("counterpart_country") or "", reference=d.get("reference") or "",
                notes=d.get("notes") or "",
            )
        return Response(s.FirearmEventSerializer(event, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def photos(self, request: Request, public_id: str) -> Response:
        firearm = self.get_object()
        return self._children(firearm.photos.select_related("country", "firearm").order_by("id"),
                              s.FirearmPhotoSerializer)


class _ReadOnly(ScopedReadOnlyViewSet):
    related: ClassVar[tuple[str, ...]] = ("country",)

    def get_queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.select_related(*self.related)


class SerialNumberViewSet(_ReadOnly):
    """Serial numbers of every component. ``?key=`` finds a canonical serial exactly."""

    model = SerialNumber
    serializer_class = s.SerialNumberSerializer
    filterset_fields = ["key", "is_primary"]
    related = ("country", "firearm", "component")


class MarkingViewSet(_ReadOnly):
    model = Marking
    serializer_class = s.MarkingSerializer
    filterset_fields = ["kind"]
    related = ("country", "firearm", "component")


class FirearmEventViewSet(_ReadOnly):
    """Every firearm's events (append-only). Record new ones at ``firearms/{id}/events/``."""

    model = FirearmEvent
    serializer_class = s.FirearmEventSerializer
    filterset_fields = ["kind"]
    related = ("country", "firearm", "agency", "civilian_holder")


class FirearmPhotoViewSet(_ReadOnly):
    """Photo metadata; ``…/image/`` returns the image itself."""

    model = FirearmPhoto
    serializer_class = s.FirearmPhotoSerializer
    related = ("country", "firearm")
    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW, "retrieve": Action.VIEW,
                                                    "image": Action.VIEW}

    @extend_schema(responses={(200, "image/*"): bytes})
    @action(detail=True, methods=["get"])
    def image(self, request: Request, public_id: str) -> HttpResponseBase:
        from cifta.registry.views import photo_response

        return photo_response(self.get_object())


class CivilianHolderViewSet(ScopedModelViewSet):
    """Licensed civilian holders: personal data, for roles allowed to see it."""

    model = CivilianHolder
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.CivilianHolderSerializer
    http_method_names = ["get", "post", "head", "options"]
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW_PERSONAL_DATA, "retrieve": Action.VIEW_PERSONAL_DATA, "create": Action.ADD,
    }
    create_service = services.create_civilian_holder

    def get_queryset(self) -> QuerySet[Any]:
        return CivilianHolder.objects.select_related("country")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not can(request.principal, Action.VIEW_PERSONAL_DATA):  # type: ignore[attr-defined]
            raise PermissionDenied(_("Recording a licensed civilian holder needs access to personal data."))
        return super().create(request, *args, **kwargs)


class HitNoticeViewSet(ScopedReadOnlyViewSet):
    """The country's hit notices, unread first; ``POST …/read/`` marks one read."""

    model = HitNotice
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.HitNoticeSerializer
    filterset_class = HitNoticeFilterSet
    filter_backends = [DjangoFilterBackend]
    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW, "retrieve": Action.VIEW,
                                                    "read": Action.CHANGE}

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.hit_notices().select_related("country")

    @extend_schema(request=None, responses=s.HitNoticeSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, public_id: str) -> Response:
        # A write: looked up among the caller's own records only.
        notice = get_object_or_404(HitNotice.objects.owned(), public_id=public_id)
        notice = services.mark_hit_read(actor=request.user, notice=notice)
        notice = selectors.hit_notices().select_related("country").get(pk=notice.pk)
        return Response(s.HitNoticeSerializer(notice, context=self.get_serializer_context()).data)


class MarkingSequenceViewSet(_ReadOnly):
    """State serial sequences (last number drawn per prefix)."""

    model = MarkingSequence
    serializer_class = s.MarkingSequenceSerializer


class MarkingSessionViewSet(_ReadOnly):
    model = MarkingSession
    serializer_class = s.MarkingSessionSerializer
    related = ("country", "agency")


class MarkingSessionItemViewSet(_ReadOnly):
    model = MarkingSessionItem
    serializer_class = s.MarkingSessionItemSerializer
    related = ("country", "session", "firearm")


class ImportMappingViewSet(_ReadOnly):
    model = ImportMapping
    serializer_class = s.ImportMappingSerializer


class ImportJobViewSet(_ReadOnly):
    model = ImportJob
    serializer_class = s.ImportJobSerializer


class SerialRangeViewSet(ScopedModelViewSet):
    """Serial ranges listed on licences and consignments ("BER000100" to "BER000250"); the
    serial search lists the ranges a read serial falls in. Create with the first and last
    serials; a range is never edited (record a new one)."""

    model = SerialRange
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.SerialRangeSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["kind", "reference"]
    create_service = serial_ranges.register_range

    def get_queryset(self) -> QuerySet[Any]:
        return SerialRange.objects.select_related("country", "manufacturer")


class SerialSearchViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """Search the caller's country for damaged or partial serials: ``?`` one unknown character,
    ``*`` any run, ``[38]`` one of the listed characters, look-alikes folded, up to two edits.
    Hits are ranked (exact, look-alikes, pattern, edits; agreement on make, model and calibre
    raises them) and each has its reasons. ``case_reference`` is required: every search is
    audited. A refused query answers 400 naming the field, and nothing is read."""

    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW}

    @extend_schema(parameters=[s.SerialSearchQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        query = s.SerialSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = serial_search.search_serials(
            data["q"], case_reference=data["case_reference"],
            filters=serial_search.Filters(**{k: data.get(k, "") for k in ("make", "model", "calibre", "type",
                                                                        "status", "agency")}),
            max_edits=data.get("max_edits"), ignore_embedded_letters=data["ignore_embedded_letters"],
            limit=data["limit"])
        return Response({"query": result.query.text, "max_edits": result.query.max_edits,
                         "edits_reduced": result.reduced, "count": len(result.hits), "candidates": result.candidates,
                         "results": [serial_search.hit_as_dict(h) for h in result.hits],
                         "ranges": [serial_ranges.range_hit_as_dict(h) for h in result.ranges]})


class SerialLookupViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """Exact serial look-up in the caller's country (any component; separators and case do not
    count). ``case_reference`` is required: every look-up is audited. A hit on a firearm
    reported lost or stolen notifies the agency that reported it."""

    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW}

    @extend_schema(parameters=[
        OpenApiParameter("serial", str, required=True), OpenApiParameter("case_reference", str, required=True),
    ], responses=s.SerialLookupResultSerializer(many=True))
    def list(self, request: Request) -> Response:
        query = s.SerialLookupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = services.look_up_serial(principal=request.principal,  # type: ignore[attr-defined]
                                         serial=query.validated_data["serial"],
                                         case_reference=query.validated_data["case_reference"])
        data = s.SerialLookupResultSerializer(found, many=True, context={"request": request}).data
        return Response({"count": len(found), "results": data})

