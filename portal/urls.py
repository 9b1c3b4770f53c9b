"""Pages of the insured persons' portal: sign-in and sign-up, the personal space, language switch."""
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from portal import views
from portal.forms import InsuredPasswordResetForm, LoginForm
from portal.views import drafts, family_changes, reclamations

app_name = "portal"

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
         name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(next_page=reverse_lazy("claims:home")), name="logout"),
    path("inscription/", views.signup, name="signup"),
    path("inscription/envoyee/", views.signup_sent, name="signup_sent"),
    path("inscription/ouvrir/<str:token>/", views.signup_open, name="signup_open"),
    path("mot-de-passe/oubli/", views.PasswordResetView.as_view(
        form_class=InsuredPasswordResetForm, success_url=reverse_lazy("portal:password_reset_done"),
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt"), name="password_reset"),
    path("mot-de-passe/oubli/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("mot-de-passe/nouveau/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(
        success_url=reverse_lazy("portal:password_reset_complete")), name="password_reset_confirm"),
    path("mot-de-passe/nouveau/termine/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("langue/setlang/", views.set_language, name="set_language"),
    path("espace/", views.dashboard, name="dashboard"),
    path("espace/dossiers/", views.claim_list, name="claim_list"),
    path("espace/dossiers/nouveau/", views.claim_new, name="claim_new"),
    path("espace/dossiers/brouillon/", drafts.draft_autosave, name="draft_autosave"),
    path("espace/dossiers/brouillon/supprimer/", drafts.draft_discard, name="draft_discard"),
    path("espace/dossiers/brouillon/pieces/<int:pk>/retirer/", drafts.draft_file_remove, name="draft_file_remove"),
    path("espace/dossiers/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("espace/dossiers/<int:pk>/recepisse/", views.claim_receipt, name="claim_receipt"),
    path("espace/dossiers/<int:pk>/pieces/", views.claim_add_documents, name="claim_add_documents"),
    path("espace/dossiers/<int:pk>/decompte.pdf", views.claim_statement, name="claim_statement"),
    path("espace/dossiers/<int:pk>/reclamation/", reclamations.reclamation_new, name="reclamation_new"),
    path("espace/reclamations/", reclamations.reclamation_list, name="reclamation_list"),
    path("espace/reclamations/<int:pk>/", reclamations.reclamation_detail, name="reclamation_detail"),
    path("espace/famille/", family_changes.family, name="family"),
    path("espace/famille/declarer/", family_changes.family_change_choose, name="family_change_choose"),
    path("espace/famille/declarer/<slug:kind>/", family_changes.family_change_new, name="family_change_new"),
    path("espace/famille/declarations/<int:pk>/", family_changes.family_change_detail, name="family_change_detail"),
    path("espace/famille/declarations/<int:pk>/retirer/", family_changes.family_change_withdraw,
         name="family_change_withdraw"),
    path("espace/famille/declarations/<int:pk>/pieces/<int:document_id>/", family_changes.family_change_document,
         name="family_change_document"),
    path("espace/attestation-de-droits.pdf", views.rights_attestation, name="rights_attestation"),
    path("espace/coordonnees/", views.contact_details, name="contact"),
    path("espace/rib/", views.rib_change, name="rib"),
    path("espace/adresse/confirmer/<str:token>/", views.email_confirm, name="email_confirm"),
    path("espace/mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("espace/jetons/", views.api_tokens, name="tokens"),
    path("espace/jetons/<int:pk>/revoquer/", views.api_token_revoke, name="token_revoke"),
]
