"""Domain errors of the claims app, with their French messages."""
from amo_portal.exceptions import ConflictError, DomainError


class InvalidTransition(ConflictError):
    code = "transition_interdite"

    def __init__(self, *, claim, current: str, requested: str):
        from claims.models import ClaimStatus

        super().__init__(
            f"Le dossier {claim} est « {ClaimStatus(current).label} » : "
            f"il ne peut pas passer à « {ClaimStatus(requested).label} ».",
            extra={"statut_actuel": current, "statut_demande": requested},
        )


class StaleClaim(ConflictError):
    code = "dossier_modifie"

    def __init__(self, *, claim):
        super().__init__(
            f"Le dossier {claim} a été modifié par quelqu'un d'autre entre-temps. "
            "Rechargez la page : vos changements n'ont pas été enregistrés.",
            extra={"version": claim.version},
        )


class ClaimInputError(DomainError):
    code = "dossier_invalide"


class DocumentRejected(DomainError):
    code = "piece_refusee"
