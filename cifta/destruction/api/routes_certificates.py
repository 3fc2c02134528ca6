"""Destruction API routes: certificates (registered by `destruction/api/urls.py`)."""

from rest_framework.routers import SimpleRouter

from cifta.destruction.api import views_certificates as views


def register(router: SimpleRouter) -> None:
    router.register("certificates", views.CertificateViewSet, basename="certificate")
    router.register("signing-keys", views.SigningKeyViewSet, basename="signingkey")
    router.register("certificate-verify", views.CertificateVerifyViewSet, basename="certificate-verify")
    router.register("destruction-totals", views.DestructionTotalsViewSet, basename="destruction-totals")
