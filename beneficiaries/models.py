"""Insured persons (assurés), their dependants (ayants droit) and supporting records."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from amo_portal.models import TimeStampedModel
from amo_portal.rib import rib_last_digits
from beneficiaries.validators import validate_cnie, validate_rib
from mutuelles.models import AMOFund, Mutuelle, Regime


class Sex(models.TextChoices):
    MALE = "M", "masculin"
    FEMALE = "F", "féminin"


class Language(models.TextChoices):
    FRENCH = "fr", "français"
    ARABIC = "ar", "العربية"


class InsuredStatus(models.TextChoices):
    ACTIVE = "actif", "actif"
    RETIRED = "retraite", "retraité"
    STRUCK_OFF = "radie", "radié"
    #: status_since is the date of death (beneficiaries.services.deaths records it).
    DECEASED = "decede", "décédé"


class Insured(TimeStampedModel):
    """An assuré of the public-sector AMO, with the data of the registration card."""

    registration_number = models.CharField("n° d'immatriculation AMO", max_length=32)
    affiliation_number = models.CharField("n° d'affiliation à la mutuelle", max_length=32)
    cnie = models.CharField("n° de CNIE", max_length=10, unique=True, validators=[validate_cnie])
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    last_name_ar = models.CharField("nom (arabe)", max_length=100, blank=True)
    first_name_ar = models.CharField("prénom (arabe)", max_length=100, blank=True)
    birth_date = models.DateField("date de naissance")
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    status = models.CharField("situation", max_length=16, choices=InsuredStatus.choices, default=InsuredStatus.ACTIVE)
    status_since = models.DateField("situation depuis le")
    affiliated_on = models.DateField("affilié depuis le")
    administration = models.CharField("administration employeur", max_length=200, blank=True)
    rib = models.CharField("RIB", max_length=24, blank=True, validators=[validate_rib])
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    city = models.CharField("ville", max_length=100, blank=True)
    mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle", related_name="insured_persons",
                                 on_delete=models.PROTECT)
    #: The organisme that holds the person's registration (immatriculation); who pays the AMO share
    #: of a claim is the régime's payer (mutuelles.selectors.payer_on), not this.
    fund = models.ForeignKey(AMOFund, verbose_name="organisme d'immatriculation", related_name="insured_persons",
                             on_delete=models.PROTECT)
    #: The régime whose values and rules apply to the person's care (domain.md §8.2).
    regime = models.ForeignKey(Regime, verbose_name="régime AMO", related_name="insured_persons",
                               on_delete=models.PROTECT)
    card_issued_on = models.DateField("carte d'immatriculation délivrée le", null=True, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="compte en ligne", null=True, blank=True,
                                related_name="insured", on_delete=models.SET_NULL)
    #: The language of everything sent while no request is there (status and account e-mails):
    #: set by the portal's language switch and contact details.
    language = models.CharField("langue des messages", max_length=2, choices=Language.choices,
                                default=Language.FRENCH)

    class Meta:
        verbose_name = "assuré"
        verbose_name_plural = "assurés"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(name="insured_unique_registration_per_fund",
                                    fields=["fund", "registration_number"]),
            models.UniqueConstraint(name="insured_unique_affiliation_per_mutuelle",
                                    fields=["mutuelle", "affiliation_number"]),
            models.CheckConstraint(name="insured_status_known", condition=Q(status__in=InsuredStatus.values)),
            models.CheckConstraint(name="insured_language_known", condition=Q(language__in=Language.values)),
        ]
        indexes = [
            models.Index(fields=["registration_number"], name="insured_registration_idx"),
            models.Index(fields=["last_name", "first_name"], name="insured_name_idx"),
        ]
        permissions = [
            ("transfer_insured", "Peut transférer un assuré vers une autre mutuelle ou un autre organisme"),
            ("record_death", "Peut enregistrer le décès d'un assuré et ses suites pour les ayants droit"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name} ({self.registration_number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def rib_last_digits(self) -> str:
        return rib_last_digits(self.rib)


class Relationship(models.TextChoices):
    SPOUSE = "conjoint", "conjoint"
    CHILD = "enfant", "enfant"


class Dependent(TimeStampedModel):
    """An ayant droit of an insured person (loi 65-00 art. 5, domain.md §3.2)."""

    insured = models.ForeignKey(Insured, verbose_name="assuré", related_name="dependents", on_delete=models.PROTECT)
    relationship = models.CharField("lien", max_length=16, choices=Relationship.choices)
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    last_name_ar = models.CharField("nom (arabe)", max_length=100, blank=True)
    first_name_ar = models.CharField("prénom (arabe)", max_length=100, blank=True)
    cnie = models.CharField("n° de CNIE", max_length=10, blank=True, validators=[validate_cnie])
    birth_date = models.DateField("date de naissance")
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    married = models.BooleanField("marié(e)", default=False)
    disabled = models.BooleanField("en situation de handicap", default=False)
    covered_elsewhere = models.BooleanField("couvert par un autre régime", default=False)
    registered_on = models.DateField("ayant droit depuis le")
    ended_on = models.DateField("n'est plus ayant droit à partir du", null=True, blank=True)
    end_reason = models.CharField("motif de fin", max_length=200, blank=True)

    class Meta:
        verbose_name = "ayant droit"
        verbose_name_plural = "ayants droit"
        ordering = ["insured", "birth_date"]
        constraints = [
            models.CheckConstraint(name="dependent_relationship_known",
                                   condition=Q(relationship__in=Relationship.values)),
            models.CheckConstraint(name="dependent_end_after_start",
                                   condition=Q(ended_on__isnull=True) | Q(ended_on__gt=models.F("registered_on"))),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_relationship_display()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class StudyCertificate(TimeStampedModel):
    """A certificate of higher studies, required every academic year for a child aged 21 to 26."""

    dependent = models.ForeignKey(Dependent, verbose_name="ayant droit", related_name="study_certificates",
                                  on_delete=models.CASCADE)
    academic_year = models.CharField("année universitaire", max_length=9)
    valid_from = models.DateField("valable du")
    valid_until = models.DateField("valable jusqu'au (inclus)")

    class Meta:
        verbose_name = "certificat de scolarité (études supérieures)"
        verbose_name_plural = "certificats de scolarité (études supérieures)"
        constraints = [
            models.CheckConstraint(name="studycertificate_ordered",
                                   condition=Q(valid_until__gte=models.F("valid_from"))),
        ]

    def __str__(self) -> str:
        return f"{self.academic_year} ({self.valid_from} → {self.valid_until})"


class RightsMaintenance(TimeStampedModel):
    """A maintien des droits for a disabled child past the age limits (domain.md §3.2)."""

    dependent = models.ForeignKey(Dependent, verbose_name="ayant droit", related_name="rights_maintenances",
                                  on_delete=models.CASCADE)
    decision_number = models.CharField("n° de décision", max_length=32)
    valid_from = models.DateField("valable du")
    valid_until = models.DateField("valable jusqu'au (inclus)", null=True, blank=True)

    class Meta:
        verbose_name = "maintien des droits"
        verbose_name_plural = "maintiens des droits"
        constraints = [
            models.CheckConstraint(name="rightsmaintenance_ordered",
                                   condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from"))),
        ]

    def __str__(self) -> str:
        return f"Maintien {self.decision_number}"



class DeathEvent(TimeStampedModel):
    """What was recorded about an insured person's death and its consequences: who, when (created_at),
    what, and the date it takes effect. Written only by beneficiaries.services.deaths."""

    class Kind(models.TextChoices):
        DEATH = "deces", "décès de l'assuré"
        SURVIVOR_AFFILIATED = "conjoint_affilie", "conjoint survivant affilié en propre"
        DEPENDANTS_CLOSED = "droits_fermes", "droits des ayants droit fermés"

    insured = models.ForeignKey(Insured, verbose_name="assuré décédé", related_name="death_events",
                                on_delete=models.PROTECT)
    kind = models.CharField("événement", max_length=20, choices=Kind.choices)
    effective_on = models.DateField("date d'effet")
    survivor = models.ForeignKey(Insured, verbose_name="conjoint survivant", related_name="+", null=True, blank=True,
                                 on_delete=models.PROTECT)
    details = models.TextField("détail")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="enregistré par", related_name="+",
                                    on_delete=models.PROTECT)

    class Meta:
        verbose_name = "suite d'un décès"
        verbose_name_plural = "suites des décès"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(name="deathevent_kind_known", condition=Q(kind__in=["deces", "conjoint_affilie",
                                                                                      "droits_fermes"])),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.effective_on:%d/%m/%Y})"


class RibChange(TimeStampedModel):
    """Every change of an insured person's RIB, kept for audit."""

    insured = models.ForeignKey(Insured, verbose_name="assuré", related_name="rib_changes", on_delete=models.CASCADE)
    old_rib = models.CharField("ancien RIB", max_length=24, blank=True)
    new_rib = models.CharField("nouveau RIB", max_length=24)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="modifié par", null=True,
                                   on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "changement de RIB"
        verbose_name_plural = "changements de RIB"
        ordering = ["-created_at"]


class InsuredTransfer(TimeStampedModel):
    """An insured person moved to another mutuelle or organisme: who did it, when, from, to, why.
    The only way the mutuelle or the organisme of an insured person changes (beneficiaries.services.transfers)."""

    insured = models.ForeignKey(Insured, verbose_name="assuré", related_name="transfers", on_delete=models.PROTECT)
    from_mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle quittée", related_name="+",
                                      on_delete=models.PROTECT)
    to_mutuelle = models.ForeignKey(Mutuelle, verbose_name="nouvelle mutuelle", related_name="+",
                                    on_delete=models.PROTECT)
    from_fund = models.ForeignKey(AMOFund, verbose_name="organisme quitté", related_name="+", on_delete=models.PROTECT)
    to_fund = models.ForeignKey(AMOFund, verbose_name="nouvel organisme", related_name="+", on_delete=models.PROTECT)
    reason = models.TextField("motif")
    transferred_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="transféré par", related_name="+",
                                       on_delete=models.PROTECT)

    class Meta:
        verbose_name = "transfert d'assuré"
        verbose_name_plural = "transferts d'assurés"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(name="insuredtransfer_changes_something",
                                   condition=~Q(from_mutuelle=models.F("to_mutuelle"), from_fund=models.F("to_fund"))),
            models.CheckConstraint(name="insuredtransfer_reason_given", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.from_mutuelle}/{self.from_fund} → {self.to_mutuelle}/{self.to_fund}"


from beneficiaries.models_family import FamilyChangeDocument, FamilyChangeEvent, FamilyChangeRequest  # noqa: E402, F401
