from django.urls import path

from cifta.reference import views

app_name = "reference"
urlpatterns = [
    path("", views.index, name="index"),
    path("types/", views.type_list, name="type_list"),
    path("parts/", views.part_list, name="part_list"),
    path("calibres/", views.calibre_list, name="calibre_list"),
    path("calibres/new/", views.calibre_edit, name="calibre_new"),
    path("calibres/<slug:code>/", views.calibre_detail, name="calibre_detail"),
    path("calibres/<slug:code>/edit/", views.calibre_edit, name="calibre_edit"),
    path("manufacturers/", views.manufacturer_list, name="manufacturer_list"),
    path("manufacturers/new/", views.manufacturer_edit, name="manufacturer_new"),
    path("manufacturers/<str:code>/", views.manufacturer_detail, name="manufacturer_detail"),
    path("manufacturers/<str:code>/edit/", views.manufacturer_edit, name="manufacturer_edit"),
    path("models/", views.model_list, name="model_list"),
    path("models/new/", views.model_edit, name="model_new"),
    path("models/<uuid:public_id>/", views.model_detail, name="model_detail"),
    path("models/<uuid:public_id>/edit/", views.model_edit, name="model_edit"),
    path("csv/", views.csv_page, name="csv"),
    path("csv/upload/", views.csv_upload, name="csv_upload"),
    path("csv/<slug:kind>.csv", views.csv_export, name="csv_export"),
]
