"""The automatic controls of a claim and the decision they lead to: filing deadline, rights of the
beneficiary on the care date, duplicates, then every line priced at the tariffs in force.

No database here: the claim's facts come loaded (claims.services.processing for a chunk,
claims.services.reliquidation for one claim), the tariffs from a TariffBook, the earlier claims
sharing a fingerprint or a document as Duplicates.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from amo_portal.money import ZERO
from approvals.models import Accord
from approvals.rules import AccordDecision, SessionLedger, decide_ald, decide_entente
from beneficiaries.models import Dependent
from beneficiaries.services.entitlement import InsuredRights, beneficiary_entitlement
from claims.models import ClaimLine, ClaimStatus
from claims.services.checks import ClaimReason, Reason, deadline_reason, entitlement_reason
from claims.services.liquidation import Totals, add_up
from claims.services.pricing import (
    ClaimContext,
    LineInput,
    LineReason,
    PricedLine,
    late_line,
    price_line,
    rejected_line,
)
from tariffs.models import FilingDeadlineRule
from tariffs.selectors import TariffBook

REVIEW_ABOVE_THRESHOLD = "Remboursement au-dessus du seuil de contrôle manuel de la mutuelle."
REVIEW_UNPAID_LINE = "Au moins une ligne n'est pas remboursable : à vérifier."
REVIEW_NO_ETM = "Dossier ALD sans accord ETM valable à la date des soins."
REVIEW_NO_DOCUMENT = "Aucune pièce justificative jointe."
#: For the agent only (review_reasons): it names another insured person's claim.
REVIEW_OTHER_PERSONS_DOCUMENT = ("La pièce « {name} » a déjà été déposée par un autre assuré avec le dossier "
                                 "{number} : vérifier qu'elle concerne bien ces soins.")


class InsuredFacts(NamedTuple):
    """The insured person's columns the rights rules read (beneficiaries.services.entitlement)."""

    affiliated_on: date
    status: str
    status_since: date


@dataclass(slots=True)
class ClaimFacts:
    """The claim as the controls see it. Carries pk, status and version like a Claim, so that
    the workflow's transition_many() can move it."""

    pk: int
    number: str
    status: str
    version: int
    insured_id: int
    dependent_id: int | None
    mutuelle_id: int
    #: The régime of the insured person: its values and rules apply (not the payer's).
    regime_id: int
    care_date: date
    treatment_end_date: date | None
    filed_on: date
    is_ald: bool
    ald_code: str
    etm_accord_number: str
    duplicate_key: str
    liquidation_count: int
    review_threshold: Decimal
    insured: InsuredRights = field(kw_only=True)
    dependent: Dependent | None = None
    line_ids: list[int] = field(default_factory=list)
    lines: list[LineInput] = field(default_factory=list)
    documents: list[tuple[str, str]] = field(default_factory=list)  # (sha256, original name)
    accords: list[Accord] = field(default_factory=list)  # the insured person's granted accords (any beneficiary)


@dataclass
class Outcome:
    """What the controls and the pricing decided for one claim."""

    rejection: Reason | None
    priced: list[PricedLine]
    totals: Totals
    review_reasons: list[str] = field(default_factory=list)
    etm_accord: Accord | None = None
    notes: list[str] = field(default_factory=list)  # for the agent, without holding the claim

    @property
    def points_to_check(self) -> list[str]:
        """What the claim's review_reasons column keeps: the reasons to hold it, then the notes."""
        return self.review_reasons + self.notes


def line_input(line: ClaimLine) -> LineInput:
    return LineInput(kind=line.kind, amount_paid=line.amount_paid, quantity=line.quantity, cotation=line.cotation,
                     medicine_code=line.medicine_code, ald_linked=line.ald_linked,
                     prior_approval_number=line.prior_approval_number,
                     rejected_reason_code=line.rejected_reason_code, care_date=line.care_date,
                     provider_sector=line.provider_sector)


def beneficiary_accords(claim: ClaimFacts) -> list[Accord]:
    return [a for a in claim.accords if a.dependent_id == claim.dependent_id]


def etm_decision(claim: ClaimFacts) -> AccordDecision | None:
    """The ETM decision of an ALD claim (approvals.rules.decide_ald, as the preview and the simulator)."""
    if not claim.is_ald:
        return None
    return decide_ald(beneficiary_accords(claim), claim.ald_code, claim.etm_accord_number, claim.care_date)


def prior_approval(accords: list[Accord], care_date: date, ledger: SessionLedger):
    """The ententes préalables of one beneficiary, as pricing asks for them line by line."""
    def decide(line_key: int | None, act_code: str, quantity: int) -> AccordDecision:
        return decide_entente(accords, act_code, care_date, quantity, ledger=ledger, line_id=line_key)
    return decide


@dataclass(frozen=True)
class Duplicates:
    """Earlier claims that share a fingerprint (id, number) or a document hash (id, number, insured
    person's id)."""

    by_key: dict[str, list[tuple[int, str]]]
    by_document: dict[str, list[tuple[int, str, int]]]

    def earlier(self, claim: ClaimFacts) -> Reason | None:
        """The same care filed before: the claim is rejected, naming the earlier claim (the
        insured person's own)."""
        for pk, number in self.by_key.get(claim.duplicate_key, []):
            if pk < claim.pk:
                return Reason(ClaimReason.DUPLICATE, f"Ces soins ont déjà été déclarés dans le dossier {number}.")
        return None

    def shared_documents(self, claim: ClaimFacts) -> list[str]:
        """Notes for the agent: documents of this claim already filed by ANOTHER insured person.
        The same person's documents are theirs to file again (a prescription renewed month after
        month): the fingerprint of the care (earlier) decides whether the care itself is new."""
        notes = []
        for sha256, name in claim.documents:
            others = [number for pk, number, insured_id in self.by_document.get(sha256, [])
                      if pk < claim.pk and insured_id != claim.insured_id]
            if others:
                notes.append(REVIEW_OTHER_PERSONS_DOCUMENT.format(name=name, number=others[0]))
        return notes


def filing_check(*, book: TariffBook, regime_id: int, care_date: date, treatment_end_date: date | None,
                 filed_on: date, lines: list[LineInput]) -> tuple[Reason | None, list[Reason | None]]:
    """The filing deadline, counted for each line from its own care date (or from the end of a
    continuous treatment): (the claim's rejection, each line's late-filing reason).

    A line filed too late is refused on its own, the others are paid; when every line is late the
    claim is rejected as a whole, with the reason counted from its first act (claim.care_date). The
    deadline rule is the one in force on the day counted from. Shared by the liquidation, the
    simulator and the preview."""
    reasons: dict[date, Reason | None] = {}

    def reason(on: date) -> Reason | None:
        if on not in reasons:
            rule = book.deadline_days(regime_id=regime_id, filer=FilingDeadlineRule.Filer.INSURED, on=on)
            reasons[on] = deadline_reason(care_date=on, treatment_end_date=treatment_end_date, filed_on=filed_on,
                                          days=rule.value[0] if rule else None,
                                          suspensions=book.suspensions_for(regime_id))
        return reasons[on]

    per_line = [reason(line.care_date or care_date) for line in lines]
    if not lines or all(per_line):
        return reason(care_date) or per_line[0], [None] * len(lines)
    return None, per_line


def price_lines(lines: list[LineInput], late: list[Reason | None], ctx: ClaimContext, book: TariffBook,
                keys: list[int | None]) -> list[PricedLine]:
    """Every line of an admissible claim: priced, or refused alone when filed past its own deadline."""
    return [late_line(line, reason.message) if reason else price_line(line, ctx, book, key)
            for line, reason, key in zip(lines, late, keys, strict=True)]


def control_and_price(claim: ClaimFacts, book: TariffBook, duplicates: Duplicates,
                      ledger: SessionLedger | None = None) -> Outcome:
    """Run the claim-level controls, then price every line (or none, if the claim is rejected).

    `ledger` holds the sessions of ententes taken by the claims decided before in the same run
    (approvals.rules.SessionLedger); the lines priced here add theirs to it.
    """
    decision = etm_decision(claim)
    etm_valid = bool(decision and decision.covered)
    late_claim, late_lines = filing_check(book=book, regime_id=claim.regime_id, care_date=claim.care_date,
                                          treatment_end_date=claim.treatment_end_date, filed_on=claim.filed_on,
                                          lines=claim.lines)
    rejection = (
        late_claim
        or entitlement_reason(beneficiary_entitlement(
            insured=claim.insured, dependent=claim.dependent, on=claim.care_date,
            limits=book.eligibility_limits(regime_id=claim.regime_id, on=claim.care_date)))
        or duplicates.earlier(claim)
    )
    if rejection is not None:
        priced = [rejected_line(line) for line in claim.lines]
    else:
        ledger = ledger if ledger is not None else SessionLedger()
        # no accord loaded (most claims): no entente, without building the decision for nothing
        decide = prior_approval(beneficiary_accords(claim), claim.care_date, ledger) if claim.accords else None
        ctx = ClaimContext(regime_id=claim.regime_id, mutuelle_id=claim.mutuelle_id, care_date=claim.care_date,
                           etm_valid=etm_valid, prior_approval=decide)
        keys: list[int | None] = list(claim.line_ids) or [None] * len(claim.lines)
        priced = price_lines(claim.lines, late_lines, ctx, book, keys)
    totals = add_up([(line.amount_paid, p.amounts) for line, p in zip(claim.lines, priced, strict=True)])
    outcome = Outcome(rejection=rejection, priced=priced, totals=totals,
                      etm_accord=decision.accord if decision else None)
    if rejection is None:
        outcome.review_reasons = review_reasons(claim, outcome, etm_valid) + duplicates.shared_documents(claim)
        outcome.notes = [decision.note] if decision and decision.note else []
    return outcome


def review_reasons(claim: ClaimFacts, outcome: Outcome, etm_valid: bool) -> list[str]:
    """Why an agent must look at the claim before it is liquidated (empty: straight through)."""
    reasons = []
    threshold = claim.review_threshold
    if threshold > ZERO and outcome.totals.amo + outcome.totals.complementary >= threshold:
        reasons.append(REVIEW_ABOVE_THRESHOLD)
    # a line refused by an agent, or alone for its late filing, is decided already
    decided = {LineReason.REJECTED_BY_AGENT, LineReason.LATE}
    if any(p.reason_code and p.reason_code not in decided for p in outcome.priced):
        reasons.append(REVIEW_UNPAID_LINE)
    if claim.is_ald and not etm_valid:
        reasons.append(REVIEW_NO_ETM)
    if not claim.documents:
        reasons.append(REVIEW_NO_DOCUMENT)
    return reasons


def next_status(outcome: Outcome) -> tuple[str, str, str]:
    if outcome.rejection:
        return ClaimStatus.REJECTED, outcome.rejection.code, outcome.rejection.message
    if outcome.review_reasons:
        return ClaimStatus.IN_CONTROL, "controle_manuel", " ".join(outcome.review_reasons)
    return ClaimStatus.LIQUIDATED, "liquidation_automatique", "Contrôles automatiques passés, dossier liquidé."
