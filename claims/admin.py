"""Admin of claims: the mutuelle agents' back office, scoped to their mutuelle."""
from django.contrib import admin

from claims.models import Claim, ClaimDocument, ClaimLine, ClaimStatusChange, RejectionReason
from claims.selectors import claims_visible_to


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    extra = 0
    can_delete = False
    fields = ["position", "kind", "cotation", "medicine_code", "quantity", "amount_paid", "tariff", "base",
              "amo_amount", "complementary_amount", "patient_amount", "reason_code", "explanation"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = ClaimStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by", "reason_code", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["number", "insured", "status", "care_date", "filed_on", "total_paid", "total_amo",
                    "total_complementary"]
    list_filter = ["status", "mutuelle", "is_ald"]
    search_fields = ["number", "insured__registration_number", "insured__cnie", "insured__last_name"]
    list_select_related = ["insured", "mutuelle"]
    raw_id_fields = ["insured", "dependent", "etm_accord"]
    readonly_fields = [f.name for f in Claim._meta.fields]
    inlines = [ClaimLineInline, StatusChangeInline]

    def get_queryset(self, request):
        return claims_visible_to(user=request.user).select_related("insured", "mutuelle")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClaimDocument)
class ClaimDocumentAdmin(admin.ModelAdmin):
    list_display = ["claim", "kind", "original_name", "content_type", "size", "created_at"]
    readonly_fields = [f.name for f in ClaimDocument._meta.fields]
    search_fields = ["claim__number", "sha256"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(claim__in=claims_visible_to(user=request.user))

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "scope", "automatic", "active"]
    list_filter = ["scope", "automatic", "active"]
    search_fields = ["code", "label"]
