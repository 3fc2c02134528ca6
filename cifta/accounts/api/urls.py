from rest_framework.routers import SimpleRouter

from cifta.accounts.api.views import ApiTokenViewSet, MembershipViewSet

router = SimpleRouter()
router.register("memberships", MembershipViewSet, basename="membership")
router.register("tokens", ApiTokenViewSet, basename="apitoken")
urlpatterns = router.urls
