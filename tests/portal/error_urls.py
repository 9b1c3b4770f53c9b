"""The project's URLs, plus views that fail the way real pages can (for the error pages' tests)."""
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import include, path


def broken(request):
    raise RuntimeError("a bug")


def suspicious(request):
    raise SuspiciousOperation("a forged request")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("essai/erreur/", broken),
    path("essai/suspect/", suspicious),
    path("essai/interdit/", forbidden),
    path("", include("amo_portal.urls")),
]
