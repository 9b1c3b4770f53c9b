"""Root URLs: admin, API v1, health, and the portal pages."""
import os

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from amo_portal.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sante/", health, name="health"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its start-up script served apart (?script): no inline script under the CSP.
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # ReDoc writes its own inline script and styles: allowed on this static documentation page only.
    path("api/v1/redoc/", csp_update({"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE]})(
        SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("api/v1/", include("claims.api.urls")),
    path("api/v1/", include("portal.api.urls")),
    path("paiements/", include("payments.urls")),
    path("", include("portal.urls")),
    path("", include("approvals.urls")),
    path("", include("claims.urls")),
]

# The web benchmark's durable floor (bench/web_floor.py): routed only in the benchmark's own server.
if os.environ.get("AMO_BENCH_DURABLE_FLOOR") == "1":
    from bench.web_floor import urlpatterns as bench_urlpatterns

    urlpatterns = bench_urlpatterns + urlpatterns
