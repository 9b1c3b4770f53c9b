"""Admin of the registry: insured persons and dependants, scoped to the agent's mutuelle.

Reads and writes alike (mutuelles.admin_scope): every choice, raw-id label and save is checked
against the user's scope. The mutuelle and the organisme of an insured person change only through
the audited transfer action (beneficiaries.services.transfers).

The building blocks of the lists (404 for what the user may not see, a paginator that never counts
a whole table, the search of people) are in beneficiaries.admin_base.
"""
from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from amo_portal.admin import ReadOnlyAdminMixin
from amo_portal.exceptions import DomainError
from beneficiaries.admin_base import (  # noqa: F401 — the claims admin imports the shared blocks from here
    HiddenObjectsAre404,
    LargeTableAdmin,
    LookAheadPaginator,
    PeopleMatch,
    ScopedAdmin,
    matching_people,
    warn_if_truncated,
)
from beneficiaries.admin_deaths import DeathActionsMixin
from beneficiaries.admin_family import DependentForm  # also registers the family changes' queue
from beneficiaries.models import (
    DeathEvent,
    Dependent,
    Insured,
    InsuredTransfer,
    RibChange,
    RightsMaintenance,
    StudyCertificate,
)
from beneficiaries.selectors import dependents_visible_to, insured_visible_to
from beneficiaries.services.transfers import TRANSFER_PERMISSION, transfer_insured
from mutuelles.admin_scope import ScopedWritesMixin, register_scope
from mutuelles.models import AMOFund, Mutuelle
from mutuelles.selectors import funds_visible_to, mutuelles_visible_to

register_scope(Insured, insured_visible_to)
register_scope(Dependent, dependents_visible_to)


class DependentInline(ScopedWritesMixin, admin.TabularInline):
    model = Dependent
    form = DependentForm  # a child is the dependant of one insured person only
    extra = 0
    fields = ["relationship", "first_name", "last_name", "birth_date", "married", "disabled", "registered_on",
              "ended_on"]
    show_change_link = True


class DeathEventInline(ReadOnlyAdminMixin, ScopedWritesMixin, admin.TabularInline):
    """The audit of a death and its consequences, read-only: written by the death actions only."""

    model = DeathEvent
    fk_name = "insured"
    extra = 0
    fields = ["created_at", "kind", "effective_on", "survivor", "details", "recorded_by"]
    readonly_fields = fields
    can_delete = False


class TransferInline(ReadOnlyAdminMixin, ScopedWritesMixin, admin.TabularInline):
    """The audit of the insured person's transfers, read-only: written by the transfer action only."""

    model = InsuredTransfer
    fk_name = "insured"
    extra = 0
    fields = ["created_at", "from_mutuelle", "from_fund", "to_mutuelle", "to_fund", "reason", "transferred_by"]
    readonly_fields = fields
    can_delete = False


class TransferForm(forms.Form):
    """The second step of the transfer action: where to, and why."""

    to_mutuelle = forms.ModelChoiceField(label="Nouvelle mutuelle", queryset=Mutuelle.objects.none())
    to_fund = forms.ModelChoiceField(label="Nouvel organisme", queryset=AMOFund.objects.none())
    reason = forms.CharField(label="Motif du transfert (conservé dans l'historique de l'assuré)",
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_mutuelle"].queryset = mutuelles_visible_to(user=user)
        self.fields["to_fund"].queryset = funds_visible_to(user=user)
        for name in ("to_mutuelle", "to_fund"):
            label = self.fields[name].label
            self.fields[name].error_messages["invalid_choice"] = f"{label} : choisissez-en une de votre périmètre."
            self.fields[name].error_messages["required"] = f"{label} : ce champ est obligatoire."
        self.fields["reason"].error_messages["required"] = "Motif du transfert : ce champ est obligatoire."


@admin.register(Insured)
class InsuredAdmin(DeathActionsMixin, ScopedAdmin):
    list_display = ["registration_number", "last_name", "first_name", "cnie", "mutuelle", "status", "city", "claims"]
    list_filter = ["mutuelle", "status", "fund", "regime"]
    search_fields = ["registration_number"]  # shows the search box; matching_people does the search
    list_select_related = ["mutuelle"]
    # the RIB changes only from the insured person's space, where every change is recorded (RibChange)
    readonly_fields = ["user", "rib", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    inlines = [DependentInline, TransferInline, DeathEventInline]
    actions = ["transfer_selected", "record_death_action", "affiliate_survivor_action", "close_dependants_action"]
    fieldsets = [
        ("Carte d'immatriculation", {"fields": ["registration_number", "affiliation_number", "cnie",
                                                "card_issued_on", "mutuelle", "fund", "regime"]}),
        ("Identité", {"fields": [("last_name", "first_name"), ("last_name_ar", "first_name_ar"), "birth_date",
                                 "sex"]}),
        ("Situation", {"fields": ["status", "status_since", "affiliated_on", "administration"]}),
        ("Coordonnées et paiement", {"fields": ["email", "phone", "address", "city", "rib"]}),
        ("Compte en ligne", {"fields": ["user", "created_at", "updated_at"]}),
    ]

    @admin.display(description="dossiers")
    def claims(self, obj: Insured) -> str:
        url = reverse("admin:claims_claim_changelist")
        return format_html('<a href="{}?insured__id__exact={}&amp;statut=tous">Voir les dossiers</a>', url, obj.pk)

    def get_readonly_fields(self, request, obj=None):
        # the mutuelle and the organisme change only through the audited transfer (transfer_selected)
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "mutuelle", "fund"] if obj is not None else fields

    def has_transfer_permission(self, request) -> bool:
        return request.user.has_perm(TRANSFER_PERMISSION)

    @admin.action(description="Transférer vers une autre mutuelle ou un autre organisme (tracé)",
                  permissions=["transfer"])
    def transfer_selected(self, request, queryset):
        """First the form (where to, why), then the service: all the selected persons or none."""
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        form = TransferForm(request.POST if "confirm" in request.POST else None, user=request.user)
        if form.is_valid():
            try:
                done = transfer_insured(insured_ids=list(queryset.values_list("pk", flat=True)),
                                        to_mutuelle=form.cleaned_data["to_mutuelle"],
                                        to_fund=form.cleaned_data["to_fund"], reason=form.cleaned_data["reason"],
                                        by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            self.message_user(request, f"{len(done)} assuré(s) transféré(s) vers {form.cleaned_data['to_mutuelle']} "
                                       f"({form.cleaned_data['to_fund']}) ; le transfert est inscrit dans leur "
                                       "historique.", messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "title": "Transférer des assurés",
                   "opts": self.model._meta, "people": queryset[:200], "count": queryset.count(), "form": form,
                   "selected": selected, "action": "transfer_selected"}
        return TemplateResponse(request, "admin/beneficiaries/insured/transfer.html", context)


class StudyCertificateInline(ScopedWritesMixin, admin.TabularInline):
    model = StudyCertificate
    extra = 0


class RightsMaintenanceInline(ScopedWritesMixin, admin.TabularInline):
    model = RightsMaintenance
    extra = 0


@admin.register(Dependent)
class DependentAdmin(ScopedAdmin):
    scope_path = "insured"
    list_display = ["last_name", "first_name", "relationship", "birth_date", "insured"]
    list_filter = ["relationship", "disabled", "insured__mutuelle"]
    search_fields = ["cnie"]  # shows the search box; matching_people does the search
    list_select_related = ["insured"]
    raw_id_fields = ["insured"]
    form = DependentForm  # a child is the dependant of one insured person only
    inlines = [StudyCertificateInline, RightsMaintenanceInline]

    def people_filter(self, match: PeopleMatch) -> Q:
        return Q(insured_id__in=match.insured_ids) | Q(pk__in=match.dependent_ids)


@admin.register(RibChange)
class RibChangeAdmin(ScopedAdmin):
    scope_path = "insured"
    list_display = ["insured", "created_at", "changed_by"]
    readonly_fields = ["insured", "old_rib", "new_rib", "changed_by", "created_at"]
    list_select_related = ["insured", "changed_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
