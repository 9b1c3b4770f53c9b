"""The insured person's réclamation against a decision on their claim (law 65-00: réclamation to
the organisme, then ANAM arbitration, domain.md §8.5). Re-exported by claims.models."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from amo_portal.models import TimeStampedModel


class ReclamationStatus(models.TextChoices):
    FILED = "deposee", "déposée"
    UNDER_STUDY = "a_l_etude", "à l'étude"
    UPHELD = "accueillie", "accueillie"
    DISMISSED = "rejetee", "rejetée"


#: A réclamation still waiting for its decision (one at a time per claim).
OPEN_RECLAMATION = (ReclamationStatus.FILED, ReclamationStatus.UNDER_STUDY)
DECIDED_RECLAMATION = (ReclamationStatus.UPHELD, ReclamationStatus.DISMISSED)


class Reclamation(TimeStampedModel):
    """A contested decision: the whole claim's rejection, or one or more lines rejected or paid
    less than claimed. Decided by a member of the mutuelle's staff other than the author of the
    contested decision (four eyes)."""

    claim = models.ForeignKey("claims.Claim", verbose_name="dossier", related_name="reclamations",
                              on_delete=models.PROTECT)
    lines = models.ManyToManyField("claims.ClaimLine", verbose_name="lignes contestées", blank=True,
                                   related_name="reclamations")
    documents = models.ManyToManyField("claims.ClaimDocument", verbose_name="pièces jointes", blank=True,
                                       related_name="reclamations")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="déposée par", related_name="+",
                                 on_delete=models.PROTECT, db_index=False)
    filed_on = models.DateField("déposée le")
    reason = models.TextField("motif de la réclamation")
    #: The status the contested decision left the claim in: the claim goes back to it if dismissed.
    contested_status = models.CharField("statut contesté", max_length=20)
    contested_on = models.DateField("date de la décision contestée")
    contested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="auteur de la décision contestée",
                                     null=True, blank=True, related_name="+", on_delete=models.PROTECT,
                                     db_index=False, help_text="Vide quand la décision vient des contrôles "
                                                               "automatiques.")
    contested_decision = models.CharField("décision contestée", max_length=500, blank=True)
    status = models.CharField("statut", max_length=12, choices=ReclamationStatus.choices,
                              default=ReclamationStatus.FILED)
    studied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="mise à l'étude par", null=True,
                                   blank=True, related_name="+", on_delete=models.PROTECT, db_index=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="décidée par", null=True, blank=True,
                                   related_name="+", on_delete=models.PROTECT, db_index=False)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decision = models.TextField("décision motivée", blank=True)

    class Meta:
        verbose_name = "réclamation"
        verbose_name_plural = "réclamations"
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(name="reclamation_status_known",
                                   condition=Q(status__in=ReclamationStatus.values)),
            models.CheckConstraint(name="reclamation_decided_when_closed",
                                   condition=Q(status__in=OPEN_RECLAMATION, decided_by__isnull=True,
                                               decided_at__isnull=True)
                                   | Q(status__in=DECIDED_RECLAMATION, decided_by__isnull=False,
                                       decided_at__isnull=False)),
            # four eyes, in the database too: never decided by the contested decision's author
            models.CheckConstraint(name="reclamation_not_decided_by_contested_author",
                                   condition=Q(decided_by__isnull=True) | Q(contested_by__isnull=True)
                                   | ~Q(decided_by=F("contested_by"))),
            models.UniqueConstraint(name="reclamation_one_open_per_claim", fields=["claim"],
                                    condition=Q(status__in=OPEN_RECLAMATION)),
        ]
        indexes = [
            # the mutuelle's queue: open réclamations, oldest first
            models.Index(fields=["filed_on", "id"], condition=Q(status__in=OPEN_RECLAMATION),
                         name="reclamation_open_idx"),
        ]

    def __str__(self) -> str:
        return f"Réclamation n° {self.pk} ({self.claim})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RECLAMATION
