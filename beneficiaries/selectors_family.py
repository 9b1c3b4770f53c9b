"""Read side of the family changes declared online, scoped by who asks (amo_portal.scoping): the staff
of the insured person's mutuelle (or organisme) see their requests, the insured person their own."""
from django.db.models import QuerySet

from amo_portal.scoping import scoped_to
from beneficiaries.models_family import FamilyChangeDocument, FamilyChangeRequest, FamilyChangeStatus

#: The request follows the insured person: a person transferred to another mutuelle takes their
#: pending requests to its agents.
SCOPE = {"fund": "insured__fund_id", "mutuelle": "insured__mutuelle_id", "own": "insured__user"}


def family_requests_visible_to(*, user) -> QuerySet[FamilyChangeRequest]:
    """Every request the user may see: their mutuelle's or organisme's people's, their own, or none."""
    return scoped_to(FamilyChangeRequest.objects.all(), user=user, **SCOPE)


def family_documents_visible_to(*, user) -> QuerySet[FamilyChangeDocument]:
    return FamilyChangeDocument.objects.filter(request__in=family_requests_visible_to(user=user))


def requests_of_insured(*, user, insured_id: int) -> QuerySet[FamilyChangeRequest]:
    """The requests of one insured person (the newest first), as far as the user may see them."""
    return (family_requests_visible_to(user=user).filter(insured_id=insured_id)
            .select_related("insured", "dependent", "new_dependent").order_by("-pk"))


def request_for_page(*, user, insured_id: int, pk: int) -> FamilyChangeRequest | None:
    """One request of the insured person with its documents and history, or None."""
    return (requests_of_insured(user=user, insured_id=insured_id)
            .prefetch_related("documents", "events").filter(pk=pk).first())


def requests_awaiting_decision(*, user) -> QuerySet[FamilyChangeRequest]:
    """The mutuelle's queue: pending requests, the oldest first."""
    return (family_requests_visible_to(user=user).filter(status=FamilyChangeStatus.PENDING)
            .select_related("insured", "dependent").order_by("filed_on", "pk"))
