"""Portal pages of the accords (ETM, ententes préalables)."""
from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("espace/accords/", views.accord_list, name="accord_list"),
    path("espace/accords/demande/", views.accord_new, name="accord_new"),
    path("espace/accords/<int:pk>/", views.accord_detail, name="accord_detail"),
    path("accords/pieces/<int:pk>/", views.accord_document, name="document"),
]
