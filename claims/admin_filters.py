"""Filters and search of the agents' review queue (claims admin changelist).

Every filter is a plain condition on indexed or already-selected columns: none of them counts
rows (the admin's facet counts are off), so the sidebar costs nothing on a table of millions.
"""
import json
import re
from decimal import Decimal

from django.contrib import admin
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from beneficiaries.admin import PeopleMatch, matching_people
from claims.models import Claim, ClaimDocument, ClaimStatus, DocumentRequest, RejectionReason
from claims.services import controls

#: Claim numbers are "<MUTUELLE>-<year>-<8 digits>" (claims.services.intake).
CLAIM_NUMBER = re.compile(r"^[A-Z]{2,8}-\d{4}-\d{1,10}$")

#: The reasons the automatic controls give for sending a claim to an agent.
REVIEW_REASONS = {
    "seuil": controls.REVIEW_ABOVE_THRESHOLD,
    "ligne_non_remboursable": controls.REVIEW_UNPAID_LINE,
    "ald_sans_etm": controls.REVIEW_NO_ETM,
    "sans_piece": controls.REVIEW_NO_DOCUMENT,
}
REVIEW_REASON_LABELS = {
    "seuil": "Au-dessus du seuil de contrôle",
    "ligne_non_remboursable": "Ligne non remboursable",
    "ald_sans_etm": "ALD sans ETM valable",
    "sans_piece": "Sans pièce justificative",
}

#: Statuses whose queue is worked oldest first; the others are read newest first.
OLDEST_FIRST = {"a_controler", "double_controle", ClaimStatus.SUBMITTED, ClaimStatus.DOCUMENTS_REQUESTED}


def has_review_reason(text: str) -> Q:
    """Claims whose automatic controls gave `text`. PostgreSQL answers with jsonb containment;
    SQLite (no JSON containment in Django) matches the JSON-escaped text."""
    if connection.vendor == "postgresql":
        return Q(review_reasons__contains=[text])
    return Q(review_reasons__icontains=json.dumps(text)[1:-1])


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, with the agents' queue ("à contrôler") as the default instead of "everything"."""

    title = "statut"
    parameter_name = "statut"
    TO_CONTROL, SECOND_APPROVAL, ALL = "a_controler", "double_controle", "tous"

    @classmethod
    def default_for(cls, user) -> str:
        # organisme staff and administrators oversee rather than control: everything, newest first
        return cls.TO_CONTROL if getattr(user, "is_mutuelle_staff", False) else cls.ALL

    @classmethod
    def title_for(cls, value: str) -> str:
        titles = {cls.TO_CONTROL: "Dossiers à contrôler", cls.SECOND_APPROVAL: "Dossiers à confirmer (double contrôle)",
                  cls.ALL: "Tous les dossiers"}
        if value in titles:
            return titles[value]
        return f"Dossiers « {ClaimStatus(value).label} »" if value in ClaimStatus.values else "Dossiers"

    def lookups(self, request, model_admin):
        return [
            (self.TO_CONTROL, "À contrôler"),
            (self.SECOND_APPROVAL, "À confirmer (double contrôle)"),
            *[(value, label.capitalize()) for value, label in ClaimStatus.choices if value != ClaimStatus.DRAFT],
            (self.ALL, "Tous les statuts"),
        ]

    def value(self):
        return super().value() or self.default_for(self.request_user)

    def __init__(self, request, params, model, model_admin):
        self.request_user = request.user
        super().__init__(request, params, model, model_admin)

    def choices(self, changelist):
        current = self.value()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.ALL:
            return queryset
        if value == self.TO_CONTROL:
            return queryset.filter(status=ClaimStatus.IN_CONTROL)
        if value == self.SECOND_APPROVAL:
            return queryset.filter(status=ClaimStatus.IN_CONTROL, needs_second_approval=True)
        if value in ClaimStatus.values:
            return queryset.filter(status=value)
        return queryset.none()


class ReimbursementFilter(admin.SimpleListFilter):
    """Amount the AMO and the mutuelle pay together (what the four-eyes rule looks at)."""

    title = "remboursement"
    parameter_name = "remboursement"
    BANDS = {
        "moins_500": (None, Decimal("500")),
        "500_1500": (Decimal("500"), Decimal("1500")),
        "1500_5000": (Decimal("1500"), Decimal("5000")),
        "5000_plus": (Decimal("5000"), None),
    }

    def lookups(self, request, model_admin):
        return [("moins_500", "Moins de 500 DH"), ("500_1500", "500 à 1 500 DH"), ("1500_5000", "1 500 à 5 000 DH"),
                ("5000_plus", "5 000 DH et plus")]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value() or "")
        if band is None:
            return queryset
        low, high = band
        queryset = queryset.alias(reimbursement=F("total_amo") + F("total_complementary"))
        if low is not None:
            queryset = queryset.filter(reimbursement__gte=low)
        if high is not None:
            queryset = queryset.filter(reimbursement__lt=high)
        return queryset


class ReasonFilter(admin.SimpleListFilter):
    """Why the claim is with an agent (automatic controls), or why it was rejected (coded list)."""

    title = "motif"
    parameter_name = "motif"

    def lookups(self, request, model_admin):
        checks = [(f"controle:{key}", f"Contrôle : {label}") for key, label in REVIEW_REASON_LABELS.items()]
        status = request.GET.get(QueueStatusFilter.parameter_name) or QueueStatusFilter.default_for(request.user)
        if status not in (ClaimStatus.REJECTED, QueueStatusFilter.ALL):
            return checks  # the (long) list of rejection reasons only where rejected claims are listed
        reasons = RejectionReason.objects.filter(scope__in=[RejectionReason.Scope.CLAIM, RejectionReason.Scope.BOTH])
        rejections = [(f"rejet:{code}", f"Rejet : {label}") for code, label in reasons.values_list("code", "label")]
        return [*checks, *rejections]

    def queryset(self, request, queryset):
        kind, _, key = (self.value() or "").partition(":")
        if kind == "controle" and key in REVIEW_REASONS:
            return queryset.filter(has_review_reason(REVIEW_REASONS[key]))
        if kind == "rejet" and key:
            return queryset.filter(rejection_code=key)
        return queryset


class DocumentStatusFilter(admin.SimpleListFilter):
    title = "pièces justificatives"
    parameter_name = "pieces"

    def lookups(self, request, model_admin):
        return [("aucune", "Aucune pièce"), ("jointes", "Pièces jointes"),
                ("demandees", "Pièces demandées, en attente"), ("recues", "Pièces demandées puis reçues")]

    def queryset(self, request, queryset):
        value = self.value()
        if value in ("aucune", "jointes"):
            documents = Exists(ClaimDocument.objects.filter(claim=OuterRef("pk")))
            return queryset.filter(~documents if value == "aucune" else documents)
        if value in ("demandees", "recues"):
            requests = DocumentRequest.objects.filter(claim=OuterRef("pk"), fulfilled_at__isnull=value == "demandees")
            return queryset.filter(Exists(requests))
        return queryset


def search_claims(*, user, queryset: QuerySet[Claim], term: str) -> tuple[QuerySet[Claim], PeopleMatch | None]:
    """A claim number finds that claim; anything else finds the claims of the people it names
    (registration, affiliation or CNIE number, or the beginning of their names): the insured
    person's claims and those of a dependant so named."""
    term = " ".join(term.split())
    if CLAIM_NUMBER.match(term.upper()):
        return queryset.filter(number=term.upper()), None
    match = matching_people(user=user, term=term)
    return queryset.filter(Q(insured_id__in=match.insured_ids) | Q(dependent_id__in=match.dependent_ids)), match
