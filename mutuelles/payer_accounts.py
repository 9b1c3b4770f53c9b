"""Payer accounts: the IBANs the organisme (AMO share) and the mutuelles (complementary share)
pay from, their demonstration values, and how the treasury changes them (four eyes).

A change is requested by one member of the organisme's treasury and takes effect only when
another confirms it; the request row (PayerAccountChange) is the audit record.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from amo_portal.exceptions import ConflictError, DomainError
from amo_portal.rib import rib_key, rib_key_ok, rib_to_iban
from mutuelles.models import AMOFund, Mutuelle, MutuelleFundLink, PayerAccountChange

Payer = AMOFund | Mutuelle

MSG_IBAN_INVALID = ("IBAN : « {value} » n'est pas un IBAN valide ({why}). Attendu : MA, 2 chiffres de contrôle "
                    "et les 24 chiffres du RIB, par ex. MA64 0115 1900 0001 2050 0053 4921.")
MSG_IBAN_NOT_MOROCCAN = "IBAN : le compte payeur doit être un compte marocain (IBAN commençant par MA)."
MSG_RIB_KEY = "IBAN : la clé du RIB (les 2 derniers chiffres) est incorrecte : vérifiez les 24 chiffres du RIB."
MSG_REASON_REQUIRED = "Motif : indiquez pourquoi le compte change (par ex. la référence du courrier de la banque)."
MSG_SAME_IBAN = "IBAN : c'est déjà le compte payeur de {payer}."
MSG_ALREADY_PENDING = ("Une demande de changement du compte de {payer} attend déjà sa confirmation : "
                       "faites-la confirmer ou refuser avant d'en déposer une autre.")
MSG_NOT_TREASURY = "Seul un membre de la trésorerie de l'organisme peut {action} le compte payeur de {payer}."
MSG_OWN_REQUEST = ("Vous avez demandé ce changement : un autre membre de la trésorerie doit le confirmer "
                   "(double contrôle).")
MSG_NOT_PENDING = "Cette demande est déjà {status} : elle ne peut plus être confirmée ni refusée."
MSG_ACCOUNT_MOVED = ("Le compte de {payer} a changé depuis la demande (il était {old}, il est {current}) : "
                     "la demande est périmée, refusez-la et déposez-en une nouvelle.")
MSG_REFUSAL_REASON = "Motif : indiquez pourquoi la demande est refusée."

#: Demonstration accounts for `make run` (bank code 999 is no Moroccan bank's): one per payer,
#: numbered so that each payer's account is recognisable in the transfer order file.
DEMO_BANK, DEMO_CITY = "999", "780"
DEMO_FUND_NUMBERS = {"CNOPS": 1, "CNSS": 2}
DEMO_MUTUELLE_BASE = 100


class PayerAccountError(DomainError):
    code = "compte_payeur"


class PayerAccountConflict(ConflictError):
    code = "compte_payeur_conflit"


def normalise_iban(value: str) -> str:
    return "".join((value or "").split()).upper()


def validate_payer_iban(value: str) -> str:
    """The IBAN in its electronic form, or ValidationError naming the field. Checked by schwifty
    (length, structure and ISO 13616 check digits of a Moroccan IBAN), then the RIB's own key
    (domain.md §4.1: the 24 digits divisible by 97), which schwifty does not know for MA."""
    iban_text = normalise_iban(value)
    if not iban_text.startswith("MA"):
        raise ValidationError(MSG_IBAN_NOT_MOROCCAN, code="iban_country")
    try:
        iban = IBAN(iban_text)
    except SchwiftyException as error:
        raise ValidationError(MSG_IBAN_INVALID.format(value=value, why=_why(error)), code="iban_invalid") from None
    rib = iban.bban
    if not rib_key_ok(rib):
        raise ValidationError(MSG_RIB_KEY, code="rib_key")
    return iban.compact


def _why(error: SchwiftyException) -> str:
    from schwifty import exceptions

    reasons = {exceptions.InvalidLength: "28 caractères attendus",
               exceptions.InvalidChecksumDigits: "chiffres de contrôle incorrects",
               exceptions.InvalidStructure: "seuls des chiffres après MA"}
    return next((text for kind, text in reasons.items() if isinstance(error, kind)), "format incorrect")


def demo_iban(number: int) -> str:
    """A demonstration IBAN whose check digits and RIB key are valid (bank 999: no real bank)."""
    prefix = f"{DEMO_BANK}{DEMO_CITY}{number:016d}"
    return rib_to_iban(prefix + rib_key(prefix))


@transaction.atomic
def load_demo_payer_accounts() -> int:
    """Give every organisme and mutuelle without an account a demonstration one, flagged as such
    (make run). Accounts set by the treasury are never touched. Returns how many were set."""
    count = 0
    for fund in AMOFund.objects.filter(iban="").order_by("code"):
        number = DEMO_FUND_NUMBERS.get(fund.code, 10 + fund.pk)
        count += AMOFund.objects.filter(pk=fund.pk, iban="").update(iban=demo_iban(number), iban_is_demo=True)
    for mutuelle in Mutuelle.objects.filter(iban="").order_by("code"):
        number = DEMO_MUTUELLE_BASE + mutuelle.pk
        count += Mutuelle.objects.filter(pk=mutuelle.pk, iban="").update(iban=demo_iban(number), iban_is_demo=True)
    return count


def funds_in_treasury_of(*, user) -> QuerySet[AMOFund]:
    """The organismes whose account this user's treasury keeps: their own."""
    if user.is_superuser:
        return AMOFund.objects.all()
    if getattr(user, "is_treasurer", False):
        return AMOFund.objects.filter(pk=user.fund_id)
    return AMOFund.objects.none()


def mutuelles_in_treasury_of(*, user) -> QuerySet[Mutuelle]:
    """The mutuelles whose complementary account the organisme's treasury keeps in its transfer
    orders: those working for its organisme today."""
    if user.is_superuser:
        return Mutuelle.objects.all()
    if getattr(user, "is_treasurer", False):
        links = MutuelleFundLink.objects.in_force(timezone.localdate()).filter(fund_id=user.fund_id)
        return Mutuelle.objects.filter(pk__in=links.values("mutuelle_id"))
    return Mutuelle.objects.none()


def account_changes_visible_to(*, user) -> QuerySet[PayerAccountChange]:
    if user.is_superuser:
        return PayerAccountChange.objects.all()
    return PayerAccountChange.objects.filter(
        Q(fund__in=funds_in_treasury_of(user=user)) | Q(mutuelle__in=mutuelles_in_treasury_of(user=user)))


def _in_treasury(user, payer: Payer) -> bool:
    kept = funds_in_treasury_of(user=user) if isinstance(payer, AMOFund) else mutuelles_in_treasury_of(user=user)
    return kept.filter(pk=payer.pk).exists()


def _lock(payer: Payer) -> Payer:
    return type(payer).objects.select_for_update(no_key=True).get(pk=payer.pk)


@transaction.atomic(durable=True)
def request_payer_account_change(*, payer: Payer, new_iban: str, reason: str, by) -> PayerAccountChange:
    """Record a request to pay from `new_iban` (validated); the account stays as it is until
    another member of the treasury confirms."""
    if not (by.has_perm("mutuelles.request_payeraccountchange") and _in_treasury(by, payer)):
        raise PayerAccountError(MSG_NOT_TREASURY.format(action="demander un changement sur", payer=payer))
    iban = validate_payer_iban(new_iban)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(MSG_REASON_REQUIRED, code="reason_required")
    locked = _lock(payer)
    if iban == locked.iban:
        raise PayerAccountError(MSG_SAME_IBAN.format(payer=payer))
    key = {"fund": locked} if isinstance(locked, AMOFund) else {"mutuelle": locked}
    if PayerAccountChange.objects.filter(status=PayerAccountChange.Status.PENDING, **key).exists():
        raise PayerAccountConflict(MSG_ALREADY_PENDING.format(payer=payer))
    change = PayerAccountChange(old_iban=locked.iban, old_was_demo=locked.iban_is_demo, new_iban=iban,
                                reason=reason[:300], requested_by=by, **key)
    change.full_clean()
    change.save()
    return change


def _lock_pending(change: PayerAccountChange) -> PayerAccountChange:
    locked = (PayerAccountChange.objects.select_for_update(of=("self",)).select_related("fund", "mutuelle")
              .get(pk=change.pk))
    if locked.status != PayerAccountChange.Status.PENDING:
        raise PayerAccountConflict(MSG_NOT_PENDING.format(status=locked.get_status_display()))
    return locked


@transaction.atomic(durable=True)
def confirm_payer_account_change(*, change: PayerAccountChange, by) -> PayerAccountChange:
    """Put the requested IBAN in force: by a member of the treasury other than the requester, and
    only if the account is still the one the request started from."""
    locked = _lock_pending(change)
    payer = locked.payer
    if not (by.has_perm("mutuelles.confirm_payeraccountchange") and _in_treasury(by, payer)):
        raise PayerAccountError(MSG_NOT_TREASURY.format(action="confirmer un changement sur", payer=payer))
    if by.pk == locked.requested_by_id:
        raise PayerAccountError(MSG_OWN_REQUEST, code="quatre_yeux")
    account = _lock(payer)
    if account.iban != locked.old_iban:
        raise PayerAccountConflict(MSG_ACCOUNT_MOVED.format(payer=payer, old=locked.old_iban or "vide",
                                                            current=account.iban or "vide"))
    type(account).objects.filter(pk=account.pk).update(iban=locked.new_iban, iban_is_demo=False,
                                                       updated_at=timezone.now())
    return _decide(locked, PayerAccountChange.Status.CONFIRMED, by, "")


@transaction.atomic(durable=True)
def refuse_payer_account_change(*, change: PayerAccountChange, by, reason: str) -> PayerAccountChange:
    """Close a pending request without touching the account: refused by another member of the
    treasury, or withdrawn by its requester."""
    locked = _lock_pending(change)
    payer = locked.payer
    allowed = by.pk == locked.requested_by_id or by.has_perm("mutuelles.confirm_payeraccountchange")
    if not (allowed and _in_treasury(by, payer)):
        raise PayerAccountError(MSG_NOT_TREASURY.format(action="refuser un changement sur", payer=payer))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(MSG_REFUSAL_REASON, code="reason_required")
    return _decide(locked, PayerAccountChange.Status.REFUSED, by, reason[:300])


def _decide(change: PayerAccountChange, status: str, by, note: str) -> PayerAccountChange:
    change.status, change.decided_by, change.decided_at, change.decision_note = status, by, timezone.now(), note
    change.full_clean()
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    return change
