from rest_framework.routers import SimpleRouter

from cifta.directory.api import views

router = SimpleRouter()
router.register("countries", views.CountryViewSet, basename="country")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("points-of-contact", views.PointOfContactViewSet, basename="pointofcontact")
urlpatterns = router.urls

