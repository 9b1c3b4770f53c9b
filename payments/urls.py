"""Pages of the payments app (CNOPS and mutuelle staff)."""
from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("bordereaux/<int:pk>/pdf/", views.bordereau_pdf, name="bordereau_pdf"),
    path("bordereaux/<int:pk>/csv/", views.bordereau_csv, name="bordereau_csv"),
    path("bordereaux/<int:pk>/ordre-de-virement/", views.transfer_order, name="transfer_order"),
    path("bordereaux/<int:pk>/ordre-de-virement/pain001/", views.transfer_order_pain001, name="transfer_order_pain001"),
]
