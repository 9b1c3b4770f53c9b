"""Follow-up of a filed claim by the insured person: adding the supporting documents asked for."""
from django.db import transaction
from django.utils import timezone

from amo_portal.documents import CheckedDocument
from amo_portal.exceptions import ConflictError, DomainError
from claims.models import Claim, ClaimStatus, DocumentRequest
from claims.services.intake import MAX_DOCUMENTS, queue_liquidation, store_document
from claims.workflow import transition_claim

#: While the claim has not been decided, the insured person may still complete it.
OPEN_STATUSES = frozenset({ClaimStatus.SUBMITTED, ClaimStatus.IN_CONTROL, ClaimStatus.DOCUMENTS_REQUESTED})
MSG_CLOSED = "Ce dossier est « {status} » : on ne peut plus y ajouter de pièces."
MSG_NO_DOCUMENT = "Joignez au moins une pièce."
MSG_TOO_MANY = "Un dossier compte au plus {max} pièces : celui-ci en a déjà {count}."


@transaction.atomic
def add_claim_documents(*, claim: Claim, documents: list[tuple[str, CheckedDocument]], by) -> Claim:
    """Attach documents to an open claim (domain.md §5.1: originals of the supporting documents).

    When the mutuelle had asked for missing documents ("pièces demandées"), the request is marked
    fulfilled and the claim goes back to "déposé", so that the controls and the liquidation run
    again with the new documents.
    """
    claim = Claim.objects.select_for_update().select_related("mutuelle").get(pk=claim.pk)
    if claim.status not in OPEN_STATUSES:
        raise ConflictError(MSG_CLOSED.format(status=claim.get_status_display()), code="dossier_clos",
                            extra={"statut": claim.status})
    if not documents:
        raise DomainError(MSG_NO_DOCUMENT, code="aucune_piece", extra={"champs": {"documents": MSG_NO_DOCUMENT}})
    count = claim.documents.count()
    if count + len(documents) > MAX_DOCUMENTS:
        message = MSG_TOO_MANY.format(max=MAX_DOCUMENTS, count=count)
        raise DomainError(message, code="trop_de_pieces", extra={"champs": {"documents": message}})
    for kind, document in documents:
        store_document(claim=claim, document=document, kind=kind, by=by)
    if claim.status == ClaimStatus.DOCUMENTS_REQUESTED:
        DocumentRequest.objects.filter(claim=claim, fulfilled_at__isnull=True).update(fulfilled_at=timezone.now())
        transition_claim(claim=claim, to=ClaimStatus.SUBMITTED, by=by, reason_code="pieces_fournies",
                         reason="Pièces complémentaires ajoutées par l'assuré.")
        queue_liquidation(claim)
    return claim
