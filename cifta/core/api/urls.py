from rest_framework.routers import SimpleRouter

from cifta.core.api.views import AuditEventViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="auditevent")
urlpatterns = router.urls
