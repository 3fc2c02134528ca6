"""Destruction event API viewsets. Every one derives from the core scoped bases (scope, change
context and role checks per request) and builds its queryset per request; every write calls a
service of ``services_events``, whose refusals answer 400 naming the field or 409.

Events are planned (``POST``), corrected while planned (``PATCH``), and moved on by actions:
``add-items`` (firearms by id or serial), ``approve`` (national administrators), ``execute``
(the check-off) and ``cancel``. Items, witnesses, photos and custody steps are created on their
own endpoints and never changed; an item is taken off a planned event with ``…/remove/``.
Destruction records are a State's: the Secretariat keeps none and writes nothing here."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.core.api.viewsets import ScopedModelViewSet
from cifta.core.errors import ConflictError
from cifta.core.permissions import Action
from cifta.destruction import selectors_events as selectors
from cifta.destruction import services_events as services
from cifta.destruction.api import serializers_events as s
from cifta.destruction.models import (
    CustodyStep,
    DestructionEvent,
    DestructionItem,
    DestructionPhoto,
    DestructionPolicy,
    Witness,
)
from cifta.registry.api.views import WRITE_PERMISSIONS
from cifta.registry.models import Firearm

READ = {"list": Action.VIEW, "retrieve": Action.VIEW}


def _by_event(queryset: QuerySet[Any], request: Request, action_name: str | None) -> QuerySet[Any]:
    """``?event=<public id>`` on a list."""
    event = request.query_params.get("event") if action_name == "list" else None
    if event:
        try:
            queryset = queryset.filter(event__public_id=uuid.UUID(event))
        except ValueError as exc:
            raise ValidationError({"event": [_("Not a valid identifier.")]}) from exc
    return queryset


class DestructionEventViewSet(ScopedModelViewSet):
    """The State's destruction events, newest plan first. Filters: ``status``, ``year``
    (planned in), ``q`` (reference, title or site)."""

    model = DestructionEvent
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.DestructionEventSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = ()  # filtered by hand (see get_queryset)
    action_permissions: ClassVar[dict[str, str]] = {
        **READ, "create": Action.ADD, "partial_update": Action.CHANGE, "add_items": Action.ADD,
        "approve": Action.APPROVE, "execute": Action.CHANGE, "cancel": Action.CHANGE,
    }

    def get_queryset(self) -> QuerySet[Any]:
        events = selectors.event_queryset()
        if self.action == "list":
            p = self.request.query_params
            year = p.get("year", "")
            if year and not year.isdigit():
                raise ValidationError({"year": [_("Give a year.")]})
            events = selectors.filter_events(events, status=p.get("status", ""), year=int(year) if year else None,
                                             q=p.get("q", "")[:100])
        if self.action == "retrieve":
            events = events.prefetch_related("items__firearm", "items__lot", "items__storehouse", "witnesses__agency",
                                             "photos__item", "custody")
        return events

    def get_serializer_class(self) -> Any:
        return {"create": s.EventInputSerializer, "partial_update": s.EventInputSerializer,
                "retrieve": s.DestructionEventDetailSerializer, "add_items": s.AddItemsInputSerializer,
                "execute": s.ExecuteInputSerializer, "cancel": s.CancelInputSerializer,
                }.get(self.action or "", s.DestructionEventSerializer)

    def _own(self) -> DestructionEvent:
        return get_object_or_404(DestructionEvent.objects.owned(), public_id=self.kwargs["public_id"])

    def _detail(self, event: DestructionEvent, code: int = status.HTTP_200_OK) -> Response:
        event = selectors.event_queryset().get(pk=event.pk)
        return Response(s.DestructionEventDetailSerializer(event, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=DestructionEvent.Status.values),
                               OpenApiParameter("year", int), OpenApiParameter("q", str)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.EventInputSerializer, responses={201: s.DestructionEventDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.EventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            event = services.plan_event(actor=request.user, **serializer.validated_data)
        return self._detail(event, status.HTTP_201_CREATED)

    @extend_schema(request=s.EventInputSerializer, responses=s.DestructionEventDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = self._own()
        serializer = s.EventInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k in request.data}
        with transaction.atomic():
            event = services.update_event(actor=request.user, event=event, **data)
        return self._detail(event)

    @extend_schema(request=s.AddItemsInputSerializer, responses={201: s.DestructionItemSerializer(many=True)})
    @action(detail=True, methods=["post"], url_path="add-items")
    def add_items(self, request: Request, public_id: str) -> Response:
        """List firearms by public id (``firearms``) and/or by serial (``serials``, each resolved
        with the registry's exact look-up). All or nothing: a refusal lists each problem."""
        event = self._own()
        serializer = s.AddItemsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data["firearms"]
        firearms = list(Firearm.objects.owned().filter(public_id__in=ids)) if ids else []
        found = {str(f.public_id) for f in firearms}
        unknown = [str(i) for i in ids if str(i) not in found]
        if unknown:
            return Response({"firearms": [_("No firearm of your State has this identifier.")],
                             "problems": [{"serial": u, "reason": _("not found")} for u in unknown]},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            with transaction.atomic():
                added = services.add_firearms(actor=request.user, event=event, firearms=firearms,
                                              serials=serializer.validated_data["serials"])
        except services.ItemsRefused as exc:
            return Response({exc.field or "serials": [str(exc)],
                             "problems": [{"serial": p.serial, "reason": p.reason} for p in exc.problems]},
                            status=status.HTTP_400_BAD_REQUEST)
        items = DestructionItem.objects.filter(pk__in=[i.pk for i in added.items]).select_related("event", "firearm")
        return Response(s.DestructionItemSerializer(items, many=True, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.DestructionEventDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, public_id: str) -> Response:
        event = self._own()
        with transaction.atomic():
            event = services.approve_event(actor=request.user, event=event)
        return self._detail(event)

    @extend_schema(request=s.ExecuteInputSerializer, responses=s.DestructionEventDetailSerializer)
    @action(detail=True, methods=["post"])
    def execute(self, request: Request, public_id: str) -> Response:
        """Check off each item: ``outcomes`` [{item, status: destroyed|returned, reason}], and
        ``all_destroyed`` for every item not named. Final: firearms become destroyed in the
        registry; ammunition leaves the ledger. A second execution answers 409."""
        event = self._own()
        serializer = s.ExecuteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        outcomes = {str(o["item"]): {"status": o["status"], "reason": o["reason"]} for o in d["outcomes"]}
        with transaction.atomic():
            event = services.execute_event(actor=request.user, event=event, outcomes=outcomes,
                                           started_at=d["started_at"], ended_at=d["ended_at"],
                                           scrap_disposition=d["scrap_disposition"],
                                           default="destroyed" if d["all_destroyed"] else None)
        return self._detail(event)

    @extend_schema(request=s.CancelInputSerializer, responses=s.DestructionEventDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, public_id: str) -> Response:
        event = self._own()
        serializer = s.CancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            event = services.cancel_event(actor=request.user, event=event, reason=serializer.validated_data["reason"])
        return self._detail(event)


class DestructionItemViewSet(ScopedModelViewSet):
    """Items of the State's events (``?event=``). ``POST`` lists one: a ``firearm``, or a
    ``lot`` with its ``storehouse`` and ``quantity`` (at most the ledger's balance);
    ``…/remove/`` takes it off a planned event."""

    model = DestructionItem
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.DestructionItemSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = ()
    action_permissions: ClassVar[dict[str, str]] = {**READ, "create": Action.ADD, "remove": Action.CHANGE}

    def get_queryset(self) -> QuerySet[Any]:
        items = DestructionItem.objects.select_related("country", "event", "firearm", "lot", "storehouse")
        return _by_event(items, self.request, self.action)

    def get_serializer_class(self) -> Any:
        return s.ItemInputSerializer if self.action == "create" else s.DestructionItemSerializer

    @extend_schema(request=s.ItemInputSerializer, responses={201: s.DestructionItemSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.ItemInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        with transaction.atomic():
            if d.get("firearm") is not None:
                item = services.add_firearms(actor=request.user, event=d["event"], firearms=[d["firearm"]]).items[0]
            else:
                item = services.add_lot(actor=request.user, event=d["event"], lot=d["lot"], storehouse=d["storehouse"],
                                        quantity=d["quantity"])
        item = self.get_queryset().get(pk=item.pk)
        return Response(s.DestructionItemSerializer(item, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, public_id: str) -> Response:
        item = get_object_or_404(DestructionItem.objects.owned(), public_id=public_id)
        with transaction.atomic():
            services.remove_item(actor=request.user, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WitnessViewSet(ScopedModelViewSet):
    """Witnesses (who count towards the State's rule and name their ``agency``) and observers
    (``role: observer``, an ``organisation``) of the State's events (``?event=``)."""

    model = Witness
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.WitnessSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = ()
    action_permissions: ClassVar[dict[str, str]] = {**READ, "create": Action.ADD}

    def get_queryset(self) -> QuerySet[Any]:
        return _by_event(Witness.objects.select_related("country", "event", "agency"), self.request, self.action)

    def get_serializer_class(self) -> Any:
        return s.WitnessInputSerializer if self.action == "create" else s.WitnessSerializer

    create_service = services.add_witness
    output_serializer_class = s.WitnessSerializer

    @extend_schema(request=s.WitnessInputSerializer, responses={201: s.WitnessSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)


class DestructionPhotoViewSet(ScopedModelViewSet):
    """Photos before and after, with their SHA-256 (``?event=``). ``POST`` takes the photo as a
    multipart file ``image`` or as JSON ``image_base64`` with a ``filename``; JPEG, PNG, GIF or
    WebP, at most 10 MB. The bytes are served by the web page, never at a public URL."""

    model = DestructionPhoto
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.DestructionPhotoSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = ()
    action_permissions: ClassVar[dict[str, str]] = {**READ, "create": Action.ADD}

    def get_queryset(self) -> QuerySet[Any]:
        return _by_event(DestructionPhoto.objects.select_related("country", "event", "item"), self.request,
                         self.action)

    def get_serializer_class(self) -> Any:
        return s.PhotoInputSerializer if self.action == "create" else s.DestructionPhotoSerializer

    create_service = services.add_photo
    output_serializer_class = s.DestructionPhotoSerializer

    @extend_schema(request=s.PhotoInputSerializer, responses={201: s.DestructionPhotoSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)


class CustodyStepViewSet(ScopedModelViewSet):
    """The chain of custody of the State's events, from store to site, with seal numbers
    (``?event=``)."""

    model = CustodyStep
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.CustodyStepSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = ()
    action_permissions: ClassVar[dict[str, str]] = {**READ, "create": Action.ADD}

    def get_queryset(self) -> QuerySet[Any]:
        return _by_event(CustodyStep.objects.select_related("country", "event"), self.request, self.action)

    def get_serializer_class(self) -> Any:
        return s.CustodyInputSerializer if self.action == "create" else s.CustodyStepSerializer

    create_service = services.record_custody
    output_serializer_class = s.CustodyStepSerializer

    @extend_schema(request=s.CustodyInputSerializer, responses={201: s.CustodyStepSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)


class DestructionPolicyViewSet(ScopedModelViewSet):
    """The State's witness rule (at most one). ``POST`` sets it when the State has none;
    ``PATCH`` changes it. National administrators write it."""

    model = DestructionPolicy
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.DestructionPolicySerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = ()
    action_permissions: ClassVar[dict[str, str]] = {**READ, "create": Action.APPROVE,
                                                    "partial_update": Action.APPROVE}

    def get_queryset(self) -> QuerySet[Any]:
        return DestructionPolicy.objects.select_related("country")

    def get_serializer_class(self) -> Any:
        return s.PolicyInputSerializer if self.action in ("create", "partial_update") else s.DestructionPolicySerializer

    @extend_schema(request=s.PolicyInputSerializer, responses={201: s.DestructionPolicySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.PolicyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if DestructionPolicy.objects.owned().exists():
            raise ConflictError(_("Your State already has its rule: change it with PATCH."), field="min_witnesses")
        with transaction.atomic():
            policy = services.save_policy(actor=request.user, **serializer.validated_data)
        return Response(s.DestructionPolicySerializer(policy, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PolicyInputSerializer, responses=s.DestructionPolicySerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = get_object_or_404(DestructionPolicy.objects.owned(), public_id=self.kwargs["public_id"])
        serializer = s.PolicyInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {"min_witnesses": policy.min_witnesses, "min_agencies": policy.min_agencies,
                **serializer.validated_data}
        with transaction.atomic():
            policy = services.save_policy(actor=request.user, **data)
        return Response(s.DestructionPolicySerializer(policy, context=self.get_serializer_context()).data)
