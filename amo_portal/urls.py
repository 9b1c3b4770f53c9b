"""Root URLs: admin, API v1, health, and the portal pages."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from amo_portal.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sante/", health, name="health"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/", include("claims.api.urls")),
    path("api/v1/", include("portal.api.urls")),
    path("paiements/", include("payments.urls")),
    path("", include("portal.urls")),
    path("", include("claims.urls")),
]
