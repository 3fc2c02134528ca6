from rest_framework.routers import SimpleRouter

# Basenames are the lower-case model names (the standard battery reverses "api:<basename>-list").
router = SimpleRouter()
urlpatterns = router.urls
