"""Moving insured persons to another mutuelle or organisme: the one way their scope changes.

The ordinary form of the admin shows the mutuelle and the organisme read-only, because moving a
person out of a mutuelle takes the person (their claims to come, their ETM accords, their RIB) out of
its staff's reach and into another's. A transfer is reserved to a role holding the permission
`beneficiaries.transfer_insured` (CNOPS officers, superusers), and every transfer leaves an audit row.
Claims already filed keep the mutuelle and the organisme they were filed with.
"""
from django.core.exceptions import ValidationError
from django.db import transaction

from amo_portal.exceptions import DomainError
from beneficiaries.models import Insured, InsuredTransfer
from beneficiaries.selectors import insured_visible_to
from mutuelles.models import AMOFund, Mutuelle
from mutuelles.selectors import funds_visible_to, mutuelles_visible_to

TRANSFER_PERMISSION = "beneficiaries.transfer_insured"

MSG_NOT_ALLOWED = "Transfert refusé : votre rôle ne permet pas de transférer un assuré."
MSG_NOBODY = "Transfert refusé : aucun des assurés choisis n'est de votre ressort."
MSG_OUT_OF_SCOPE = "Transfert refusé : {count} assuré(s) choisi(s) ne sont pas de votre ressort."
MSG_MUTUELLE_OUT_OF_SCOPE = "Nouvelle mutuelle : la mutuelle {mutuelle} n'est pas de votre ressort."
MSG_FUND_OUT_OF_SCOPE = "Nouvel organisme : l'organisme {fund} n'est pas de votre ressort."
MSG_REASON_REQUIRED = "Motif : indiquez pourquoi l'assuré change de mutuelle ou d'organisme."
MSG_NOTHING_CHANGES = "Transfert refusé : {insured} est déjà rattaché(e) à {mutuelle} et à {fund}."
MSG_REFUSED_BY_REGISTRY = "Transfert refusé pour {insured} : {detail}"


@transaction.atomic(durable=True)
def transfer_insured(*, insured_ids: list[int], to_mutuelle: Mutuelle, to_fund: AMOFund, reason: str,
                     by) -> list[InsuredTransfer]:
    """Move the insured persons to `to_mutuelle` and `to_fund`, one audit row each; all or nothing."""
    reason = reason.strip()
    if not by.has_perm(TRANSFER_PERMISSION):
        raise DomainError(MSG_NOT_ALLOWED, code="transfert_non_autorise")
    if not reason:
        raise DomainError(MSG_REASON_REQUIRED, code="motif_requis")
    if not mutuelles_visible_to(user=by).filter(pk=to_mutuelle.pk).exists():
        raise DomainError(MSG_MUTUELLE_OUT_OF_SCOPE.format(mutuelle=to_mutuelle), code="hors_perimetre")
    if not funds_visible_to(user=by).filter(pk=to_fund.pk).exists():
        raise DomainError(MSG_FUND_OUT_OF_SCOPE.format(fund=to_fund), code="hors_perimetre")
    wanted = set(insured_ids)
    people = list(insured_visible_to(user=by).filter(pk__in=wanted).select_related("mutuelle", "fund")
                  .select_for_update(no_key=True, of=("self",)).order_by("pk"))
    if not people:
        raise DomainError(MSG_NOBODY, code="hors_perimetre")
    if len(people) != len(wanted):
        raise DomainError(MSG_OUT_OF_SCOPE.format(count=len(wanted) - len(people)), code="hors_perimetre")
    return [_transfer_one(insured, to_mutuelle=to_mutuelle, to_fund=to_fund, reason=reason, by=by)
            for insured in people]


def _transfer_one(insured: Insured, *, to_mutuelle: Mutuelle, to_fund: AMOFund, reason: str,
                  by) -> InsuredTransfer:
    if insured.mutuelle_id == to_mutuelle.pk and insured.fund_id == to_fund.pk:
        raise DomainError(MSG_NOTHING_CHANGES.format(insured=insured, mutuelle=to_mutuelle, fund=to_fund),
                          code="rien_a_transferer")
    audit = InsuredTransfer(insured=insured, from_mutuelle=insured.mutuelle, from_fund=insured.fund,
                            to_mutuelle=to_mutuelle, to_fund=to_fund, reason=reason, transferred_by=by)
    insured.mutuelle, insured.fund = to_mutuelle, to_fund
    try:
        insured.full_clean()  # e.g. the affiliation number already taken in the new mutuelle
        audit.full_clean()
    except ValidationError as error:
        detail = " ; ".join(error.messages)
        raise DomainError(MSG_REFUSED_BY_REGISTRY.format(insured=insured, detail=detail),
                          code="transfert_invalide") from error
    insured.save(update_fields=["mutuelle", "fund", "updated_at"])
    audit.save()
    return audit
