"""The insured person's account: contact details and e-mail address, RIB, password, API tokens."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import forms
from portal.services import accounts, tokens
from portal.views.common import applied, form_page, insured_required


@require_http_methods(["GET", "POST"])
@insured_required
def contact_details(request):
    insured = request.insured
    email = accounts.current_email(user=request.user, insured=insured)
    initial = {"email": email, "phone": insured.phone, "address": insured.address, "city": insured.city}
    form = forms.ContactForm(request.POST or None, initial=initial, current_email=email)

    def save() -> None:
        data = form.cleaned_data
        if data["email"] != email:  # first: a wrong password leaves everything as it was
            accounts.request_email_change(user=request.user, insured=insured, new_email=data["email"],
                                          password=data["password"], request=request)
            messages.info(request, _("Un lien de confirmation a été envoyé à %(email)s : votre adresse "
                                     "électronique changera quand vous l'aurez ouvert. D'ici là, elle reste "
                                     "%(old)s.") % {"email": data["email"], "old": email})
        accounts.update_contact_details(insured=insured, phone=data["phone"], address=data["address"],
                                        city=data["city"])

    if request.method == "POST" and form.is_valid() and applied(
            request, form, save, success=_("Vos coordonnées sont enregistrées.")):
        return redirect("portal:contact")
    return form_page(request, "portal/contact.html", form, insured=insured)


@require_http_methods(["GET", "POST"])
def email_confirm(request, token: str):
    """The link sent to a new e-mail address: shows what it confirms; the button (POST) confirms it.

    No sign-in needed: the link itself proves the new address is the person's. A GET changes nothing,
    so that a mail scanner opening the link does not confirm it.
    """
    try:
        change = accounts.pending_email_change(token)
        if request.method == "POST":
            accounts.confirm_email_change(token=token)
            messages.success(request, _("Votre adresse électronique est désormais %(email)s.")
                             % {"email": change.new_email})
            return redirect("portal:dashboard" if request.user.is_authenticated else "portal:login")
    except ValidationError as exc:
        return render(request, "portal/email_confirm.html", {"error": exc.messages[0]}, status=400)
    return render(request, "portal/email_confirm.html", {"change": change})


@require_http_methods(["GET", "POST"])
@insured_required
def rib_change(request):
    insured = request.insured
    form = forms.RibForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and applied(
            request, form, lambda: accounts.change_rib(
                insured=insured, new_rib=form.cleaned_data["rib"], password=form.cleaned_data["password"],
                by=request.user, request=request),
            success=_("Votre nouveau RIB est enregistré ; il servira aux prochains paiements.")):
        return redirect("portal:dashboard")
    return form_page(request, "portal/rib.html", form, insured=insured)


@require_GET
@insured_required
def api_tokens(request):
    """The account's API tokens (one per device of the mobile app), each with a button to revoke it."""
    return render(request, "portal/tokens.html", {"tokens": list(tokens.tokens_of(user=request.user)),
                                                  "idle_days": settings.API_TOKEN_IDLE_DAYS})


@require_POST
@insured_required
def api_token_revoke(request, pk: int):
    if tokens.revoke_token(user=request.user, token_id=pk):
        messages.success(request, _("Le jeton est révoqué : l'appareil qui l'utilisait devra se reconnecter."))
    else:
        messages.error(request, _("Ce jeton n'existe plus."))
    return redirect("portal:tokens")

@method_decorator(insured_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """A new password chosen in the personal space: this session stays signed in; every other session
    and every API token of the account ends."""

    form_class = forms.PortalPasswordChangeForm
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:contact")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        tokens.revoke_all_tokens(user=form.user)
        messages.success(self.request, _("Votre mot de passe est changé ; les appareils connectés devront se "
                                         "reconnecter."))
        return response
