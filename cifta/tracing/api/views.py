"""Tracing API viewsets. Every one derives from the core scoped bases (scope, change context
and role checks per request) and builds its queryset per request; every write calls a
service, whose refusals answer 400 naming the field or 409 (``core/api/exceptions.py``).

A trace request is shared by two States. Both read it (the scoped manager's counterpart rule);
the requested State acts on it too (acknowledge, answer...), writing rows of its own, so those
actions look the request up among the requests the caller can read, and the services decide
which side may take which step. Sharing an answer onward is the requesting State's alone and
looks the request up among its own. The Secretariat keeps no trace records: it reads the
published deadlines and the regional figures, and writes nothing here."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.core import audit
from cifta.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from cifta.core.errors import ConflictError
from cifta.core.permissions import Action, can
from cifta.directory.models import Country
from cifta.registry import serial_search
from cifta.registry.api.views import WRITE_PERMISSIONS
from cifta.tracing import events, selectors, services
from cifta.tracing.api import serializers as s
from cifta.tracing.engines.workflow import Side
from cifta.tracing.models import (
    OnwardShare,
    TraceAnswer,
    TraceCase,
    TraceMarking,
    TracePolicy,
    TraceReminder,
    TraceRequest,
    TraceStep,
)

BOXES = ("outbox", "inbox", "overdue")
SEARCH_LIMIT = 10


def _principal(request: Request) -> Any:
    return getattr(request, "principal", None)


def search_as_dict(result: Any) -> dict[str, Any]:
    """One serial's search: its hits as the serial search gives them, or the refusal."""
    if isinstance(result, serial_search.ServiceError):
        return {"error": {"field": result.field or "q", "detail": str(result)}, "count": 0, "results": []}
    return {"error": None, "query": result.query.text, "max_edits": result.query.max_edits,
            "edits_reduced": result.reduced, "count": len(result.hits),
            "results": [serial_search.hit_as_dict(h) for h in result.hits]}


# --- deadlines ---------------------------------------------------------------------------------
class TracePolicyViewSet(ScopedModelViewSet):
    """Each State's own deadlines for answering the trace requests it receives (blank: the
    hub's). Published to every State; ``POST`` records the caller's State's, ``PATCH`` changes
    them."""

    model = TracePolicy
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.TracePolicySerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.ADD, "partial_update": Action.CHANGE,
    }

    def get_queryset(self) -> QuerySet[Any]:
        return TracePolicy.objects.select_related("country").order_by("country__code")

    def _saved(self, data: dict[str, Any], code: int) -> Response:
        with transaction.atomic():
            policy = services.save_policy(actor=self.request.user, **data)
        policy = self.get_queryset().get(pk=policy.pk)
        return Response(s.TracePolicySerializer(policy, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=s.TracePolicyInputSerializer, responses={201: s.TracePolicySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.TracePolicyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if TracePolicy.objects.owned().exists():
            raise ConflictError(_("Your State's deadlines are already recorded: change them instead."))
        return self._saved(dict(serializer.validated_data), status.HTTP_201_CREATED)

    @extend_schema(request=s.TracePolicyInputSerializer, responses=s.TracePolicySerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = self.get_object()  # a write: the caller's own deadlines only
        serializer = s.TracePolicyInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {"acknowledge_working_days": policy.acknowledge_working_days, "urgent_hours": policy.urgent_hours,
                "routine_days": policy.routine_days, "holidays": policy.holidays}
        data.update({k: v for k, v in serializer.validated_data.items() if k in request.data})
        return self._saved(data, status.HTTP_200_OK)


# --- domestic trace cases ----------------------------------------------------------------------
class TraceCaseViewSet(ScopedModelViewSet):
    """The caller's State's domestic traces of recovered firearms. ``POST`` opens one (markings
    as a list of ``{component, serial, text}``); ``…/search/`` searches each serial read in the
    national registry (audited with the case reference); ``…/trace/`` records the firearm found;
    ``…/close/`` closes the case untraced."""

    model = TraceCase
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.TraceCaseSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["status"]
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.ADD, "search": Action.VIEW,
        "trace": Action.CHANGE, "close": Action.CHANGE,
    }

    def get_queryset(self) -> QuerySet[Any]:
        return TraceCase.objects.select_related("country", "firearm", "traced_firearm").prefetch_related(
            Prefetch("markings", queryset=TraceMarking.objects.select_related("component").order_by("id")))

    def get_serializer_class(self) -> Any:
        return {"create": s.TraceCaseCreateSerializer, "trace": s.FirearmInputSerializer,
                "close": s.ConclusionSerializer}.get(self.action or "", s.TraceCaseSerializer)

    def _detail(self, case: TraceCase, code: int = status.HTTP_200_OK) -> Response:
        case = self.get_queryset().get(pk=case.pk)
        return Response(s.TraceCaseSerializer(case, context=self.get_serializer_context()).data, status=code)

    def _own(self) -> TraceCase:
        return get_object_or_404(TraceCase.objects.owned(), public_id=self.kwargs["public_id"])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        audit.audit_read(events.CASE_VIEWED, country_id=_principal(request).country_id,
                         query={"case": case.reference}, result_count=1, case_reference=case.case_reference,
                         target=case)
        return Response(s.TraceCaseSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=s.TraceCaseCreateSerializer, responses={201: s.TraceCaseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.TraceCaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["markings"] = [dict(m) for m in data.get("markings") or []]
        with transaction.atomic():
            case = services.open_case(actor=request.user, **data)
        return self._detail(case, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def search(self, request: Request, public_id: str) -> Response:
        """Each serial read on the firearm, searched in the national registry (lost, stolen and
        seized firearms included, marked by their status); the make and calibre read raise
        agreement. Every search is audited with the case reference."""
        case = self.get_object()
        markings = []
        for marking, result in selectors.case_search(case, limit=SEARCH_LIMIT):
            markings.append({"marking": str(marking.public_id),
                             "component": marking.component.code if marking.component_id else "",
                             "serial": marking.serial, **search_as_dict(result)})
        audit.audit_read(events.CASE_SEARCHED, country_id=_principal(request).country_id,
                         query={"case": case.reference, "serials": len(markings)},
                         result_count=sum(m["count"] for m in markings), case_reference=case.case_reference,
                         target=case)
        return Response({"case": str(case.public_id), "reference": case.reference,
                         "case_reference": case.case_reference, "markings": markings})

    @extend_schema(request=s.FirearmInputSerializer, responses=s.TraceCaseSerializer)
    @action(detail=True, methods=["post"])
    def trace(self, request: Request, public_id: str) -> Response:
        """The national records answer the trace: name the firearm found (a record of yours)."""
        case = self._own()
        serializer = s.FirearmInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            case = services.record_domestic_trace(actor=request.user, case=case,
                                                  firearm=serializer.validated_data["firearm"],
                                                  conclusion=serializer.validated_data["conclusion"])
        return self._detail(case)

    @extend_schema(request=s.ConclusionSerializer, responses=s.TraceCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, public_id: str) -> Response:
        """Close a case that could not be traced, saying why."""
        case = self._own()
        serializer = s.ConclusionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            case = services.close_case(actor=request.user, case=case,
                                       conclusion=serializer.validated_data["conclusion"])
        return self._detail(case)


class TraceMarkingViewSet(ScopedReadOnlyViewSet):
    """Markings read on recovered firearms (the caller's State's trace cases). ``…/photo/``
    (POST, multipart field ``photo``) adds the photo of one marking."""

    model = TraceMarking
    serializer_class = s.TraceMarkingSerializer
    permission_classes = WRITE_PERMISSIONS
    action_permissions: ClassVar[dict[str, str]] = {"photo": Action.ADD}

    def get_queryset(self) -> QuerySet[Any]:
        return TraceMarking.objects.select_related("country", "case", "component")

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "photo": {"type": "string", "format": "binary"}}}}, responses=s.TraceMarkingSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photo(self, request: Request, public_id: str) -> Response:
        marking = get_object_or_404(TraceMarking.objects.owned(), public_id=public_id)
        with transaction.atomic():
            marking = services.add_marking_photo(actor=request.user, marking=marking,
                                                 photo=request.FILES.get("photo"))
        return Response(s.TraceMarkingSerializer(marking, context=self.get_serializer_context()).data)


# --- international requests --------------------------------------------------------------------
class TraceRequestViewSet(ScopedModelViewSet):
    """Trace requests the caller's State sent (``?box=outbox``), received (``?box=inbox``), or
    whose acknowledgement or answer is late (``?box=overdue``). ``POST`` drafts one;
    ``…/act/`` takes a step (send, acknowledge, start, delay, restrict, withdraw, close);
    ``…/answer/`` answers (requested State); ``…/share/`` records that the answer is passed on
    (requesting State); ``…/search/`` searches the request's serials in the requested State's
    registry. Reading one request is audited."""

    model = TraceRequest
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.TraceRequestSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["urgency"]
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.ADD, "act": Action.CHANGE,
        "answer": Action.ADD, "share": Action.ADD, "search": Action.VIEW,
    }

    def _base(self) -> QuerySet[TraceRequest]:
        return TraceRequest.objects.all()

    def _decorate(self, requests: QuerySet[TraceRequest]) -> QuerySet[TraceRequest]:
        return selectors.with_state(requests).select_related(
            "country", "requested_country", "case", "point_of_contact", "answer", "answer__firearm",
        ).prefetch_related(
            Prefetch("steps", queryset=TraceStep.objects.order_by("seq")),
            Prefetch("onward_shares", queryset=OnwardShare.objects.order_by("id")),
            Prefetch("reminders", queryset=TraceReminder.objects.order_by("id")),
        )

    def get_queryset(self) -> QuerySet[Any]:
        return self._decorate(self._base())

    def get_serializer_class(self) -> Any:
        return {"create": s.TraceRequestCreateSerializer, "act": s.ActInputSerializer,
                "answer": s.AnswerInputSerializer, "share": s.ShareInputSerializer}.get(
            self.action or "", s.TraceRequestSerializer)

    def _detail(self, trace_request: TraceRequest, code: int = status.HTTP_200_OK) -> Response:
        trace_request = self.get_queryset().get(pk=trace_request.pk)
        return Response(s.TraceRequestSerializer(trace_request, context=self.get_serializer_context()).data,
                        status=code)

    def _visible(self) -> TraceRequest:
        return get_object_or_404(self._base(), public_id=self.kwargs["public_id"])

    def _role(self) -> str:
        return str(_principal(self.request).role)

    @extend_schema(parameters=[
        OpenApiParameter("box", str, enum=list(BOXES), description="outbox: sent by your State; inbox: addressed "
                         "to it; overdue: acknowledgement or answer late, either way"),
    ])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        box = request.query_params.get("box", "")
        country_id = _principal(request).country_id
        if box and box not in BOXES:
            raise ValidationError({"box": [_("Choose outbox, inbox or overdue.")]})
        if box == "overdue":
            late = selectors.overdue_requests(self._base())
            order = [item.request.pk for item in late]
            rows = {r.pk: r for r in self.get_queryset().filter(pk__in=order)}
            page = self.paginate_queryset([rows[pk] for pk in order if pk in rows])  # type: ignore[arg-type]
            data = s.TraceRequestSerializer(page, many=True, context=self.get_serializer_context()).data
            return self.get_paginated_response(data)
        queryset = self.filter_queryset(self.get_queryset())
        if box == "outbox":
            queryset = queryset.filter(country_id=country_id)
        elif box == "inbox":
            queryset = queryset.filter(requested_country_id=country_id, sent_at__isnull=False)
        page = self.paginate_queryset(queryset)
        data = s.TraceRequestSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        trace_request = self.get_object()
        audit.audit_read(events.REQUEST_VIEWED, country_id=_principal(request).country_id,
                         query={"request": trace_request.reference}, result_count=1,
                         case_reference=trace_request.case_reference, target=trace_request)
        return Response(s.TraceRequestSerializer(trace_request, context=self.get_serializer_context()).data)

    @extend_schema(request=s.TraceRequestCreateSerializer, responses={201: s.TraceRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.TraceRequestCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["markings"] = [dict(m) for m in data.get("markings") or []]
        with transaction.atomic():
            trace_request = services.draft_request(actor=request.user, **data)
        return self._detail(trace_request, status.HTTP_201_CREATED)

    @extend_schema(request=s.ActInputSerializer, responses=s.TraceRequestSerializer)
    @action(detail=True, methods=["post"])
    def act(self, request: Request, public_id: str) -> Response:
        """Take a step: ``send`` (a draft), ``withdraw`` or ``close`` (requesting State);
        ``acknowledge``, ``start``, ``delay`` or ``restrict`` (requested State). Withdraw, delay
        and restrict need a reason."""
        trace_request = self._visible()
        serializer = s.ActInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name, reason = serializer.validated_data["action"].strip(), serializer.validated_data["reason"]
        with transaction.atomic():
            if name == "send":
                services.send_request(actor=request.user, request=trace_request, role=self._role())
            else:
                services.take_step(actor=request.user, request=trace_request, action=name, role=self._role(),
                                   reason=reason)
        return self._detail(trace_request)

    @extend_schema(request=s.AnswerInputSerializer, responses={201: s.TraceRequestSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, public_id: str) -> Response:
        """The requested State's answer, once: found (naming the record used, which the other
        State never sees, and the fields of it to disclose), partial, or not found (saying why)."""
        trace_request = self._visible()
        serializer = s.AnswerInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        with transaction.atomic():
            services.answer_request(
                actor=request.user, request=trace_request, role=self._role(), outcome=d["outcome"],
                firearm=d.get("firearm"), fields=list(d.get("fields") or []),
                last_legal_holder=d["last_legal_holder"], point_of_diversion=d["point_of_diversion"],
                diversion_date=d.get("diversion_date"), failure_reason=d["failure_reason"], note=d["note"],
                use_limits=d["use_limits"])
        return self._detail(trace_request, status.HTTP_201_CREATED)

    @extend_schema(request=s.ShareInputSerializer, responses={201: s.TraceRequestSerializer})
    @action(detail=True, methods=["post"])
    def share(self, request: Request, public_id: str) -> Response:
        """Before passing the answer on, the requesting State records with whom and why; the
        answering State is told."""
        trace_request = get_object_or_404(TraceRequest.objects.owned(), public_id=public_id)
        serializer = s.ShareInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            services.share_onward(actor=request.user, request=trace_request,
                                  recipient=serializer.validated_data["recipient"],
                                  purpose=serializer.validated_data["purpose"])
        return self._detail(trace_request, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def search(self, request: Request, public_id: str) -> Response:
        """The requested State searches the request's serials in its own registry; every search
        is audited with the request's reference."""
        trace_request = self._visible()
        if services.side_of(trace_request, _principal(request).country_id) != Side.REQUESTED:
            raise PermissionDenied(_("Only the requested State searches its registry for a request."))
        markings = []
        for marking in trace_request.markings or []:
            serial = str(marking.get("serial") or "")
            if not serial:
                continue
            try:
                result: Any = selectors.search_marking(
                    serial, case_reference=trace_request.reference, make=trace_request.make,
                    calibre=trace_request.calibre, limit=SEARCH_LIMIT)
            except serial_search.ServiceError as exc:
                result = exc
            markings.append({"component": marking.get("component", ""), "serial": serial, **search_as_dict(result)})
        return Response({"request": str(trace_request.public_id), "reference": trace_request.reference,
                         "markings": markings})


class _SharedReadOnly(ScopedReadOnlyViewSet):
    related: ClassVar[tuple[str, ...]] = ("country", "request")

    def get_queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.select_related(*self.related)


class TraceStepViewSet(_SharedReadOnly):
    """Every step of the requests the caller's State is a side of (append-only)."""

    model = TraceStep
    serializer_class = s.TraceStepSerializer
    filterset_fields = ["action", "state_after"]


class TraceAnswerViewSet(_SharedReadOnly):
    """Answers to the requests the caller's State sent, and those it gave."""

    model = TraceAnswer
    serializer_class = s.TraceAnswerSerializer
    filterset_fields = ["outcome"]
    related = ("country", "request", "firearm")


class OnwardShareViewSet(_SharedReadOnly):
    """Notices that an answer was passed on, seen by both sides of the request."""

    model = OnwardShare
    serializer_class = s.OnwardShareSerializer


class TraceReminderViewSet(_SharedReadOnly):
    """Reminders and escalations sent about overdue steps, seen by both sides of the request."""

    model = TraceReminder
    serializer_class = s.TraceReminderSerializer
    filterset_fields = ["level", "step"]


# --- figures -----------------------------------------------------------------------------------
def _timeliness(t: Any) -> dict[str, Any]:
    return {"requests": t.requests, "acknowledged_in_time": t.acknowledged_in_time,
            "answered_in_time": t.answered_in_time, "median_response_hours": t.median_response_hours,
            "traced_share": t.traced_share, "failures": dict(t.failures)}


def state_figures_as_dict(f: selectors.StateFigures) -> dict[str, Any]:
    return {"country": f.country.code, "year": f.year, "sent": _timeliness(f.sent),
            "received": _timeliness(f.received), "cases": f.cases, "traced": f.traced, "seized": f.seized,
            "sdg_16_4_2": f.sdg_value}


def regional_figures_as_dict(r: selectors.RegionalFigures) -> dict[str, Any]:
    return {"year": r.year, "totals": _timeliness(r.totals),
            "sdg_16_4_2": {"value": r.sdg.value, "traced_or_established": r.sdg.traced_or_established,
                           "seized_found_surrendered": r.sdg.seized_found_surrendered,
                           "states_reporting": r.sdg.states_reporting, "states_total": r.sdg.states_total,
                           "coverage": r.sdg.coverage},
            "states": [state_figures_as_dict(f) for f in r.states]}


class TraceFiguresViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """Tracing figures for a year (``?year=``, this year by default): a State's own (requests
    sent and received, timeliness, cases, SDG 16.4.2); for the Secretariat, every State's
    numbers and the regional SDG 16.4.2. Numbers only, never a record."""

    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW}

    @extend_schema(parameters=[s.FiguresQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        query = s.FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        principal = _principal(request)
        if principal.is_secretariat or principal.country_id is None:
            if not can(principal, Action.VIEW_AGGREGATES):
                raise PermissionDenied(_("Regional figures are for the Secretariat's analysts."))
            return Response({"scope": "regional", **regional_figures_as_dict(selectors.regional_figures(year))})
        country = Country.objects.get(pk=principal.country_id)
        return Response({"scope": "state", **state_figures_as_dict(selectors.state_figures(country, year))})

