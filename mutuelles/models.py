"""Organismes AMO (CNOPS, CNSS), mutuelles, their dated links, and staff accounts."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac

from amo_portal.models import DatedModel, TimeStampedModel
from amo_portal.money import money_field


class AMOFund(TimeStampedModel):
    """An organisme gestionnaire of the AMO (the payer of the AMO share): CNOPS, later CNSS."""

    code = models.CharField("code", max_length=16, unique=True)
    name_fr = models.CharField("nom", max_length=200)
    name_ar = models.CharField("nom en arabe", max_length=200, blank=True)
    iban = models.CharField("IBAN du compte payeur", max_length=34, blank=True)
    #: A made-up account loaded for the demonstration (make run): never to be paid from.
    iban_is_demo = models.BooleanField("compte de démonstration", default=False)

    class Meta:
        verbose_name = "organisme AMO"
        verbose_name_plural = "organismes AMO"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Regime(TimeStampedModel):
    """A régime of the AMO (the public sector's, the private sector's salaried workers'): the rules
    and values its insured persons are liquidated under (letter-key values, rates, deadlines,
    eligibility limits), whoever manages it. Law 54-23 moves the public sector's management from
    the CNOPS to the CNSS while the insured keep their rights (domain.md §8.2): the régime stays,
    the payer changes (RegimePayer)."""

    code = models.CharField("code", max_length=16, unique=True)
    name_fr = models.CharField("nom", max_length=200)
    name_ar = models.CharField("nom en arabe", max_length=200, blank=True)
    source = models.CharField("source", max_length=300, blank=True)

    class Meta:
        verbose_name = "régime AMO"
        verbose_name_plural = "régimes AMO"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class RegimePayer(DatedModel):
    """Which organisme pays the AMO share of a régime over a period: the CNOPS for the public
    sector until the switch-over to the CNSS (law 54-23, date not known: reference data)."""

    regime = models.ForeignKey(Regime, verbose_name="régime", related_name="payers", on_delete=models.PROTECT)
    fund = models.ForeignKey(AMOFund, verbose_name="organisme payeur", related_name="regimes_paid",
                             on_delete=models.PROTECT)

    overlap_key = ("regime",)

    class Meta:
        verbose_name = "organisme payeur d'un régime"
        verbose_name_plural = "organismes payeurs des régimes"
        ordering = ["regime__code", "valid_from"]
        constraints = [
            models.UniqueConstraint(name="regimepayer_unique_start", fields=["regime", "valid_from"]),
            models.CheckConstraint(
                name="regimepayer_period_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regime} → {self.fund} ({self.valid_from})"


class Mutuelle(TimeStampedModel):
    """A mutuelle: receives, controls and liquidates the ambulatory claims of its members."""

    code = models.CharField("sigle", max_length=16, unique=True)
    name_fr = models.CharField("nom", max_length=200)
    name_ar = models.CharField("nom en arabe", max_length=200, blank=True)
    iban = models.CharField("IBAN du compte payeur (part complémentaire)", max_length=34, blank=True)
    #: A made-up account loaded for the demonstration (make run): never to be paid from.
    iban_is_demo = models.BooleanField("compte de démonstration", default=False)
    #: Claims whose reimbursement reaches this amount wait for an agent instead of
    #: going straight to "liquidé" after the automatic controls.
    review_threshold = money_field(verbose_name="seuil de contrôle manuel (DH)", default=0)
    #: Above this amount a superviseur must confirm an agent's acceptance (four eyes).
    four_eyes_threshold = money_field(verbose_name="seuil du double contrôle (DH)", default=5000)
    #: The régime of its members (the public sector's for the CNOPS's mutuelles): the simulator's
    #: values, and the régime given to a person registered with it.
    regime = models.ForeignKey(Regime, verbose_name="régime de ses adhérents", related_name="mutuelles",
                               on_delete=models.PROTECT)

    class Meta:
        verbose_name = "mutuelle"
        verbose_name_plural = "mutuelles"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class MutuelleFundLink(DatedModel):
    """Which organisme a mutuelle works for, over a period, and on what footing."""

    class Footing(models.TextChoices):
        MEMBER = "membre", "mutuelle constituante"
        CONVENTION = "convention", "partenaire sous convention"

    mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle", related_name="fund_links", on_delete=models.PROTECT)
    fund = models.ForeignKey(AMOFund, verbose_name="organisme", related_name="mutuelle_links", on_delete=models.PROTECT)
    footing = models.CharField("qualité", max_length=16, choices=Footing.choices, default=Footing.MEMBER)

    overlap_key = ("mutuelle",)

    class Meta:
        verbose_name = "rattachement mutuelle–organisme"
        verbose_name_plural = "rattachements mutuelle–organisme"
        ordering = ["mutuelle__code", "valid_from"]
        constraints = [
            models.UniqueConstraint(name="mutuellefundlink_unique_start", fields=["mutuelle", "valid_from"]),
            models.CheckConstraint(
                name="mutuellefundlink_period_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mutuelle} → {self.fund} ({self.valid_from})"


class PrestationGroup(models.TextChoices):
    """Groups of prestations that carry their own rates (décret 2-05-736, domain.md §1.1)."""

    ACTS = "actes", "actes ambulatoires"
    MEDICINES = "medicaments", "médicaments remboursables"
    HOSPITALISATION = "hospitalisation", "hospitalisation (privé)"
    HOSPITALISATION_PUBLIC = "hospitalisation_publique", "hospitalisation (public)"


class ComplementaryRate(DatedModel):
    """The mutuelle's complementary share on a prestation group (domain.md §1.4).

    `rate` applies to the base (the TNR or PBR retained); `flat_per_consultation` is added on
    every consultation line (letter keys marked as consultations), ALD or not.
    """

    mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle", related_name="complementary_rates",
                                 on_delete=models.PROTECT)
    group = models.CharField("groupe de prestations", max_length=32, choices=PrestationGroup.choices)
    ald_linked = models.BooleanField("lignes liées à une ALD", default=False)
    rate = models.DecimalField("taux", max_digits=5, decimal_places=4)
    flat_per_consultation = money_field(verbose_name="forfait par consultation (DH)", default=0)

    overlap_key = ("mutuelle", "group", "ald_linked")

    class Meta:
        verbose_name = "taux complémentaire"
        verbose_name_plural = "taux complémentaires"
        ordering = ["mutuelle__code", "group", "ald_linked", "valid_from"]
        constraints = [
            models.CheckConstraint(name="complementaryrate_rate_0_1", condition=Q(rate__gte=0) & Q(rate__lte=1)),
            models.CheckConstraint(name="complementaryrate_flat_non_negative",
                                   condition=Q(flat_per_consultation__gte=0)),
            models.UniqueConstraint(name="complementaryrate_unique_start",
                                    fields=["mutuelle", "group", "ald_linked", "valid_from"]),
        ]

    def __str__(self) -> str:
        return f"{self.mutuelle} {self.get_group_display()} {self.rate} ({self.valid_from})"


class StaffRole(models.TextChoices):
    AGENT = "agent", "agent de mutuelle"
    MEDICAL_OFFICER = "medecin", "médecin contrôleur"
    SUPERVISOR = "superviseur", "superviseur"
    FUND_OFFICER = "organisme", "agent de l'organisme (CNOPS)"
    TREASURER = "tresorier", "trésorier"
    INSURED = "assure", "assuré"


class User(AbstractUser):
    """A person who signs in: mutuelle staff, organisme staff, or an insured person."""

    role = models.CharField("rôle", max_length=16, choices=StaffRole.choices, default=StaffRole.INSURED)
    mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle", null=True, blank=True,
                                 related_name="staff", on_delete=models.PROTECT)
    fund = models.ForeignKey(AMOFund, verbose_name="organisme", null=True, blank=True,
                             related_name="staff", on_delete=models.PROTECT)
    #: When the second factor was last enrolled, replaced or removed (mutuelles.second_factor): the
    #: sessions opened before then end, as a password change ends them.
    second_factor_changed_at = models.DateTimeField("double authentification modifiée le", null=True, blank=True,
                                                    editable=False)

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        constraints = [
            models.CheckConstraint(
                name="user_mutuelle_staff_has_mutuelle",
                condition=~Q(role__in=["agent", "medecin", "superviseur"]) | Q(mutuelle__isnull=False),
            ),
            models.CheckConstraint(
                name="user_fund_officer_has_fund",
                condition=~Q(role__in=["organisme", "tresorier"]) | Q(fund__isnull=False),
            ),
        ]

    def _get_session_auth_hash(self, secret=None):
        """Django's hash of the password kept in each session (a change ends the other sessions), over the
        date of the last second-factor change too. Unchanged for accounts that never had one."""
        if self.second_factor_changed_at is None:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "mutuelles.models.User.get_session_auth_hash"
        value = f"{self.password}|{self.second_factor_changed_at.isoformat()}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def is_staff_account(self) -> bool:
        """Staff of a mutuelle or an organisme, or an administrator: they must use a second factor."""
        return self.is_staff or self.is_superuser or self.role != StaffRole.INSURED

    @property
    def is_mutuelle_staff(self) -> bool:
        return self.role in {StaffRole.AGENT, StaffRole.MEDICAL_OFFICER, StaffRole.SUPERVISOR}

    @property
    def is_fund_officer(self) -> bool:
        return self.role == StaffRole.FUND_OFFICER

    @property
    def is_treasurer(self) -> bool:
        return self.role == StaffRole.TREASURER


class PayerAccountChange(TimeStampedModel):
    """A request to change the debited account (IBAN) of an organisme or a mutuelle, and its
    outcome: it takes effect only when a second member of the treasury confirms it (four eyes).
    The row is the audit record: who asked, when, the old and new IBAN, why, who decided."""

    class Status(models.TextChoices):
        PENDING = "en_attente", "en attente de confirmation"
        CONFIRMED = "confirme", "confirmé (en vigueur)"
        REFUSED = "refuse", "refusé"

    fund = models.ForeignKey(AMOFund, verbose_name="organisme", null=True, blank=True,
                             related_name="account_changes", on_delete=models.PROTECT)
    mutuelle = models.ForeignKey(Mutuelle, verbose_name="mutuelle", null=True, blank=True,
                                 related_name="account_changes", on_delete=models.PROTECT)
    old_iban = models.CharField("ancien IBAN", max_length=34, blank=True)
    old_was_demo = models.BooleanField("ancien compte de démonstration", default=False)
    new_iban = models.CharField("nouvel IBAN", max_length=34)
    reason = models.CharField("motif de la demande", max_length=300)
    status = models.CharField("statut", max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(User, verbose_name="demandé par", related_name="+", on_delete=models.PROTECT)
    decided_by = models.ForeignKey(User, verbose_name="décidé par", null=True, blank=True, related_name="+",
                                   on_delete=models.PROTECT)
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decision_note = models.CharField("motif de la décision", max_length=300, blank=True)

    class Meta:
        verbose_name = "changement de compte payeur"
        verbose_name_plural = "changements de compte payeur"
        ordering = ["-created_at"]
        permissions = [
            ("request_payeraccountchange", "Demander le changement d'un compte payeur"),
            ("confirm_payeraccountchange", "Confirmer ou refuser le changement d'un compte payeur"),
        ]
        constraints = [
            models.CheckConstraint(name="payeraccountchange_one_payer",
                                   condition=Q(fund__isnull=True, mutuelle__isnull=False)
                                   | Q(fund__isnull=False, mutuelle__isnull=True)),
            models.CheckConstraint(name="payeraccountchange_status_known",
                                   condition=Q(status__in=["en_attente", "confirme", "refuse"])),
            models.CheckConstraint(name="payeraccountchange_decided_by_another",
                                   condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by"))
                                   | Q(status="refuse")),
            models.UniqueConstraint(name="payeraccountchange_one_pending_per_fund", fields=["fund"],
                                    condition=Q(status="en_attente", fund__isnull=False)),
            models.UniqueConstraint(name="payeraccountchange_one_pending_per_mutuelle", fields=["mutuelle"],
                                    condition=Q(status="en_attente", mutuelle__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.payer} : {self.new_iban} ({self.get_status_display()})"

    @property
    def payer(self) -> AMOFund | Mutuelle:
        return self.fund if self.fund_id else self.mutuelle
from mutuelles.models_complements import ActComplement  # noqa: E402,F401  (the per-act complements)
