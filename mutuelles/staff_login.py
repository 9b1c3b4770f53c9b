"""The staff's sign-in form: password, then the code of their authenticator app (or a recovery code).

An account that has not enrolled an app yet signs in with the password alone; its session then
reaches only the enrolment steps (mutuelles.middleware). The password is checked first, so that
django-axes counts the failures of both.
"""
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm

from mutuelles import second_factor

MSG_CODE_REQUIRED = ("Double authentification : saisissez le code à 6 chiffres affiché par votre application "
                     "(ou l'un de vos codes de secours).")
MSG_CODE_WRONG = ("Code de double authentification incorrect ou expiré. Après une erreur, attendez quelques "
                  "secondes avant de réessayer.")


class StaffLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Code de double authentification", required=False, max_length=20,
        help_text="Le code à 6 chiffres de votre application, ou l'un de vos codes de secours. À la première "
                  "connexion, laissez vide : vous enregistrerez votre application juste après.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )

    def clean(self):
        data = super().clean()  # password first: django-axes counts the failures
        user = self.get_user()
        devices = second_factor.confirmed_devices(user) if user is not None else []
        if not devices:
            return data  # first login: the session reaches only the enrolment (mutuelles.middleware)
        code = self.cleaned_data.get("otp_token") or ""
        if not code.strip():
            raise forms.ValidationError(MSG_CODE_REQUIRED, code="code_requis")
        device = second_factor.verify_code(user, devices, code, request=self.request)
        if device is None:
            raise forms.ValidationError(MSG_CODE_WRONG, code="code_invalide")
        user.otp_device = device  # django_otp stores it in the session on login (user_logged_in)
        return data
