"""The simulated bank in the bordereau admin (demonstrations only, settings.AMO_DEMO_BANK): an
action on a bordereau whose transfer order was issued, for staff who may import bank returns."""
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from amo_portal.exceptions import DomainError
from payments.models import BordereauStatus
from payments.services.bank_return import BANK_REASONS
from payments.services.demo_bank import DEFAULT_REASON, Rejections, parse_rejection, simulate_bank_return

ACTION_LABEL = "Simuler la réponse de la banque (démonstration)"
MSG_DONE = ("Réponse simulée de la banque intégrée pour {number} : {accepted} virement(s) exécuté(s), "
            "{rejected} rejeté(s). Les dossiers sont mis à jour.")
MSG_NOT_SENT = "{number} : aucun ordre de virement émis en attente de réponse (statut « {status} »)."


class SimulationForm(forms.Form):
    reject_share = forms.ChoiceField(
        label="Virements à rejeter en bloc", required=False, initial="",
        choices=[("", "aucun : la banque exécute tout"), ("A", "toute la part AMO (organisme)"),
                 ("C", "toute la part complémentaire (mutuelle)")])
    reject_references = forms.CharField(
        label="Virements à rejeter un par un", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Références de virement (…-A, …-C), de paiement ou numéros de dossier, séparés par des espaces.")
    reason_code = forms.ChoiceField(label="Motif des rejets (code ISO 20022)", initial=DEFAULT_REASON,
                                    choices=[(code, f"{code} — {label}") for code, label in BANK_REASONS.items()])

    def rejections(self) -> Rejections:
        code = self.cleaned_data["reason_code"]
        references = dict(parse_rejection(f"{ref}:{code}") for ref in self.cleaned_data["reject_references"].split())
        share = self.cleaned_data["reject_share"]
        return Rejections(references=references, payers={share: code} if share else {})


def may_simulate(request) -> bool:
    return settings.AMO_DEMO_BANK and request.user.has_perm("payments.execute_bordereau")


class DemoBankActionMixin:
    """Adds the action to the bordereau list; the bordereau page offers it as a button."""

    actions = ["simulate_bank_return_action"]

    def has_simulate_bank_permission(self, request) -> bool:
        return may_simulate(request)

    @admin.action(description=ACTION_LABEL, permissions=["simulate_bank"])
    def simulate_bank_return_action(self, request, queryset):
        form = SimulationForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            context = {**self.admin_site.each_context(request), "title": ACTION_LABEL, "form": form,
                       "bordereaux": list(queryset[:20]), "opts": self.model._meta,
                       "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
                       "from_desk": "from_desk" in request.POST}
            return render(request, "payments/admin/simulate_bank_return.html", context)
        for bordereau in queryset.select_related("mutuelle", "fund"):
            if bordereau.status not in (BordereauStatus.SENT, BordereauStatus.SETTLED):
                self.message_user(request, MSG_NOT_SENT.format(number=bordereau.number,
                                                               status=bordereau.get_status_display()), messages.ERROR)
                continue
            try:
                done = simulate_bank_return(bordereau=bordereau, by=request.user, rejections=form.rejections())
            except DomainError as error:
                self.message_user(request, f"{bordereau.number} : {error.message}", messages.ERROR)
            else:
                self.message_user(request, MSG_DONE.format(number=bordereau.number, accepted=done.accepted_count,
                                                           rejected=done.rejected_count), messages.SUCCESS)
        if "from_desk" in request.POST and len(queryset) == 1:  # back to the bordereau page it came from
            return HttpResponseRedirect(reverse("admin:payments_bordereau_change", args=[queryset[0].pk]))
        return None
