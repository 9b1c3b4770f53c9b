"""The bank side of a bordereau: its transfer order file, the bank's return files and their answers."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from amo_portal.models import TimeStampedModel
from amo_portal.money import money_field
from payments.models.bordereaux import Bordereau, BordereauLine

USER = settings.AUTH_USER_MODEL


class TransferOrder(TimeStampedModel):
    """The transfer order file of an approved bordereau (docs/transfer-file.md), produced once."""

    bordereau = models.OneToOneField(Bordereau, verbose_name="bordereau", related_name="transfer_order",
                                     on_delete=models.PROTECT)
    file = models.FileField("fichier", upload_to="ordres-de-virement/", max_length=200)
    file_name = models.CharField("nom du fichier", max_length=100)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    transfer_count = models.PositiveIntegerField("nombre de virements")
    total = money_field(verbose_name="montant total")
    total_amo = money_field(verbose_name="section AMO (organisme)")
    total_complementary = money_field(verbose_name="section complémentaire (mutuelle)")
    debtor_amo_iban = models.CharField("compte débité (AMO)", max_length=34)
    debtor_complementary_iban = models.CharField("compte débité (complémentaire)", max_length=34)
    created_by = models.ForeignKey(USER, verbose_name="émis par", related_name="+", on_delete=models.PROTECT)

    class Meta:
        verbose_name = "ordre de virement"
        verbose_name_plural = "ordres de virement"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.file_name


class BankReturn(TimeStampedModel):
    """A bank return file imported for a bordereau; the same file imported twice is one import."""

    bordereau = models.ForeignKey(Bordereau, verbose_name="bordereau", related_name="bank_returns",
                                  on_delete=models.PROTECT)
    file = models.FileField("fichier", upload_to="retours-banque/", max_length=200)
    file_name = models.CharField("nom du fichier", max_length=200)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    processed_on = models.DateField("date de traitement (banque)")
    accepted_count = models.PositiveIntegerField("virements exécutés", default=0)
    rejected_count = models.PositiveIntegerField("virements rejetés", default=0)
    accepted_total = money_field(verbose_name="montant exécuté", default=0)
    rejected_total = money_field(verbose_name="montant rejeté", default=0)
    #: Transfers of the file the bank had already answered (a second or overlapping return): not
    #: counted again above.
    known_count = models.PositiveIntegerField("réponses déjà reçues", default=0)
    imported_by = models.ForeignKey(USER, verbose_name="intégré par", related_name="+", on_delete=models.PROTECT)

    class Meta:
        verbose_name = "retour banque"
        verbose_name_plural = "retours banque"
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(name="bankreturn_unique_file_per_bordereau", fields=["bordereau", "sha256"]),
        ]

    def __str__(self) -> str:
        return self.file_name


class Payer(models.TextChoices):
    AMO = "A", "organisme (part AMO)"
    COMPLEMENTARY = "C", "mutuelle (part complémentaire)"


class BankReturnLine(models.Model):
    """The bank's answer for one transfer (one payer's share of one claim). One answer per
    transfer: a second return saying the same thing is ignored, one saying otherwise is refused."""

    bank_return = models.ForeignKey(BankReturn, verbose_name="retour banque", related_name="lines",
                                    on_delete=models.CASCADE)
    line = models.ForeignKey(BordereauLine, verbose_name="ligne de bordereau", related_name="bank_results",
                             on_delete=models.PROTECT)
    payer = models.CharField("payeur", max_length=1, choices=Payer.choices)
    accepted = models.BooleanField("exécuté")
    amount = money_field(verbose_name="montant")
    reason_code = models.CharField("motif (code ISO)", max_length=8, blank=True)
    reason = models.CharField("motif", max_length=200, blank=True)
    booked_on = models.DateField("date de valeur", null=True, blank=True)

    class Meta:
        verbose_name = "résultat de virement"
        verbose_name_plural = "résultats de virement"
        ordering = ["line", "payer"]
        constraints = [
            models.UniqueConstraint(name="bankreturnline_one_result_per_transfer", fields=["line", "payer"]),
            models.CheckConstraint(name="bankreturnline_payer_known", condition=Q(payer__in=Payer.values)),
        ]

    def __str__(self) -> str:
        return f"{self.line_id}-{self.payer} : {'exécuté' if self.accepted else 'rejeté'}"
