"""The public reimbursement simulator: the very same controls and pricing as real claims,
applied to facts typed by the visitor instead of registry rows."""
from dataclasses import dataclass
from datetime import date

from amo_portal.periods import covers
from beneficiaries.services.entitlement import Entitlement, child_entitlement
from claims.services.checks import Reason, deadline_reason, entitlement_reason
from claims.services.liquidation import Totals, add_up
from claims.services.pricing import ClaimContext, LineInput, PricedLine, price_line, rejected_line
from mutuelles.models import Mutuelle
from mutuelles.selectors import fund_on
from tariffs.models import FilingDeadlineRule
from tariffs.selectors import TariffBook

MSG_UNKNOWN_MUTUELLE = "Mutuelle inconnue."
MSG_NO_FUND = "Cette mutuelle n'était rattachée à aucun organisme AMO à la date des soins."


@dataclass(frozen=True)
class SimulatedBeneficiary:
    relationship: str  # assure | conjoint | enfant
    birth_date: date
    student: bool = False
    married: bool = False
    disabled: bool = False


@dataclass(frozen=True)
class SimulatedETM:
    valid_from: date
    valid_to: date | None

    def covers(self, on: date) -> bool:
        return covers(self.valid_from, self.valid_to, on, last_day_included=True)


@dataclass(frozen=True)
class SimulationResult:
    admissible: bool
    reasons: list[Reason]
    lines: list[PricedLine]
    totals: Totals


def _entitlement(beneficiary: SimulatedBeneficiary, on: date) -> Entitlement:
    if beneficiary.relationship == "enfant":
        # A disabled child past the limits is covered only under a maintien des droits,
        # which the visitor is assumed to hold when they tick "handicap".
        return child_entitlement(birth_date=beneficiary.birth_date, on=on, married=beneficiary.married,
                                 studying=beneficiary.student, disabled_maintained=beneficiary.disabled)
    return Entitlement(True, "ouvert", "Droits ouverts.")


def simulate(*, mutuelle: Mutuelle, care_date: date, treatment_end_date: date | None, filing_date: date,
             beneficiary: SimulatedBeneficiary, etm: SimulatedETM | None, lines: list[LineInput],
             book: TariffBook | None = None) -> SimulationResult:
    """What the claim would be paid, line by line, with the reasons for any refusal."""
    book = book or TariffBook.load()
    fund_id = fund_on(mutuelle_id=mutuelle.pk, on=care_date)
    reasons: list[Reason] = []
    if fund_id is None:
        reasons.append(Reason("organisme_inconnu", MSG_NO_FUND))
    else:
        rule = book.deadline_days(fund_id=fund_id, filer=FilingDeadlineRule.Filer.INSURED, on=care_date)
        late = deadline_reason(care_date=care_date, treatment_end_date=treatment_end_date, filed_on=filing_date,
                               days=rule.value[0] if rule else None, suspensions=book.suspensions_for(fund_id))
        if late:
            reasons.append(late)
    not_entitled = entitlement_reason(_entitlement(beneficiary, care_date))
    if not_entitled:
        reasons.append(not_entitled)
    if reasons or fund_id is None:  # no organisme is a reason already
        priced = [rejected_line(line) for line in lines]
    else:
        ctx = ClaimContext(fund_id=fund_id, mutuelle_id=mutuelle.pk, care_date=care_date,
                           etm_valid=bool(etm and etm.covers(care_date)))
        priced = [price_line(line, ctx, book) for line in lines]
    totals = add_up([(line.amount_paid, p.amounts) for line, p in zip(lines, priced, strict=True)])
    return SimulationResult(admissible=not reasons, reasons=reasons, lines=priced, totals=totals)
