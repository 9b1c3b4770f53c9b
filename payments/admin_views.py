"""The bordereau desk in the admin: constitution on demand, presentation, approval, rejection,
re-run of the execution and bank return import. Every button is a POST calling one service."""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from amo_portal.exceptions import DomainError
from mutuelles.models import AMOFund, Mutuelle
from mutuelles.selectors import funds_visible_to, mutuelles_visible_to
from payments.events import Event, Happened, announce
from payments.models import Bordereau
from payments.selectors import bordereaux_visible_to
from payments.services.bank_return import import_bank_return
from payments.services.building import request_bordereau
from payments.services.review import approve_bordereau, present_bordereau, reject_bordereau

MAX_RETURN_SIZE = 50 * 1024 * 1024
MSG_BUILD_STARTED = "Constitution du bordereau {number} lancée."
MSG_PRESENTED = "Bordereau {number} présenté à l'organisme."
MSG_APPROVED = "Bordereau {number} approuvé : l'ordre de virement est en cours d'émission."
MSG_REJECTED = "Bordereau {number} rejeté : ses dossiers retournent à la file de leur mutuelle."
MSG_EXECUTION_RESTARTED = "Émission de l'ordre de virement relancée."
MSG_RETURN_IMPORTED = ("Retour banque {name} intégré : {accepted} virement(s) exécuté(s), {rejected} rejeté(s). "
                       "Les dossiers sont mis à jour en arrière-plan.")
MSG_RETURN_TOO_BIG = "Fichier trop volumineux (50 Mo au plus)."


def _change_url(bordereau: Bordereau) -> str:
    return reverse("admin:payments_bordereau_change", args=[bordereau.pk])


def _bordereau(request, pk: int, perm: str) -> Bordereau:
    if not request.user.has_perm(f"payments.{perm}"):
        raise PermissionDenied
    return get_object_or_404(bordereaux_visible_to(user=request.user), pk=pk)


def _run(request, bordereau: Bordereau, service, success: str, **kwargs) -> HttpResponseRedirect:
    try:
        done = service(bordereau=bordereau, by=request.user, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success.format(number=done))
    return HttpResponseRedirect(_change_url(bordereau))


@require_POST
def present_view(request, pk: int):
    return _run(request, _bordereau(request, pk, "present_bordereau"), present_bordereau, MSG_PRESENTED)


@require_POST
def approve_view(request, pk: int):
    return _run(request, _bordereau(request, pk, "approve_bordereau"), approve_bordereau, MSG_APPROVED)


@require_POST
def reject_view(request, pk: int):
    bordereau = _bordereau(request, pk, "approve_bordereau")
    return _run(request, bordereau, reject_bordereau, MSG_REJECTED, reason=request.POST.get("reason", ""))


@require_POST
def execute_view(request, pk: int):
    """Start the execution again (after an IBAN was fixed, or a worker was lost): idempotent."""
    bordereau = _bordereau(request, pk, "execute_bordereau")
    announce(Event(Happened.EXECUTION_REQUESTED, bordereau.pk, request.user.pk))
    messages.info(request, MSG_EXECUTION_RESTARTED)
    return HttpResponseRedirect(_change_url(bordereau))


class BankReturnForm(forms.Form):
    file = forms.FileField(label="Fichier de retour de la banque (format RBAMO1)")


@require_POST
def bank_return_view(request, pk: int):
    bordereau = _bordereau(request, pk, "execute_bordereau")
    form = BankReturnForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choisissez le fichier de retour de la banque.")
        return HttpResponseRedirect(_change_url(bordereau))
    upload = form.cleaned_data["file"]
    if upload.size > MAX_RETURN_SIZE:
        messages.error(request, MSG_RETURN_TOO_BIG)
        return HttpResponseRedirect(_change_url(bordereau))
    try:
        imported = import_bank_return(bordereau=bordereau, content=upload.read(), file_name=upload.name,
                                      by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, MSG_RETURN_IMPORTED.format(name=imported.file_name, accepted=imported.accepted_count,
                                                             rejected=imported.rejected_count))
    return HttpResponseRedirect(_change_url(bordereau))


class BuildForm(forms.Form):
    mutuelle = forms.ModelChoiceField(label="Mutuelle", queryset=Mutuelle.objects.none())
    fund = forms.ModelChoiceField(label="Organisme", queryset=AMOFund.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # the same scope as every other choice of the admin (mutuelles.admin_scope)
        mutuelles, funds = mutuelles_visible_to(user=user), funds_visible_to(user=user)
        self.fields["mutuelle"].queryset = mutuelles
        self.fields["fund"].queryset = funds
        if len(funds) == 1:
            self.fields["fund"].initial = funds[0].pk
        if len(mutuelles) == 1:
            self.fields["mutuelle"].initial = mutuelles[0].pk


def build_view(request, admin_site_context):
    """Constitution on demand: pick the payer pair (the user's own mutuelle or organisme is preset)."""
    if not request.user.has_perm("payments.build_bordereau"):
        raise PermissionDenied
    if not (request.user.is_superuser or request.user.is_fund_officer or request.user.is_mutuelle_staff):
        raise Http404
    form = BuildForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            bordereau = request_bordereau(mutuelle=form.cleaned_data["mutuelle"], fund=form.cleaned_data["fund"],
                                          by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, MSG_BUILD_STARTED.format(number=bordereau))
            return HttpResponseRedirect(_change_url(bordereau))
    context = {**admin_site_context, "form": form, "title": "Constituer un bordereau de paiement"}
    return TemplateResponse(request, "payments/admin/build_form.html", context)
