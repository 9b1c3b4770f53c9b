"""Per-act complements of a mutuelle: a fixed amount per unit of one act, on top of its
complementary rate (for instance MGPAP, 360 DH per ceramic crown from 1 January 2026, domain.md §1.4).

The act is named by its letter-key code (tariffs.LetterKey.code, checked by the loader): this app
sits below tariffs and keeps no foreign key to it.
"""
from django.db import models
from django.db.models import Q

from amo_portal.models import DatedModel
from amo_portal.money import money_field


class ActComplement(DatedModel):
    """The amount a mutuelle adds per unit (crown, session…) of one act, over a period."""

    mutuelle = models.ForeignKey("mutuelles.Mutuelle", verbose_name="mutuelle", related_name="act_complements",
                                 on_delete=models.PROTECT)
    act_code = models.CharField("acte (lettre clé)", max_length=12)
    label = models.CharField("libellé", max_length=120)
    amount = money_field(verbose_name="montant par unité (DH)")

    overlap_key = ("mutuelle", "act_code")

    class Meta:
        app_label = "mutuelles"
        verbose_name = "complément par acte"
        verbose_name_plural = "compléments par acte"
        ordering = ["mutuelle__code", "act_code", "valid_from"]
        constraints = [
            models.CheckConstraint(name="actcomplement_amount_positive", condition=Q(amount__gt=0)),
            models.UniqueConstraint(name="actcomplement_unique_start", fields=["mutuelle", "act_code", "valid_from"]),
        ]

    def __str__(self) -> str:
        return f"{self.mutuelle} {self.act_code} + {self.amount} DH ({self.valid_from})"
