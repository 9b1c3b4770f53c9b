"""Forms of the account pages: sign-in, sign-up, password, contact details, RIB. They check shape;
the services (portal.services.accounts) decide the rest."""
from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.digits import DigitsField, DigitsRegexField
from portal.forms.fields import DateInput
from portal.services.accounts import check_password_again, sign_in_username
from portal.throttle import address_locked_out


class LoginForm(AuthenticationForm):
    """The sign-in form; a client address that failed too many sign-ins is told so (portal.throttle)."""

    username = forms.CharField(label=_("Adresse électronique ou identifiant"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username",
                                                             "autocapitalize": "none"}))
    password = forms.CharField(label=_("Mot de passe"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": _("Identifiant ou mot de passe incorrect. Après plusieurs erreurs, le compte est "
                           "bloqué pendant un moment."),
        "inactive": _("Ce compte est désactivé."),
        "address_locked": _("Trop d'échecs de connexion depuis votre connexion : réessayez dans un moment."),
        "staff": _("Ce compte est un compte du personnel : il se connecte au back-office, avec sa double "
                   "authentification, sur la page de connexion du personnel (%(url)s)."),
    }

    def clean(self):
        """The identifier becomes the account's username before the password is checked: an address in any
        case, or the account's current address, signs in; django-axes counts failures per account."""
        if address_locked_out(self.request):
            raise ValidationError(self.error_messages["address_locked"], code="address_locked")
        if self.cleaned_data.get("username"):
            self.cleaned_data["username"] = sign_in_username(self.cleaned_data["username"])
        return super().clean()

    def confirm_login_allowed(self, user):
        """Staff accounts never sign in here: without their second factor they would carry a session that
        is only password-deep. Said only once the password is right, so it tells a stranger nothing."""
        super().confirm_login_allowed(user)
        if user.is_staff_account:
            raise ValidationError(self.error_messages["staff"], code="staff", params={"url": reverse("admin:login")})


class InsuredPasswordResetForm(PasswordResetForm):
    """The insured persons' password reset: a staff address gets nothing, and the page says the same as for
    any address (staff passwords are reset by an administrator, and their second factor stays)."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if not user.is_staff_account)


class SignUpForm(forms.Form):
    registration_number = DigitsField(label=_("N° d'immatriculation AMO"), max_length=32,
                                      help_text=_("Il figure sur votre carte d'immatriculation."))
    cnie = DigitsField(label=_("N° de CNIE"), max_length=12, help_text=_("Par exemple AB123456."))
    birth_date = forms.DateField(label=_("Date de naissance"), widget=DateInput())
    email = forms.EmailField(label=_("Adresse électronique"), max_length=150,
                             help_text=_("Elle servira d'identifiant et recevra le suivi de vos dossiers."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class NewPasswordForm(forms.Form):
    """The password chosen when the account opens (from the link sent by email)."""

    password1 = forms.CharField(label=_("Mot de passe"), strip=False,
                                help_text=_("Au moins 8 caractères, pas uniquement des chiffres."),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Mot de passe (confirmation)"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        return data

class ContactForm(forms.Form):
    email = forms.EmailField(label=_("Adresse électronique"), max_length=254,
                             help_text=_("Une nouvelle adresse ne remplace l'actuelle qu'une fois confirmée par le "
                                         "lien qui lui est envoyé."))
    phone = DigitsRegexField(label=_("Téléphone"), max_length=20, required=False, regex=r"^\+?[0-9 .-]{6,20}$",
                             error_messages={"invalid": _("Numéro de téléphone invalide (chiffres, espaces, +).")},
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    address = forms.CharField(label=_("Adresse"), max_length=300, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    city = forms.CharField(label=_("Ville"), max_length=100, required=False)
    password = forms.CharField(label=_("Votre mot de passe (pour changer d'adresse électronique)"), strip=False,
                               required=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, current_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.current_email = current_email

    def clean(self):
        data = super().clean()
        email = (data.get("email") or "").strip().lower()
        if "email" in data:
            data["email"] = email
        if email and email != self.current_email and not data.get("password"):
            self.add_error("password", _("Pour changer d'adresse électronique, confirmez avec votre mot de passe."))
        return data


class RibForm(forms.Form):
    rib = DigitsField(label=_("Nouveau RIB (24 chiffres)"), max_length=40,
                      help_text=_("Les espaces sont acceptés : 011 780 0000000000000001 23."),
                      widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    password = forms.CharField(label=_("Votre mot de passe (confirmation)"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's password change; the current password is checked like a sign-in (django-axes), so that a
    stolen session cannot try passwords here without limit."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            check_password_again(user=self.user, password=old_password, request=self.request,
                                 message=_("Mot de passe actuel incorrect : le mot de passe n'a pas été changé."))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["password"]) from exc
        return old_password
