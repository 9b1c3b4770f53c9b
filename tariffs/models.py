"""Reference tariffs: letter keys (TNR), medicines (PPV/PBR), AMO rates, filing deadlines, ALD list.

Every value is dated (valid_from inclusive, valid_to exclusive) and per régime, not per paying
organisme: law 54-23 moves the public sector's AMO from the CNOPS to the CNSS while the insured keep
their rights, so the values follow the régime and the payer is another dated fact
(mutuelles.RegimePayer). Rows are loaded from tariffs/data by `manage.py load_reference_data`,
never written in code.
"""
from django.db import models
from django.db.models import Q

from amo_portal.models import DatedModel, TimeStampedModel
from amo_portal.money import money_field
from mutuelles.models import PrestationGroup, Regime


class LetterKey(TimeStampedModel):
    """A lettre clé of the TNR grid (C, Cs, B, Z, K...): a cotation is a key and a coefficient."""

    code = models.CharField("lettre clé", max_length=12, unique=True)
    label = models.CharField("libellé", max_length=200)
    group = models.CharField("groupe de prestations", max_length=32, choices=PrestationGroup.choices,
                             default=PrestationGroup.ACTS)
    is_consultation = models.BooleanField("consultation", default=False,
                                          help_text="Ouvre droit aux forfaits par consultation des mutuelles.")
    # DOMAIN-UNCERTAIN: domain.md §3.4 — no official list of acts needing prior approval.
    requires_prior_approval = models.BooleanField("entente préalable requise", default=False)
    default_coefficient = models.DecimalField("coefficient par défaut", max_digits=8, decimal_places=2, default=1)
    #: Valued per session (AMM, AMY, AMO: "par séance" in the 2006 grid): the value is that of one
    #: session, a line's quantity is its number of sessions and its cotation carries no coefficient.
    per_session = models.BooleanField("valorisée par séance", default=False)
    #: The mutuelles' flat per consultation is also added on this key's lines (consultations, and
    #: dental care: MGPAP 2026 "ainsi que pour les soins dentaires", domain.md §8.3).
    takes_consultation_flat = models.BooleanField("ouvre droit au forfait par consultation", default=False)
    max_sessions = models.PositiveSmallIntegerField("séances au plus par ligne", null=True, blank=True)

    class Meta:
        verbose_name = "lettre clé"
        verbose_name_plural = "lettres clés"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ProviderSector(models.TextChoices):
    """Who provided the care: a public establishment (hospital, Institut Pasteur, public laboratory)
    or a private one. Some keys are valued differently (B: domain.md §8.3)."""

    PRIVATE = "prive", "privé"
    PUBLIC = "public", "public"


class LetterKeyValue(DatedModel):
    """The value in dirhams of one unit of a letter key, in one régime, over a period; for one
    provider sector when the grid differs between them (empty: both sectors)."""

    key = models.ForeignKey(LetterKey, verbose_name="lettre clé", related_name="values", on_delete=models.PROTECT)
    regime = models.ForeignKey(Regime, verbose_name="régime", related_name="key_values", on_delete=models.PROTECT)
    sector = models.CharField("secteur du prestataire", max_length=8, blank=True, default="",
                              choices=ProviderSector.choices, help_text="Vide : les deux secteurs.")
    value = money_field(verbose_name="valeur (DH)")

    overlap_key = ("key", "regime", "sector")

    class Meta:
        verbose_name = "valeur de lettre clé"
        verbose_name_plural = "valeurs des lettres clés (TNR)"
        ordering = ["key__code", "regime__code", "valid_from"]
        constraints = [
            models.CheckConstraint(name="letterkeyvalue_value_positive", condition=Q(value__gt=0)),
            models.UniqueConstraint(name="letterkeyvalue_unique_start",
                                    fields=["key", "regime", "sector", "valid_from"]),
        ]

    def __str__(self) -> str:
        sector = f" {self.get_sector_display()}" if self.sector else ""
        return f"{self.key} = {self.value} DH ({self.regime}{sector}, {self.valid_from})"


class Medicine(TimeStampedModel):
    """A medicine of the reimbursable list (Guide des médicaments remboursables)."""

    code = models.CharField("code", max_length=32, unique=True)
    name = models.CharField("nom", max_length=200, db_index=True)
    dci = models.CharField("DCI", max_length=200, blank=True)
    presentation = models.CharField("présentation", max_length=200, blank=True)
    is_generic = models.BooleanField("générique", default=False)
    reimbursable_from = models.DateField("remboursable du", null=True, blank=True)
    reimbursable_to = models.DateField("remboursable jusqu'au (exclu)", null=True, blank=True)
    is_sample = models.BooleanField("donnée d'exemple", default=True,
                                    help_text="Échantillon livré avec le portail, pas la liste officielle.")

    class Meta:
        verbose_name = "médicament"
        verbose_name_plural = "médicaments"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.presentation}".strip()

    def is_reimbursable_on(self, on) -> bool:
        if self.reimbursable_from is None or on < self.reimbursable_from:
            return False
        return self.reimbursable_to is None or on < self.reimbursable_to


class MedicinePrice(DatedModel):
    """PPV (public price) and PBR (reimbursement base) of a medicine over a period (domain.md §1.2)."""

    medicine = models.ForeignKey(Medicine, verbose_name="médicament", related_name="prices", on_delete=models.CASCADE)
    ppv = money_field(verbose_name="PPV (DH)")
    pbr = money_field(verbose_name="PBR (DH)")

    overlap_key = ("medicine",)

    class Meta:
        verbose_name = "prix de médicament"
        verbose_name_plural = "prix des médicaments"
        ordering = ["medicine__name", "valid_from"]
        constraints = [
            models.CheckConstraint(name="medicineprice_ppv_positive", condition=Q(ppv__gt=0)),
            models.CheckConstraint(name="medicineprice_pbr_positive_not_above_ppv",
                                   condition=Q(pbr__gt=0) & Q(pbr__lte=models.F("ppv"))),
            models.UniqueConstraint(name="medicineprice_unique_start", fields=["medicine", "valid_from"]),
        ]


class AMORate(DatedModel):
    """The AMO share of a prestation group in one régime (décret 2-05-736, domain.md §1.1, §1.3)."""

    regime = models.ForeignKey(Regime, verbose_name="régime", related_name="rates", on_delete=models.PROTECT)
    group = models.CharField("groupe de prestations", max_length=32, choices=PrestationGroup.choices)
    ald_linked = models.BooleanField("lignes liées à une ALD couverte par une ETM", default=False)
    rate = models.DecimalField("taux", max_digits=5, decimal_places=4)

    overlap_key = ("regime", "group", "ald_linked")

    class Meta:
        verbose_name = "taux AMO"
        verbose_name_plural = "taux AMO"
        ordering = ["regime__code", "group", "ald_linked", "valid_from"]
        constraints = [
            models.CheckConstraint(name="amorate_rate_0_1", condition=Q(rate__gte=0) & Q(rate__lte=1)),
            models.UniqueConstraint(name="amorate_unique_start",
                                    fields=["regime", "group", "ald_linked", "valid_from"]),
        ]

    def __str__(self) -> str:
        return f"{self.regime} {self.get_group_display()} {self.rate} ({self.valid_from})"


class FilingDeadlineRule(DatedModel):
    """How many days after the care date (or end of treatment) a file may be filed (domain.md §3.1)."""

    class Filer(models.TextChoices):
        INSURED = "assure", "dossier déposé par l'assuré"
        PROVIDER = "tiers_payant", "facture en tiers payant"
        #: Days after the decision on a claim during which the insured person may contest it.
        RECLAMATION = "reclamation", "réclamation de l'assuré contre une décision"

    regime = models.ForeignKey(Regime, verbose_name="régime", related_name="deadline_rules", on_delete=models.PROTECT)
    filer = models.CharField("déposant", max_length=16, choices=Filer.choices, default=Filer.INSURED)
    days = models.PositiveSmallIntegerField("délai (jours)")

    overlap_key = ("regime", "filer")

    class Meta:
        verbose_name = "délai de dépôt"
        verbose_name_plural = "délais de dépôt"
        constraints = [
            models.CheckConstraint(name="filingdeadlinerule_days_positive", condition=Q(days__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.regime} {self.days} jours ({self.valid_from})"


class DeadlineSuspension(TimeStampedModel):
    """A period during which filing deadlines stop counting (e.g. 24 March – 27 July 2020)."""

    regime = models.ForeignKey(Regime, verbose_name="régime", related_name="deadline_suspensions",
                               on_delete=models.PROTECT)
    first_day = models.DateField("premier jour suspendu")
    last_day = models.DateField("dernier jour suspendu")
    reason = models.CharField("motif", max_length=200)
    source = models.CharField("source", max_length=300, blank=True)

    class Meta:
        verbose_name = "suspension des délais"
        verbose_name_plural = "suspensions des délais"
        constraints = [
            models.CheckConstraint(name="deadlinesuspension_ordered", condition=Q(last_day__gte=models.F("first_day"))),
            models.UniqueConstraint(name="deadlinesuspension_unique", fields=["regime", "first_day"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_day} → {self.last_day} ({self.reason})"


class ALDCondition(TimeStampedModel):
    """An affection de longue durée of the official list (arrêté 2518-05, domain.md §1.3)."""

    code = models.CharField("code ALD", max_length=8, unique=True)
    rank = models.PositiveSmallIntegerField("rang dans la liste", default=0)
    label = models.CharField("libellé", max_length=300)

    class Meta:
        verbose_name = "affection de longue durée (ALD)"
        verbose_name_plural = "affections de longue durée (ALD)"
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return f"ALD {self.code} – {self.label}"


from tariffs.models_eligibility import EligibilityRule  # noqa: E402, F401 — kept apart to keep files small
