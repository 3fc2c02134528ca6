"""Stockpile pages: physical security assessments and the national technical evaluation report
(joined into the app's URLs by `stockpile/urls.py`)."""

from django.urls import URLPattern, path

from cifta.stockpile import views_security as views

urlpatterns: list[URLPattern] = [
    path("security/", views.assessment_list, name="assessment_list"),
    path("security/new/", views.assessment_new, name="assessment_new"),
    path("security/checklist/", views.checklist_page, name="security_checklist"),
    path("security/facilities/<uuid:public_id>/", views.facility_assessments, name="facility_assessments"),
    path("security/assessments/<uuid:public_id>/", views.assessment_detail, name="assessment_detail"),
    path("security/report/", views.evaluation_report, name="evaluation_report"),
    path("security/report.pdf", views.evaluation_report_pdf, name="evaluation_report_pdf"),
]
