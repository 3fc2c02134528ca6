from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from cifta.reporting.views import dashboard

api_v1 = [
    path("", include("cifta.core.api.urls")),
    path("", include("cifta.accounts.api.urls")),
    path("", include("cifta.directory.api.urls")),
    path("", include("cifta.reference.api.urls")),
    path("", include("cifta.registry.api.urls")),
    path("", include("cifta.tracing.api.urls")),
    path("", include("cifta.stockpile.api.urls")),
    path("", include("cifta.destruction.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]

urlpatterns = [
    path("", dashboard, name="home"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/catalog.js", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("cifta.accounts.urls")),
    path("directory/", include("cifta.directory.urls")),
    path("reference/", include("cifta.reference.urls")),
    path("registry/", include("cifta.registry.urls")),
    path("tracing/", include("cifta.tracing.urls")),
    path("stockpile/", include("cifta.stockpile.urls")),
    path("destruction/", include("cifta.destruction.urls")),
    path("", include("cifta.core.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),  # type: ignore[arg-type]
]
