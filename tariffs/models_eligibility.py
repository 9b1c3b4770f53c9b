"""Dated rights rules per régime: the dependants' age limits and what becomes of them after the
insured person's death (loi 65-00 art. 5, domain.md §3.2, §8.2). Loaded from
tariffs/data/eligibility_rules.csv by `manage.py load_reference_data`, never written in code."""
from django.db import models
from django.db.models import Q

from amo_portal.models import DatedModel
from mutuelles.models import Regime


class RightsRule(models.TextChoices):
    """The numbers of the rights rules, each dated per régime."""

    #: Completed years up to which a child is covered (entitled until the eve of the next birthday).
    CHILD_AGE_LIMIT = "child_age_limit", "âge limite d'un enfant (années révolues)"
    #: The same for an unmarried child in higher education, with a valid certificate.
    STUDENT_AGE_LIMIT = "student_age_limit", "âge limite d'un enfant étudiant non marié (années révolues)"
    #: Days after the insured person's death during which the dependants keep their rights.
    DEPENDENTS_DAYS_AFTER_DEATH = ("dependents_days_after_death",
                                   "jours de droits des ayants droit après le décès de l'assuré")


class EligibilityRule(DatedModel):
    """One number of the rights rules of a régime over a period."""

    Rule = RightsRule

    regime = models.ForeignKey(Regime, verbose_name="régime", related_name="eligibility_rules",
                               on_delete=models.PROTECT)
    rule = models.CharField("règle", max_length=32, choices=Rule.choices)
    value = models.PositiveSmallIntegerField("valeur")

    overlap_key = ("regime", "rule")

    class Meta:
        verbose_name = "règle d'ouverture des droits"
        verbose_name_plural = "règles d'ouverture des droits"
        ordering = ["regime__code", "rule", "valid_from"]
        constraints = [
            models.CheckConstraint(name="eligibilityrule_rule_known", condition=Q(rule__in=RightsRule.values)),
            models.UniqueConstraint(name="eligibilityrule_unique_start", fields=["regime", "rule", "valid_from"]),
        ]

    def __str__(self) -> str:
        return f"{self.regime} {self.get_rule_display()} = {self.value} ({self.valid_from})"
