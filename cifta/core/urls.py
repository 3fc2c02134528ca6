from django.urls import path

from cifta.core import views

urlpatterns = [
    path("areas/<slug:slug>/", views.area_page, name="area"),
    path("history/<str:label>/<uuid:public_id>/", views.history, name="history"),
    path("audit/", views.audit_log, name="audit_log"),
]
