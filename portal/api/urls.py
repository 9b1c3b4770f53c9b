"""API v1 routes for insured persons (and the mobile app)."""
from django.urls import include, path

from portal.api import preview, views

urlpatterns = [
    path("ping/", views.PingApi.as_view(), name="portal-api-ping"),
    path("jeton/", views.TokenCreateApi.as_view(), name="portal-api-token"),
    path("jetons/", views.TokenListApi.as_view(), name="portal-api-tokens"),
    path("jetons/<int:pk>/", views.TokenRevokeApi.as_view(), name="portal-api-token-revoke"),
    path("moi/adresse-electronique/", views.EmailChangeApi.as_view(), name="portal-api-email"),
    path("moi/", views.MeApi.as_view(), name="portal-api-me"),
    path("moi/rib/", views.RibChangeApi.as_view(), name="portal-api-rib"),
    path("ayants-droit/", views.DependentListApi.as_view(), name="portal-api-dependents"),
    path("droits/", views.RightsApi.as_view(), name="portal-api-rights"),
    path("attestation-de-droits/", views.RightsAttestationApi.as_view(), name="portal-api-attestation"),
    path("dossiers/", views.ClaimListCreateApi.as_view(), name="portal-api-claims"),
    path("dossiers/apercu/", preview.ClaimPreviewApi.as_view(), name="portal-api-claim-preview"),
    path("dossiers/<int:pk>/", views.ClaimDetailApi.as_view(), name="portal-api-claim"),
    path("dossiers/<int:pk>/pieces/", views.ClaimDocumentCreateApi.as_view(), name="portal-api-claim-documents"),
    path("dossiers/<int:pk>/pieces/<int:document_id>/", views.ClaimDocumentDownloadApi.as_view(),
         name="portal-api-claim-document"),
    path("dossiers/<int:pk>/decompte/", views.ClaimStatementApi.as_view(), name="portal-api-claim-statement"),
    path("", include("portal.api.reclamations")),
    path("", include("portal.api.family_changes")),
]
