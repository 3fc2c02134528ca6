from rest_framework.routers import SimpleRouter

from cifta.destruction.api import routes_certificates, routes_events

# Basenames are the lower-case model names (the standard battery reverses "api:<basename>-list").
router = SimpleRouter()
for routes in (routes_events, routes_certificates):
    routes.register(router)
urlpatterns = router.urls
