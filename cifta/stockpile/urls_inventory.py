"""Stockpile pages: inventory (joined into the app's URLs by `stockpile/urls.py`)."""

from django.urls import URLPattern, path

from cifta.stockpile import views_inventory as views

urlpatterns: list[URLPattern] = [
    path("lots/", views.lot_list, name="lot_list"),
    path("lots/new/", views.lot_new, name="lot_new"),
    path("lots/<uuid:public_id>/", views.lot_detail, name="lot_detail"),
    path("lots/<uuid:public_id>/edit/", views.lot_edit, name="lot_edit"),
    path("lots/<uuid:public_id>/surplus/", views.lot_surplus, name="lot_surplus"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export.csv", views.ledger_export, name="ledger_export"),
    path("ledger/new/", views.movement_new, name="movement_new"),
    path("ledger/<uuid:public_id>/", views.movement_detail, name="movement_detail"),
    path("checks/", views.check_list, name="check_list"),
    path("checks/new/", views.check_new, name="check_new"),
    path("checks/<uuid:public_id>/", views.check_detail, name="check_detail"),
    path("checks/<uuid:public_id>/count/", views.check_count, name="check_count"),
    path("checks/<uuid:public_id>/close/", views.check_close, name="check_close"),
    path("discrepancies/", views.discrepancy_list, name="discrepancy_list"),
    path("discrepancies/<uuid:public_id>/", views.discrepancy_detail, name="discrepancy_detail"),
    path("discrepancies/<uuid:public_id>/resolve/", views.discrepancy_resolve, name="discrepancy_resolve"),
    path("discrepancy-rates/", views.discrepancy_rates, name="discrepancy_rates"),
    path("destruction-candidates/", views.candidate_list, name="candidates"),
]
