"""Destruction pages: events (joined into the app's URLs by `destruction/urls.py`)."""

from django.urls import URLPattern, path

from cifta.destruction import views_events as views

urlpatterns: list[URLPattern] = [
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<uuid:public_id>/", views.event_detail, name="event_detail"),
    path("events/<uuid:public_id>/edit/", views.event_edit, name="event_edit"),
    path("events/<uuid:public_id>/firearms/", views.event_add_firearms, name="event_add_firearms"),
    path("events/<uuid:public_id>/ammunition/", views.event_add_lot, name="event_add_lot"),
    path("events/<uuid:public_id>/witnesses/", views.witness_add, name="witness_add"),
    path("events/<uuid:public_id>/photos/", views.photo_add, name="photo_add"),
    path("events/<uuid:public_id>/custody/", views.custody_add, name="custody_add"),
    path("events/<uuid:public_id>/approve/", views.event_approve, name="event_approve"),
    path("events/<uuid:public_id>/execute/", views.event_execute, name="event_execute"),
    path("events/<uuid:public_id>/cancel/", views.event_cancel, name="event_cancel"),
    path("items/<uuid:public_id>/remove/", views.item_remove, name="item_remove"),
    path("photos/<uuid:public_id>/", views.photo_image, name="photo_image"),
    path("rules/", views.policy, name="policy"),
]
