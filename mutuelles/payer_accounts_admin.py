"""The treasury's desk in the admin: payer accounts shown with their demonstration flag, a change
requested from the organisme's or mutuelle's list, confirmed or refused from the list of requests.
Every action calls a service of mutuelles.payer_accounts; nothing is edited in place."""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from amo_portal.admin import ReadOnlyAdminMixin
from amo_portal.exceptions import DomainError
from mutuelles.admin_scope import ScopedWritesMixin
from mutuelles.models import PayerAccountChange
from mutuelles.payer_accounts import (
    account_changes_visible_to,
    confirm_payer_account_change,
    refuse_payer_account_change,
    request_payer_account_change,
)

MSG_PICK_ONE = "Choisissez un seul compte payeur à la fois."
MSG_REQUESTED = ("Demande enregistrée pour {payer} : le compte reste {old} tant qu'un autre membre de la "
                 "trésorerie ne l'a pas confirmée (Changements de compte payeur).")
MSG_CONFIRMED = "Compte payeur de {payer} changé : les prochains ordres de virement débiteront {iban}."
MSG_REFUSED = "Demande de changement du compte de {payer} refusée : le compte reste {iban}."
DEMO_BADGE = '<span class="payer-demo" title="compte fictif chargé pour la démonstration">DÉMONSTRATION</span>'


class AccountChangeForm(forms.Form):
    new_iban = forms.CharField(label="Nouvel IBAN du compte payeur", max_length=42,
                               help_text="MA, 2 chiffres de contrôle et les 24 chiffres du RIB (espaces acceptés).")
    reason = forms.CharField(label="Motif du changement", max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Par ex. la référence du courrier de la banque ou de la décision.")


class RefusalForm(forms.Form):
    reason = forms.CharField(label="Motif du refus", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


def error_text(error: Exception) -> str:
    return error.message if isinstance(error, DomainError) else " ".join(error.messages)


def action_form(modeladmin, request, queryset, *, form, title: str, intro: str, submit: str, action: str):
    context = {**modeladmin.admin_site.each_context(request), "title": title, "intro": intro, "form": form,
               "submit": submit, "action": action, "objects": list(queryset[:20]), "opts": modeladmin.model._meta,
               "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
               "changelist": reverse(f"admin:{modeladmin.model._meta.app_label}_"
                                     f"{modeladmin.model._meta.model_name}_changelist")}
    return render(request, "admin/mutuelles/payer_account_form.html", context)


class PayerAccountAdminMixin:
    """For the organismes' and mutuelles' lists: the account, its flag, and the change request."""

    actions = ["request_account_change"]

    @admin.display(description="compte payeur (IBAN)")
    def payer_account(self, obj) -> str:
        if not obj.iban:
            return "non renseigné"
        if obj.iban_is_demo:
            return format_html("{} " + DEMO_BADGE, obj.iban)
        return obj.iban

    def has_request_account_permission(self, request) -> bool:
        return request.user.has_perm("mutuelles.request_payeraccountchange")

    @admin.action(description="Demander le changement du compte payeur (IBAN)", permissions=["request_account"])
    def request_account_change(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, MSG_PICK_ONE, messages.ERROR)
            return None
        payer = queryset.get()
        form = AccountChangeForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            try:
                request_payer_account_change(payer=payer, new_iban=form.cleaned_data["new_iban"],
                                             reason=form.cleaned_data["reason"], by=request.user)
            except (DomainError, ValidationError) as error:
                form.add_error(None, error_text(error))
            else:
                self.message_user(request, MSG_REQUESTED.format(payer=payer, old=payer.iban or "non renseigné"),
                                  messages.SUCCESS)
                return None
        demo = " (compte de démonstration)" if payer.iban_is_demo else ""
        return action_form(self, request, queryset, form=form, action="request_account_change",
                           title=f"Changer le compte payeur de {payer}",
                           intro=f"Compte actuel : {payer.iban or 'non renseigné'}{demo}. Le nouveau compte "
                                 "entre en vigueur quand un autre membre de la trésorerie confirme la demande.",
                           submit="Enregistrer la demande")


class PayerAccountChangeAdmin(ReadOnlyAdminMixin, ScopedWritesMixin, admin.ModelAdmin):
    list_display = ["created_at", "payer", "old_account", "new_iban", "reason", "status", "requested_by",
                    "decided_by", "decision_note"]
    list_filter = ["status"]
    list_select_related = ["fund", "mutuelle", "requested_by", "decided_by"]
    search_fields = ["new_iban", "old_iban", "fund__code", "mutuelle__code"]
    actions = ["confirm_changes", "refuse_changes"]

    def get_queryset(self, request):
        return account_changes_visible_to(user=request.user).select_related("fund", "mutuelle", "requested_by",
                                                                             "decided_by")

    def has_confirm_permission(self, request) -> bool:
        return request.user.has_perm("mutuelles.confirm_payeraccountchange")

    def has_refuse_permission(self, request) -> bool:
        return request.user.has_perm("mutuelles.request_payeraccountchange")

    @admin.display(description="organisme ou mutuelle")
    def payer(self, obj: PayerAccountChange) -> str:
        return str(obj.payer)

    @admin.display(description="ancien IBAN")
    def old_account(self, obj: PayerAccountChange) -> str:
        if obj.old_was_demo:
            return format_html("{} " + DEMO_BADGE, obj.old_iban)
        return obj.old_iban or "—"

    @admin.action(description="Confirmer les changements choisis (double contrôle)", permissions=["confirm"])
    def confirm_changes(self, request, queryset):
        for change in queryset:
            try:
                done = confirm_payer_account_change(change=change, by=request.user)
            except (DomainError, ValidationError) as error:
                self.message_user(request, f"{change.payer} : {error_text(error)}", messages.ERROR)
            else:
                self.message_user(request, MSG_CONFIRMED.format(payer=done.payer, iban=done.new_iban),
                                  messages.SUCCESS)

    @admin.action(description="Refuser les changements choisis", permissions=["refuse"])
    def refuse_changes(self, request, queryset):
        form = RefusalForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            return action_form(self, request, queryset, form=form, action="refuse_changes",
                               title="Refuser des changements de compte payeur",
                               intro="Les comptes restent tels qu'ils sont.", submit="Refuser")
        for change in queryset:
            try:
                refuse_payer_account_change(change=change, by=request.user, reason=form.cleaned_data["reason"])
            except (DomainError, ValidationError) as error:
                self.message_user(request, f"{change.payer} : {error_text(error)}", messages.ERROR)
            else:
                self.message_user(request, MSG_REFUSED.format(payer=change.payer, iban=change.old_iban or "vide"),
                                  messages.SUCCESS)
        return None
