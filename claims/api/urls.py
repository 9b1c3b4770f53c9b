"""API v1 routes of the claims app."""
from django.urls import path

from claims.api import views

urlpatterns = [
    path("simulations/", views.SimulationCreateApi.as_view(), name="api-simulation"),
    path("medicaments/", views.MedicineListApi.as_view(), name="api-medicine-list"),
    path("medicaments/<str:code>/", views.MedicineDetailApi.as_view(), name="api-medicine-detail"),
]
