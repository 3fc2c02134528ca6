"""Stockpile API routes: inventory (registered by `stockpile/api/urls.py`)."""

from rest_framework.routers import SimpleRouter

from cifta.stockpile.api import views_inventory as views


def register(router: SimpleRouter) -> None:
    router.register("ammunition-lots", views.AmmunitionLotViewSet, basename="ammunitionlot")
    router.register("movements", views.MovementViewSet, basename="movement")
    router.register("stock-checks", views.StockCheckViewSet, basename="stockcheck")
    router.register("count-lines", views.CountLineViewSet, basename="countline")
    router.register("discrepancies", views.DiscrepancyViewSet, basename="discrepancy")
    router.register("destruction-candidates", views.DestructionCandidateViewSet,
                    basename="destruction-candidates")
    router.register("discrepancy-rates", views.DiscrepancyRatesViewSet, basename="discrepancy-rates")
