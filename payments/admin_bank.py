"""Admin of the bank side of the payments: transfer orders, bank returns, and the reconciliation of
what was paid against what was liquidated. Read-only, through the scoped selectors."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from amo_portal.money import format_dh
from claims.selectors import claims_visible_to
from mutuelles.admin_scope import ScopedWritesMixin
from payments.admin_base import ReadOnlyAdmin
from payments.models import BankReturn, BankReturnLine, PaymentReconciliation, TransferOrder
from payments.reconciliation import claims_out_of_balance
from payments.selectors import bank_returns_visible_to, transfer_orders_visible_to


@admin.register(TransferOrder)
class TransferOrderAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "bordereau", "transfer_count", "total", "sha256", "created_by", "created_at"]
    search_fields = ["file_name", "=sha256"]
    list_select_related = ["bordereau", "created_by"]
    exclude = ["file"]

    def get_queryset(self, request):
        return transfer_orders_visible_to(user=request.user).select_related("bordereau", "created_by")


class BankReturnLineInline(ScopedWritesMixin, admin.TabularInline):
    model = BankReturnLine
    fields = ["line", "payer", "accepted", "amount", "reason_code", "reason", "booked_on"]
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("line").filter(accepted=False)


@admin.register(BankReturn)
class BankReturnAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "bordereau", "processed_on", "accepted_count", "rejected_count", "accepted_total",
                    "rejected_total", "known_count", "imported_by", "created_at"]
    list_select_related = ["bordereau", "imported_by"]
    exclude = ["file"]
    inlines = [BankReturnLineInline]

    def get_queryset(self, request):
        return bank_returns_visible_to(user=request.user).select_related("bordereau", "imported_by")


@admin.register(PaymentReconciliation)
class PaymentReconciliationAdmin(ReadOnlyAdmin):
    """Claims whose payments do not match what was liquidated: should stay empty (the database
    refuses most breaches); anything here is for the accountants, with the bordereaux involved."""

    list_display = ["claim_link", "status", "mutuelle", "liquidated", "settled", "ledger", "open", "bordereaux"]
    list_filter = ["mutuelle"]
    search_fields = ["=number"]

    def changelist_view(self, request, extra_context=None):
        title = ("Rapprochement des paiements : dossiers versés autrement que liquidés "
                 "(AMO + complémentaire ; une liste vide veut dire que tout concorde)")
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_queryset(self, request):
        return (claims_out_of_balance(claims_visible_to(user=request.user))
                .select_related("mutuelle").prefetch_related("payment_lines__bordereau"))

    @admin.display(description="dossier")
    def claim_link(self, obj) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:claims_claim_change", args=[obj.pk]), obj.number)

    @admin.display(description="liquidé (AMO + compl.)")
    def liquidated(self, obj) -> str:
        return f"{format_dh(obj.total_amo)} + {format_dh(obj.total_complementary)}"

    @admin.display(description="versé selon le dossier (AMO + compl.)")
    def settled(self, obj) -> str:
        return f"{format_dh(obj.amo_settled)} + {format_dh(obj.complementary_settled)}"

    @admin.display(description="versé selon les lignes de bordereau")
    def ledger(self, obj) -> str:
        return f"{format_dh(obj.ledger_amo)} + {format_dh(obj.ledger_complementary)}"

    @admin.display(description="en attente dans un bordereau")
    def open(self, obj) -> str:
        return f"{format_dh(obj.open_amo)} + {format_dh(obj.open_complementary)}"

    @admin.display(description="bordereaux")
    def bordereaux(self, obj) -> str:
        lines = sorted(obj.payment_lines.all(), key=lambda line: line.pk)
        return format_html_join(", ", '<a href="{}">{}</a> ({})', (
            (reverse("admin:payments_bordereau_change", args=[line.bordereau_id]), line.bordereau,
             line.get_state_display()) for line in lines))
