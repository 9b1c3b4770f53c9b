"""Domain errors of the payments app, with their French messages."""
from amo_portal.exceptions import ConflictError, DomainError


class BordereauStateError(ConflictError):
    """The bordereau is not in a state that allows the action (already approved, rejected...)."""

    code = "bordereau_statut"

    def __init__(self, *, bordereau, action: str):
        super().__init__(
            f"Le bordereau {bordereau} est « {bordereau.get_status_display()} » : impossible de {action}.",
            extra={"statut": bordereau.status},
        )


class NotAllowed(DomainError):
    """The person may see the bordereau but not do this to it (four eyes, other mutuelle...)."""

    code = "action_non_autorisee"


class NothingToPay(DomainError):
    code = "rien_a_payer"


class PayerAccountMissing(DomainError):
    code = "compte_payeur_absent"


class BankReturnRejected(DomainError):
    """The bank return file cannot be imported as it is: nothing of it was recorded."""

    code = "retour_banque_refuse"


class TransferFileError(ValueError):
    """A flat file (transfer order or bank return) does not follow docs/transfer-file.md."""

    def __init__(self, message: str, line_number: int | None = None):
        where = f"ligne {line_number} : " if line_number else ""
        super().__init__(f"{where}{message}")
        self.line_number = line_number
