"""Read side of the insured persons' portal: their own record, family rights, claims and payments.

Every query starts from the scoping selectors of beneficiaries and claims, then narrows to the
insured person linked to the account, so that nothing of another insured person can be reached.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from approvals.models import ETMAccord
from beneficiaries.models import Dependent, Insured
from beneficiaries.selectors import insured_visible_to
from beneficiaries.services.entitlement import Entitlement, beneficiary_entitlement
from claims.models import Claim, ClaimDocument, ClaimStatus, ClaimStatusChange, DocumentRequest
from claims.selectors import claims_visible_to
from tariffs.selectors import TariffBook

#: Statuses whose liquidation is final enough to print a statement (décompte).
STATEMENT_STATUSES = frozenset({ClaimStatus.LIQUIDATED, ClaimStatus.IN_BATCH, ClaimStatus.PAID,
                                ClaimStatus.PAYMENT_REJECTED})
#: A child's end of rights is shown on the home page this many days ahead.
END_NOTICE_DAYS = 365
#: Statuses in which the insured person may still add supporting documents.
DOCUMENT_STATUSES = frozenset({ClaimStatus.SUBMITTED, ClaimStatus.IN_CONTROL, ClaimStatus.DOCUMENTS_REQUESTED})


def insured_of(*, user) -> Insured | None:
    """The insured person whose online account this is (None for staff and unknown accounts)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (insured_visible_to(user=user).filter(user=user)
            .select_related("mutuelle", "fund").first())


def family_members(*, insured: Insured) -> list[Dependent]:
    """The insured person's dependants, with what their rights depend on prefetched."""
    return list(Dependent.objects.filter(insured=insured)
                .prefetch_related("study_certificates", "rights_maintenances")
                .order_by("birth_date", "pk"))


@dataclass(frozen=True)
class BeneficiaryRights:
    """Rights of one person of the family on a date."""

    dependent: Dependent | None  # None: the insured person
    name: str
    relationship: str  # assure | conjoint | enfant
    birth_date: date
    entitlement: Entitlement
    #: The end of rights is worth announcing: within a year (a child nearing 21 or 26), or a student's.
    end_announced: bool = False
    #: The students' age limit of the régime on the date (tariffs/data/eligibility_rules.csv).
    student_age: int | None = None


def _announced(entitlement: Entitlement, on: date) -> bool:
    if entitlement.ends_on is None:
        return False
    return entitlement.code == "etudiant" or (entitlement.ends_on - on).days <= END_NOTICE_DAYS


def family_rights(*, insured: Insured, on: date) -> list[BeneficiaryRights]:
    """Rights on `on` of the insured person and of each dependant (loi 65-00 art. 5, domain.md §3.2)."""
    limits = TariffBook.current().eligibility_limits(regime_id=insured.regime_id, on=on)
    holder = beneficiary_entitlement(insured=insured, dependent=None, on=on, limits=limits)
    rows = [BeneficiaryRights(None, insured.full_name, "assure", insured.birth_date, holder)]
    for dependent in family_members(insured=insured):
        dependent.insured = insured  # the holder's rights are checked first; avoid a query per dependant
        entitlement = beneficiary_entitlement(insured=insured, dependent=dependent, on=on, limits=limits)
        rows.append(BeneficiaryRights(dependent, dependent.full_name, dependent.relationship, dependent.birth_date,
                                      entitlement, _announced(entitlement, on), limits.student_age))
    return rows


def etm_accords_of(*, insured: Insured) -> list[ETMAccord]:
    return list(ETMAccord.objects.filter(insured=insured).select_related("ald", "dependent")
                .order_by("-valid_from"))


def own_claims(*, user, insured: Insured) -> QuerySet[Claim]:
    """The insured person's claims, newest first, with the beneficiary joined."""
    return (claims_visible_to(user=user).filter(insured=insured)
            .select_related("dependent").order_by("-pk"))


def filter_claims(claims: QuerySet[Claim], *, status: str | None = None, beneficiary: str | None = None,
                  care_date_from: date | None = None, care_date_to: date | None = None) -> QuerySet[Claim]:
    """Narrow a list of claims by status, beneficiary ("assure" or a dependant's id) and care dates."""
    if status:
        claims = claims.filter(status=status)
    if beneficiary == "assure":
        claims = claims.filter(dependent__isnull=True)
    elif beneficiary:
        claims = claims.filter(dependent_id=int(beneficiary))
    if care_date_from:
        claims = claims.filter(care_date__gte=care_date_from)
    if care_date_to:
        claims = claims.filter(care_date__lte=care_date_to)
    return claims


def claim_for_page(*, user, insured: Insured, pk: int) -> Claim | None:
    """One of the insured person's claims with everything its page shows, or None."""
    return (own_claims(user=user, insured=insured)
            .select_related("insured", "mutuelle", "fund")
            .prefetch_related(
                "lines",
                Prefetch("documents", queryset=ClaimDocument.objects.order_by("pk")),
                Prefetch("status_changes", queryset=ClaimStatusChange.objects.order_by("changed_at", "pk")),
                Prefetch("document_requests", queryset=DocumentRequest.objects.order_by("-created_at", "-pk")),
            )
            .filter(pk=pk).first())


def payments_of(*, claim_ids: list[int]) -> dict:
    """Payment of each claim (batch, date, RIB), from the payments app when it is installed."""
    if not claim_ids:
        return {}
    try:
        from payments.selectors import claim_payments
    except ImportError:
        return {}
    return claim_payments(claim_ids=list(claim_ids))


def payment_history(*, claim: Claim) -> list:
    """Each bordereau line of the claim with each payer's share and the bank's answer, oldest first."""
    from payments.selectors import payment_history_for_claim

    return payment_history_for_claim(claim_id=claim.pk)


def pending_request(claim: Claim) -> DocumentRequest | None:
    """The documents request still waiting for the insured person, if any (uses the prefetch)."""
    for request in claim.document_requests.all():
        if request.fulfilled_at is None:
            return request
    return None
