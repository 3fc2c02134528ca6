"""Physical security API: assessments (list, read, record with their items), their items (read
only), the checklist in the caller's language, and the national technical evaluation report as
a PDF.

Assessments are a State's records: the Secretariat reads nothing of them and writes nothing
here (``NationalRecordsOnly``); it may read the checklist, which is method, not data. An
assessment is never changed once recorded, so there is no update: assess again."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import django_filters
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from cifta.core.pdf import languages as pdf_languages
from cifta.core.permissions import Action
from cifta.directory.models import Country
from cifta.registry.api.views import WRITE_PERMISSIONS
from cifta.stockpile import evaluation_report as report
from cifta.stockpile import selectors_security as selectors
from cifta.stockpile import services_security as services
from cifta.stockpile.api import serializers_security as s
from cifta.stockpile.models import AssessmentItem, SecurityAssessment


def _principal(request: Request) -> Any:
    return getattr(request, "principal", None)


class SecurityAssessmentFilterSet(django_filters.FilterSet):
    facility = django_filters.UUIDFilter(field_name="facility__public_id")
    assessed_after = django_filters.DateFilter(field_name="assessed_on", lookup_expr="gte")
    assessed_before = django_filters.DateFilter(field_name="assessed_on", lookup_expr="lte")

    class Meta:
        model = SecurityAssessment
        fields = ["facility", "assessed_after", "assessed_before", "checklist_version"]


class AssessmentItemFilterSet(django_filters.FilterSet):
    assessment = django_filters.UUIDFilter(field_name="assessment__public_id")
    facility = django_filters.UUIDFilter(field_name="assessment__facility__public_id")
    not_applicable = django_filters.BooleanFilter(field_name="score", lookup_expr="isnull")

    class Meta:
        model = AssessmentItem
        fields = ["assessment", "facility", "code", "score", "not_applicable"]


class SecurityAssessmentViewSet(ScopedModelViewSet):
    """The caller's State's physical security assessments, newest first, with their scores and
    items. ``POST`` records one: ``facility`` (public id), ``assessed_on``, ``assessor``,
    ``summary`` and ``items`` (``{code, score, evidence, recommendation}``, score 0, 1, 2 or null
    when the item does not apply). Filters: ``facility``, ``assessed_after``, ``assessed_before``,
    ``checklist_version``."""

    model = SecurityAssessment
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.SecurityAssessmentSerializer
    filterset_class = SecurityAssessmentFilterSet
    ordering_fields = ["assessed_on", "created_at"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW, "retrieve": Action.VIEW,
                                                    "create": Action.ADD}

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.with_items(SecurityAssessment.objects.select_related("country"))

    def get_serializer_class(self) -> Any:
        return s.SecurityAssessmentCreateSerializer if self.action == "create" else s.SecurityAssessmentSerializer

    @extend_schema(request=s.SecurityAssessmentCreateSerializer, responses={201: s.SecurityAssessmentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.SecurityAssessmentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["items"] = [dict(item) for item in data["items"]]
        with transaction.atomic():
            assessment = services.record_assessment(actor=request.user, **data)
        assessment = self.get_queryset().get(pk=assessment.pk)
        return Response(s.SecurityAssessmentSerializer(assessment, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class AssessmentItemViewSet(ScopedReadOnlyViewSet):
    """The items of the caller's State's assessments (read only: an assessment is recorded with
    its items). Filters: ``assessment``, ``facility``, ``code``, ``score``, ``not_applicable``."""

    model = AssessmentItem
    serializer_class = s.AssessmentItemSerializer
    filterset_class = AssessmentItemFilterSet

    def get_queryset(self) -> QuerySet[Any]:
        return AssessmentItem.objects.select_related("country", "assessment").order_by("id")


class SecurityChecklistViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """The physical security checklist in the request's language (``?lang=`` or
    ``Accept-Language``): version, sections, items with their weight, standard, where the
    practice was seen and whether that source is verified."""

    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW}

    @extend_schema(parameters=[OpenApiParameter("lang", str, enum=list(pdf_languages()), required=False)],
                   responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        language = request.query_params.get("lang") or (get_language() or "en")[:2]
        if language not in pdf_languages():
            language = "en"
        with override(language):
            return Response({"language": language, **selectors.checklist_as_dict()})


class EvaluationReportViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """The national technical evaluation of the caller's State as a PDF: facilities, physical
    security scores with the main recommendations, explosive safety, stock checks and
    destruction candidates, as of ``?date=`` (today by default) in ``?lang=`` (the request's
    language by default). Audited as an export; the Secretariat is refused."""

    action_permissions: ClassVar[dict[str, str]] = {"list": Action.EXPORT}

    @extend_schema(parameters=[s.ReportQuerySerializer],
                   responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def list(self, request: Request) -> HttpResponse:
        principal = _principal(request)
        if principal.is_secretariat or principal.country_id is None:
            raise PermissionDenied(_("The report is a State's: it is made by the State's own users."))
        query = s.ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        on: dt.date = min(query.validated_data.get("date") or today, today)
        language = query.validated_data.get("lang") or (get_language() or "en")[:2]
        if language not in pdf_languages():
            language = "en"
        country = Country.objects.get(pk=principal.country_id)
        content = report.report_pdf(country, on, language=language)
        report.audit_export(country, on, fmt="pdf", language=language)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (f'attachment; filename="{report.REPORT_NAME}-{country.code}-'
                                           f'{on.isoformat()}-{language}.pdf"')
        return response
