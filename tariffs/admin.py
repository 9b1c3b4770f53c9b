"""Admin of the reference tariffs: read-only views of what load_reference_data loaded."""
from django.contrib import admin

from mutuelles.admin import ReferenceDataAdmin
from mutuelles.admin_scope import ScopedWritesMixin
from tariffs.models import (
    ALDCondition,
    AMORate,
    DeadlineSuspension,
    EligibilityRule,
    FilingDeadlineRule,
    LetterKey,
    LetterKeyValue,
    Medicine,
    MedicinePrice,
)


@admin.register(LetterKey)
class LetterKeyAdmin(ReferenceDataAdmin):
    list_display = ["code", "label", "group", "is_consultation", "requires_prior_approval"]
    search_fields = ["code", "label"]


@admin.register(LetterKeyValue)
class LetterKeyValueAdmin(ReferenceDataAdmin):
    list_display = ["key", "regime", "value", "valid_from", "valid_to", "source"]
    list_filter = ["regime", "key"]
    list_select_related = ["key", "regime"]


class MedicinePriceInline(ScopedWritesMixin, admin.TabularInline):
    model = MedicinePrice
    extra = 0
    fields = ["ppv", "pbr", "valid_from", "valid_to"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Medicine)
class MedicineAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "dci", "presentation", "is_generic", "reimbursable_from", "is_sample"]
    list_filter = ["is_generic", "is_sample"]
    search_fields = ["code", "name", "dci"]
    inlines = [MedicinePriceInline]


@admin.register(MedicinePrice)
class MedicinePriceAdmin(ReferenceDataAdmin):
    list_display = ["medicine", "ppv", "pbr", "valid_from", "valid_to"]
    search_fields = ["medicine__name", "medicine__code"]
    list_select_related = ["medicine"]


@admin.register(AMORate)
class AMORateAdmin(ReferenceDataAdmin):
    list_display = ["regime", "group", "ald_linked", "rate", "valid_from", "valid_to", "source"]
    list_filter = ["regime", "group", "ald_linked"]


@admin.register(FilingDeadlineRule)
class FilingDeadlineRuleAdmin(ReferenceDataAdmin):
    list_display = ["regime", "filer", "days", "valid_from", "valid_to"]


@admin.register(DeadlineSuspension)
class DeadlineSuspensionAdmin(ReferenceDataAdmin):
    list_display = ["regime", "first_day", "last_day", "reason"]


@admin.register(ALDCondition)
class ALDConditionAdmin(ReferenceDataAdmin):
    list_display = ["code", "label"]
    search_fields = ["code", "label"]


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(ReferenceDataAdmin):
    list_display = ["regime", "rule", "value", "valid_from", "valid_to", "source"]
    list_filter = ["regime", "rule"]
    list_select_related = ["regime"]
