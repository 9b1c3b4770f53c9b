"""Abstract base models shared by the apps."""
from django.db import models

from amo_portal.periods import covers


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True

    def covers(self, on) -> bool:
        return covers(self.valid_from, self.valid_to, on)


class StoredDocument(TimeStampedModel):
    """The columns of a document checked by amo_portal.documents and kept on private storage: its
    name as sent, its type and extension recognised from its bytes, its size and its hash. Each
    model adds its owner, its kinds and its `file`, whose path names the owner and the hash."""

    original_name = models.CharField("nom d'origine", max_length=200)
    content_type = models.CharField("type", max_length=40)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)

    class Meta:
        abstract = True


class DatedQuerySet(models.QuerySet):
    """Rows valid over [valid_from, valid_to): valid_to is exclusive, null means open-ended."""

    def in_force(self, on):
        return self.filter(valid_from__lte=on).filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=on))


class DatedModel(models.Model):
    """A value valid from a date (inclusive) until another (exclusive, empty = still in force)."""

    valid_from = models.DateField("valable du")
    valid_to = models.DateField("valable jusqu'au (exclu)", null=True, blank=True)
    source = models.CharField("source", max_length=300, blank=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    def covers(self, on) -> bool:
        return covers(self.valid_from, self.valid_to, on)

    #: Fields that identify "the same value" for the no-overlap rule.
    overlap_key: tuple[str, ...] = ()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.valid_to is not None and self.valid_from is not None and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": "La date de fin doit être postérieure à la date de début."})
        if self.overlap_key and self.valid_from is not None:
            others = type(self).objects.filter(**{f: getattr(self, f) for f in self.overlap_key}).exclude(pk=self.pk)
            if self.valid_to is not None:
                others = others.filter(valid_from__lt=self.valid_to)
            others = others.filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=self.valid_from))
            if others.exists():
                raise ValidationError(
                    {"valid_from": "Cette période chevauche une autre valeur en vigueur pour la même clé."}
                )
