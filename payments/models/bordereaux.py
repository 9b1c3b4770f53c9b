"""Payment batches (bordereaux), their lines, the claims held out of them, their audit rows."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from amo_portal.models import TimeStampedModel
from amo_portal.money import money_field
from claims.models import Claim, ClaimStatus
from claims.payable import PAYABLE_STATUSES
from mutuelles.models import AMOFund, Mutuelle

USER = settings.AUTH_USER_MODEL


class BordereauStatus(models.TextChoices):
    BUILDING = "en_preparation", "en préparation"
    BUILT = "constitue", "constitué"
    PRESENTED = "presente", "présenté"
    APPROVED = "approuve", "approuvé"
    REJECTED = "rejete", "rejeté"
    SENT = "transmis", "ordre émis"
    SETTLED = "solde", "soldé"


#: Statuses in which the bordereau still holds its claims without a transfer order.
OPEN_STATUSES = (BordereauStatus.BUILDING, BordereauStatus.BUILT, BordereauStatus.PRESENTED, BordereauStatus.APPROVED)


class Bordereau(TimeStampedModel):
    """A payment batch: the liquidated claims of one mutuelle for one organisme, presented for payment.

    The AMO share is paid by the organisme, the complementary share by the mutuelle: one bordereau
    per (mutuelle, organisme) carries both payers' totals. The totals are stored (control totals):
    they are what the officer approves and what the transfer order must add up to.
    """

    number = models.CharField("n° de bordereau", max_length=40, unique=True, null=True, blank=True)
    mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle", related_name="bordereaux",
                                 on_delete=models.PROTECT)
    fund = models.ForeignKey(AMOFund, verbose_name="organisme", related_name="bordereaux", on_delete=models.PROTECT)
    status = models.CharField("statut", max_length=20, choices=BordereauStatus.choices,
                              default=BordereauStatus.BUILDING)
    period_start = models.DateField("liquidations du", null=True, blank=True)
    period_end = models.DateField("liquidations au", null=True, blank=True)

    line_count = models.PositiveIntegerField("nombre de dossiers", default=0)
    total_amo = money_field(verbose_name="total part AMO (organisme)", default=0)
    total_complementary = money_field(verbose_name="total part complémentaire (mutuelle)", default=0)
    held_count = models.PositiveIntegerField("dossiers écartés à la constitution", default=0)

    built_by = models.ForeignKey(USER, verbose_name="constitué par", related_name="+", on_delete=models.PROTECT)
    built_at = models.DateTimeField("constitué le", null=True, blank=True)
    presented_by = models.ForeignKey(USER, verbose_name="présenté par", null=True, blank=True, related_name="+",
                                     on_delete=models.PROTECT)
    presented_at = models.DateTimeField("présenté le", null=True, blank=True)
    approved_by = models.ForeignKey(USER, verbose_name="approuvé par", null=True, blank=True, related_name="+",
                                    on_delete=models.PROTECT)
    approved_at = models.DateTimeField("approuvé le", null=True, blank=True)
    rejected_by = models.ForeignKey(USER, verbose_name="rejeté par", null=True, blank=True, related_name="+",
                                    on_delete=models.PROTECT)
    rejected_at = models.DateTimeField("rejeté le", null=True, blank=True)
    rejection_reason = models.CharField("motif du rejet", max_length=500, blank=True)
    executed_by = models.ForeignKey(USER, verbose_name="exécuté par", null=True, blank=True, related_name="+",
                                    on_delete=models.PROTECT)
    executed_at = models.DateTimeField("ordre de virement émis le", null=True, blank=True)
    settled_at = models.DateTimeField("soldé le", null=True, blank=True)

    #: The highest claim id the constitution has examined (progress only: a chunk takes the
    #: payable claims this bordereau has not held out, whatever the cursor, so that claims a
    #: failed chunk gave back are not left behind by the chunks that went past them).
    build_cursor = models.BigIntegerField("curseur de constitution", default=0)
    #: Progress of the job running on the bordereau (constitution, rejet, exécution, retour banque).
    progress_step = models.CharField("étape en cours", max_length=120, blank=True)
    progress_done = models.PositiveIntegerField("dossiers traités", default=0)
    progress_total = models.PositiveIntegerField("dossiers à traiter", default=0)
    progress_at = models.DateTimeField("progression mise à jour le", null=True, blank=True)
    job_error = models.CharField("dernière erreur", max_length=500, blank=True)

    bordereau_pdf = models.FileField("bordereau PDF approuvé", upload_to="bordereaux/", blank=True, max_length=200)
    bordereau_pdf_sha256 = models.CharField("empreinte SHA-256 du PDF", max_length=64, blank=True)

    class Meta:
        verbose_name = "bordereau de paiement"
        verbose_name_plural = "bordereaux de paiement"
        ordering = ["-pk"]
        permissions = [
            ("build_bordereau", "Peut constituer un bordereau"),
            ("present_bordereau", "Peut présenter un bordereau à l'organisme"),
            ("approve_bordereau", "Peut approuver ou rejeter un bordereau"),
            ("split_bordereau", "Peut retirer des dossiers d'un bordereau"),
            ("execute_bordereau", "Peut émettre l'ordre de virement et intégrer le retour banque"),
        ]
        constraints = [
            models.CheckConstraint(name="bordereau_status_known", condition=Q(status__in=BordereauStatus.values)),
            models.CheckConstraint(name="bordereau_totals_non_negative",
                                   condition=Q(total_amo__gte=0, total_complementary__gte=0)),
            # one builder per payer pair: a second request joins the bordereau being built
            models.UniqueConstraint(name="bordereau_one_building_per_pair", fields=["mutuelle", "fund"],
                                    condition=Q(status="en_preparation")),
            models.CheckConstraint(name="bordereau_approver_is_not_builder",
                                   condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("built_by"))),
            models.CheckConstraint(name="bordereau_approver_is_not_presenter",
                                   condition=Q(approved_by__isnull=True) | Q(presented_by__isnull=True)
                                   | ~Q(approved_by=F("presented_by"))),
        ]
        indexes = [models.Index(fields=["status", "id"], name="bordereau_status_idx")]

    def __str__(self) -> str:
        return self.number or f"bordereau #{self.pk}"

    @property
    def total(self):
        return self.total_amo + self.total_complementary


class LineState(models.TextChoices):
    """A line waits ("en attente") until the bank answers; once the bordereau's transfer order is
    issued, a waiting line is a transfer sent (its state is not rewritten: 100,000 updates saved)."""

    PENDING = "en_attente", "en attente"
    PAID = "paye", "payé"
    BANK_REJECTED = "rejete", "rejeté par la banque"
    WITHDRAWN = "retire", "retiré du bordereau"


class BordereauLine(models.Model):
    """One claim in a bordereau: the payee (the claim's insured person, named as at constitution),
    the RIB taken at constitution, and what each payer transfers. `reference` names the payment
    of this claim in the transfer order and in the bank's return; it is unique across all bordereaux."""

    # Only the indexes the queries use (each one costs on every insert of 100,000 lines): the
    # bordereau and the claim are covered by the composite indexes below.
    bordereau = models.ForeignKey(Bordereau, verbose_name="bordereau", related_name="lines", on_delete=models.PROTECT,
                                  db_index=False)
    claim = models.ForeignKey(Claim, verbose_name="dossier", related_name="payment_lines", on_delete=models.PROTECT,
                              db_index=False)
    reference = models.CharField("référence de paiement", max_length=32)
    claim_number = models.CharField("n° de dossier", max_length=24)
    payee_name = models.CharField("bénéficiaire du virement", max_length=200)
    patient_name = models.CharField("bénéficiaire des soins", max_length=200)
    rib = models.CharField("RIB", max_length=24)
    amo = money_field(verbose_name="part AMO")
    complementary = money_field(verbose_name="part complémentaire")
    state = models.CharField("état", max_length=12, choices=LineState.choices, default=LineState.PENDING)
    #: The claim's status when it entered the bordereau: a withdrawn line gives the claim back to it
    #: (a claim the bank refused before goes back to "virement rejeté", never to a fresh "liquidé").
    entered_from = models.CharField("statut du dossier à l'inscription", max_length=20,
                                    choices=[(s, ClaimStatus(s).label) for s in PAYABLE_STATUSES],
                                    default=ClaimStatus.LIQUIDATED)
    #: What the bank confirmed for each payer's transfer (a rejected transfer pays nothing).
    amo_paid = money_field(verbose_name="part AMO versée", default=0)
    complementary_paid = money_field(verbose_name="part complémentaire versée", default=0)
    paid_on = models.DateField("payé le", null=True, blank=True)
    bank_reason_code = models.CharField("motif banque (code)", max_length=8, blank=True)
    bank_reason = models.CharField("motif banque", max_length=200, blank=True)
    withdrawn_reason = models.CharField("motif du retrait", max_length=500, blank=True)
    withdrawn_by = models.ForeignKey(USER, verbose_name="retiré par", null=True, blank=True, related_name="+",
                                     on_delete=models.PROTECT, db_index=False)
    withdrawn_at = models.DateTimeField("retiré le", null=True, blank=True)

    class Meta:
        verbose_name = "ligne de bordereau"
        verbose_name_plural = "lignes de bordereau"
        ordering = ["bordereau", "pk"]
        constraints = [
            # unique references without the extra pattern index Django adds to unique=True text fields
            models.UniqueConstraint(name="bordereauline_unique_reference", fields=["reference"]),
            # claim first: the same index serves the lookups by claim (payment history, insured pages)
            models.UniqueConstraint(name="bordereauline_unique_claim_per_bordereau", fields=["claim", "bordereau"]),
            # a claim is in at most one open bordereau...
            models.UniqueConstraint(name="bordereauline_one_open_line_per_claim", fields=["claim"],
                                    condition=Q(state="en_attente")),
            # ... and is paid at most once
            models.UniqueConstraint(name="bordereauline_paid_once_per_claim", fields=["claim"],
                                    condition=Q(state="paye")),
            models.CheckConstraint(name="bordereauline_state_known", condition=Q(state__in=LineState.values)),
            models.CheckConstraint(name="bordereauline_entered_from_payable",
                                   condition=Q(entered_from__in=PAYABLE_STATUSES)),
            models.CheckConstraint(name="bordereauline_amounts_positive",
                                   condition=Q(amo__gte=0, complementary__gte=0)
                                   & (Q(amo__gt=0) | Q(complementary__gt=0))),
            models.CheckConstraint(name="bordereauline_paid_not_above_due",
                                   condition=Q(amo_paid__gte=0, complementary_paid__gte=0,
                                               amo_paid__lte=F("amo"), complementary_paid__lte=F("complementary"))),
        ]
        indexes = [models.Index(fields=["bordereau", "state", "id"], name="bordereauline_state_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def total(self):
        return self.amo + self.complementary


class HeldClaim(TimeStampedModel):
    """A liquidated claim the builder could not put in a bordereau, and why (no valid RIB...).

    The row lives as long as the reason does: the next constitution checks the claim again and
    deletes the row when the claim goes into a bordereau.
    """

    class Reason(models.TextChoices):
        NO_RIB = "rib_absent", "aucun RIB enregistré pour l'assuré"
        INVALID_RIB = "rib_invalide", "RIB de l'assuré invalide"
        RIB_UNCHANGED = "rib_inchange", "virement rejeté : RIB non modifié depuis le rejet"
        NOTHING_DUE = "montant_nul", "rien à verser (montant liquidé nul ou déjà versé)"

    claim = models.OneToOneField(Claim, verbose_name="dossier", related_name="payment_hold", on_delete=models.CASCADE)
    mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle", related_name="+", on_delete=models.PROTECT)
    fund = models.ForeignKey(AMOFund, verbose_name="organisme", related_name="+", on_delete=models.PROTECT)
    reason_code = models.CharField("motif (code)", max_length=16, choices=Reason.choices)
    reason = models.CharField("motif", max_length=300)
    last_bordereau = models.ForeignKey(Bordereau, verbose_name="écarté du bordereau", null=True, blank=True,
                                       related_name="held_claims", on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "dossier écarté du paiement"
        verbose_name_plural = "dossiers écartés du paiement"
        ordering = ["mutuelle", "claim"]

    def __str__(self) -> str:
        return f"{self.claim_id} : {self.get_reason_code_display()}"


class BordereauStatusChange(models.Model):
    """Audit row: every status change of a bordereau (payments.workflow), with who, when, from, to and why."""

    bordereau = models.ForeignKey(Bordereau, verbose_name="bordereau", related_name="status_changes",
                                  on_delete=models.CASCADE)
    from_status = models.CharField("de", max_length=20, choices=BordereauStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=20, choices=BordereauStatus.choices)
    changed_by = models.ForeignKey(USER, verbose_name="par", related_name="+", on_delete=models.PROTECT)
    changed_at = models.DateTimeField("le", auto_now_add=True)
    reason = models.CharField("motif", max_length=500, blank=True)

    class Meta:
        verbose_name = "changement de statut du bordereau"
        verbose_name_plural = "historique du bordereau"
        ordering = ["bordereau", "pk"]

    def __str__(self) -> str:
        return f"{self.bordereau_id} : {self.from_status or '—'} → {self.to_status}"


class PaymentReconciliation(Claim):
    """Claims whose payments do not match what was liquidated (payments.reconciliation), as the
    CNOPS staff's admin page lists them."""

    class Meta:
        proxy = True
        verbose_name = "écart de paiement"
        verbose_name_plural = "rapprochement des paiements"
