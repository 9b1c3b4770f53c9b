"""Admin of claims: the mutuelle agents' review desk, scoped to their mutuelle.

The list is the review queue (oldest filing first, the 60-day mark counted down); the claim
page is the desk (claims.admin_views) where every decision is a service call of
claims.services.review. No form here ever writes a status or an amount.
"""
import csv

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from amo_portal.admin import ReadOnlyAdminMixin
from amo_portal.spreadsheet import safe_row
from beneficiaries.admin import LargeTableAdmin, warn_if_truncated
from claims import admin_views
from claims.admin_filters import (
    OLDEST_FIRST,
    DocumentStatusFilter,
    QueueStatusFilter,
    ReasonFilter,
    ReimbursementFilter,
    search_claims,
)
from claims.admin_rows import QUEUE_COLUMNS, document_preview, queue_row
from claims.models import Claim, ClaimDocument, RejectionReason
from claims.selectors import claims_visible_to, documents_visible_to
from claims.services.bulk_acceptance import accept_claims
from mutuelles.admin_scope import ScopedWritesMixin, register_scope

register_scope(Claim, claims_visible_to)
register_scope(ClaimDocument, documents_visible_to)


class ClaimAdmin(LargeTableAdmin):
    list_display = ["number", *QUEUE_COLUMNS]
    list_display_links = ["number"]
    list_filter = [QueueStatusFilter, ReasonFilter, DocumentStatusFilter, ReimbursementFilter,
                   ("care_date", admin.DateFieldListFilter), "is_ald", "mutuelle"]
    list_select_related = ["insured", "dependent"]
    search_fields = ["number"]  # shows the search box; claims.admin_filters.search_claims does the search
    search_help_text = "N° de dossier, n° d'immatriculation, CNIE, ou début du nom et du prénom du bénéficiaire."
    sortable_by = ["filed"]
    actions = ["accept_selected", "export_csv"]
    list_per_page = 50

    # --- scope and permissions --------------------------------------------------------------
    def get_queryset(self, request):
        return claims_visible_to(user=request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # nothing is edited by form: decisions are services (claims.admin_views)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_decide_permission(self, request, obj=None) -> bool:
        """Agents, médecins contrôleurs and superviseurs of the claim's mutuelle decide."""
        user = request.user
        if not (user.is_active and getattr(user, "is_mutuelle_staff", False)
                and user.has_perm("claims.change_claim")):
            return False
        return obj is None or obj.mutuelle_id == user.mutuelle_id

    def get_list_filter(self, request):
        if getattr(request.user, "is_mutuelle_staff", False):
            return [f for f in self.list_filter if f != "mutuelle"]
        return self.list_filter

    def get_ordering(self, request):
        status = request.GET.get(QueueStatusFilter.parameter_name) or QueueStatusFilter.default_for(request.user)
        if status == QueueStatusFilter.ALL:
            return ["-pk"]  # filing order, newest first: served by the primary key
        if status in OLDEST_FIRST:
            return ["filed_on", "pk"]  # the queue: served by claim_queue_idx
        return ["-filed_on", "-pk"]

    def changelist_view(self, request, extra_context=None):
        status = request.GET.get(QueueStatusFilter.parameter_name) or QueueStatusFilter.default_for(request.user)
        return super().changelist_view(request, {"title": QueueStatusFilter.title_for(status), **(extra_context or {})})

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        found, match = search_claims(user=request.user, queryset=queryset, term=search_term)
        if match is not None:
            warn_if_truncated(request, match)
        return found, False

    # --- columns -----------------------------------------------------------------------------
    # The queue's page renders its rows itself (templatetags.amo_desk.claim_rows: each row's data
    # computed once, claims.admin_rows.queue_row, then one template); the admin's per-cell
    # machinery was the slowest part of a page of 100 claims. These callables name and order the
    # columns, and render the same cell wherever Django's own results table would call them.
    def _cell(self, obj: Claim, column: str) -> str:
        row = getattr(obj, "queue_row", None)
        if row is None:
            row = obj.queue_row = queue_row(obj, timezone.localdate(),
                                            reverse("admin:claims_claim_change", args=[obj.pk]))
        return render_to_string("admin/claims/claim/queue_cell.html", {"row": row, "column": column})

    @admin.display(description="bénéficiaire")
    def beneficiary(self, obj: Claim) -> str:
        return self._cell(obj, "beneficiary")

    @admin.display(description="immatriculation")
    def registration(self, obj: Claim) -> str:
        return self._cell(obj, "registration")

    @admin.display(description="soins")
    def care(self, obj: Claim) -> str:
        return self._cell(obj, "care")

    @admin.display(description="déposé le", ordering="filed_on")
    def filed(self, obj: Claim) -> str:
        return self._cell(obj, "filed")

    @admin.display(description="délai")
    def countdown(self, obj: Claim) -> str:
        return self._cell(obj, "countdown")

    @admin.display(description="payé")
    def paid(self, obj: Claim) -> str:
        return self._cell(obj, "paid")

    @admin.display(description="remboursé")
    def reimbursement(self, obj: Claim) -> str:
        return self._cell(obj, "reimbursement")

    @admin.display(description="statut")
    def state(self, obj: Claim) -> str:
        return self._cell(obj, "state")

    @admin.display(description="à contrôler / motif")
    def reasons(self, obj: Claim) -> str:
        return self._cell(obj, "reasons")

    # --- actions -----------------------------------------------------------------------------
    @admin.action(description="Accepter les dossiers sélectionnés", permissions=["decide"])
    def accept_selected(self, request, queryset):
        versions = {}
        for pk in queryset.values_list("pk", flat=True):
            raw = request.POST.get(f"version_{pk}", "")
            versions[pk] = int(raw) if raw.isdigit() else None
        result = accept_claims(versions=versions, by=request.user)
        if result.liquidated:
            self.message_user(request, f"{len(result.liquidated)} dossier(s) accepté(s) et liquidé(s) : "
                                       f"{', '.join(result.liquidated)}.", messages.SUCCESS)
        if result.awaiting_confirmation:
            self.message_user(request, f"{len(result.awaiting_confirmation)} dossier(s) au-dessus du seuil du double "
                                       f"contrôle, en attente de confirmation par un superviseur : "
                                       f"{', '.join(result.awaiting_confirmation)}.", messages.WARNING)
        for number, reason in result.refused:
            self.message_user(request, f"{number} non accepté : {reason}", messages.ERROR)
        if result.without_document:
            self.message_user(request, _without_document_message(result.without_document), messages.WARNING)

    @admin.action(description="Exporter la sélection (CSV)", permissions=["view"])
    def export_csv(self, request, queryset):
        """Only what the user sees: the queryset is the scoped, filtered list."""
        rows = queryset.select_related("insured", "dependent", "mutuelle").order_by("pk")
        echo = _Echo()
        writer = csv.writer(echo, delimiter=";")

        def lines():
            yield "\ufeff"  # BOM: spreadsheet software then reads the accents right
            yield writer.writerow(EXPORT_HEADER)
            for claim in rows.iterator(chunk_size=2000):
                yield writer.writerow(safe_row(export_row(claim), EXPORT_AMOUNT_COLUMNS))

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="dossiers-{timezone.localdate():%Y%m%d}.csv"'
        return response

    # --- the desk ----------------------------------------------------------------------------
    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [
            path("<path:object_id>/decision/<slug:action>/", decide, name="claims_claim_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.desk_view(self, request, object_id)

    def decide_view(self, request, object_id, action):
        return admin_views.decide_view(self, request, object_id, action)

    def history_view(self, request, object_id, extra_context=None):
        return admin_views.history_view(self, request, object_id)


def _without_document_message(claims: list[tuple[int, str]]) -> str:
    links = format_html_join(", ", '<a href="{}">{}</a>', (
        (reverse("admin:claims_claim_change", args=[pk]), number) for pk, number in claims))
    return format_html(
        gettext("{count} dossier(s) non accepté(s) : aucune pièce justificative jointe. Un dossier sans pièce "
                "s'accepte un par un, depuis sa page, après l'avoir vérifié : {links}."),
        count=len(claims), links=links)


class _Echo:
    def write(self, value: str) -> str:
        return value


EXPORT_HEADER = ["n° de dossier", "mutuelle", "immatriculation", "assuré", "bénéficiaire", "date des soins",
                 "déposé le", "statut", "payé (DH)", "part AMO (DH)", "part complémentaire (DH)",
                 "reste à charge (DH)", "motif de rejet"]
#: The amount columns: numbers, left as such; every other cell is quoted if it would start a formula.
EXPORT_AMOUNT_COLUMNS = frozenset({8, 9, 10, 11})


def _amount(value) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def export_row(claim: Claim) -> list[str]:
    return [claim.number or "", claim.mutuelle.code, claim.insured.registration_number, claim.insured.full_name,
            claim.beneficiary_name, claim.care_date.strftime("%d/%m/%Y"),
            claim.filed_on.strftime("%d/%m/%Y") if claim.filed_on else "", claim.get_status_display(),
            _amount(claim.total_paid), _amount(claim.total_amo), _amount(claim.total_complementary),
            _amount(claim.total_patient), claim.rejection_code]


admin.site.register(Claim, ClaimAdmin)


@admin.register(ClaimDocument)
class ClaimDocumentAdmin(ReadOnlyAdminMixin, LargeTableAdmin):
    list_display = ["claim", "kind", "original_name", "content_type", "size_text", "created_at"]
    list_select_related = ["claim"]
    fields = ["claim", "kind", "original_name", "content_type", "size_text", "sha256", "created_at", "preview"]
    readonly_fields = fields
    search_fields = ["claim__number"]
    search_help_text = "N° de dossier exact."
    sortable_by = []

    def get_queryset(self, request):
        return documents_visible_to(user=request.user).select_related("claim")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper()
        return (queryset.filter(claim__number=term) if term else queryset), False

    @admin.display(description="taille")
    def size_text(self, obj: ClaimDocument) -> str:
        return f"{obj.size / 1024:.0f} Ko".replace(".", ",") if obj.size < 1024 * 1024 else \
            f"{obj.size / 1024 / 1024:.1f} Mo".replace(".", ",")

    @admin.display(description="aperçu")
    def preview(self, obj: ClaimDocument) -> str:
        return render_to_string("admin/claims/claim/document_preview.html", {"preview": document_preview(obj)})


@admin.register(RejectionReason)
class RejectionReasonAdmin(ScopedWritesMixin, admin.ModelAdmin):
    list_display = ["code", "label", "scope", "automatic", "active"]
    list_filter = ["scope", "automatic", "active"]
    search_fields = ["code", "label"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # decisions refer to the codes: a reason is retired (active = False), never deleted
from claims import admin_reclamations  # noqa: E402, F401  (registers the réclamations admin)
