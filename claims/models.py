"""Claim files (dossiers de maladie / feuilles de soins), their lines, documents and audit trail."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from amo_portal.models import StoredDocument, TimeStampedModel
from amo_portal.money import money_field
from approvals.models import ETMAccord
from beneficiaries.models import Dependent, Insured
from mutuelles.models import AMOFund, Mutuelle
from tariffs.models import Medicine, ProviderSector


class ClaimStatus(models.TextChoices):
    DRAFT = "brouillon", _("brouillon")
    SUBMITTED = "depose", _("déposé")
    IN_CONTROL = "en_controle", _("en contrôle")
    DOCUMENTS_REQUESTED = "pieces_demandees", _("pièces demandées")
    LIQUIDATED = "liquide", _("liquidé")
    REJECTED = "rejete", _("rejeté")
    IN_BATCH = "en_bordereau", _("dans un bordereau de paiement")
    PAID = "paye", _("payé")
    PAYMENT_REJECTED = "virement_rejete", _("virement rejeté")
    #: The insured person contests a decision (claims.services.reclamations): nothing is paid meanwhile.
    UNDER_APPEAL = "en_reclamation", _("en réclamation")


class Claim(TimeStampedModel):
    """One feuille de soins: one beneficiary, one episode of care, several lines."""

    number = models.CharField("n° de dossier", max_length=24, null=True, blank=True)
    insured = models.ForeignKey(Insured, verbose_name="assuré", related_name="claims", on_delete=models.PROTECT,
                                db_index=False)  # claim_insured_idx leads with it
    dependent = models.ForeignKey(Dependent, verbose_name="bénéficiaire (ayant droit)", null=True, blank=True,
                                  related_name="claims", on_delete=models.PROTECT, db_index=False,
                                  help_text="Vide quand les soins concernent l'assuré lui-même.")
    mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle", related_name="claims", on_delete=models.PROTECT,
                                 db_index=False)  # claim_review_queue_idx leads with it
    fund = models.ForeignKey(AMOFund, verbose_name="organisme", related_name="claims", on_delete=models.PROTECT,
                             db_index=False)
    status = models.CharField("statut", max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)

    care_date = models.DateField("date des soins (premier acte)")
    treatment_end_date = models.DateField("fin du traitement continu", null=True, blank=True)
    filed_on = models.DateField("date de dépôt", null=True, blank=True)
    submitted_at = models.DateTimeField("déposé le", null=True, blank=True)
    prescriber_inpe = models.CharField("INPE du prescripteur", max_length=12)
    provider_inpe = models.CharField("INPE du prestataire", max_length=12, blank=True)
    care_sheet_number = models.CharField("n° de feuille de soins électronique", max_length=40, blank=True)
    is_ald = models.BooleanField("dossier ALD", default=False)
    ald_code = models.CharField("code ALD", max_length=8, blank=True)
    etm_accord_number = models.CharField("n° d'accord ETM indiqué", max_length=32, blank=True)
    etm_accord = models.ForeignKey(ETMAccord, verbose_name="accord ETM retrouvé", null=True, blank=True,
                                   related_name="claims", on_delete=models.PROTECT, db_index=False)

    total_paid = money_field(verbose_name="total payé par l'assuré", default=0)
    total_amo = money_field(verbose_name="part AMO", null=True, blank=True)
    total_complementary = money_field(verbose_name="part complémentaire", null=True, blank=True)
    total_patient = money_field(verbose_name="reste à charge", null=True, blank=True)
    #: What the bank confirmed paid of each share, over every bordereau the claim was in: kept by
    #: the settlement of bank returns (payments), read by claims.payable.still_due.
    amo_settled = money_field(verbose_name="part AMO versée", default=0)
    complementary_settled = money_field(verbose_name="part complémentaire versée", default=0)

    rejection_code = models.CharField("motif de rejet (code)", max_length=40, blank=True)
    rejection_message = models.CharField("motif de rejet", max_length=400, blank=True)
    #: Why the automatic controls sent the claim to an agent instead of liquidating it outright.
    review_reasons = models.JSONField("points à contrôler", default=list, blank=True)
    #: Identifies the same care filed twice: beneficiary, care date, prescriber and lines.
    duplicate_key = models.CharField("empreinte de doublon", max_length=64, blank=True)
    liquidated_at = models.DateTimeField("liquidé le", null=True, blank=True)
    liquidation_count = models.PositiveIntegerField("nombre de liquidations", default=0)
    needs_second_approval = models.BooleanField("double contrôle requis", default=False)
    first_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="accepté (1er contrôle) par",
                                          null=True, blank=True, related_name="+", on_delete=models.PROTECT,
                                          db_index=False)
    #: Optimistic lock: every change bumps it; a form saved on an older version is refused.
    version = models.PositiveIntegerField("version", default=1)
    idempotency_key = models.CharField("clé d'idempotence", max_length=80, null=True, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="saisi par", null=True, blank=True,
                                   related_name="+", on_delete=models.SET_NULL, db_index=False)
    #: When the mutuelle's supervisors were alerted that the claim risks passing 60 days unpaid
    #: (claims.services.escalation): a claim is escalated once.
    delay_escalated_at = models.DateTimeField("retard signalé le", null=True, blank=True)
    #: The rejected claim this one corrects and files again ("Corriger et déposer à nouveau").
    corrects = models.ForeignKey("self", verbose_name="corrige le dossier", null=True, blank=True,
                                 related_name="corrections", on_delete=models.SET_NULL, db_index=False)

    class Meta:
        verbose_name = "dossier"
        verbose_name_plural = "dossiers"
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(name="claim_status_known", condition=Q(status__in=ClaimStatus.values)),
            models.CheckConstraint(name="claim_treatment_end_after_care",
                                   condition=Q(treatment_end_date__isnull=True)
                                   | Q(treatment_end_date__gte=F("care_date"))),
            models.CheckConstraint(name="claim_total_paid_non_negative", condition=Q(total_paid__gte=0)),
            models.CheckConstraint(
                name="claim_shares_not_above_paid",
                condition=Q(total_amo__isnull=True) | Q(total_complementary__isnull=True)
                | Q(total_amo__gte=0, total_complementary__gte=0,
                    total_paid__gte=F("total_amo") + F("total_complementary")),
            ),
            # never more confirmed paid than liquidated, per payer (payments: "paid once")
            models.CheckConstraint(
                name="claim_settled_within_liquidated",
                condition=Q(amo_settled__gte=0, complementary_settled__gte=0)
                & (Q(amo_settled=0) | Q(amo_settled__lte=F("total_amo")))
                & (Q(complementary_settled=0) | Q(complementary_settled__lte=F("total_complementary"))),
            ),
            # unique numbers without the pattern index Django adds to unique=True text fields
            models.UniqueConstraint(name="claim_unique_number", fields=["number"]),
            models.UniqueConstraint(name="claim_unique_idempotency_key_per_insured",
                                    fields=["insured", "idempotency_key"],
                                    condition=Q(idempotency_key__isnull=False)),
        ]
        indexes = [
            # the agents' queue: one mutuelle, one status, oldest filing first (claims.admin)
            models.Index(fields=["mutuelle", "status", "filed_on", "id"], name="claim_review_queue_idx"),
            # the liquidation queue: only submitted claims are in it, so that moving a claim on
            # (liquidated, in a batch, paid) adds no entry here
            models.Index(fields=["id"], condition=Q(status="depose"), name="claim_submitted_idx"),
            models.Index(fields=["insured", "-id"], name="claim_insured_idx"),
            models.Index(fields=["duplicate_key"], name="claim_duplicate_key_idx"),
            # the few claims filed again to correct a rejected one, not the millions of others
            models.Index(fields=["corrects"], condition=Q(corrects__isnull=False), name="claim_corrects_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"brouillon #{self.pk}"

    @property
    def beneficiary_name(self) -> str:
        return (self.dependent or self.insured).full_name

    @property
    def reimbursed(self):
        if self.total_amo is None or self.total_complementary is None:
            return None
        return self.total_amo + self.total_complementary


class LineKind(models.TextChoices):
    ACT = "acte", "acte"
    MEDICINE = "medicament", "médicament"


class ClaimLine(TimeStampedModel):
    """One act (a cotation such as "B 60") or one medicine of a claim, and its liquidation."""

    claim = models.ForeignKey(Claim, verbose_name="dossier", related_name="lines", on_delete=models.CASCADE,
                              db_index=False)  # claimline_unique_position leads with it
    position = models.PositiveSmallIntegerField("n°")
    kind = models.CharField("nature", max_length=12, choices=LineKind.choices)
    cotation = models.CharField("cotation", max_length=20, blank=True)
    letter_key = models.CharField("lettre clé", max_length=12, blank=True)
    coefficient = models.DecimalField("coefficient", max_digits=8, decimal_places=2, default=1)
    medicine = models.ForeignKey(Medicine, verbose_name="médicament", null=True, blank=True, related_name="+",
                                 on_delete=models.PROTECT, db_index=False)
    medicine_code = models.CharField("code médicament", max_length=32, blank=True)
    quantity = models.PositiveIntegerField("quantité", default=1)
    amount_paid = money_field(verbose_name="montant payé")
    #: The day this act was done or this medicine delivered (a laboratory or a pharmacy often comes
    #: days after the consultation): its tariffs, prices and filing deadline are those of that day.
    #: Filled at filing (the claim's date when the line gives none); never before the claim's care
    #: date, which stays the first act's.
    care_date = models.DateField("date des soins de la ligne")
    #: Public or private provider (laboratory, clinic…): letter keys valued differently per sector
    #: (B in a public laboratory, domain.md §8.3) are read for this one.
    provider_sector = models.CharField("secteur du prestataire", max_length=8, choices=ProviderSector.choices,
                                       default=ProviderSector.PRIVATE)
    ald_linked = models.BooleanField("lié à l'ALD", default=False)
    prior_approval_number = models.CharField("n° d'entente préalable", max_length=32, blank=True)

    tariff = money_field(verbose_name="tarif de référence", null=True, blank=True)
    base = money_field(verbose_name="base de remboursement", null=True, blank=True)
    amo_amount = money_field(verbose_name="part AMO", null=True, blank=True)
    complementary_amount = money_field(verbose_name="part complémentaire", null=True, blank=True)
    patient_amount = money_field(verbose_name="reste à charge", null=True, blank=True)
    reason_code = models.CharField("motif (code)", max_length=40, blank=True)
    explanation = models.TextField("explication", blank=True)
    #: Set by an agent's line rejection; liquidation then pays nothing on the line.
    rejected_reason_code = models.CharField("rejet de la ligne (code)", max_length=40, blank=True)

    class Meta:
        verbose_name = "ligne"
        verbose_name_plural = "lignes"
        ordering = ["claim", "position"]
        constraints = [
            models.UniqueConstraint(name="claimline_unique_position", fields=["claim", "position"]),
            models.CheckConstraint(name="claimline_amount_paid_non_negative", condition=Q(amount_paid__gte=0)),
            models.CheckConstraint(name="claimline_quantity_positive", condition=Q(quantity__gte=1)),
            models.CheckConstraint(name="claimline_coefficient_positive", condition=Q(coefficient__gt=0)),
            models.CheckConstraint(
                name="claimline_shares_not_above_paid",
                condition=Q(amo_amount__isnull=True) | Q(complementary_amount__isnull=True)
                | Q(amo_amount__gte=0, complementary_amount__gte=0,
                    amount_paid__gte=F("amo_amount") + F("complementary_amount")),
            ),
            models.CheckConstraint(name="claimline_kind_known", condition=Q(kind__in=LineKind.values)),
            models.CheckConstraint(name="claimline_sector_known",
                                   condition=Q(provider_sector__in=ProviderSector.values)),
        ]

    def __str__(self) -> str:
        return self.cotation or self.medicine_code


class DocumentKind(models.TextChoices):
    CARE_SHEET = "feuille_soins", "feuille de soins"
    PRESCRIPTION = "ordonnance", "ordonnance"
    INVOICE = "facture", "facture"
    RESULTS = "resultats", "résultats d'analyses ou d'imagerie"
    OTHER = "autre", "autre pièce"


def document_path(instance: "ClaimDocument", filename: str) -> str:
    # The stored name is the content hash: nothing of the user's file name reaches the disk.
    return f"claims/{instance.claim_id}/{instance.sha256}.{instance.extension}"


class ClaimDocument(StoredDocument):
    """A scan or photo of a supporting document, stored outside the static tree."""

    claim = models.ForeignKey(Claim, verbose_name="dossier", related_name="documents", on_delete=models.CASCADE,
                              db_index=False)  # claimdocument_unique_per_claim leads with it
    kind = models.CharField("nature", max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    file = models.FileField("fichier", upload_to=document_path, max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="déposé par", null=True,
                                    related_name="+", on_delete=models.SET_NULL, db_index=False)

    class Meta:
        verbose_name = "pièce justificative"
        verbose_name_plural = "pièces justificatives"
        ordering = ["claim", "pk"]
        constraints = [
            models.UniqueConstraint(name="claimdocument_unique_per_claim", fields=["claim", "sha256"]),
        ]
        indexes = [models.Index(fields=["sha256"], name="claimdocument_sha256_idx")]  # same document twice

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.original_name}"


class ClaimStatusChange(models.Model):
    """Audit row: every status change of a claim, with who, when, from, to and why."""

    claim = models.ForeignKey(Claim, verbose_name="dossier", related_name="status_changes", on_delete=models.CASCADE)
    from_status = models.CharField("de", max_length=20, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=20, choices=ClaimStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="par", null=True, related_name="+",
                                   on_delete=models.PROTECT, db_index=False)
    changed_at = models.DateTimeField("le", auto_now_add=True)
    reason_code = models.CharField("motif (code)", max_length=40, blank=True)
    reason = models.CharField("motif", max_length=500, blank=True)
    #: The status e-mails' outbox (claims.services.notifications): empty until the insured person
    #: was told of this change, or until it turned out there was nothing to tell.
    notified_at = models.DateTimeField("assuré informé le", null=True, blank=True)

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "historique des statuts"
        ordering = ["claim", "changed_at", "pk"]
        indexes = [
            # the dashboard's rejections per week; written only for rejections, not for the
            # hundreds of thousands of other changes a day
            models.Index(fields=["changed_at"], condition=Q(to_status="rejete"), name="claimchange_rejected_at_idx"),
            # the outbox: the few changes not yet told, never the millions already told
            models.Index(fields=["id"], condition=Q(notified_at__isnull=True), name="claimchange_to_notify_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


# The agents' review records live beside (claims/review_models.py); imported here so that
# `from claims.models import ClaimDecision` keeps working and Django registers them with the app.
from claims.reclamation_models import Reclamation, ReclamationStatus  # noqa: E402
from claims.review_models import ClaimDecision, DocumentRequest, RejectionReason  # noqa: E402

__all__ = ["Claim", "ClaimDecision", "ClaimDocument", "ClaimLine", "ClaimStatus", "ClaimStatusChange", "DocumentKind",
           "DocumentRequest", "LineKind", "Reclamation", "ReclamationStatus", "RejectionReason", "document_path"]
