"""Admin of organismes, mutuelles, their complementary regime and staff accounts."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef

from amo_portal.admin import ReadOnlyAdminMixin
from mutuelles.admin_scope import ScopedWritesMixin, register_scope
from mutuelles.models import (
    AMOFund,
    ComplementaryRate,
    Mutuelle,
    MutuelleFundLink,
    PayerAccountChange,
    Regime,
    RegimePayer,
    User,
)
from mutuelles.payer_accounts import account_changes_visible_to
from mutuelles.payer_accounts_admin import PayerAccountAdminMixin, PayerAccountChangeAdmin
from mutuelles.selectors import funds_visible_to, mutuelles_visible_to

register_scope(Mutuelle, mutuelles_visible_to)
register_scope(AMOFund, funds_visible_to)
register_scope(PayerAccountChange, account_changes_visible_to)


class ReferenceDataAdmin(ReadOnlyAdminMixin, ScopedWritesMixin, admin.ModelAdmin):
    """Reference data is loaded from the files of the repository (load_reference_data): the admin
    shows it, nobody edits it here, so that the files stay the single source."""


class FundLinkInline(ScopedWritesMixin, admin.TabularInline):
    model = MutuelleFundLink
    extra = 0
    fields = ["fund", "footing", "valid_from", "valid_to", "source"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AMOFund)
class AMOFundAdmin(PayerAccountAdminMixin, ReferenceDataAdmin):
    list_display = ["code", "name_fr", "name_ar", "payer_account", "iban_is_demo"]
    search_fields = ["code", "name_fr"]


@admin.register(Mutuelle)
class MutuelleAdmin(PayerAccountAdminMixin, ReferenceDataAdmin):
    list_display = ["code", "name_fr", "name_ar", "review_threshold", "four_eyes_threshold", "payer_account",
                    "iban_is_demo"]
    list_filter = ["iban_is_demo"]
    search_fields = ["code", "name_fr", "name_ar"]
    inlines = [FundLinkInline]


admin.site.register(PayerAccountChange, PayerAccountChangeAdmin)


@admin.register(ComplementaryRate)
class ComplementaryRateAdmin(ReferenceDataAdmin):
    list_display = ["mutuelle", "group", "ald_linked", "rate", "flat_per_consultation", "valid_from", "valid_to"]
    list_filter = ["mutuelle", "group", "ald_linked"]
    list_select_related = ["mutuelle"]


@admin.register(MutuelleFundLink)
class MutuelleFundLinkAdmin(ReferenceDataAdmin):
    list_display = ["mutuelle", "fund", "footing", "valid_from", "valid_to"]
    list_filter = ["fund", "footing"]
    list_select_related = ["mutuelle", "fund"]


class RegimePayerInline(ScopedWritesMixin, admin.TabularInline):
    model = RegimePayer
    extra = 0
    fields = ["fund", "valid_from", "valid_to", "source"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Regime)
class RegimeAdmin(ReferenceDataAdmin):
    """The régimes and, inline, which organisme pays each one's AMO share over time."""

    list_display = ["code", "name_fr", "source"]
    search_fields = ["code", "name_fr"]
    inlines = [RegimePayerInline]


@admin.register(User)
class StaffUserAdmin(ScopedWritesMixin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "mutuelle", "fund", "is_active", "second_factor"]
    actions = ["remove_second_factor"]
    list_filter = ["role", "mutuelle", "fund", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["mutuelle", "fund"]
    fieldsets = [*UserAdmin.fieldsets, ("Rattachement", {"fields": ["role", "mutuelle", "fund"]})]
    add_fieldsets = [*UserAdmin.add_fieldsets, ("Rattachement", {"fields": ["role", "mutuelle", "fund"]})]

    def get_queryset(self, request):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # one EXISTS per row in the same query, instead of one query per row
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_second_factor=Exists(enrolled))

    @admin.display(description="double authentification", boolean=True)
    def second_factor(self, obj) -> bool:
        return obj.has_second_factor

    @admin.action(description="Retirer la double authentification (téléphone perdu ou changé)",
                  permissions=["change"])
    def remove_second_factor(self, request, queryset):
        from mutuelles.second_factor import remove_second_factor

        removed = remove_second_factor(users=queryset)
        self.message_user(request, f"Double authentification retirée de {removed} compte(s) : leurs sessions sont "
                                   "fermées et ils enregistreront une nouvelle application à leur prochaine connexion.")
