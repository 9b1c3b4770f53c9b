"""Signing up, and choosing a new password from a reset link (sign-in itself is Django's LoginView
with portal.forms.LoginForm)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal import forms, presenters
from portal.services import accounts
from portal.throttle import too_many_attempts, too_many_password_resets
from portal.views.common import form_page


@require_http_methods(["GET", "POST"])
def signup(request):
    """Ask for an account. Whatever the registry says, the answer is the same page (details by email)."""
    if request.user.is_authenticated:
        return redirect("portal:dashboard")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and too_many_attempts(request, scope="inscription"):
        form.is_valid()
        form.add_error(None, _("Trop de tentatives : réessayez dans quelques minutes."))
        return render(request, "registration/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identity = accounts.Identity(data["registration_number"], data["cnie"], data["birth_date"])
        accounts.request_insured_account(identity=identity, email=data["email"])
        return redirect("portal:signup_sent")
    return form_page(request, "registration/signup.html", form)


@require_GET
def signup_sent(request):
    return render(request, "registration/signup_sent.html")


@require_http_methods(["GET", "POST"])
def signup_open(request, token: str):
    """The link of the sign-up email: choose the password, and the account opens."""
    found = accounts.signup_request_of(token)
    form = forms.NewPasswordForm(request.POST or None)
    if found is not None and request.method == "POST" and form.is_valid():
        try:
            user = accounts.open_insured_account(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            presenters.add_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Votre compte est ouvert. Bienvenue dans votre espace assuré."))
            return redirect("portal:dashboard")
    context = {"form": form, "valid": found is not None, "email": found[1] if found else ""}
    return render(request, "registration/signup_open.html", context,
                  status=400 if form.errors or found is None else 200)

class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited per e-mail address and per client address (the answer is the
    same whether or not an account has the address)."""

    def form_valid(self, form):
        if too_many_password_resets(self.request, email=form.cleaned_data["email"]):
            form.add_error("email", _("Trop de demandes de nouveau mot de passe pour cette adresse ou depuis "
                                      "votre connexion : réessayez dans une heure."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new password from a reset link; every API token of the account is revoked with it, and
    the account's lockout after failed sign-ins is lifted. A reset link of a staff account is not valid
    here (staff passwords are reset by an administrator)."""

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return None if user is not None and user.is_staff_account else user

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.finish_password_reset(user=form.user)
        return response
