"""Admin of the registry: insured persons, dependants, ETM accords, scoped to the agent's mutuelle.

Reads and writes alike (mutuelles.admin_scope): every choice, raw-id label and save is checked
against the user's scope. The mutuelle and the organisme of an insured person change only through
the audited transfer action (beneficiaries.services.transfers).

Also the building blocks the claims admin shares: 404 for what the user may not see, a
paginator that never counts a whole table, and the search of people by number or name.
"""
import re
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ShowFacets
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from amo_portal.exceptions import DomainError
from beneficiaries.models import (
    Dependent,
    ETMAccord,
    Insured,
    InsuredTransfer,
    RibChange,
    RightsMaintenance,
    StudyCertificate,
)
from beneficiaries.selectors import dependents_visible_to, etm_accords_visible_to, insured_visible_to
from beneficiaries.services.transfers import TRANSFER_PERMISSION, transfer_insured
from mutuelles.admin_scope import ScopedWritesMixin, register_scope
from mutuelles.models import AMOFund, Mutuelle
from mutuelles.selectors import funds_visible_to, mutuelles_visible_to

register_scope(Insured, insured_visible_to)
register_scope(Dependent, dependents_visible_to)
register_scope(ETMAccord, etm_accords_visible_to)

#: Above this many people matching a name, the search asks for a more precise one.
MAX_PEOPLE_MATCHED = 1000
#: Words of a name search taken into account (each cut between last and first name is tried).
MAX_NAME_WORDS = 4
_HAS_DIGIT = re.compile(r"\d")


class HiddenObjectsAre404:
    """An object outside the user's scope answers 404, as if it did not exist (Django's admin
    would redirect to the index with a message naming the id, which says it exists)."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"{opts.verbose_name} introuvable")


class LookAheadPaginator(Paginator):
    """Never counts: it reads the page asked for plus one row, and that row tells whether a next
    page exists. One query per list page whatever the size of the table; the list then says
    "plus de N" instead of a total that would cost a COUNT(*) of millions of rows."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page_hint: int = 1):
        super().__init__(object_list, per_page, 0, allow_empty_first_page)
        self.page_hint = max(1, page_hint)

    @cached_property
    def _rows(self) -> list:
        start = (self.page_hint - 1) * self.per_page
        return list(self.object_list[start:start + self.per_page + 1])

    @cached_property
    def count(self) -> int:
        return (self.page_hint - 1) * self.per_page + len(self._rows)

    @property
    def is_capped(self) -> bool:
        """More rows exist beyond the page shown (the total is not known)."""
        return len(self._rows) > self.per_page

    @property
    def at_least(self) -> int:
        return self.page_hint * self.per_page

    def page(self, number):
        number = self.validate_number(number)
        if number == self.page_hint:
            return self._get_page(self._rows[:self.per_page], number, self)
        return super().page(number)


class LargeTableAdmin(ScopedWritesMixin, HiddenObjectsAre404, admin.ModelAdmin):
    """Lists of big tables: no count at all (no full count, no facet counts, no page count).
    Writes are scoped like reads (ScopedWritesMixin)."""

    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    paginator = LookAheadPaginator
    list_per_page = 50

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        try:
            page = int(request.GET.get("p", 1))
        except ValueError:
            page = 1
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, page_hint=page)


def name_condition(words: list[str]) -> Q:
    """The words begin the last name, then the first name, or the other way round: "alaoui
    kar", "karim ala", "el amrani karim" (a last name of two words), "fatima zahra". Every
    alternative is a prefix match, served by an index on PostgreSQL (claims migration 0004)."""
    condition = Q()
    for cut in range(1, len(words) + 1):
        head, rest = " ".join(words[:cut]), " ".join(words[cut:])
        for first_field, second_field in (("last_name", "first_name"), ("first_name", "last_name")):
            alternative = Q(**{f"{first_field}__istartswith": head})
            if rest:
                alternative &= Q(**{f"{second_field}__istartswith": rest})
            condition |= alternative
    return condition


@dataclass(frozen=True)
class PeopleMatch:
    insured_ids: list[int]
    dependent_ids: list[int]
    truncated: bool


def matching_people(*, user, term: str) -> PeopleMatch:
    """Insured persons and dependants the user may see that a search term names.

    A term with a digit is a number: exact registration, affiliation or CNIE number (indexed
    lookups). Otherwise each word must begin the last or the first name. The ids are fetched
    first, so that the claims query joins on small lists instead of ORing subqueries.
    """
    term = " ".join(term.split())
    visible = insured_visible_to(user=user)
    if _HAS_DIGIT.search(term):
        people = visible.filter(Q(registration_number=term) | Q(cnie=term.upper()) | Q(affiliation_number=term))
        dependents = Dependent.objects.filter(cnie=term.upper(), insured__in=visible)
    else:
        names = name_condition(term.split()[:MAX_NAME_WORDS])
        people = visible.filter(names)
        dependents = Dependent.objects.filter(names, insured__in=visible)
    insured_ids = list(people.order_by().values_list("pk", flat=True)[:MAX_PEOPLE_MATCHED + 1])
    dependent_ids = list(dependents.order_by().values_list("pk", flat=True)[:MAX_PEOPLE_MATCHED + 1])
    truncated = len(insured_ids) > MAX_PEOPLE_MATCHED or len(dependent_ids) > MAX_PEOPLE_MATCHED
    return PeopleMatch(insured_ids[:MAX_PEOPLE_MATCHED], dependent_ids[:MAX_PEOPLE_MATCHED], truncated)


MSG_SEARCH_TOO_BROAD = (f"Plus de {MAX_PEOPLE_MATCHED} personnes correspondent : seules les {MAX_PEOPLE_MATCHED} "
                        "premières sont prises en compte. Précisez (nom et prénom, n° d'immatriculation ou CNIE).")


def warn_if_truncated(request, match: PeopleMatch) -> None:
    if match.truncated:
        messages.warning(request, MSG_SEARCH_TOO_BROAD)


class ScopedAdmin(LargeTableAdmin):
    """Every list, search, detail page and URL goes through the selector: another mutuelle's
    object answers 404, as if it did not exist. `scope_path` names the path to the Insured."""

    scope_path = ""
    search_help_text = "N° d'immatriculation, n° d'affiliation, CNIE, ou début du nom et du prénom."

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = insured_visible_to(user=request.user)
        if request.user.is_superuser:
            return qs
        if not self.scope_path:
            return qs.filter(pk__in=visible.values("pk"))
        return qs.filter(**{f"{self.scope_path}__in": visible.values("pk")})

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and super().has_module_permission(request)

    def get_list_filter(self, request):
        # an agent's lists hold one mutuelle only: filtering by mutuelle or organisme is noise
        if getattr(request.user, "is_mutuelle_staff", False):
            return [f for f in self.list_filter if f not in ("mutuelle", "fund", "insured__mutuelle")]
        return self.list_filter

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        match = matching_people(user=request.user, term=search_term)
        warn_if_truncated(request, match)
        return queryset.filter(self.people_filter(match)), False

    def people_filter(self, match: PeopleMatch) -> Q:
        path = f"{self.scope_path}__" if self.scope_path else ""
        return Q(**{f"{path}pk__in": match.insured_ids})


class DependentInline(ScopedWritesMixin, admin.TabularInline):
    model = Dependent
    extra = 0
    fields = ["relationship", "first_name", "last_name", "birth_date", "married", "disabled", "registered_on",
              "ended_on"]
    show_change_link = True


class ETMInline(ScopedWritesMixin, admin.TabularInline):
    model = ETMAccord
    extra = 0
    fields = ["accord_number", "dependent", "ald", "valid_from", "valid_until"]
    raw_id_fields = ["dependent"]
    fk_name = "insured"


class TransferInline(ScopedWritesMixin, admin.TabularInline):
    """The audit of the insured person's transfers, read-only: written by the transfer action only."""

    model = InsuredTransfer
    fk_name = "insured"
    extra = 0
    fields = ["created_at", "from_mutuelle", "from_fund", "to_mutuelle", "to_fund", "reason", "transferred_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
class InsuredAdmin(ScopedAdmin):
    list_display = ["registration_number", "last_name", "first_name", "cnie", "mutuelle", "status", "city", "claims"]
    list_filter = ["mutuelle", "status", "fund"]
    search_fields = ["registration_number"]  # shows the search box; matching_people does the search
    list_select_related = ["mutuelle"]
    # the RIB changes only from the insured person's space, where every change is recorded (RibChange)
    readonly_fields = ["user", "rib", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    inlines = [DependentInline, ETMInline, TransferInline]
    actions = ["transfer_selected"]
    fieldsets = [
        ("Carte d'immatriculation", {"fields": ["registration_number", "affiliation_number", "cnie",
                                                "card_issued_on", "mutuelle", "fund"]}),
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
    inlines = [StudyCertificateInline, RightsMaintenanceInline]

    def people_filter(self, match: PeopleMatch) -> Q:
        return Q(insured_id__in=match.insured_ids) | Q(pk__in=match.dependent_ids)


@admin.register(ETMAccord)
class ETMAccordAdmin(ScopedAdmin):
    scope_path = "insured"
    list_display = ["accord_number", "insured", "dependent", "ald", "valid_from", "valid_until"]
    list_filter = ["ald"]
    search_fields = ["accord_number"]  # shows the search box; matching_people does the search
    list_select_related = ["insured", "dependent", "ald"]
    raw_id_fields = ["insured", "dependent"]
    ordering = ["-pk"]  # the newest accords first, and a stable order for the pages


    def get_search_results(self, request, queryset, search_term):
        by_accord = queryset.filter(accord_number=search_term.strip())
        if search_term.strip() and by_accord.exists():
            return by_accord, False
        return super().get_search_results(request, queryset, search_term)

    def people_filter(self, match: PeopleMatch) -> Q:
        return Q(insured_id__in=match.insured_ids) | Q(dependent_id__in=match.dependent_ids)


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
