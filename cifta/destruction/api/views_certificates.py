"""Certificate API viewsets. Every one derives from the core scoped bases; writes call
``services_certificates`` (refusals answer 400 naming the field, or 409).

``certificate-verify`` is public (no credentials): it verifies a file or a number against the
hub's published keys and withdrawals and answers the verification and, when genuine, the signed
content only. ``destruction-totals`` gives a State its own totals and the Secretariat's analysts
every State's numbers. A signing key's private half is never in any answer."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cifta.core import audit, throttle
from cifta.core.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin
from cifta.core.permissions import Action, can
from cifta.destruction import certificates as engine
from cifta.destruction import events
from cifta.destruction import selectors_certificates as selectors
from cifta.destruction import services_certificates as services
from cifta.destruction.api import serializers_certificates as s
from cifta.destruction.certificates_pdf import certificate_pdf, languages, public_base
from cifta.destruction.models import Certificate, DestructionEvent, SigningKey
from cifta.registry.api.views import WRITE_PERMISSIONS


def _national(request: Request) -> None:
    principal = getattr(request, "principal", None)
    if principal is None or principal.is_secretariat or principal.country_id is None:
        raise PermissionDenied(_("Certificates and signing keys are a State's: the Secretariat keeps none."))


def _year(request: Request) -> int:
    text = request.query_params.get("year", "")
    if not text:
        return timezone.localdate().year
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    return int(text)


def verification_data(verification: engine.Verification) -> dict[str, Any]:
    p = verification.params
    return {"code": verification.code, "genuine": verification.ok, "message": verification.message,
            "warnings": list(verification.warnings), "certificate_number": p.get("certificate_number") or "",
            "key_id": p.get("key_id") or "", "signed_at": p.get("signed_at") or "",
            "fingerprint": p.get("digest") or "", "payload": verification.payload}


# --- signing keys ------------------------------------------------------------------------------
class SigningKeyViewSet(ScopedReadOnlyViewSet):
    """The caller's State's signing keys (public parts). ``POST`` creates an authority's first
    key; ``…/rotate/`` replaces its key in force from now; ``…/<id>/revoke/`` revokes one
    (``superseded``, ``key_compromise`` or ``unspecified``). National administrators."""

    model = SigningKey
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.SigningKeySerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = ()
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "create": Action.APPROVE, "rotate": Action.APPROVE,
        "revoke": Action.APPROVE,
    }

    def get_queryset(self) -> QuerySet[Any]:
        return SigningKey.objects.select_related("authority").order_by("-valid_from", "-id")

    def get_serializer_class(self) -> Any:
        return {"create": s.AuthorityInputSerializer, "rotate": s.AuthorityInputSerializer,
                "revoke": s.RevokeInputSerializer}.get(self.action or "", s.SigningKeySerializer)

    def _answer(self, key: SigningKey, code: int = status.HTTP_200_OK) -> Response:
        key = self.get_queryset().get(pk=key.pk)
        return Response(s.SigningKeySerializer(key).data, status=code)

    @extend_schema(request=s.AuthorityInputSerializer, responses={201: s.SigningKeySerializer})
    def create(self, request: Request) -> Response:
        _national(request)
        serializer = s.AuthorityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            key = services.create_key(actor=request.user, authority=serializer.validated_data["authority"])
        return self._answer(key, status.HTTP_201_CREATED)

    @extend_schema(request=s.AuthorityInputSerializer, responses={201: s.SigningKeySerializer})
    @action(detail=False, methods=["post"])
    def rotate(self, request: Request) -> Response:
        _national(request)
        serializer = s.AuthorityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            key = services.rotate_key(actor=request.user, authority=serializer.validated_data["authority"])
        return self._answer(key, status.HTTP_201_CREATED)

    @extend_schema(request=s.RevokeInputSerializer, responses=s.SigningKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, public_id: str) -> Response:
        key = get_object_or_404(SigningKey.objects.owned(), public_id=public_id)
        serializer = s.RevokeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            key = services.revoke_key(actor=request.user, key=key, reason=serializer.validated_data["reason"])
        return self._answer(key)


# --- certificates ------------------------------------------------------------------------------
class CertificateViewSet(ScopedReadOnlyViewSet):
    """The caller's State's certificates, newest first, each with its signed content.
    ``…/issue/`` signs an executed event's certificate; ``…/<id>/withdraw/`` withdraws one;
    ``…/<id>/pdf/?lang=`` and ``…/<id>/json/`` are the documents. Filters: ``year`` (of the
    destruction), ``method``, ``status`` (in_force, withdrawn), ``q`` (number or event)."""

    model = Certificate
    permission_classes = WRITE_PERMISSIONS
    serializer_class = s.CertificateSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = ()
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW, "retrieve": Action.VIEW, "issue": Action.APPROVE, "withdraw": Action.APPROVE,
        "pdf": Action.VIEW, "json": Action.VIEW,
    }

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.certificate_queryset()

    def get_serializer_class(self) -> Any:
        return {"issue": s.IssueInputSerializer, "withdraw": s.WithdrawInputSerializer}.get(
            self.action or "", s.CertificateSerializer)

    @extend_schema(parameters=[
        OpenApiParameter("year", int), OpenApiParameter("method", str),
        OpenApiParameter("status", str, enum=["in_force", "withdrawn"]), OpenApiParameter("q", str),
    ])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        p = request.query_params
        year = _year(request) if p.get("year") else None
        rows = selectors.filter_certificates(self.get_queryset(), year=year, method=p.get("method", ""),
                                             status=p.get("status", ""), q=p.get("q", "").strip())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.CertificateSerializer(page, many=True).data)

    def _answer(self, certificate: Certificate, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.CertificateSerializer(self.get_queryset().get(pk=certificate.pk)).data, status=code)

    @extend_schema(request=s.IssueInputSerializer, responses={201: s.CertificateSerializer})
    @action(detail=False, methods=["post"])
    def issue(self, request: Request) -> Response:
        _national(request)
        serializer = s.IssueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = get_object_or_404(DestructionEvent.objects.owned(), public_id=serializer.validated_data["event"])
        with transaction.atomic():
            certificate = services.issue_certificate(actor=request.user, event=event,
                                                     authority=serializer.validated_data.get("authority"))
        return self._answer(certificate, status.HTTP_201_CREATED)

    @extend_schema(request=s.WithdrawInputSerializer, responses=s.CertificateSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, public_id: str) -> Response:
        certificate = get_object_or_404(Certificate.objects.owned(), public_id=public_id)
        serializer = s.WithdrawInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            certificate = services.withdraw_certificate(actor=request.user, certificate=certificate,
                                                        reason=serializer.validated_data["reason"])
        return self._answer(certificate)

    def _exported(self, certificate: Certificate, fmt: str) -> None:
        audit.audit_read(events.CERTIFICATE_EXPORTED, country_id=certificate.country_id, target=certificate,
                         query={"number": certificate.number, "format": fmt}, result_count=1)

    @extend_schema(parameters=[OpenApiParameter("lang", str, enum=["en", "es", "fr", "pt"])],
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, public_id: str) -> HttpResponse:
        certificate = self.get_object()
        language = request.query_params.get("lang", "en")
        if language not in languages():
            raise ValidationError({"lang": _("Choose one of %(languages)s.") % {"languages": ", ".join(languages())}})
        data = certificate_pdf(selectors.envelope_of(certificate), language=language, base_url=public_base(request),
                               withdrawn=certificate.withdrawn_at is not None)
        self._exported(certificate, f"pdf-{language}")
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}-{language}.pdf"'
        return response

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def json(self, request: Request, public_id: str) -> HttpResponse:
        """The signed envelope exactly as stored (what ``cifta certificate verify`` reads)."""
        certificate = self.get_object()
        self._exported(certificate, "json")
        response = HttpResponse(certificate.envelope, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.json"'
        return response


# --- public verification -----------------------------------------------------------------------
class CertificateVerifyViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """Public, no credentials needed: ``POST`` a certificate ``file`` (PDF or JSON) or a
    ``number`` (optionally the ``fingerprint`` of the QR code). The answer is the verification
    (``code``: genuine, tampered, bad_signature, unknown_key, wrong_authority, key_revoked,
    key_not_valid_then, withdrawn, malformed, truncated; ``not_found`` for an unknown number)
    and, when genuine, the signed content only."""

    permission_classes = (AllowAny,)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Anyone may verify: no principal and no change context (this view writes nothing; its
        # reads run under the selectors' own ALL_COUNTRIES scope and return public content).
        self._context_stack = ExitStack()
        APIView.initial(self, request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": s.VerifyInputSerializer,
                            "application/json": s.VerifyInputSerializer},
                   responses={200: s.VerificationSerializer, 404: s.VerificationSerializer})
    def create(self, request: Request) -> Response:
        if not throttle.allow(request, "certificate-verify", limit=settings.CIFTA_PUBLIC_VERIFY_PER_MINUTE):
            return Response({"detail": _("Too many checks from your address in the last minute: wait a minute and "
                                         "try again.")}, status=429)
        serializer = s.VerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected = data.get("fingerprint")
        if data.get("file") is not None:
            verification = selectors.verify_bytes(data["file"].read(selectors.MAX_UPLOAD + 1),
                                                  expected_digest=expected)
        else:
            found = selectors.verify_number(data["number"].strip(), expected_digest=expected)
            if found is None:
                return Response({"code": "not_found", "genuine": False,
                                 "message": f"No certificate has the number {data['number'].strip()}.",
                                 "warnings": [], "certificate_number": "", "key_id": "", "signed_at": "",
                                 "fingerprint": "", "payload": None}, status=status.HTTP_404_NOT_FOUND)
            verification = found
        return Response(verification_data(verification))


# --- totals ------------------------------------------------------------------------------------
class DestructionTotalsViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """Quantities destroyed in a year (``?year=``) under certificates in force, by kind,
    category (firearm type; ammunition nature) and method: a State's own, or for the
    Secretariat's analysts every State's numbers (never a record)."""

    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW}

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        year = _year(request)
        principal = request.principal  # type: ignore[attr-defined]
        if principal.is_secretariat or principal.country_id is None:
            if not can(principal, Action.VIEW_AGGREGATES):
                raise PermissionDenied(_("Your role does not see regional figures."))
            totals = selectors.regional_totals(year)
            return Response({"year": year, "states": [{"country": code, **t.as_dict()} for code, t in totals.items()]})
        return Response({"year": year, **selectors.state_totals(year).as_dict()})
