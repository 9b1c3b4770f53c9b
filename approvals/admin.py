"""Admin of the register of accords, for the médecins of the mutuelle: the queue of requests with
their legal clock, the decision page (documents, grant, refuse) and the import of a CSV file.
Scoped to the staff's mutuelle for reads and writes (mutuelles.admin_scope)."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from amo_portal.admin import ReadOnlyAdminMixin
from amo_portal.exceptions import DomainError
from approvals.admin_forms import DecisionForm, ImportForm
from approvals.models import (
    OPEN_STATUSES,
    Accord,
    AccordDocument,
    AccordStatusChange,
    ALDDeclination,
    DecisionDeadline,
    ETMAccord,
)
from approvals.selectors import accords_visible_to, decision_deadline_days, etm_accords_visible_to
from approvals.services.imports import AccordImportRefused, import_accords
from approvals.services.review import ask_for_documents, grant_accord, refuse_accord
from beneficiaries.admin_base import PeopleMatch, ScopedAdmin
from mutuelles.admin_scope import ScopedWritesMixin, register_scope

register_scope(Accord, accords_visible_to)
register_scope(ETMAccord, etm_accords_visible_to)
register_scope(AccordStatusChange, lambda *, user: AccordStatusChange.objects.filter(
    accord__in=accords_visible_to(user=user)))
register_scope(AccordDocument, lambda *, user: AccordDocument.objects.filter(accord__in=accords_visible_to(user=user)))


class StatusChangeInline(ReadOnlyAdminMixin, ScopedWritesMixin, admin.TabularInline):
    model = AccordStatusChange
    extra = 0
    fields = ["created_at", "from_status", "to_status", "changed_by", "reason"]
    readonly_fields = fields
    can_delete = False


class DocumentInline(ReadOnlyAdminMixin, ScopedWritesMixin, admin.TabularInline):
    """The pieces sent with the request, each a download (approvals.views.accord_document)."""

    model = AccordDocument
    extra = 0
    fields = ["kind", "original_name", "size", "download"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("fichier"))
    def download(self, obj: AccordDocument) -> str:
        return format_html('<a href="{}">{}</a>', reverse("approvals:document", args=[obj.pk]), _("Télécharger"))


@admin.register(Accord)
class AccordAdmin(ScopedAdmin):
    scope_path = "insured"
    list_display = ["accord_number", "kind", "status", "insured", "dependent", "declination", "requested_on",
                    "clock", "valid_from", "valid_until", "decide_link"]
    list_filter = ["status", "kind", "mutuelle"]
    list_select_related = ["insured", "dependent", "declination"]
    raw_id_fields = ["insured", "dependent", "renews"]
    search_fields = ["accord_number"]
    readonly_fields = ["status", "quantity_consumed", "mutuelle", "fund", "decided_on", "refusal_code"]
    inlines = [DocumentInline, StatusChangeInline]
    ordering = ["-pk"]

    @admin.display(description=_("délai"))
    def clock(self, obj: Accord) -> str:
        """Days since the request, against the deadline in force on that day."""
        if obj.status not in OPEN_STATUSES or obj.requested_on is None:
            return ""
        days = (timezone.localdate() - obj.requested_on).days
        allowed = decision_deadline_days(kind=obj.kind, on=obj.requested_on)
        late = allowed is not None and days > allowed
        return _("%(days)s j / %(allowed)s j%(late)s") % {"days": days, "allowed": allowed if allowed else "—",
                                                          "late": _(" – en retard") if late else ""}

    @admin.display(description=_("décision"))
    def decide_link(self, obj: Accord) -> str:
        if obj.status not in OPEN_STATUSES:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("admin:approvals_accord_decide", args=[obj.pk]),
                           _("Décider"))

    def get_search_results(self, request, queryset, search_term):
        by_accord = queryset.filter(accord_number=search_term.strip())
        if search_term.strip() and by_accord.exists():
            return by_accord, False
        return super().get_search_results(request, queryset, search_term)

    def people_filter(self, match: PeopleMatch):
        from django.db.models import Q

        return Q(insured_id__in=match.insured_ids) | Q(dependent_id__in=match.dependent_ids)

    def get_urls(self):
        return [
            path("<path:object_id>/decider/", self.admin_site.admin_view(self.decide_view),
                 name="approvals_accord_decide"),
            path("importer/", self.admin_site.admin_view(self.import_view), name="approvals_accord_import"),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        accord = get_object_or_404(self.get_queryset(request), pk=object_id if str(object_id).isdigit() else None)
        if not self.has_change_permission(request, accord):
            raise PermissionDenied
        form = DecisionForm(request.POST or None, initial={"valid_from": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                self._decide(request, accord, form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Décision enregistrée."))
                return HttpResponseRedirect(reverse("admin:approvals_accord_change", args=[accord.pk]))
        return TemplateResponse(request, "admin/approvals/accord/decide.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "accord": accord, "form": form,
            "clock": self.clock(accord), "title": _("Décider la demande")})

    def _decide(self, request, accord: Accord, data: dict) -> None:
        if data["decision"] == "pieces":
            ask_for_documents(accord=accord, by=request.user, reason=data["comment"])
        elif data["decision"] == "accorder":
            grant_accord(accord=accord, by=request.user, number=data["number"], valid_from=data["valid_from"],
                         valid_until=data["valid_until"], lifetime=data["lifetime"], quantity=data["quantity"],
                         reason=data["comment"])
        else:
            refuse_accord(accord=accord, by=request.user, code=data["refusal_code"], comment=data["comment"])

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            mutuelle_id = None if request.user.is_superuser else getattr(request.user, "mutuelle_id", None) or -1
            try:
                report = import_accords(content=upload.read().decode("utf-8-sig"), file_name=upload.name,
                                        by=request.user, mutuelle_id=mutuelle_id)
            except (AccordImportRefused, UnicodeDecodeError) as error:
                errors = getattr(error, "message", _("Fichier illisible (UTF-8 attendu).")).split("\n")
            else:
                messages.success(request, report.summary())
                return HttpResponseRedirect(reverse("admin:approvals_accord_changelist"))
        return TemplateResponse(request, "admin/approvals/accord/import.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "errors": errors,
            "title": _("Importer des accords")})


class ReferenceAdmin(ScopedWritesMixin, admin.ModelAdmin):
    """Reference data: loaded from approvals/data by load_reference_data, read-only here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ALDDeclination)
class ALDDeclinationAdmin(ReferenceAdmin):
    list_display = ["code", "label", "heading", "validity_months", "automatic_renewal", "source"]
    list_filter = ["heading", "automatic_renewal"]
    search_fields = ["code", "label"]


@admin.register(DecisionDeadline)
class DecisionDeadlineAdmin(ReferenceAdmin):
    list_display = ["kind", "days", "valid_from", "valid_to", "source"]
