"""Admin of the family changes declared online, for the agents of the insured person's mutuelle: the
queue (pending first, the oldest first, with the days waiting), a page per request where the agent opens
the documents, sees the family and what would stop the acceptance, and accepts or refuses with a reason
(beneficiaries.services.family_changes). Scoped like every queue of the back office
(beneficiaries.selectors_family, amo_portal.scoping): another mutuelle's request is a 404.

Also the form of a dependant added or changed in the admin, which applies the rule that a child is the
dependant of one insured person only (beneficiaries.services.duplicates).
"""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from amo_portal.exceptions import DomainError
from beneficiaries.admin_base import PeopleMatch, ScopedAdmin
from beneficiaries.family_documents import document_response
from beneficiaries.models import Dependent, Relationship
from beneficiaries.models_family import FamilyChangeDocument, FamilyChangeRequest, FamilyChangeStatus
from beneficiaries.selectors_family import family_documents_visible_to, family_requests_visible_to
from beneficiaries.services.duplicates import ChildAlreadyDeclared, ChildIdentity, check_child_not_declared, lock_child
from beneficiaries.services.family_changes import (
    DECIDE_PERMISSION,
    accept_family_change,
    acceptance_problem,
    refuse_family_change,
)
from mutuelles.admin_scope import register_scope

register_scope(FamilyChangeRequest, family_requests_visible_to)
register_scope(FamilyChangeDocument, family_documents_visible_to)

VIEW_PERMISSION = "beneficiaries.view_familychangerequest"
ACTIONS = {"accepter", "refuser"}
#: Fields of a dependant that say who the child is: changing one checks the rule again.
IDENTITY_FIELDS = {"relationship", "first_name", "last_name", "birth_date", "cnie", "ended_on", "registered_on"}


class StatusFilter(admin.SimpleListFilter):
    """The queue opens on the requests waiting for a decision."""

    title = "statut"
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [*FamilyChangeStatus.choices, ("toutes", "toutes")]

    def choices(self, changelist):
        value = self.value() or FamilyChangeStatus.PENDING
        for lookup, title in self.lookup_choices:
            yield {"selected": value == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        value = self.value() or FamilyChangeStatus.PENDING
        return queryset if value == "toutes" else queryset.filter(status=value)


@admin.register(FamilyChangeRequest)
class FamilyChangeRequestAdmin(ScopedAdmin):
    scope_path = "insured"
    list_display = ["number", "kind", "insured", "subject", "filed_on", "waiting", "status"]
    list_display_links = ["number"]
    list_filter = [StatusFilter, "kind"]
    list_select_related = ["insured", "dependent"]
    search_fields = ["number"]
    search_help_text = "N° de déclaration, ou l'assuré : n° d'immatriculation, CNIE, début du nom et du prénom."
    sortable_by = ["filed_on", "number"]
    ordering = ["filed_on", "pk"]

    def changelist_view(self, request, extra_context=None):
        title = "Déclarations familiales en attente, les plus anciennes d'abord" if not request.GET.get("statut") \
            else "Déclarations familiales"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_queryset(self, request):
        return family_requests_visible_to(user=request.user).select_related("insured", "dependent")

    def get_search_results(self, request, queryset, search_term):
        by_number = queryset.filter(number=search_term.strip().upper())
        if search_term.strip() and by_number.exists():
            return by_number, False
        return super().get_search_results(request, queryset, search_term)

    def people_filter(self, match: PeopleMatch) -> Q:
        return Q(insured_id__in=match.insured_ids) | Q(dependent_id__in=match.dependent_ids)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.has_perm(VIEW_PERMISSION)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False  # filed by the insured person, online

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # decided through the services, never by an edit form

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="personne concernée")
    def subject(self, obj: FamilyChangeRequest) -> str:
        return obj.dependent.full_name if obj.dependent_id else obj.declared_name

    @admin.display(description="jours d'attente")
    def waiting(self, obj: FamilyChangeRequest) -> str:
        return str((timezone.localdate() - obj.filed_on).days) if obj.is_pending else "—"

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [path("<path:object_id>/decision/<slug:action>/", wrap(self.decide_view),
                     name="beneficiaries_familychangerequest_decide"),
                path("pieces/<int:document_id>/", wrap(self.document_view),
                     name="beneficiaries_familychangerequest_document"),
                *super().get_urls()]

    def _get(self, request, object_id) -> FamilyChangeRequest:
        if not self.has_view_permission(request) or not str(object_id).isdigit():
            raise Http404
        found = (self.get_queryset(request).select_related("insured__mutuelle", "new_dependent", "decided_by")
                 .prefetch_related("documents", "events__changed_by").filter(pk=int(object_id)).first())
        if found is None:
            raise Http404
        return found

    def change_view(self, request, object_id, form_url="", extra_context=None):
        change = self._get(request, object_id)
        may_decide = change.is_pending and request.user.has_perm(DECIDE_PERMISSION)
        problem, suggestion = acceptance_problem(change) if change.is_pending else ("", "")
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": f"{change.get_kind_display().capitalize()} — déclaration {change.number}", "change": change,
            "today": timezone.localdate(), "may_decide": may_decide, "waiting": self.waiting(change),
            "problem": problem, "suggestion": suggestion,
            "family": Dependent.objects.filter(insured=change.insured).order_by("birth_date", "pk"),
            "documents": change.documents.all(), "events": change.events.all(),
        }
        return TemplateResponse(request, "admin/beneficiaries/familychangerequest/decide.html", context)

    def decide_view(self, request, object_id, action):
        if action not in ACTIONS:
            raise Http404("Action inconnue.")
        change = self._get(request, object_id)  # 404 before 403: say nothing of others' requests
        page = reverse("admin:beneficiaries_familychangerequest_change", args=[change.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        try:
            if action == "accepter":
                done = accept_family_change(request_id=change.pk, by=request.user)
                messages.success(request, f"Déclaration {done.number} acceptée : le registre est à jour à compter "
                                          f"du {done.decided_on:%d/%m/%Y} ; l'assuré en est informé.")
            else:
                done = refuse_family_change(request_id=change.pk, by=request.user,
                                            reason=request.POST.get("reason", ""))
                messages.success(request, f"Déclaration {done.number} refusée ; l'assuré en est informé avec le motif.")
        except ChildAlreadyDeclared as error:
            messages.error(request, error.staff_message)
        except DomainError as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(page)

    def document_view(self, request, document_id: int):
        """A document of a request, for the staff who see the request: an image inline, a PDF downloaded."""
        if not self.has_view_permission(request):
            raise Http404
        document = (family_documents_visible_to(user=request.user).select_related("request")
                    .filter(pk=document_id).first())
        if document is None:
            raise Http404
        return document_response(document, download=request.GET.get("telecharger") == "1")


class DependentForm(forms.ModelForm):
    """A dependant typed in the admin: a child is refused when already the dependant of another insured
    person, with the other's registration number (beneficiaries.services.duplicates)."""

    def clean(self):
        data = super().clean()
        relationship = data.get("relationship", self.instance.relationship)
        adding = self.instance.pk is None
        if relationship != Relationship.CHILD or not data.get("birth_date") or self.errors:
            return data
        if not adding and not IDENTITY_FIELDS & set(self.changed_data):
            return data
        if data.get("ended_on") is not None and data["ended_on"] <= timezone.localdate():
            return data  # a row closed in the past covers nobody now
        insured = data.get("insured") or (self.instance.insured if self.instance.insured_id else None)
        child = ChildIdentity(data.get("first_name", ""), data.get("last_name", ""), data["birth_date"],
                              data.get("cnie", ""))
        lock_child(child.birth_date)
        try:
            check_child_not_declared(child, insured=insured, exclude_pk=self.instance.pk, within_family=False,
                                     on=max(data.get("registered_on") or timezone.localdate(), timezone.localdate()))
        except ChildAlreadyDeclared as error:
            raise ValidationError(error.staff_message) from error
        return data
