"""Stockpile pages: facilities, storehouses, exposed sites, measured distances, the map, the
safety check, the quantity-distance calculator and the national safety rules (joined into the
app's URLs by `stockpile/urls.py`)."""

from django.urls import URLPattern, path

from cifta.stockpile import views_facilities as views

urlpatterns: list[URLPattern] = [
    path("", views.facility_list, name="facility_list"),
    path("facilities/new/", views.facility_new, name="facility_new"),
    path("facilities/<uuid:public_id>/", views.facility_detail, name="facility_detail"),
    path("facilities/<uuid:public_id>/edit/", views.facility_edit, name="facility_edit"),
    path("facilities/<uuid:public_id>/map/", views.facility_map, name="facility_map"),
    path("facilities/<uuid:public_id>/safety/", views.facility_safety, name="facility_safety"),
    path("facilities/<uuid:public_id>/storehouses/new/", views.storehouse_new, name="storehouse_new"),
    path("facilities/<uuid:public_id>/sites/new/", views.site_new, name="site_new"),
    path("facilities/<uuid:public_id>/distances/new/", views.distance_new, name="distance_new"),
    path("storehouses/<uuid:public_id>/", views.storehouse_detail, name="storehouse_detail"),
    path("storehouses/<uuid:public_id>/edit/", views.storehouse_edit, name="storehouse_edit"),
    path("sites/<uuid:public_id>/edit/", views.site_edit, name="site_edit"),
    path("distances/<uuid:public_id>/edit/", views.distance_edit, name="distance_edit"),
    path("safety/qd/", views.qd_calculator, name="qd_calculator"),
    path("safety/rules/", views.safety_rules, name="safety_rules"),
]
