"""Destruction API routes: events (registered by `destruction/api/urls.py`)."""

from rest_framework.routers import SimpleRouter

from cifta.destruction.api import views_events as views


def register(router: SimpleRouter) -> None:
    router.register("destruction-events", views.DestructionEventViewSet, basename="destructionevent")
    router.register("destruction-items", views.DestructionItemViewSet, basename="destructionitem")
    router.register("destruction-witnesses", views.WitnessViewSet, basename="witness")
    router.register("destruction-photos", views.DestructionPhotoViewSet, basename="destructionphoto")
    router.register("destruction-custody", views.CustodyStepViewSet, basename="custodystep")
    router.register("destruction-policies", views.DestructionPolicyViewSet, basename="destructionpolicy")
