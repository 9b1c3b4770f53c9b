"""The mutuelle agents' review records of a claim: the coded rejection reasons they choose from,
their decisions (with the values before and after) and their requests for documents.
Re-exported by claims.models."""
from django.conf import settings
from django.db import models

from amo_portal.models import TimeStampedModel


class RejectionReason(TimeStampedModel):
    """The maintained list of coded reasons for rejecting a claim or a line (claims/data)."""

    class Scope(models.TextChoices):
        CLAIM = "dossier", "dossier"
        LINE = "ligne", "ligne"
        BOTH = "les_deux", "dossier ou ligne"

    code = models.CharField("code", max_length=40, unique=True)
    label = models.CharField("libellé", max_length=300)
    scope = models.CharField("portée", max_length=10, choices=Scope.choices, default=Scope.BOTH)
    automatic = models.BooleanField("posé par les contrôles automatiques", default=False)
    active = models.BooleanField("en usage", default=True)

    class Meta:
        verbose_name = "motif de rejet"
        verbose_name_plural = "motifs de rejet"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label


class ClaimDecision(models.Model):
    """An agent's decision on a claim or a line: who, when, what, why, and the values before/after."""

    class Kind(models.TextChoices):
        ACCEPT = "accepter", "acceptation"
        CONFIRM = "confirmer", "confirmation (double contrôle)"
        ADJUST_LINE = "ajuster_ligne", "ajustement d'une ligne"
        REJECT_CLAIM = "rejeter", "rejet du dossier"
        REJECT_LINE = "rejeter_ligne", "rejet d'une ligne"
        REQUEST_DOCUMENTS = "demander_pieces", "demande de pièces"

    claim = models.ForeignKey("claims.Claim", verbose_name="dossier", related_name="decisions",
                              on_delete=models.CASCADE)
    line = models.ForeignKey("claims.ClaimLine", verbose_name="ligne", null=True, blank=True, related_name="decisions",
                             on_delete=models.CASCADE)
    kind = models.CharField("décision", max_length=20, choices=Kind.choices)
    reason_code = models.CharField("motif (code)", max_length=40, blank=True)
    comment = models.TextField("commentaire", blank=True)
    before = models.JSONField("avant", default=dict, blank=True)
    after = models.JSONField("après", default=dict, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="par", related_name="+",
                                   on_delete=models.PROTECT)
    decided_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "décision"
        verbose_name_plural = "décisions"
        ordering = ["claim", "decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.claim_id}"


class DocumentRequest(TimeStampedModel):
    """Missing documents asked of the insured person; the claim waits until they are added."""

    claim = models.ForeignKey("claims.Claim", verbose_name="dossier", related_name="document_requests",
                              on_delete=models.CASCADE)
    missing = models.TextField("pièces manquantes")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="demandé par", related_name="+",
                                     on_delete=models.PROTECT)
    fulfilled_at = models.DateTimeField("fournies le", null=True, blank=True)

    class Meta:
        verbose_name = "demande de pièces"
        verbose_name_plural = "demandes de pièces"
        ordering = ["claim", "-created_at"]
