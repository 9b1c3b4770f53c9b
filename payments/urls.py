"""Pages of the payments app (CNOPS staff)."""
from django.urls import path

app_name = "payments"

urlpatterns: list = []
