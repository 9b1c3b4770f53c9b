"""Emails to the insured person at each status change of their claim (sent by a worker)."""
from django.conf import settings
from django.core.mail import send_mass_mail

from claims.models import Claim, ClaimStatus, DocumentRequest

SUBJECTS = {
    ClaimStatus.SUBMITTED: "Votre dossier {number} a bien été déposé",
    ClaimStatus.IN_CONTROL: "Votre dossier {number} est en cours de contrôle",
    ClaimStatus.DOCUMENTS_REQUESTED: "Dossier {number} : des pièces sont à fournir",
    ClaimStatus.LIQUIDATED: "Dossier {number} liquidé : {amount} DH vous seront versés",
    ClaimStatus.REJECTED: "Dossier {number} rejeté",
    ClaimStatus.IN_BATCH: "Dossier {number} : paiement en préparation",
    ClaimStatus.PAID: "Dossier {number} payé : {amount} DH",
    ClaimStatus.PAYMENT_REJECTED: "Dossier {number} : le virement a été rejeté par la banque",
}

BODIES = {
    ClaimStatus.DOCUMENTS_REQUESTED: "Votre mutuelle a besoin de pièces complémentaires :\n{missing}\n\n"
                                     "Ajoutez-les depuis votre espace : {url}",
    ClaimStatus.REJECTED: "Motif : {reason}\n\nDétail : {url}",
    ClaimStatus.PAYMENT_REJECTED: "Vérifiez votre RIB dans votre espace ({url}) : le dossier sera payé "
                                  "dans un prochain bordereau une fois le RIB corrigé.",
}
DEFAULT_BODY = "Suivez votre dossier dans votre espace assuré : {url}"


def status_emails(claim_ids: list[int]) -> int:
    """Send one email per claim with an email address; returns how many were sent."""
    base = getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000")
    messages = []
    claims = Claim.objects.filter(pk__in=claim_ids).select_related("insured").only(
        "number", "status", "total_amo", "total_complementary", "rejection_message",
        "insured__email", "insured__first_name", "insured__last_name")
    # The missing documents matter only to claims waiting for them: one query for those, rather
    # than a prefetch per claim (a worker notifies a thousand claims at a time).
    missing = {}
    for claim_id, text in (DocumentRequest.objects.filter(claim_id__in=claim_ids,
                                                          claim__status=ClaimStatus.DOCUMENTS_REQUESTED)
                           .order_by("claim_id", "created_at").values_list("claim_id", "missing")):
        missing[claim_id] = text  # the latest request wins
    for claim in claims:
        if not claim.insured.email or claim.status not in SUBJECTS:
            continue
        amount = f"{claim.reimbursed:.2f}".replace(".", ",") if claim.reimbursed is not None else "0,00"
        context = {"number": claim.number, "amount": amount, "reason": claim.rejection_message,
                   "missing": missing.get(claim.pk, ""), "url": f"{base}/espace/dossiers/{claim.pk}/"}
        subject = SUBJECTS[claim.status].format(**context)
        body = BODIES.get(claim.status, DEFAULT_BODY).format(**context)
        messages.append((subject, f"Bonjour {claim.insured.full_name},\n\n{body}\n\nVotre mutuelle",
                         settings.DEFAULT_FROM_EMAIL, [claim.insured.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
