"""Models of the payments app: the bordereaux side (payments/models/bordereaux.py) and the bank
side (payments/models/bank.py), importable from here as one module."""
from payments.models.bank import BankReturn, BankReturnLine, Payer, TransferOrder
from payments.models.bordereaux import (
    OPEN_STATUSES,
    Bordereau,
    BordereauLine,
    BordereauStatus,
    BordereauStatusChange,
    HeldClaim,
    LineState,
    PaymentReconciliation,
)

__all__ = [
    "OPEN_STATUSES", "BankReturn", "BankReturnLine", "Bordereau", "BordereauLine", "BordereauStatus",
    "BordereauStatusChange", "HeldClaim", "LineState", "Payer", "PaymentReconciliation", "TransferOrder",
]
