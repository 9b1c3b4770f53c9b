"""The rule of accords, in one place: does an accord cover this care? Called by the claims side
(preview, simulator, liquidation) with what the claim carries: the ALD code and the accord number
written on the ALD care sheet since January 2024 (domain.md §1.3, §8.1), or the act of an entente.
"""
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from amo_portal.exceptions import DomainError
from approvals.models import GRANTED_STATUSES, Accord, AccordConsumption, AccordKind
from beneficiaries.models import Dependent, Insured


@dataclass(frozen=True)
class AccordDecision:
    """What the register says about one claim line: `note` is for the agent, `reason` says why not."""

    covered: bool
    accord: Accord | None = None
    note: str = ""
    reason: str = ""


def _owner(beneficiary: Insured | Dependent) -> tuple[int, int | None]:
    if isinstance(beneficiary, Dependent):
        return beneficiary.insured_id, beneficiary.pk
    return beneficiary.pk, None


def _normalised(text: str) -> str:
    return "".join(text.split()).upper()


def find_accord(beneficiary: Insured | Dependent, number: str, care_date: date) -> Accord | None:
    """The granted accord of this beneficiary with this number, preferring one in force on `care_date`."""
    insured_id, dependent_id = _owner(beneficiary)
    wanted = _normalised(number)
    if not wanted:
        return None
    candidates = [a for a in Accord.objects.filter(insured_id=insured_id, dependent=dependent_id,
                                                   status__in=GRANTED_STATUSES)
                  .select_related("declination__heading", "ald") if _normalised(a.accord_number) == wanted]
    in_force = [a for a in candidates if a.covers(care_date)]
    return next(iter(in_force or candidates), None)


def ald_decision(beneficiary: Insured | Dependent, ald_code: str, accord_number: str,
                 care_date: date) -> AccordDecision:
    accord = find_accord(beneficiary, accord_number, care_date)
    if accord is None or accord.kind != AccordKind.ETM:
        return AccordDecision(False, None, reason=_("Aucun accord ETM n°%(number)s pour ce bénéficiaire.")
                              % {"number": accord_number.strip()})
    if not accord.covers(care_date):
        return AccordDecision(False, accord, reason=_("L'accord ETM n°%(number)s ne couvre pas le %(day)s "
                                                      "(valable du %(start)s au %(end)s).")
                              % {"number": accord.accord_number, "day": care_date.strftime("%d/%m/%Y"),
                                 "start": accord.valid_from.strftime("%d/%m/%Y") if accord.valid_from else "—",
                                 "end": accord.valid_until.strftime("%d/%m/%Y") if accord.valid_until else "—"})
    return AccordDecision(True, accord, note=_ald_note(accord, _normalised(ald_code)))


def _ald_note(accord: Accord, typed: str) -> str:
    """Tell the agent when the code written differs from the accord's: the accord decides."""
    declination = accord.declination.code if accord.declination else ""
    ald = accord.ald.code if accord.ald else ""  # an ETM accord names its ALD (accord_etm_names_ald)
    if not typed or typed == declination or (not declination and typed == ald):
        return ""
    if typed == ald:
        return _("Code ALD %(typed)s : c'est l'ALD de l'accord ; la déclinaison accordée est %(code)s.") % {
            "typed": typed, "code": declination}
    return _("Code ALD %(typed)s écrit sur la feuille, différent de celui de l'accord (%(code)s) : "
             "l'accord fait foi.") % {"typed": typed, "code": declination or ald}


def entente_decision(beneficiary: Insured | Dependent, act_code: str, care_date: date,
                     quantity: int = 1) -> AccordDecision:
    """The entente préalable in force for this act on `care_date` with enough sessions left."""
    insured_id, dependent_id = _owner(beneficiary)
    act = act_code.strip().upper()
    accords = [a for a in Accord.objects.filter(insured_id=insured_id, dependent=dependent_id,
                                                kind=AccordKind.PRIOR_APPROVAL, status__in=GRANTED_STATUSES)
               .order_by("valid_from", "pk") if act in a.act_codes and a.covers(care_date)]
    if not accords:
        return AccordDecision(False, None, reason=_("Aucune entente préalable en vigueur le %(day)s pour l'acte "
                                                    "%(act)s.") % {"day": care_date.strftime("%d/%m/%Y"), "act": act})
    for accord in accords:
        if accord.quantity_left is None or accord.quantity_left >= quantity:
            return AccordDecision(True, accord)
    return AccordDecision(False, accords[0], reason=_("Entente préalable n°%(number)s : %(left)s séance(s) "
                                                      "restante(s), %(asked)s demandée(s).")
                          % {"number": accords[0].accord_number, "left": accords[0].quantity_left, "asked": quantity})


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
