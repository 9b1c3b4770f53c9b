"""The register of accords: ETM (exonération du ticket modérateur for an ALD, domain.md §1.3, §8.1)
and ententes préalables (domain.md §3.4), their status history, the sessions consumed by claim
lines, and the reference data they are decided on (ALD declinations, decision deadlines)."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from amo_portal.models import DatedModel, StoredDocument, TimeStampedModel
from beneficiaries.models import Dependent, Insured
from mutuelles.models import AMOFund, Mutuelle
from tariffs.models import ALDCondition

MSG_DEPENDENT_OF_ANOTHER = "Ayant droit : cette personne n'est pas un ayant droit de l'assuré choisi."
MSG_DECLINATION_HEADING = "ALD : la déclinaison choisie relève d'une autre ALD ({heading})."


class ALDDeclination(TimeStampedModel):
    """A declination code of an ALD heading (a letter and three digits, e.g. H011 type 2 diabetes),
    the code printed on an ETM accord, with its default coverage period (domain.md §8.1)."""

    code = models.CharField("code de déclinaison", max_length=8, unique=True)
    heading = models.ForeignKey(ALDCondition, verbose_name="ALD", related_name="declinations",
                                on_delete=models.PROTECT)
    label = models.CharField("libellé", max_length=300)
    validity_months = models.PositiveSmallIntegerField("durée de couverture (mois)", null=True, blank=True,
                                                       help_text="Vide : à vie.")
    automatic_renewal = models.BooleanField("renouvellement automatique", default=False)
    valid_from = models.DateField("en vigueur depuis le")
    source = models.CharField("source", max_length=300, blank=True)

    class Meta:
        verbose_name = "déclinaison d'ALD"
        verbose_name_plural = "déclinaisons d'ALD"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(name="alddeclination_code_shape", condition=Q(code__regex=r"^[A-Z][0-9]{3}$")),
            models.CheckConstraint(name="alddeclination_validity_bounded",
                                   condition=Q(validity_months__isnull=True) | Q(validity_months__range=(6, 60))),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.label}"

    @property
    def lifetime(self) -> bool:
        return self.validity_months is None


class AccordKind(models.TextChoices):
    ETM = "etm", "ETM (ALD)"
    PRIOR_APPROVAL = "entente", "entente préalable"


class AccordStatus(models.TextChoices):
    REQUESTED = "demande", "demandé"
    UNDER_STUDY = "etude", "à l'étude"
    GRANTED = "accorde", "accordé"
    REFUSED = "refuse", "refusé"
    EXPIRED = "expire", "expiré"
    RENEWED = "renouvele", "renouvelé"


#: An accord once granted: it covers care between its dates, whatever happened after (expiry, renewal).
GRANTED_STATUSES = (AccordStatus.GRANTED, AccordStatus.RENEWED, AccordStatus.EXPIRED)
OPEN_STATUSES = (AccordStatus.REQUESTED, AccordStatus.UNDER_STUDY)


class DecisionDeadline(DatedModel):
    """How many days the médecins of the mutuelle have to decide a request of one kind."""

    kind = models.CharField("type d'accord", max_length=8, choices=AccordKind.choices)
    days = models.PositiveSmallIntegerField("délai (jours)")

    overlap_key = ("kind",)

    class Meta:
        verbose_name = "délai de décision"
        verbose_name_plural = "délais de décision"
        constraints = [models.UniqueConstraint(name="decisiondeadline_unique_start", fields=["kind", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.days} j"


class Accord(TimeStampedModel):
    """An ETM or an entente préalable for one beneficiary: requested, studied, then granted or refused.
    Only approvals.workflow changes its status, each change leaving an AccordStatusChange row."""

    accord_number = models.CharField("n° d'accord", max_length=32, blank=True)
    kind = models.CharField("type", max_length=8, choices=AccordKind.choices, default=AccordKind.ETM)
    status = models.CharField("statut", max_length=10, choices=AccordStatus.choices, default=AccordStatus.GRANTED)
    insured = models.ForeignKey(Insured, verbose_name="assuré", related_name="etm_accords", on_delete=models.PROTECT)
    dependent = models.ForeignKey(Dependent, verbose_name="ayant droit (vide : l'assuré)", null=True, blank=True,
                                  related_name="etm_accords", on_delete=models.PROTECT)
    mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle", related_name="accords", on_delete=models.PROTECT)
    fund = models.ForeignKey(AMOFund, verbose_name="organisme", related_name="accords", on_delete=models.PROTECT)
    ald = models.ForeignKey(ALDCondition, verbose_name="ALD", null=True, blank=True, related_name="accords",
                            on_delete=models.PROTECT)
    declination = models.ForeignKey(ALDDeclination, verbose_name="déclinaison d'ALD", null=True, blank=True,
                                    related_name="accords", on_delete=models.PROTECT)
    acts = models.CharField("actes ou appareils couverts", max_length=200, blank=True,
                            help_text="Codes séparés par des virgules (entente préalable).")
    quantity_granted = models.PositiveIntegerField("séances ou quantité accordées", null=True, blank=True)
    quantity_consumed = models.PositiveIntegerField("séances ou quantité consommées", default=0)
    valid_from = models.DateField("valable du", null=True, blank=True)
    valid_until = models.DateField("valable jusqu'au (inclus)", null=True, blank=True,
                                   help_text="Vide pour une exonération à vie.")
    requested_on = models.DateField("demandé le", null=True, blank=True)
    decided_on = models.DateField("décidé le", null=True, blank=True)
    refusal_code = models.CharField("motif de refus", max_length=16, blank=True)
    renews = models.ForeignKey("self", verbose_name="renouvelle l'accord", null=True, blank=True,
                               related_name="renewals", on_delete=models.PROTECT)
    document = models.FileField("pièce jointe", upload_to="accords/%Y/%m/", blank=True)
    #: The language the insured person used when asking (no preference is stored on the account):
    #: the e-mails about the request are written in it.
    language = models.CharField("langue de l'assuré", max_length=8, blank=True)

    class Meta:
        verbose_name = "accord (ETM ou entente préalable)"
        verbose_name_plural = "accords (ETM et ententes préalables)"
        constraints = [
            models.CheckConstraint(name="accord_ordered",
                                   condition=Q(valid_until__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_until__gte=models.F("valid_from"))),
            models.CheckConstraint(name="accord_kind_known", condition=Q(kind__in=AccordKind.values)),
            models.CheckConstraint(name="accord_status_known", condition=Q(status__in=AccordStatus.values)),
            models.CheckConstraint(name="accord_etm_names_ald",
                                   condition=~Q(kind=AccordKind.ETM) | Q(ald__isnull=False)),
            models.CheckConstraint(name="accord_granted_has_number_and_start",
                                   condition=~Q(status__in=GRANTED_STATUSES)
                                   | (Q(valid_from__isnull=False) & ~Q(accord_number=""))),
            models.CheckConstraint(name="accord_consumed_within_granted",
                                   condition=Q(quantity_granted__isnull=True)
                                   | Q(quantity_consumed__lte=models.F("quantity_granted"))),
            models.UniqueConstraint(name="accord_unique_number_per_payer", fields=["fund", "mutuelle", "accord_number"],
                                    condition=~Q(accord_number="")),
        ]
        indexes = [models.Index(fields=["status", "requested_on"], name="accord_queue_idx")]

    def __str__(self) -> str:
        number = self.accord_number or "(sans numéro)"
        if self.kind == AccordKind.ETM:
            return f"ETM {number} – ALD {self.declination.code if self.declination_id else self.ald.code}"
        return f"Entente préalable {number}"

    def _fill_payers(self) -> None:
        # the accord is owed by the payers of the insured person on the day it is recorded
        if self.mutuelle_id is None and self.insured_id is not None:
            self.mutuelle_id = self.insured.mutuelle_id
        if self.fund_id is None and self.insured_id is not None:
            self.fund_id = self.insured.fund_id
        if self.declination_id is not None and self.ald_id is None:
            self.ald_id = self.declination.heading_id

    def save(self, *args, **kwargs) -> None:
        self._fill_payers()
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None) -> None:
        # the payers are never typed (filled from the insured person), yet the number is unique per payer
        self._fill_payers()
        super().validate_constraints(exclude=set(exclude or ()) - {"mutuelle", "fund"})

    def clean(self) -> None:
        super().clean()
        if self.dependent_id is not None and self.insured_id is not None \
                and self.dependent.insured_id != self.insured_id:
            raise ValidationError({"dependent": MSG_DEPENDENT_OF_ANOTHER})
        if self.declination_id is not None and self.ald_id is not None \
                and self.declination.heading_id != self.ald_id:
            raise ValidationError({"declination": MSG_DECLINATION_HEADING.format(heading=self.declination.heading)})

    def covers(self, on) -> bool:
        return (self.status in GRANTED_STATUSES and self.valid_from is not None and self.valid_from <= on
                and (self.valid_until is None or on <= self.valid_until))

    @property
    def act_codes(self) -> list[str]:
        return [code.strip().upper() for code in self.acts.split(",") if code.strip()]

    @property
    def quantity_left(self) -> int | None:
        return None if self.quantity_granted is None else self.quantity_granted - self.quantity_consumed


class GrantedETMManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=AccordKind.ETM, status__in=GRANTED_STATUSES)


class ETMAccord(Accord):
    """The ETM accords a claim may name: granted ones (still granted, renewed since or expired since)."""

    objects = GrantedETMManager()

    class Meta:
        proxy = True
        verbose_name = "accord ETM (ALD)"
        verbose_name_plural = "accords ETM (ALD)"


class AccordStatusChange(TimeStampedModel):
    """One change of an accord's status: who, when, from, to, why."""

    accord = models.ForeignKey(Accord, verbose_name="accord", related_name="status_changes", on_delete=models.CASCADE)
    from_status = models.CharField("ancien statut", max_length=10, blank=True)
    to_status = models.CharField("nouveau statut", max_length=10, choices=AccordStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="par", null=True, blank=True,
                                   related_name="+", on_delete=models.PROTECT)
    reason = models.TextField("motif", blank=True)

    class Meta:
        verbose_name = "changement de statut d'accord"
        verbose_name_plural = "changements de statut d'accords"
        ordering = ["accord", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class AccordConsumption(TimeStampedModel):
    """Sessions or units of an accord used by one claim line: at most one row per line, so that a
    second liquidation of the same line consumes nothing more."""

    accord = models.ForeignKey(Accord, verbose_name="accord", related_name="consumptions", on_delete=models.PROTECT)
    claim_line_id = models.BigIntegerField("ligne de dossier")
    quantity = models.PositiveIntegerField("quantité")

    class Meta:
        verbose_name = "consommation d'accord"
        verbose_name_plural = "consommations d'accords"
        constraints = [
            models.UniqueConstraint(name="accordconsumption_once_per_line", fields=["accord", "claim_line_id"]),
            models.CheckConstraint(name="accordconsumption_positive", condition=Q(quantity__gt=0)),
        ]


class AccordDocumentKind(models.TextChoices):
    MEDICAL_REPORT = "rapport", "rapport médical"
    PRESCRIPTION = "ordonnance", "prescription"
    QUOTE = "devis", "devis"
    OTHER = "autre", "autre pièce"


def accord_document_path(instance: "AccordDocument", filename: str) -> str:
    # The stored name is the content hash: nothing of the user's file name reaches the disk.
    return f"accords/{instance.accord_id}/{instance.sha256}.{instance.extension}"


class AccordDocument(StoredDocument):
    """A piece sent with a request (medical report, prescription, quote), stored outside the static
    tree and served only to the staff of the mutuelle, as a download."""

    accord = models.ForeignKey(Accord, verbose_name="accord", related_name="documents", on_delete=models.CASCADE)
    kind = models.CharField("nature", max_length=12, choices=AccordDocumentKind.choices)
    file = models.FileField("fichier", upload_to=accord_document_path, max_length=200)

    class Meta:
        verbose_name = "pièce d'une demande d'accord"
        verbose_name_plural = "pièces des demandes d'accord"
        ordering = ["accord", "pk"]
        constraints = [models.UniqueConstraint(name="accorddocument_unique_per_accord", fields=["accord", "sha256"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.original_name}"


class AccordReminder(TimeStampedModel):
    """A reminder e-mailed before an accord ends (60 and 15 days before): one row each, so each goes once."""

    accord = models.ForeignKey(Accord, verbose_name="accord", related_name="reminders", on_delete=models.CASCADE)
    days_before = models.PositiveSmallIntegerField("jours avant la fin")

    class Meta:
        verbose_name = "rappel de fin d'accord"
        verbose_name_plural = "rappels de fin d'accord"
        constraints = [models.UniqueConstraint(name="accordreminder_once", fields=["accord", "days_before"])]
