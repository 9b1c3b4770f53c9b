"""Portal pages of the claims app."""
from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("simulateur/", views.simulator_page, name="simulator"),
    path("documents/<int:pk>/", views.document_download, name="document"),
]
