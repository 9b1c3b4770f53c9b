"""The rule of accords for one beneficiary: loads their accords and asks the pure rule
(approvals.rules), which the claims side (preview, simulator, liquidation) calls with accords it
loaded itself; and the sessions a claim line consumes, once per line.
"""
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from amo_portal.exceptions import DomainError
from approvals.models import GRANTED_STATUSES, Accord, AccordConsumption
from approvals.rules import AccordDecision, SessionLedger, decide_ald, decide_entente, pick_by_number
from beneficiaries.models import Dependent, Insured

__all__ = ["AccordDecision", "accords_on_file", "ald_decision", "consume_sessions", "entente_decision",
           "find_accord"]


def _owner(beneficiary: Insured | Dependent) -> tuple[int, int | None]:
    if isinstance(beneficiary, Dependent):
        return beneficiary.insured_id, beneficiary.pk
    return beneficiary.pk, None


def accords_on_file(beneficiary: Insured | Dependent) -> list[Accord]:
    """The granted accords (ETM and ententes) of this beneficiary, with what the rule reads."""
    insured_id, dependent_id = _owner(beneficiary)
    return list(Accord.objects.filter(insured_id=insured_id, dependent=dependent_id, status__in=GRANTED_STATUSES)
                .select_related("declination", "ald").order_by("valid_from", "pk"))


def find_accord(beneficiary: Insured | Dependent, number: str, care_date: date) -> Accord | None:
    """The granted accord of this beneficiary with this number, preferring one in force on `care_date`."""
    return pick_by_number(accords_on_file(beneficiary), number, care_date) if number.strip() else None


def ald_decision(beneficiary: Insured | Dependent, ald_code: str, accord_number: str,
                 care_date: date) -> AccordDecision:
    return decide_ald(accords_on_file(beneficiary), ald_code, accord_number, care_date)


def entente_decision(beneficiary: Insured | Dependent, act_code: str, care_date: date,
                     quantity: int = 1) -> AccordDecision:
    """The entente préalable in force for this act on `care_date` with enough sessions left."""
    return decide_entente(accords_on_file(beneficiary), act_code, care_date, quantity, ledger=SessionLedger())


class SessionsExhausted(DomainError):
    code = "seances_epuisees"


@transaction.atomic
def consume_sessions(accord: Accord, claim_line_id: int, quantity: int) -> AccordConsumption:
    """Record that a claim line used `quantity` sessions of `accord`; a second call for the same line
    (re-liquidation) returns the first row and consumes nothing more."""
    existing = AccordConsumption.objects.filter(accord=accord, claim_line_id=claim_line_id).first()
    if existing is not None:
        return existing
    updated = (Accord.objects.filter(pk=accord.pk)
               .exclude(quantity_granted__lt=F("quantity_consumed") + quantity)
               .update(quantity_consumed=F("quantity_consumed") + quantity))
    if not updated:
        raise SessionsExhausted(_("Accord n°%(number)s : plus assez de séances pour cette ligne.")
                                % {"number": accord.accord_number})
    try:
        with transaction.atomic():
            consumption = AccordConsumption.objects.create(accord=accord, claim_line_id=claim_line_id,
                                                           quantity=quantity)
    except IntegrityError:  # the same line consumed concurrently: undo ours, keep theirs
        Accord.objects.filter(pk=accord.pk).update(quantity_consumed=F("quantity_consumed") - quantity)
        return AccordConsumption.objects.get(accord=accord, claim_line_id=claim_line_id)
    accord.refresh_from_db(fields=["quantity_consumed"])
    return consumption
