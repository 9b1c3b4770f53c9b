"""The bank, simulated for demonstrations: it reads a bordereau's issued transfer order, answers
every transfer not answered yet (executed, or rejected with an ISO 20022 reason code), writes a
real bank return file (docs/transfer-file.md, RBAMO1) and imports it through import_bank_return,
so that the settlement runs exactly as with a file from the bank.

Refused unless settings.AMO_DEMO_BANK (on in local settings, off in production): a simulated
return would mark claims paid that no bank paid.
"""
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils import timezone

from amo_portal.exceptions import DomainError
from payments.exceptions import BordereauStateError
from payments.models import BankReturn, BankReturnLine, Bordereau, BordereauStatus, Payer, TransferOrder
from payments.selectors import required_number
from payments.services.bank_return import import_bank_return
from payments.transfer_file import Transfer, TransferResult, parse_transfer_order, write_bank_return

DEFAULT_REASON = "AC04"
_REASON_CODE = re.compile(r"^[A-Z0-9]{4}$")
MSG_DISABLED = ("La simulation de la banque est désactivée sur ce serveur (réglage AMO_DEMO_BANK) : intégrez le "
                "fichier de retour envoyé par la banque.")
MSG_BAD_CODE = "Code motif « {code} » : 4 lettres ou chiffres ISO 20022 attendus (par ex. AC04, AC01, MD07)."
MSG_UNKNOWN_REFERENCE = ("Rejet demandé pour « {ref} » : aucun virement de l'ordre {file} ne porte cette référence "
                         "(référence de virement, référence de paiement ou numéro de dossier).")
MSG_UNKNOWN_PAYER = "Part à rejeter « {payer} » : A (part AMO, organisme) ou C (part complémentaire, mutuelle)."
MSG_TOO_MANY = "Rejets au hasard : {wanted} demandés, mais seuls {left} virements restent sans réponse."
MSG_NOTHING_LEFT = "Tous les virements du bordereau {number} ont déjà reçu une réponse de la banque."
PAYER_NAMES = {"A": Payer.AMO, "AMO": Payer.AMO, "C": Payer.COMPLEMENTARY, "COMPLEMENTAIRE": Payer.COMPLEMENTARY}


class DemoBankError(DomainError):
    code = "banque_simulee"


@dataclass(frozen=True)
class Rejections:
    """What the simulated bank refuses; everything else is executed.

    `references` maps a transfer id (…-A / …-C), a payment reference (both shares) or a claim
    number to an ISO reason code; `payers` maps a payer letter (A, C) to one; `random_count`
    transfers more are drawn at random (`seed` makes the draw repeatable)."""

    references: dict[str, str] = field(default_factory=dict)
    payers: dict[str, str] = field(default_factory=dict)
    random_count: int = 0
    random_reason: str = DEFAULT_REASON
    seed: int | None = None


def reason_code(text: str) -> str:
    code = (text or DEFAULT_REASON).strip().upper()
    if not _REASON_CODE.match(code):
        raise DemoBankError(MSG_BAD_CODE.format(code=text))
    return code


def payer_letter(text: str) -> str:
    letter = PAYER_NAMES.get((text or "").strip().upper())
    if letter is None:
        raise DemoBankError(MSG_UNKNOWN_PAYER.format(payer=text))
    return letter


def parse_rejection(text: str) -> tuple[str, str]:
    """"REFERENCE:CODE" (or "REFERENCE", rejected as AC04) -> (reference, code)."""
    reference, _, code = text.strip().partition(":")
    return reference.strip(), reason_code(code)


def simulated_results(transfers: Iterable[Transfer], *, answered: set[str], rejections: Rejections,
                      processed_on: date, order_name: str = "") -> list[TransferResult]:
    """The bank's answer to every transfer not in `answered` (pure: no ORM)."""
    pending = [t for t in transfers if t.transfer_id not in answered]
    refused: dict[str, str] = {}
    for reference, code in rejections.references.items():
        matched = [t.transfer_id for t in pending
                   if reference in (t.transfer_id, t.transfer_id.rpartition("-")[0], t.claim_number)]
        if not matched:
            raise DemoBankError(MSG_UNKNOWN_REFERENCE.format(ref=reference, file=order_name))
        refused.update(dict.fromkeys(matched, reason_code(code)))
    for payer, code in rejections.payers.items():
        refused.update({t.transfer_id: reason_code(code) for t in pending
                        if t.transfer_id.endswith(f"-{payer_letter(payer)}")})
    if rejections.random_count:
        left = [t.transfer_id for t in pending if t.transfer_id not in refused]
        if rejections.random_count > len(left):
            raise DemoBankError(MSG_TOO_MANY.format(wanted=rejections.random_count, left=len(left)))
        drawn = random.Random(rejections.seed).sample(left, rejections.random_count)  # noqa: S311 — a demo, not a secret
        refused.update(dict.fromkeys(drawn, reason_code(rejections.random_reason)))
    # no label beside the code: the import gives known codes their French label (BANK_REASONS)
    return [TransferResult(t.transfer_id, False, t.amount, refused[t.transfer_id], "", None)
            if t.transfer_id in refused else TransferResult(t.transfer_id, True, t.amount, "", "", processed_on)
            for t in pending]


def answered_transfers(bordereau: Bordereau) -> set[str]:
    """Transfer ids the bank already answered in an imported return."""
    return {f"{reference}-{payer}" for reference, payer in
            BankReturnLine.objects.filter(line__bordereau=bordereau).values_list("line__reference", "payer")}


def simulate_bank_return(*, bordereau: Bordereau, by, rejections: Rejections | None = None,
                         processed_on: date | None = None) -> BankReturn:
    """Answer the bordereau's transfer order as a bank would, and import that answer."""
    if not settings.AMO_DEMO_BANK:
        raise DemoBankError(MSG_DISABLED)
    order = TransferOrder.objects.filter(bordereau=bordereau).first()
    if order is None or bordereau.status not in (BordereauStatus.SENT, BordereauStatus.SETTLED):
        raise BordereauStateError(bordereau=bordereau, action="simuler la réponse de la banque à son ordre de virement")
    with order.file.open("rb") as handle:
        parsed = parse_transfer_order(handle.read())
    processed_on = processed_on or timezone.localdate()
    results = simulated_results(parsed.transfers, answered=answered_transfers(bordereau),
                                rejections=rejections or Rejections(), processed_on=processed_on,
                                order_name=order.file_name)
    if not results:
        raise DemoBankError(MSG_NOTHING_LEFT.format(number=bordereau.number))
    content = write_bank_return(bordereau_number=required_number(bordereau.number), order_sha256=order.sha256,
                                processed_on=processed_on, results=results)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return import_bank_return(bordereau=bordereau, content=content, by=by,
                              file_name=f"RB-SIMULATION-{bordereau.number}-{stamp}.txt")
