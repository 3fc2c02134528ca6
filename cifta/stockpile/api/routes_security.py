"""Stockpile API routes: security (registered by `stockpile/api/urls.py`)."""

from rest_framework.routers import SimpleRouter

from cifta.stockpile.api import views_security as views


def register(router: SimpleRouter) -> None:
    router.register("security-assessments", views.SecurityAssessmentViewSet, basename="securityassessment")
    router.register("assessment-items", views.AssessmentItemViewSet, basename="assessmentitem")
    router.register("security-checklist", views.SecurityChecklistViewSet, basename="security-checklist")
    router.register("evaluation-report", views.EvaluationReportViewSet, basename="evaluation-report")
