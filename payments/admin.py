"""Admin of the payments: the CNOPS officers' bordereau desk and the mutuelles' view of their own.

Everything here is read-only (the bank side, orders, returns and reconciliation, is in
payments/admin_bank.py); the workflow buttons of the bordereau page post to
payments.admin_views, which call the services. Lists go through the scoped selectors: another
organisme's or mutuelle's bordereau answers 404.
"""
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from amo_portal.exceptions import DomainError
from amo_portal.money import format_dh
from mutuelles.admin_scope import register_scope
from payments import admin_bank, admin_views  # noqa: F401 (admin_bank: the bank side's registrations)
from payments.admin_base import ReadOnlyAdmin
from payments.demo_bank_admin import DemoBankActionMixin, may_simulate
from payments.models import (
    BankReturn,
    Bordereau,
    BordereauLine,
    BordereauStatus,
    HeldClaim,
    TransferOrder,
)
from payments.selectors import (
    bank_returns_visible_to,
    bordereaux_visible_to,
    held_claims_visible_to,
    lines_visible_to,
    transfer_orders_visible_to,
)
from payments.services.execution import payer_accounts
from payments.services.review import split_bordereau
from payments.services.settlement import settlement_totals

register_scope(Bordereau, bordereaux_visible_to)
register_scope(BordereauLine, lines_visible_to)
register_scope(HeldClaim, held_claims_visible_to)
register_scope(TransferOrder, transfer_orders_visible_to)
register_scope(BankReturn, bank_returns_visible_to)


def progress_html(bordereau: Bordereau) -> str:
    if bordereau.job_error:
        return format_html('<span class="pay-error">{}</span>', bordereau.job_error)
    if not bordereau.progress_step:
        return "—"
    return format_html('<progress value="{}" max="{}"></progress> {} / {} — {}', bordereau.progress_done,
                       max(bordereau.progress_total, 1), bordereau.progress_done, bordereau.progress_total,
                       bordereau.progress_step)


@admin.register(Bordereau)
class BordereauAdmin(DemoBankActionMixin, ReadOnlyAdmin):
    list_display = ["number", "mutuelle", "status_badge", "line_count", "amo_dh", "complementary_dh", "total_dh",
                    "progress", "built_on"]
    list_filter = ["status", "mutuelle", "fund"]
    search_fields = ["number"]
    list_select_related = ["mutuelle", "fund", "approved_by"]
    change_form_template = "payments/admin/bordereau_change_form.html"
    change_list_template = "payments/admin/bordereau_change_list.html"
    # The desk above the form shows the visas; the raw record stays at hand, folded.
    fieldsets = [
        ("Enregistrement complet", {"classes": ["collapse"], "fields": [
            ("built_by", "built_at"), ("presented_by", "presented_at"), ("approved_by", "approved_at"),
            ("rejected_by", "rejected_at", "rejection_reason"), ("executed_by", "executed_at"), "settled_at",
            "bordereau_pdf_sha256", "build_cursor", "job_error"]}),
    ]

    def get_queryset(self, request):
        return bordereaux_visible_to(user=request.user).select_related("mutuelle", "fund", "approved_by")

    def get_list_filter(self, request):
        """Staff of one mutuelle or one organisme are not offered the others as filters."""
        user = request.user
        if user.is_superuser:
            return self.list_filter
        return ["status", "fund" if user.is_mutuelle_staff else "mutuelle"]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("constituer/", wrap(self.build_view), name="payments_bordereau_build"),
            path("<int:pk>/presenter/", wrap(admin_views.present_view), name="payments_bordereau_present"),
            path("<int:pk>/approuver/", wrap(admin_views.approve_view), name="payments_bordereau_approve"),
            path("<int:pk>/rejeter/", wrap(admin_views.reject_view), name="payments_bordereau_reject"),
            path("<int:pk>/executer/", wrap(admin_views.execute_view), name="payments_bordereau_execute"),
            path("<int:pk>/retour-banque/", wrap(admin_views.bank_return_view), name="payments_bordereau_return"),
        ] + super().get_urls()

    def build_view(self, request):
        return admin_views.build_view(request, self.admin_site.each_context(request))

    @admin.display(description="statut", ordering="status")
    def status_badge(self, obj: Bordereau) -> str:
        return format_html('<span class="pay-status pay-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="part AMO", ordering="total_amo")
    def amo_dh(self, obj: Bordereau) -> str:
        return format_dh(obj.total_amo)

    @admin.display(description="part complémentaire", ordering="total_complementary")
    def complementary_dh(self, obj: Bordereau) -> str:
        return format_dh(obj.total_complementary)

    @admin.display(description="total")
    def total_dh(self, obj: Bordereau) -> str:
        return format_dh(obj.total)

    @admin.display(description="progression")
    def progress(self, obj: Bordereau) -> str:
        return progress_html(obj)

    @admin.display(description="constitué le", ordering="built_at")
    def built_on(self, obj: Bordereau) -> str:
        return timezone.localtime(obj.built_at).strftime("%d/%m/%Y") if obj.built_at else "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        bordereau = self.get_object(request, object_id)
        if bordereau is None:
            raise Http404("bordereau introuvable")
        return super().change_view(request, object_id, form_url, {**(extra_context or {}),
                                                                  **desk_context(request, bordereau)})


def desk_context(request, bordereau: Bordereau) -> dict:
    """What the review panel shows and which buttons it offers this user."""
    user, status, S = request.user, bordereau.status, BordereauStatus
    try:
        payer_accounts(bordereau)
        account_problem = ""
    except DomainError as error:
        account_problem = error.message
    four_eyes = user.pk in (bordereau.built_by_id, bordereau.presented_by_id)
    return {
        "bordereau": bordereau,
        "progress": progress_html(bordereau),
        "running": bool(bordereau.progress_step),
        "settlement": settlement_totals(bordereau),
        "order": TransferOrder.objects.filter(bordereau=bordereau).first(),
        "bank_returns": list(bordereau.bank_returns.select_related("imported_by")),
        "history": list(bordereau.status_changes.select_related("changed_by")),
        "account_problem": account_problem,
        "four_eyes": four_eyes and status == S.PRESENTED,
        "can_present": status == S.BUILT and user.has_perm("payments.present_bordereau"),
        "can_approve": status == S.PRESENTED and user.has_perm("payments.approve_bordereau") and not four_eyes,
        "can_reject": status in (S.BUILT, S.PRESENTED) and user.has_perm("payments.approve_bordereau"),
        "can_split": status in (S.BUILT, S.PRESENTED) and user.has_perm("payments.split_bordereau"),
        "can_execute": status == S.APPROVED and user.has_perm("payments.execute_bordereau"),
        "can_import": status == S.SENT and user.has_perm("payments.execute_bordereau"),
        "can_simulate_bank": status == S.SENT and may_simulate(request),
        "return_form": admin_views.BankReturnForm(),
        "lines_url": reverse("admin:payments_bordereauline_changelist") + f"?bordereau__id__exact={bordereau.pk}",
        "held_url": reverse("admin:payments_heldclaim_changelist") + f"?last_bordereau__id__exact={bordereau.pk}",
    }


class BordereauStatusFilter(admin.SimpleListFilter):
    title = "statut du bordereau"
    parameter_name = "statut_bordereau"

    def lookups(self, request, model_admin):
        return BordereauStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(bordereau__status=self.value()) if self.value() else queryset


@admin.action(description="Retirer les dossiers choisis du bordereau (ils retournent à la file de la mutuelle)")
def withdraw_lines_action(modeladmin, request, queryset):
    if not request.user.has_perm("payments.split_bordereau"):
        messages.error(request, "Vous n'avez pas le droit de retirer des dossiers d'un bordereau.")
        return None
    reason = request.POST.get("reason", "").strip()
    if "confirm" not in request.POST:
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        context = {**modeladmin.admin_site.each_context(request), "lines": queryset[:200], "count": queryset.count(),
                   "title": "Retirer des dossiers du bordereau", "opts": modeladmin.model._meta,
                   "action": "withdraw_lines_action", "selected": selected}
        return render(request, "payments/admin/withdraw_confirm.html", context)
    for bordereau_id in set(queryset.values_list("bordereau_id", flat=True)):
        bordereau = bordereaux_visible_to(user=request.user).get(pk=bordereau_id)
        ids = list(queryset.filter(bordereau_id=bordereau_id).values_list("pk", flat=True))
        try:
            split_bordereau(bordereau=bordereau, line_ids=ids, by=request.user, reason=reason)
        except DomainError as error:
            messages.error(request, f"{bordereau} : {error.message}")
        else:
            messages.success(request, f"{len(ids)} dossier(s) retiré(s) du bordereau {bordereau}.")
    return None


@admin.register(BordereauLine)
class BordereauLineAdmin(ReadOnlyAdmin):
    list_display = ["reference", "claim_link", "payee_name", "rib", "amo_dh", "complementary_dh", "state",
                    "paid_on_short", "bank_reason"]
    list_filter = ["state", BordereauStatusFilter, "bordereau__mutuelle"]
    search_fields = ["=reference", "=claim_number", "=rib", "payee_name"]
    list_select_related = ["bordereau"]
    list_per_page = 100
    actions = [withdraw_lines_action]
    readonly_fields = ["claim_link"]
    exclude = ["claim"]

    def get_queryset(self, request):
        return lines_visible_to(user=request.user).select_related("bordereau")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("payments.split_bordereau"):
            actions.pop("withdraw_lines_action", None)
        return actions

    @admin.display(description="dossier", ordering="claim_number")
    def claim_link(self, obj: BordereauLine) -> str:
        url = reverse("admin:claims_claim_change", args=[obj.claim_id])
        return format_html('<a href="{}">{}</a>', url, obj.claim_number)

    @admin.display(description="part AMO", ordering="amo")
    def amo_dh(self, obj: BordereauLine) -> str:
        return format_dh(obj.amo)

    @admin.display(description="payé le", ordering="paid_on")
    def paid_on_short(self, obj: BordereauLine) -> str:
        return obj.paid_on.strftime("%d/%m/%Y") if obj.paid_on else "—"

    @admin.display(description="part complémentaire", ordering="complementary")
    def complementary_dh(self, obj: BordereauLine) -> str:
        return format_dh(obj.complementary)


@admin.register(HeldClaim)
class HeldClaimAdmin(ReadOnlyAdmin):
    list_display = ["claim_link", "mutuelle", "fund", "reason", "created_at", "updated_at", "last_bordereau"]
    list_filter = ["reason_code", "mutuelle", "fund"]
    search_fields = ["=claim__number"]
    list_select_related = ["claim", "mutuelle", "fund", "last_bordereau"]

    def get_queryset(self, request):
        return held_claims_visible_to(user=request.user).select_related("claim", "mutuelle", "fund", "last_bordereau")

    @admin.display(description="dossier")
    def claim_link(self, obj: HeldClaim) -> str:
        url = reverse("admin:claims_claim_change", args=[obj.claim_id])
        return format_html('<a href="{}">{}</a>', url, obj.claim.number)
