from rest_framework.routers import SimpleRouter

from cifta.reference.api import views

router = SimpleRouter()
router.register("firearm-types", views.FirearmTypeViewSet, basename="firearmtype")
router.register("part-types", views.PartTypeViewSet, basename="parttype")
router.register("calibres", views.CalibreViewSet, basename="calibre")
router.register("manufacturers", views.ManufacturerViewSet, basename="manufacturer")
router.register("firearm-models", views.FirearmModelViewSet, basename="firearmmodel")
urlpatterns = router.urls
