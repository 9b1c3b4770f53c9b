"""The public reimbursement simulator: the very same controls and pricing as real claims,
applied to facts typed by the visitor instead of registry rows."""
from dataclasses import dataclass, field
from datetime import date

from amo_portal.periods import covers
from approvals.models import Accord, AccordKind, AccordStatus
from approvals.rules import AccordDecision, SessionLedger, decide_ald, decide_entente
from beneficiaries.services.entitlement import Entitlement, child_entitlement
from claims.services.checks import Reason, entitlement_reason
from claims.services.controls import filing_check, price_lines
from claims.services.liquidation import Totals, add_up
from claims.services.pricing import ClaimContext, LineInput, PricedLine, parse_cotation, rejected_line
from mutuelles.models import Mutuelle
from mutuelles.selectors import payer_on
from tariffs.selectors import EligibilityLimits, TariffBook

MSG_UNKNOWN_MUTUELLE = "Mutuelle inconnue."
MSG_NO_PAYER = "Aucun organisme AMO ne paie ce régime à la date du dépôt."


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

    def as_accord(self) -> Accord:
        """The ETM the visitor says they hold, as a granted accord the rule can read (never saved)."""
        return Accord(accord_number=SIMULATED_NUMBER, kind=AccordKind.ETM, status=AccordStatus.GRANTED,
                      valid_from=self.valid_from, valid_until=self.valid_to)


SIMULATED_NUMBER = "SIMULATION"


@dataclass(frozen=True)
class AccordsOnFile:
    """What a claim is decided on: the beneficiary's granted accords and what the claim carries
    (the preview of a claim reads the register; the public simulator builds them from what is typed)."""

    accords: list[Accord] = field(default_factory=list)
    is_ald: bool = False
    ald_code: str = ""
    accord_number: str = ""

    @classmethod
    def typed(cls, etm: SimulatedETM | None, lines: list[LineInput], on: date) -> "AccordsOnFile":
        """The visitor's own word: the ETM typed, and an entente for each line that names one."""
        accords = [etm.as_accord()] if etm else []
        for line in lines:
            cotation = parse_cotation(line.cotation) if line.prior_approval_number.strip() else None
            if cotation is not None:
                accords.append(Accord(accord_number=line.prior_approval_number.strip(), valid_from=on,
                                      kind=AccordKind.PRIOR_APPROVAL, status=AccordStatus.GRANTED,
                                      acts=cotation.key))
        return cls(accords, is_ald=etm is not None, accord_number=SIMULATED_NUMBER if etm else "")

    def etm(self, care_date: date) -> AccordDecision | None:
        if not self.is_ald:
            return None
        return decide_ald(self.accords, self.ald_code, self.accord_number, care_date)

    def prior_approval(self, care_date: date):
        ledger = SessionLedger()
        return lambda key, act, quantity: decide_entente(self.accords, act, care_date, quantity, ledger=ledger)


@dataclass(frozen=True)
class SimulationResult:
    admissible: bool
    reasons: list[Reason]
    lines: list[PricedLine]
    totals: Totals
    etm: AccordDecision | None = None  # the ETM decision of an ALD claim (approvals.rules.decide_ald)
    #: The organisme that would pay the AMO share if the claim were filed on the filing date (the
    #: régime's payer that day; mutuelles.selectors.payer_on, as the filing does).
    payer_id: int | None = None


def _entitlement(beneficiary: SimulatedBeneficiary, on: date, limits: EligibilityLimits) -> Entitlement:
    if beneficiary.relationship == "enfant":
        # A disabled child past the limits is covered only under a maintien des droits,
        # which the visitor is assumed to hold when they tick "handicap".
        return child_entitlement(birth_date=beneficiary.birth_date, on=on, married=beneficiary.married,
                                 studying=beneficiary.student, disabled_maintained=beneficiary.disabled,
                                 limits=limits)
    return Entitlement(True, "ouvert", "Droits ouverts.")


def simulate(*, mutuelle: Mutuelle, care_date: date, treatment_end_date: date | None, filing_date: date,
             beneficiary: SimulatedBeneficiary, etm: SimulatedETM | None, lines: list[LineInput],
             book: TariffBook | None = None, on_file: AccordsOnFile | None = None,
             regime_id: int | None = None) -> SimulationResult:
    """What the claim would be paid, line by line, with the reasons for any refusal. The accords
    are decided by approvals.rules as in the liquidation: from `on_file` (the register, for the
    preview of a claim) or, for the public simulator, from the ETM and entente numbers typed.
    The values are those of `regime_id` (the insured person's régime, for a preview), by default the
    régime of the mutuelle's members."""
    book = book or TariffBook.load()
    on_file = on_file or AccordsOnFile.typed(etm, lines, care_date)
    regime_id = regime_id or mutuelle.regime_id  # its values, whoever pays
    payer_id = payer_on(regime_id=regime_id, on=filing_date)
    reasons: list[Reason] = [] if payer_id else [Reason("organisme_inconnu", MSG_NO_PAYER)]
    late, late_lines = filing_check(book=book, regime_id=regime_id, care_date=care_date,
                                    treatment_end_date=treatment_end_date, filed_on=filing_date, lines=lines)
    if late:
        reasons.append(late)
    limits = book.eligibility_limits(regime_id=regime_id, on=care_date)
    not_entitled = entitlement_reason(_entitlement(beneficiary, care_date, limits))
    if not_entitled:
        reasons.append(not_entitled)
    decision = on_file.etm(care_date)
    if reasons:
        priced = [rejected_line(line) for line in lines]
    else:
        ctx = ClaimContext(regime_id=regime_id, mutuelle_id=mutuelle.pk, care_date=care_date,
                           etm_valid=bool(decision and decision.covered),
                           prior_approval=on_file.prior_approval(care_date))
        priced = price_lines(lines, late_lines, ctx, book, [None] * len(lines))
    totals = add_up([(line.amount_paid, p.amounts) for line, p in zip(lines, priced, strict=True)])
    return SimulationResult(admissible=not reasons, reasons=reasons, lines=priced, totals=totals, etm=decision,
                            payer_id=payer_id)
