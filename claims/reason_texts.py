"""What the insured person reads of a coded reason: its label, what to do about it, and whether the
claim may be corrected and filed again.

One entry per code the controls, the pricing or an agent can set (claims.services.checks.ClaimReason,
claims.services.pricing.LineReason, claims/data/rejection_reasons.csv); French source, Arabic through
the catalogue. The codes themselves never reach the insured person: an unknown code reads as
UNKNOWN_REASON.
"""
from django.utils.translation import gettext_lazy as _

UNKNOWN_REASON = _("Motif non précisé : contactez votre mutuelle.")

#: The coded reasons, as the insured person reads them.
REASON_LABELS = {
    "hors_delai": _("Dossier déposé hors délai (délai de dépôt dépassé)"),
    "delai_inconnu": _("Aucun délai de dépôt n'est défini à la date des soins"),
    "beneficiaire_non_couvert": _("Bénéficiaire non couvert à la date des soins (âge, statut d'étudiant ou "
                                  "inscription)"),
    "droits_fermes": _("Droits fermés ou assuré non encore affilié à la date des soins"),
    "assure_decede": _("Soins postérieurs au décès de l'assuré (ou à la fin des droits de ses ayants droit)"),
    "doublon": _("Dossier déjà déposé (mêmes soins pour le même bénéficiaire)"),
    "doublon_piece": _("Pièce justificative déjà présentée dans un autre dossier"),
    "cotation_inconnue": _("Cotation inconnue : la lettre clé n'existe pas dans la nomenclature"),
    "tarif_absent": _("Aucune valeur de la lettre clé n'était en vigueur à la date des soins"),
    "medicament_inconnu": _("Médicament inconnu de la liste des médicaments remboursables"),
    "medicament_non_remboursable": _("Médicament non remboursable à la date des soins"),
    "prix_absent": _("Aucun prix de référence (PBR) en vigueur à la date des soins"),
    "entente_prealable_manquante": _("Acte soumis à entente préalable : numéro d'accord manquant"),
    "taux_absent": _("Aucun taux de remboursement en vigueur à la date des soins"),
    "dossier_rejete": _("Dossier rejeté : aucune ligne n'est remboursée"),
    "rejet_agent": _("Ligne rejetée lors du contrôle"),
    "signature_assure_manquante": _("Signature datée de l'assuré manquante sur la feuille de soins"),
    "signature_medecin_manquante": _("Signature datée du médecin traitant manquante"),
    "cachet_medecin_manquant": _("Cachet du médecin traitant manquant"),
    "inpe_medecin_manquant": _("INPE du médecin traitant manquant ou illisible"),
    "signature_pharmacien_manquante": _("Signature datée du pharmacien manquante"),
    "cachet_pharmacien_manquant": _("Cachet du pharmacien manquant"),
    "inpe_pharmacien_manquant": _("INPE du pharmacien manquant (obligatoire depuis mars 2021)"),
    "date_soins_manquante": _("Date des soins absente"),
    "montants_absents": _("Montants des frais engagés ou des honoraires absents"),
    "ordonnance_manquante": _("Ordonnance absente"),
    "ordonnance_non_conforme": _("Ordonnance non signée ou non cachetée ou sans posologie ni durée du traitement"),
    "piece_illisible": _("Pièce justificative illisible"),
    "piece_manquante": _("Pièce justificative originale manquante (facture ou résultats d'analyses ou de "
                         "radiologie)"),
    "feuille_plusieurs_beneficiaires": _("Une feuille de soins doit concerner une seule personne et un seul "
                                         "événement"),
    "identite_non_conforme": _("Identité de l'assuré ou du bénéficiaire absente ou non conforme"),
    "ald_sans_code_ou_etm": _("Dossier ALD sans code ALD ou sans numéro d'accord ETM"),
    "acte_non_justifie": _("Acte non justifié médicalement (avis du médecin contrôleur)"),
    "medicament_hors_gmr": _("Médicament hors du Guide des médicaments remboursables (GMR)"),
    "entente_prealable_refusee": _("Entente préalable refusée par le contrôle médical"),
}

_SIGNED_AGAIN = _("Faites compléter la feuille de soins par la personne concernée, puis déposez-la de nouveau "
                  "avant la fin du délai de dépôt.")
_DOCUMENT_AGAIN = _("Joignez la pièce demandée, complète et lisible (scan ou photo nette), et déposez le dossier "
                    "de nouveau avant la fin du délai de dépôt.")
_ASK_MUTUELLE = _("Ce motif ne se corrige pas par un nouveau dépôt ; pour le contester, adressez-vous à votre "
                  "mutuelle.")

#: What to do about each reason.
FIX_TEXTS = {
    "hors_delai": _("Le délai de dépôt est dépassé : ces soins ne peuvent plus être remboursés. En cas de force "
                    "majeure, adressez-vous à votre mutuelle."),
    "delai_inconnu": _("Votre mutuelle doit vérifier ce dossier : contactez-la."),
    "beneficiaire_non_couvert": _("Vérifiez la personne choisie comme bénéficiaire des soins et déposez de nouveau "
                                  "le dossier ; si elle est la bonne, mettez à jour sa situation auprès de votre "
                                  "mutuelle (certificat de scolarité, inscription)."),
    "droits_fermes": _("Vos droits n'étaient pas ouverts à la date des soins : contactez votre mutuelle."),
    "assure_decede": _("Les droits ouverts par l'assuré décédé ne couvrent pas ces soins. Le conjoint survivant "
                       "titulaire d'une pension de réversion doit être affilié en propre, et les enfants déclarés "
                       "sous son affiliation : adressez-vous à votre mutuelle."),
    "doublon": _("Ces soins ont déjà été déposés : suivez le premier dossier, inutile de les déposer de nouveau."),
    "doublon_piece": _("Joignez l'original de la pièce propre à ces soins."),
    "cotation_inconnue": _("Recopiez la cotation telle qu'elle figure sur la feuille de soins (par exemple « B 60 » "
                           "ou « Cs ») et déposez le dossier de nouveau."),
    "tarif_absent": _ASK_MUTUELLE,
    "medicament_inconnu": _("Vérifiez le code du médicament inscrit sur la vignette et déposez le dossier de "
                            "nouveau."),
    "medicament_non_remboursable": _("Ce médicament n'est pas remboursable ; il reste à votre charge."),
    "prix_absent": _ASK_MUTUELLE,
    "entente_prealable_manquante": _("Indiquez le numéro de l'accord d'entente préalable et déposez le dossier de "
                                     "nouveau."),
    "taux_absent": _ASK_MUTUELLE,
    "dossier_rejete": _("Voir le motif du rejet du dossier."),
    "rejet_agent": _("Voir le commentaire de votre mutuelle."),
    "signature_assure_manquante": _("Datez et signez la feuille de soins, puis déposez-la de nouveau avant la fin "
                                    "du délai de dépôt."),
    "signature_medecin_manquante": _SIGNED_AGAIN,
    "cachet_medecin_manquant": _SIGNED_AGAIN,
    "inpe_medecin_manquant": _SIGNED_AGAIN,
    "signature_pharmacien_manquante": _SIGNED_AGAIN,
    "cachet_pharmacien_manquant": _SIGNED_AGAIN,
    "inpe_pharmacien_manquant": _SIGNED_AGAIN,
    "date_soins_manquante": _SIGNED_AGAIN,
    "montants_absents": _SIGNED_AGAIN,
    "ordonnance_manquante": _DOCUMENT_AGAIN,
    "ordonnance_non_conforme": _("Faites compléter l'ordonnance par le médecin (signature, cachet, posologie et "
                                 "durée), puis déposez le dossier de nouveau."),
    "piece_illisible": _DOCUMENT_AGAIN,
    "piece_manquante": _DOCUMENT_AGAIN,
    "feuille_plusieurs_beneficiaires": _("Déposez un dossier par personne et par événement de soins."),
    "identite_non_conforme": _("Vérifiez le bénéficiaire et les pièces d'identité jointes, puis déposez le dossier "
                               "de nouveau ; si votre situation a changé, mettez-la à jour auprès de votre "
                               "mutuelle."),
    "ald_sans_code_ou_etm": _("Indiquez le code ALD et le numéro d'accord ETM, puis déposez le dossier de nouveau."),
    "acte_non_justifie": _ASK_MUTUELLE,
    "medicament_hors_gmr": _("Ce médicament n'est pas remboursable ; il reste à votre charge."),
    "entente_prealable_refusee": _ASK_MUTUELLE,
}

#: The reasons a new filing can cure (a document, a signature, a field, the beneficiary): the claim
#: page offers "Corriger et déposer à nouveau". Not the others: a deadline passed, rights closed,
#: the same care already filed, a medicine or act not covered, a missing tariff, a medical opinion.
#: The new claim is controlled as any other, its filing deadline included.
CORRECTABLE = frozenset({
    "beneficiaire_non_couvert", "cotation_inconnue", "medicament_inconnu", "entente_prealable_manquante",
    "signature_assure_manquante", "signature_medecin_manquante", "cachet_medecin_manquant", "inpe_medecin_manquant",
    "signature_pharmacien_manquante", "cachet_pharmacien_manquant", "inpe_pharmacien_manquant",
    "date_soins_manquante", "montants_absents", "ordonnance_manquante", "ordonnance_non_conforme",
    "piece_illisible", "piece_manquante", "feuille_plusieurs_beneficiaires", "identite_non_conforme",
    "ald_sans_code_ou_etm", "doublon_piece",
})

#: The values of a line an agent's adjustment changes, as the insured person reads them.
CHANGE_LABELS = {
    "amount_paid": _("Montant déclaré"),
    "cotation": _("Cotation"),
    "amo_amount": _("Part AMO"),
    "complementary_amount": _("Part complémentaire"),
    "patient_amount": _("Reste à charge"),
}


def reason_label(code: str) -> str:
    """The label of a coded reason in the active language; never the code itself."""
    return str(REASON_LABELS.get(code, UNKNOWN_REASON))


def fix_text(code: str) -> str:
    return str(FIX_TEXTS.get(code, ""))


def correctable(code: str) -> bool:
    return code in CORRECTABLE
