"""What a bank's ISO 20022 reason code for a refused transfer means, in a sentence the insured
person understands (French here; Arabic in the portal's catalogue, locale/ar). The one table the
claim page, the API and the décompte read a code through."""
from django.utils.translation import gettext_noop

#: ISO 20022 reason codes of a rejected or returned credit transfer (ExternalStatusReason1Code,
#: ExternalReturnReason1Code) -> what happened, for the holder of the account credited.
BANK_REASON_SENTENCES: dict[str, str] = {
    "AC01": gettext_noop("Le numéro de compte (RIB) est incorrect : la banque ne trouve pas ce compte."),
    "AC03": gettext_noop("Le numéro du compte à créditer n'est pas valide."),
    "AC04": gettext_noop("Le compte bancaire est clôturé."),
    "AC06": gettext_noop("Le compte bancaire est bloqué : il ne peut pas recevoir de virement."),
    "AG01": gettext_noop("Ce compte n'accepte pas ce type de virement."),
    "AG02": gettext_noop("La banque a refusé l'opération pour une raison technique."),
    "AM04": gettext_noop("Le compte du payeur n'était pas assez approvisionné."),
    "AM05": gettext_noop("La banque a refusé ce virement comme un doublon."),
    "BE01": gettext_noop("Le nom du titulaire du compte ne correspond pas à celui de l'assuré."),
    "BE04": gettext_noop("L'adresse du bénéficiaire du virement manque ou est incomplète."),
    "FF01": gettext_noop("La banque n'a pas pu lire l'ordre de virement."),
    "MD07": gettext_noop("Le titulaire du compte est déclaré décédé."),
    "MS02": gettext_noop("Le titulaire du compte a refusé le virement sans en donner le motif."),
    "MS03": gettext_noop("La banque n'a pas précisé le motif du rejet."),
    "RC01": gettext_noop("Le code de la banque dans le RIB est incorrect."),
    "RR01": gettext_noop("Le compte du payeur n'était pas identifié dans l'ordre de virement (motif réglementaire)."),
    "RR02": gettext_noop("Le nom ou l'adresse du payeur manquait (motif réglementaire)."),
    "RR03": gettext_noop("Le nom ou l'adresse du bénéficiaire du virement manquait (motif réglementaire)."),
    "RR04": gettext_noop("La banque a refusé le virement pour un motif réglementaire."),
}
#: A code missing from the table: the sentence names it, and the bank's own words follow if it gave any.
UNKNOWN_REASON = gettext_noop("La banque a rejeté le virement (code %(code)s).")
NO_REASON = gettext_noop("La banque a rejeté le virement sans en donner le motif.")


def bank_reason_text(code: str, reason: str = "", *, translate=str) -> str:
    """The sentence for `code` (through `translate`, gettext on a page), else one naming the code
    followed by the bank's own words, else those words."""
    sentence = BANK_REASON_SENTENCES.get(code)
    if sentence:
        return translate(sentence)
    if code:
        return translate(UNKNOWN_REASON) % {"code": code} + (f" {reason}" if reason else "")
    return reason or translate(NO_REASON)
