"""Stockpile API routes: facilities, storehouses, exposed sites, measured distances, national
safety rules and the quantity-distance report (registered by `stockpile/api/urls.py`)."""

from rest_framework.routers import SimpleRouter

from cifta.stockpile.api import views_facilities as views


def register(router: SimpleRouter) -> None:
    # Basenames are the lower-case model names (the standard battery reverses "api:<basename>-list").
    router.register("facilities", views.FacilityViewSet, basename="facility")
    router.register("storehouses", views.StorehouseViewSet, basename="storehouse")
    router.register("exposed-sites", views.ExposedSiteViewSet, basename="exposedsite")
    router.register("measured-distances", views.MeasuredDistanceViewSet, basename="measureddistance")
    router.register("safety-rules", views.SafetyRulesViewSet, basename="safetyrules")
    router.register("safety-qd", views.SafetyQdViewSet, basename="safety-qd")
