"""Pricing a claim line: find the tariff and rates in force on the care date, then liquidate it.

The same function serves real claims (claims.services.processing) and the public simulator,
so that what an insured person is told is what they will be paid.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from amo_portal.money import ZERO, format_dh, format_rate, to_centimes
from approvals.rules import AccordDecision
from claims.services.liquidation import LineAmounts, LineToLiquidate, liquidate_line, unpaid_line
from mutuelles.models import PrestationGroup
from tariffs.selectors import Dated, KeyInfo, TariffBook

_COTATION = re.compile(r"^\s*([A-Za-z]{1,8})\s*(\d{1,5}(?:[.,]\d{1,2})?)?\s*$")


class LineReason:
    """Codes explaining why a line pays nothing (or less than usual)."""

    PAID = ""
    UNKNOWN_COTATION = "cotation_inconnue"
    NO_TARIFF = "tarif_absent"
    UNKNOWN_MEDICINE = "medicament_inconnu"
    NOT_REIMBURSABLE = "medicament_non_remboursable"
    NO_PRICE = "prix_absent"
    PRIOR_APPROVAL_MISSING = "entente_prealable_manquante"
    NO_RATE = "taux_absent"
    CLAIM_REJECTED = "dossier_rejete"
    REJECTED_BY_AGENT = "rejet_agent"
    #: The line alone was filed past the deadline counted from its own care date (the code of the
    #: claim-level late-filing reason, claims.services.checks.ClaimReason.LATE).
    LATE = "hors_delai"
    #: A key valued per session (AMM, AMY, AMO) written with a coefficient, or more sessions on one
    #: line than its key allows.
    BAD_SESSIONS = "seances_invalides"


REASON_MESSAGES = {
    LineReason.UNKNOWN_COTATION: "Cotation inconnue : la lettre clé n'existe pas dans la nomenclature.",
    LineReason.NO_TARIFF: "Aucune valeur de la lettre clé n'était en vigueur à la date des soins.",
    LineReason.UNKNOWN_MEDICINE: "Médicament inconnu de la liste des médicaments remboursables.",
    LineReason.NOT_REIMBURSABLE: "Médicament non remboursable à la date des soins.",
    LineReason.NO_PRICE: "Aucun prix de référence (PBR) en vigueur à la date des soins.",
    LineReason.PRIOR_APPROVAL_MISSING: "Acte soumis à entente préalable : aucune entente accordée ne le couvre.",
    LineReason.NO_RATE: "Aucun taux de remboursement en vigueur à la date des soins.",
    LineReason.CLAIM_REJECTED: "Dossier rejeté : aucune ligne n'est remboursée.",
    LineReason.REJECTED_BY_AGENT: "Ligne rejetée lors du contrôle.",
    LineReason.LATE: "Ligne déposée hors délai : le délai de dépôt court depuis la date des soins de la ligne.",
    LineReason.BAD_SESSIONS: ("Acte valorisé par séance : écrivez la lettre clé seule (par exemple « AMM ») et le "
                              "nombre de séances dans la quantité, sans dépasser le maximum par ligne."),
}


@dataclass(frozen=True)
class Cotation:
    key: str
    coefficient: Decimal


@lru_cache(maxsize=4096)  # a few dozen distinct cotations make up most lines
def parse_cotation(text: str) -> Cotation | None:
    """'B 60' -> (B, 60); 'Cs' -> (Cs, 1); 'K50' -> (K, 50). None when unreadable."""
    match = _COTATION.match(text or "")
    if not match:
        return None
    try:
        coefficient = Decimal(match.group(2).replace(",", ".")) if match.group(2) else Decimal("1")
    except InvalidOperation:
        return None
    if coefficient <= 0:
        return None
    return Cotation(key=match.group(1), coefficient=coefficient)


class LineInput(NamedTuple):
    kind: str  # "acte" | "medicament"
    amount_paid: Decimal
    quantity: int = 1
    cotation: str = ""
    medicine_code: str = ""
    ald_linked: bool = False
    prior_approval_number: str = ""
    rejected_reason_code: str = ""
    #: The line's own date of care; None: the claim's (ClaimContext.care_date).
    care_date: date | None = None
    #: "prive" or "public" (tariffs.models.ProviderSector): keys valued per sector read this one.
    provider_sector: str = "prive"


def line_date(line: LineInput, ctx: "ClaimContext") -> date:
    """The day the line's tariffs, prices and rates are read on: its own, else the claim's."""
    return line.care_date or ctx.care_date


#: The entente préalable decision for one line: (line key, act code, quantity) -> decision. The
#: line key (a claim line's id, or its position in a preview) lets a line liquidated again keep
#: the sessions it consumed (approvals.rules.decide_entente).
PriorApproval = Callable[[int | None, str, int], AccordDecision]


@dataclass(frozen=True)
class ClaimContext:
    regime_id: int  # the insured person's régime: its letter-key values and rates
    mutuelle_id: int
    care_date: date
    etm_valid: bool  # an ETM accord covers the care date
    prior_approval: PriorApproval | None = None  # None: no entente on file


class PricedLine(NamedTuple):
    amounts: LineAmounts
    reason_code: str
    explanation: str
    letter_key: str = ""
    coefficient: Decimal = Decimal("1")


def _unpaid(line: LineInput, code: str, key: str = "", coefficient: Decimal = Decimal("1")) -> PricedLine:
    return PricedLine(unpaid_line(line.amount_paid), code, REASON_MESSAGES[code], key, coefficient)


def _rates(book: TariffBook, ctx: ClaimContext, group: str, ald: bool, on: date):
    amo = book.amo_rate(regime_id=ctx.regime_id, group=group, ald_linked=ald, on=on)
    comp = book.complementary_rate(mutuelle_id=ctx.mutuelle_id, group=group, ald_linked=ald, on=on)
    return amo, comp


# Amounts and rates repeat a lot from one line to the next (tariffs, usual fees): a worker
# pricing thousands of lines formats each distinct value once.
_dh = lru_cache(maxsize=65536)(format_dh)
_rate = lru_cache(maxsize=1024)(format_rate)


class Extras(NamedTuple):
    """What the mutuelle adds on a line beyond its rate: the flat per consultation (consultations and,
    where the key says so, dental care) and the dated per-act complement (tariffs.selectors.act_complement)."""

    amount: Decimal = ZERO
    text: str = ""  # " + forfait 10,00 DH + complément … 360,00 DH (ref)"


_NO_EXTRAS = Extras()


def _act_extras(key: KeyInfo, line: LineInput, ctx: ClaimContext, book: TariffBook, flat: Decimal,
                on: date) -> Extras:
    flat = flat * line.quantity if key.takes_consultation_flat else ZERO
    amount, text = flat, f" + forfait {_dh(flat)}" if flat else ""
    complement = book.act_complement(mutuelle_id=ctx.mutuelle_id, code=key.code, on=on)
    if complement is not None:
        per_unit = complement.value[0] * line.quantity
        amount += per_unit
        text += f" + {complement.ref} × {line.quantity} = {_dh(per_unit)}"
    return Extras(amount, text)


def _explain(head: str, amounts: LineAmounts, paid: Decimal, amo_rate, amo_ref: str,
             comp_rate, extras: Extras, comp_ref: str, ald_note: str) -> str:
    wanted = to_centimes(amounts.base * comp_rate) + to_centimes(extras.amount)
    # the complementary share never exceeds what the person paid beyond the AMO share
    cap = " (plafonnée à ce qui a été payé au-delà de la part AMO)" if amounts.complementary < wanted else ""
    return (
        f"{head} → tarif {_dh(amounts.tariff)} ; base = min(payé {_dh(paid)}, tarif) = "
        f"{_dh(amounts.base)} ; AMO {_rate(amo_rate)} ({amo_ref}) = {_dh(amounts.amo)} ; "
        f"complémentaire {_rate(comp_rate)} ({comp_ref}){extras.text} = {_dh(amounts.complementary)}{cap} ; "
        f"reste à charge {_dh(amounts.patient)}.{ald_note}"
    )


#: No complementary rate for the mutuelle, group and date (e.g. a mutuelle whose rates no source
#: gives): the line pays no complementary share, and says why, rather than failing.
NO_COMPLEMENTARY_RATE = "aucun taux complémentaire connu pour cette mutuelle à cette date"


def _comp_ref(comp: Dated | None) -> str:
    return comp.ref if comp else NO_COMPLEMENTARY_RATE


def _ald(line: LineInput, ctx: ClaimContext) -> tuple[bool, str]:
    if not line.ald_linked:
        return False, ""
    if ctx.etm_valid:
        return True, " Ligne liée à l'ALD couverte par une ETM valable : taux ALD."
    return False, " Ligne déclarée liée à l'ALD mais sans ETM valable à la date des soins : taux ordinaire."


@lru_cache(maxsize=4096)
def _act_head(code: str, coefficient: Decimal, quantity: int, ref: str, per_session: bool = False) -> str:
    if per_session:
        return f"{code} × {quantity} séance{'s' if quantity > 1 else ''} ({ref})"
    return f"{code} × {coefficient.normalize():f} × {quantity} ({ref})"


def _sessions_refused(key: KeyInfo, cotation: Cotation, quantity: int) -> bool:
    """A key valued per session counts sessions in the quantity (letter_keys.csv): its cotation has
    no coefficient of its own, and a line holds at most the key's maximum of sessions."""
    if not key.per_session:
        return False
    too_many = key.max_sessions is not None and quantity > key.max_sessions
    return cotation.coefficient != 1 or too_many


def _entente_refused(line: LineInput, ctx: ClaimContext, code: str, line_key: int | None) -> str | None:
    """None when an entente préalable covers the act; otherwise why not."""
    decision = ctx.prior_approval(line_key, code, line.quantity) if ctx.prior_approval else None
    if decision is not None and decision.covered:
        return None
    return decision.reason if decision is not None else ""


def price_act(line: LineInput, ctx: ClaimContext, book: TariffBook, line_key: int | None = None) -> PricedLine:
    cotation = parse_cotation(line.cotation)
    key = book.key(cotation.key) if cotation else None
    if cotation is None or key is None:
        return _unpaid(line, LineReason.UNKNOWN_COTATION)
    if line.rejected_reason_code:
        return _unpaid(line, LineReason.REJECTED_BY_AGENT, key.code, cotation.coefficient)
    if key.requires_prior_approval:
        refused = _entente_refused(line, ctx, key.code, line_key)
        if refused is not None:
            unpaid = _unpaid(line, LineReason.PRIOR_APPROVAL_MISSING, key.code, cotation.coefficient)
            return unpaid._replace(explanation=f"{unpaid.explanation} {refused}".strip())
    if _sessions_refused(key, cotation, line.quantity):
        return _unpaid(line, LineReason.BAD_SESSIONS, key.code, cotation.coefficient)
    on = line_date(line, ctx)
    value = book.key_value(code=key.code, regime_id=ctx.regime_id, on=on, sector=line.provider_sector)
    if value is None:
        return _unpaid(line, LineReason.NO_TARIFF, key.code, cotation.coefficient)
    ald, ald_note = _ald(line, ctx)
    amo, comp = _rates(book, ctx, key.group, ald, on)
    if amo is None:
        return _unpaid(line, LineReason.NO_RATE, key.code, cotation.coefficient)
    comp_rate, flat = (comp.value[0], comp.value[1]) if comp else (ZERO, ZERO)
    extras = _act_extras(key, line, ctx, book, flat, on)
    tariff = to_centimes(value.value[0] * cotation.coefficient * line.quantity)
    amounts = liquidate_line(LineToLiquidate(line.amount_paid, tariff, amo.value[0], comp_rate, extras.amount))
    head = _act_head(key.code, cotation.coefficient, line.quantity, value.ref, key.per_session)
    text = _explain(head, amounts, to_centimes(line.amount_paid), amo.value[0], amo.ref, comp_rate, extras,
                    _comp_ref(comp), ald_note)
    return PricedLine(amounts, LineReason.PAID, text, key.code, cotation.coefficient)


def price_medicine(line: LineInput, ctx: ClaimContext, book: TariffBook) -> PricedLine:
    medicine = book.medicine(line.medicine_code)
    if medicine is None:
        return _unpaid(line, LineReason.UNKNOWN_MEDICINE)
    if line.rejected_reason_code:
        return _unpaid(line, LineReason.REJECTED_BY_AGENT)
    on = line_date(line, ctx)
    if not medicine.reimbursable_on(on):
        return _unpaid(line, LineReason.NOT_REIMBURSABLE)
    price = book.medicine_price(code=medicine.code, on=on)
    if price is None:
        return _unpaid(line, LineReason.NO_PRICE)
    ald, ald_note = _ald(line, ctx)
    amo, comp = _rates(book, ctx, PrestationGroup.MEDICINES, ald, on)
    if amo is None:
        return _unpaid(line, LineReason.NO_RATE)
    comp_rate = comp.value[0] if comp else ZERO
    tariff = to_centimes(price.value[1] * line.quantity)
    amounts = liquidate_line(LineToLiquidate(line.amount_paid, tariff, amo.value[0], comp_rate))
    head = f"{medicine.name} × {line.quantity} ({price.ref})"
    text = _explain(head, amounts, to_centimes(line.amount_paid), amo.value[0], amo.ref, comp_rate, _NO_EXTRAS,
                    _comp_ref(comp), ald_note)
    return PricedLine(amounts, LineReason.PAID, text)


def price_line(line: LineInput, ctx: ClaimContext, book: TariffBook, line_key: int | None = None) -> PricedLine:
    """One line's amounts; `line_key` names the line to the entente préalable decision."""
    if line.kind == "medicament":
        return price_medicine(line, ctx, book)
    return price_act(line, ctx, book, line_key)


def rejected_line(line: LineInput) -> PricedLine:
    """Every line of a rejected claim: nothing paid, the claim's reason explains why."""
    return _unpaid(line, LineReason.CLAIM_REJECTED)


def late_line(line: LineInput, message: str) -> PricedLine:
    """A line filed past its own deadline while others of the claim are on time: nothing paid on it."""
    return PricedLine(unpaid_line(line.amount_paid), LineReason.LATE, f"Ligne refusée, seule. {message}")
