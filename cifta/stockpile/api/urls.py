from rest_framework.routers import SimpleRouter

from cifta.stockpile.api import routes_facilities, routes_inventory, routes_security

# Basenames are the lower-case model names (the standard battery reverses "api:<basename>-list").
router = SimpleRouter()
for routes in (routes_facilities, routes_inventory, routes_security):
    routes.register(router)
urlpatterns = router.urls
