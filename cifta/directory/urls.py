from django.urls import path

from cifta.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.country_list, name="country_list"),
    path("countries/<str:code>/", views.country_detail, name="country_detail"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/new/", views.agency_edit, name="agency_new"),
    path("agencies/<uuid:public_id>/", views.agency_detail, name="agency_detail"),
    path("agencies/<uuid:public_id>/edit/", views.agency_edit, name="agency_edit"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_edit, name="contact_new"),
    path("contacts/<uuid:public_id>/", views.contact_detail, name="contact_detail"),
    path("contacts/<uuid:public_id>/edit/", views.contact_edit, name="contact_edit"),
]
