"""Labels the insured persons read, translatable (French source, Arabic catalogue in locale/ar).

The claims and registry apps speak French constants; the portal shows them through these
tables, or through gettext when the constant itself is a catalogue msgid (MESSAGES below).
"""
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from claims.models import ClaimStatus, DocumentKind

#: The claim statuses' own labels (ClaimStatus, the one home of their wording, lazily translated);
#: their msgids are in locale/ar (tests/portal/test_i18n.py checks each has its translation).
STATUS_LABELS = {status.value: status.label for status in ClaimStatus}

#: What each step means for the insured person, shown in the timeline.
STATUS_HELP = {
    ClaimStatus.SUBMITTED: _("Votre dossier est enregistré ; les contrôles automatiques vont s'exécuter."),
    ClaimStatus.IN_CONTROL: _("Un agent de votre mutuelle vérifie le dossier."),
    ClaimStatus.DOCUMENTS_REQUESTED: _("Votre mutuelle attend des pièces complémentaires."),
    ClaimStatus.LIQUIDATED: _("Le remboursement est calculé ; il sera payé avec le prochain bordereau."),
    ClaimStatus.REJECTED: _("Le dossier n'ouvre droit à aucun remboursement."),
    ClaimStatus.IN_BATCH: _("Le paiement est en préparation dans un bordereau."),
    ClaimStatus.PAID: _("Le virement a été effectué sur votre compte."),
    ClaimStatus.PAYMENT_REJECTED: _("La banque a rejeté le virement : vérifiez votre RIB."),
    ClaimStatus.UNDER_APPEAL: _("Vous contestez une décision : votre mutuelle étudie votre réclamation."),
}

#: Visual tone of a status badge (CSS class suffix).
STATUS_TONES = {
    ClaimStatus.SUBMITTED: "info", ClaimStatus.IN_CONTROL: "info", ClaimStatus.DOCUMENTS_REQUESTED: "warn",
    ClaimStatus.LIQUIDATED: "ok", ClaimStatus.IN_BATCH: "ok", ClaimStatus.PAID: "ok",
    ClaimStatus.REJECTED: "bad", ClaimStatus.PAYMENT_REJECTED: "bad", ClaimStatus.DRAFT: "info",
    ClaimStatus.UNDER_APPEAL: "warn",
}

RELATIONSHIP_LABELS = {"assure": _("assuré(e)"), "conjoint": _("conjoint(e)"), "enfant": _("enfant")}

DOCUMENT_KIND_LABELS = {
    DocumentKind.CARE_SHEET: _("feuille de soins"), DocumentKind.PRESCRIPTION: _("ordonnance"),
    DocumentKind.INVOICE: _("facture"), DocumentKind.RESULTS: _("résultats d'analyses ou d'imagerie"),
    DocumentKind.OTHER: _("autre pièce"),
}

INSURED_STATUS_LABELS = {"actif": _("actif"), "retraite": _("retraité"), "radie": _("radié"),
                         "decede": _("décédé")}

#: French constants of the other apps that reach the insured person as they are: listed here so
#: that the catalogue has them, and translated with gettext(message) when displayed.
MESSAGES = [
    # beneficiaries.services.entitlement
    gettext_noop("Droits ouverts."),
    gettext_noop("L'assuré n'était pas encore affilié à cette date."),
    gettext_noop("Les droits de l'assuré sont fermés (radiation)."),
    gettext_noop("La personne n'était pas encore déclarée comme ayant droit à cette date."),
    gettext_noop("La personne n'est plus ayant droit à cette date."),
    gettext_noop("Le conjoint est couvert par un autre régime."),
    gettext_noop("L'enfant a dépassé {limit} ans et n'a pas de certificat d'études supérieures valable à "
                 "cette date."),
    gettext_noop("L'enfant de plus de {limit} ans est marié : la prolongation pour études ne s'applique pas."),
    gettext_noop("L'enfant a dépassé {limit} ans sans maintien des droits pour handicap."),
    gettext_noop("L'assuré est décédé le {death:%d/%m/%Y} : ses droits ont pris fin après cette date."),
    gettext_noop("Droits maintenus après le décès de l'assuré le {death:%d/%m/%Y}, jusqu'au {last:%d/%m/%Y} "
                 "inclus."),
    gettext_noop("Aucune limite d'âge des ayants droit n'est définie pour ce régime à la date des soins."),
    # ... and as the claims' history keeps them, written with the limits in force (21 and 26 years)
    gettext_noop("L'enfant a dépassé 21 ans et n'a pas de certificat d'études supérieures valable à cette date."),
    gettext_noop("L'enfant de plus de 21 ans est marié : la prolongation pour études ne s'applique pas."),
    gettext_noop("L'enfant a dépassé 26 ans sans maintien des droits pour handicap."),
    gettext_noop("L'assuré est décédé le {death:%d/%m/%Y} : les droits de ses ayants droit ont couru "
                 "jusqu'au {last:%d/%m/%Y} inclus ({days} jours après le décès)."),
    gettext_noop("La date des soins précède la date de naissance."),
    gettext_noop("Droits maintenus (enfant en situation de handicap)."),
    gettext_noop("Droits prolongés (études supérieures)."),
    # claims.services.pricing (reasons of unpaid lines)
    gettext_noop("Cotation inconnue : la lettre clé n'existe pas dans la nomenclature."),
    gettext_noop("Aucune valeur de la lettre clé n'était en vigueur à la date des soins."),
    gettext_noop("Médicament inconnu de la liste des médicaments remboursables."),
    gettext_noop("Médicament non remboursable à la date des soins."),
    gettext_noop("Aucun prix de référence (PBR) en vigueur à la date des soins."),
    gettext_noop("Acte soumis à entente préalable : aucune entente accordée ne le couvre."),
    gettext_noop("Aucun taux de remboursement en vigueur à la date des soins."),
    gettext_noop("Dossier rejeté : aucune ligne n'est remboursée."),
    gettext_noop("Ligne rejetée lors du contrôle."),
    gettext_noop("Ligne déposée hors délai : le délai de dépôt court depuis la date des soins de la ligne."),
    gettext_noop("Acte valorisé par séance : écrivez la lettre clé seule (par exemple « AMM ») et le "
                 "nombre de séances dans la quantité, sans dépasser le maximum par ligne."),
    # beneficiaries.validators
    gettext_noop("Le RIB doit comporter exactement 24 chiffres."),
    gettext_noop("La clé du RIB est incorrecte : vérifiez les 24 chiffres."),
    # claims.services.intake
    gettext_noop("La date des soins ne peut pas être postérieure à la date de dépôt."),
    gettext_noop("La fin du traitement ne peut pas précéder la date des soins."),
    gettext_noop("La fin du traitement ne peut pas être postérieure à la date de dépôt."),
    gettext_noop("L'INPE doit comporter de 6 à 12 chiffres."),
    gettext_noop("Un dossier ALD doit porter le numéro de l'accord ETM."),
    gettext_noop("Ajoutez au moins un acte ou un médicament."),
    gettext_noop("Cotation illisible : écrivez la lettre clé puis le coefficient, par exemple « B 60 » ou « Cs »."),
    gettext_noop("Le montant payé doit être positif, en dirhams avec au plus deux décimales."),
    gettext_noop("Le montant payé dépasse 1 000 000 DH : vérifiez la saisie."),
    gettext_noop("Une ligne liée à une ALD suppose un dossier ALD (code ALD et n° d'accord ETM)."),
    gettext_noop("Cette personne n'est pas un ayant droit de l'assuré."),
    gettext_noop("Indiquez le code du médicament."),
    gettext_noop("La quantité doit être comprise entre 1 et 999."),
]
