from django.urls import path

from cifta.tracing import views, views_requests

app_name = "tracing"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/search/", views.case_search, name="case_search"),
    path("cases/<uuid:public_id>/trace/", views.case_trace, name="case_trace"),
    path("cases/<uuid:public_id>/close/", views.case_close, name="case_close"),
    path("markings/<uuid:public_id>/photo/", views.marking_photo_add, name="marking_photo_add"),
    path("photos/<uuid:public_id>/", views.marking_photo, name="marking_photo"),
    path("requests/", views_requests.request_list, name="request_list"),
    path("requests/new/", views_requests.request_new, name="request_new"),
    path("requests/<uuid:public_id>/", views_requests.request_detail, name="request_detail"),
    path("requests/<uuid:public_id>/act/", views_requests.request_act, name="request_act"),
    path("requests/<uuid:public_id>/search/", views_requests.request_search, name="request_search"),
    path("requests/<uuid:public_id>/answer/", views_requests.request_answer, name="request_answer"),
    path("requests/<uuid:public_id>/share/", views_requests.request_share, name="request_share"),
    path("requests/<uuid:public_id>/export.json", views_requests.request_export_json, name="request_export_json"),
    path("requests/<uuid:public_id>/export.pdf", views_requests.request_export_pdf, name="request_export_pdf"),
    path("deadlines/", views.policy, name="policy"),
]
