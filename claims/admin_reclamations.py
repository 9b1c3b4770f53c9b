"""Admin of the insured persons' réclamations: the mutuelle's queue (oldest first, with the days
since filing) and a page per réclamation where a member of its staff, other than the author of the
contested decision, takes it up and upholds or dismisses it (claims.services.reclamations)."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from amo_portal.exceptions import DomainError
from claims.models import Reclamation
from claims.reclamation_models import OPEN_RECLAMATION
from claims.selectors import reclamations_visible_to
from claims.services.reclamations import (
    contested_authors,
    decide_reclamation,
    may_decide,
    take_up_reclamation,
)
from mutuelles.admin_scope import ScopedWritesMixin, register_scope

register_scope(Reclamation, reclamations_visible_to)

ACTIONS = {"etudier", "accueillir", "rejeter"}


@admin.register(Reclamation)
class ReclamationAdmin(ScopedWritesMixin, admin.ModelAdmin):
    list_display = ["pk", "claim_number", "insured", "filed_on", "clock", "status", "contested_by"]
    list_display_links = ["pk", "claim_number"]
    list_filter = ["status"]
    list_select_related = ["claim", "claim__insured", "contested_by"]
    search_fields = ["claim__number"]
    search_help_text = "N° de dossier exact."
    sortable_by = ["filed_on"]
    ordering = ["filed_on", "pk"]

    def get_queryset(self, request):
        return reclamations_visible_to(user=request.user)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper()
        return (queryset.filter(claim__number=term) if term else queryset), False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.has_perm("claims.view_claim")

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False  # filed by the insured person (portal)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # decided by services, never by form

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="dossier")
    def claim_number(self, obj: Reclamation) -> str:
        return obj.claim.number

    @admin.display(description="assuré")
    def insured(self, obj: Reclamation) -> str:
        return obj.claim.insured.full_name

    @admin.display(description="jours depuis le dépôt")
    def clock(self, obj: Reclamation) -> str:
        if obj.status not in OPEN_RECLAMATION:
            return "—"
        return str((timezone.localdate() - obj.filed_on).days)

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [path("<path:object_id>/decision/<slug:action>/", decide, name="claims_reclamation_decide"),
                *super().get_urls()]

    def _get(self, request, object_id) -> Reclamation:
        if not str(object_id).isdigit():
            raise Http404
        found = (self.get_queryset(request).select_related("claim", "claim__insured", "claim__mutuelle", "filed_by",
                                                           "contested_by", "decided_by", "studied_by")
                 .filter(pk=int(object_id)).first())
        if found is None:
            raise Http404
        return found

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        reclamation = self._get(request, object_id)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": str(reclamation),
            "reclamation": reclamation, "claim": reclamation.claim,
            "lines": reclamation.lines.order_by("position"), "documents": reclamation.documents.all(),
            "can_decide": may_decide(reclamation, request.user),
            "is_author": request.user.pk in contested_authors(reclamation),
            "clock": self.clock(reclamation),
        }
        return TemplateResponse(request, "admin/claims/reclamation/desk.html", context)

    def decide_view(self, request, object_id, action):
        if action not in ACTIONS:
            raise Http404("Action inconnue.")
        reclamation = self._get(request, object_id)  # 404 before 403: say nothing of others' réclamations
        page = reverse("admin:claims_reclamation_change", args=[reclamation.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        try:
            if action == "etudier":
                take_up_reclamation(reclamation=reclamation, by=request.user)
                messages.success(request, "Réclamation mise à l'étude.")
            else:
                decide_reclamation(reclamation=reclamation, by=request.user, upheld=action == "accueillir",
                                   decision=request.POST.get("decision", ""))
                messages.success(request, "Réclamation accueillie : dossier reliquidé." if action == "accueillir"
                                 else "Réclamation rejetée : l'assuré en est informé.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(page)
