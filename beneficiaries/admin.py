"""Admin of the registry: insured persons, dependants, ETM accords, scoped to the agent's mutuelle."""
from django.contrib import admin

from beneficiaries.models import Dependent, ETMAccord, Insured, RibChange, RightsMaintenance, StudyCertificate
from beneficiaries.selectors import insured_visible_to


class ScopedAdmin(admin.ModelAdmin):
    """Every list, search, detail page and URL goes through the selector: another mutuelle's
    object answers 404, as if it did not exist. `scope_path` names the path to the Insured."""

    scope_path = ""

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


class DependentInline(admin.TabularInline):
    model = Dependent
    extra = 0
    fields = ["relationship", "first_name", "last_name", "birth_date", "married", "disabled", "registered_on",
              "ended_on"]
    show_change_link = True


class ETMInline(admin.TabularInline):
    model = ETMAccord
    extra = 0
    fields = ["accord_number", "dependent", "ald", "valid_from", "valid_until"]
    raw_id_fields = ["dependent"]
    fk_name = "insured"


@admin.register(Insured)
class InsuredAdmin(ScopedAdmin):
    list_display = ["registration_number", "last_name", "first_name", "cnie", "mutuelle", "status", "city"]
    list_filter = ["mutuelle", "status", "fund"]
    search_fields = ["registration_number", "affiliation_number", "cnie", "last_name", "first_name", "last_name_ar"]
    list_select_related = ["mutuelle"]
    readonly_fields = ["user", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    inlines = [DependentInline, ETMInline]
    fieldsets = [
        ("Carte d'immatriculation", {"fields": ["registration_number", "affiliation_number", "cnie",
                                                "card_issued_on", "mutuelle", "fund"]}),
        ("Identité", {"fields": [("last_name", "first_name"), ("last_name_ar", "first_name_ar"), "birth_date",
                                 "sex"]}),
        ("Situation", {"fields": ["status", "status_since", "affiliated_on", "administration"]}),
        ("Coordonnées et paiement", {"fields": ["email", "phone", "address", "city", "rib"]}),
        ("Compte en ligne", {"fields": ["user", "created_at", "updated_at"]}),
    ]


class StudyCertificateInline(admin.TabularInline):
    model = StudyCertificate
    extra = 0


class RightsMaintenanceInline(admin.TabularInline):
    model = RightsMaintenance
    extra = 0


@admin.register(Dependent)
class DependentAdmin(ScopedAdmin):
    scope_path = "insured"
    list_display = ["last_name", "first_name", "relationship", "birth_date", "insured"]
    list_filter = ["relationship", "disabled", "insured__mutuelle"]
    search_fields = ["last_name", "first_name", "cnie", "insured__registration_number", "insured__cnie"]
    list_select_related = ["insured"]
    raw_id_fields = ["insured"]
    inlines = [StudyCertificateInline, RightsMaintenanceInline]


@admin.register(ETMAccord)
class ETMAccordAdmin(ScopedAdmin):
    scope_path = "insured"
    list_display = ["accord_number", "insured", "dependent", "ald", "valid_from", "valid_until"]
    list_filter = ["ald"]
    search_fields = ["accord_number", "insured__registration_number", "insured__last_name", "insured__cnie"]
    list_select_related = ["insured", "dependent", "ald"]
    raw_id_fields = ["insured", "dependent"]


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
