"""API v1 routes for insured persons (and the mobile app)."""
from django.urls import path

urlpatterns: list = []
