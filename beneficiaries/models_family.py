"""Family changes declared online by the insured person (birth, marriage, divorce, custody, yearly
study certificate, maintien des droits of a disabled child), their supporting documents and the
history of each request. The registry (Dependent, StudyCertificate, RightsMaintenance) changes only
when an agent of the person's mutuelle accepts a request (beneficiaries.services.family_changes)."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from amo_portal.models import StoredDocument, TimeStampedModel
from beneficiaries.models import Dependent, Insured, Sex

__all__ = ["DECIDED_STATUSES", "CustodyDirection", "FamilyChangeDocument", "FamilyChangeEvent", "FamilyChangeKind",
           "FamilyChangeRequest", "FamilyChangeStatus", "FamilyDocumentKind"]


class FamilyChangeKind(models.TextChoices):
    BIRTH = "naissance", "naissance"
    MARRIAGE = "mariage", "mariage"
    DIVORCE = "divorce", "divorce"
    CUSTODY = "garde", "changement de garde"
    STUDIES = "etudes", "certificat d'études supérieures"
    DISABILITY = "handicap", "maintien des droits (enfant handicapé)"


class CustodyDirection(models.TextChoices):
    JOINS = "arrivee", "l'enfant rejoint le foyer"
    LEAVES = "depart", "l'enfant quitte le foyer"


class FamilyChangeStatus(models.TextChoices):
    PENDING = "en_attente", "en attente"
    ACCEPTED = "acceptee", "acceptée"
    REFUSED = "refusee", "refusée"
    WITHDRAWN = "retiree", "retirée par l'assuré"


#: Decided by the mutuelle: the request carries the date and the author of the decision.
DECIDED_STATUSES = (FamilyChangeStatus.ACCEPTED, FamilyChangeStatus.REFUSED)


class FamilyChangeRequest(TimeStampedModel):
    """One change of the family declared by the insured person, with what they declared; pending until
    an agent of their mutuelle accepts it (the registry changes from that day) or refuses it (with a
    reason shown to the person). Only beneficiaries.services.family_changes changes its status, each
    change leaving a FamilyChangeEvent row."""

    number = models.CharField("n° de déclaration", max_length=32, blank=True)
    kind = models.CharField("nature", max_length=12, choices=FamilyChangeKind.choices)
    status = models.CharField("statut", max_length=12, choices=FamilyChangeStatus.choices,
                              default=FamilyChangeStatus.PENDING)
    insured = models.ForeignKey(Insured, verbose_name="assuré", related_name="family_changes",
                                on_delete=models.PROTECT)
    dependent = models.ForeignKey(Dependent, verbose_name="ayant droit concerné", null=True, blank=True,
                                  related_name="family_changes", on_delete=models.PROTECT)
    new_dependent = models.ForeignKey(Dependent, verbose_name="ayant droit inscrit", null=True, blank=True,
                                      related_name="+", on_delete=models.PROTECT)
    event_date = models.DateField("date de l'événement", null=True, blank=True)
    # the person declared (a newborn, a spouse, a child coming into the family)
    last_name = models.CharField("nom", max_length=100, blank=True)
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name_ar = models.CharField("nom (arabe)", max_length=100, blank=True)
    first_name_ar = models.CharField("prénom (arabe)", max_length=100, blank=True)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, blank=True)
    cnie = models.CharField("n° de CNIE", max_length=10, blank=True)
    covered_elsewhere = models.BooleanField("couvert par un autre régime (déclaré)", default=False)
    custody_direction = models.CharField("sens du changement de garde", max_length=8,
                                         choices=CustodyDirection.choices, blank=True)
    academic_year = models.CharField("année universitaire", max_length=9, blank=True)
    note = models.TextField("précisions de l'assuré", max_length=1000, blank=True)
    #: Who the request is about: "ayant-droit:<id>", or the declared person's birth date and normalised
    #: names. One pending request per insured person, kind and subject (the constraint below).
    subject_key = models.CharField("objet", max_length=255)
    filed_on = models.DateField("déposée le")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="déposée par", related_name="+",
                                 on_delete=models.PROTECT)
    decided_on = models.DateField("décidée le (date d'effet)", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="décidée par", null=True, blank=True,
                                   related_name="+", on_delete=models.PROTECT)
    refusal_reason = models.TextField("motif du refus", blank=True)

    class Meta:
        verbose_name = "déclaration de changement familial"
        verbose_name_plural = "déclarations de changement familial"
        ordering = ["-pk"]
        permissions = [
            ("decide_familychangerequest", "Peut accepter ou refuser les déclarations de changement familial"),
        ]
        constraints = [
            models.CheckConstraint(name="familychangerequest_kind_known",
                                   condition=Q(kind__in=FamilyChangeKind.values)),
            models.CheckConstraint(name="familychangerequest_status_known",
                                   condition=Q(status__in=FamilyChangeStatus.values)),
            models.CheckConstraint(name="familychangerequest_custody_direction_known",
                                   condition=Q(custody_direction__in=["", *CustodyDirection.values])),
            models.CheckConstraint(name="familychangerequest_refusal_has_reason",
                                   condition=~Q(status=FamilyChangeStatus.REFUSED) | ~Q(refusal_reason="")),
            models.CheckConstraint(name="familychangerequest_decision_dated",
                                   condition=~Q(status__in=DECIDED_STATUSES)
                                   | Q(decided_on__isnull=False, decided_by__isnull=False)),
            models.UniqueConstraint(name="familychangerequest_one_pending_per_subject",
                                    fields=["insured", "kind", "subject_key"],
                                    condition=Q(status=FamilyChangeStatus.PENDING)),
            models.UniqueConstraint(name="familychangerequest_unique_number", fields=["number"],
                                    condition=~Q(number="")),
        ]
        indexes = [models.Index(fields=["status", "filed_on"], name="familychange_queue_idx")]

    def __str__(self) -> str:
        return f"{self.number or '(sans numéro)'} – {self.get_kind_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == FamilyChangeStatus.PENDING

    @property
    def declared_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class FamilyDocumentKind(models.TextChoices):
    BIRTH_CERTIFICATE = "acte_naissance", "acte de naissance"
    MARRIAGE_ACT = "acte_mariage", "acte de mariage"
    DIVORCE_JUDGMENT = "jugement_divorce", "jugement de divorce"
    CUSTODY_JUDGMENT = "jugement_garde", "jugement de garde"
    STUDY_CERTIFICATE = "certificat_etudes", "certificat d'études supérieures"
    MEDICAL_CERTIFICATE = "certificat_medical", "certificat médical du handicap"
    OTHER = "autre", "autre pièce"


def family_document_path(instance: "FamilyChangeDocument", filename: str) -> str:
    # The stored name is the content hash: nothing of the person's file name reaches the disk.
    return f"famille/{instance.request_id}/{instance.sha256}.{instance.extension}"


class FamilyChangeDocument(StoredDocument):
    """A document sent with a request, checked by amo_portal.documents, stored outside the static tree
    and served only to the person who sent it and to the staff of their mutuelle."""

    request = models.ForeignKey(FamilyChangeRequest, verbose_name="déclaration", related_name="documents",
                                on_delete=models.CASCADE)
    kind = models.CharField("nature", max_length=20, choices=FamilyDocumentKind.choices)
    file = models.FileField("fichier", upload_to=family_document_path, max_length=200)

    class Meta:
        verbose_name = "pièce d'une déclaration familiale"
        verbose_name_plural = "pièces des déclarations familiales"
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(name="familychangedocument_unique_per_request", fields=["request", "sha256"]),
            models.CheckConstraint(name="familychangedocument_kind_known",
                                   condition=Q(kind__in=FamilyDocumentKind.values)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.original_name}"


class FamilyChangeEvent(TimeStampedModel):
    """One step of a request: filed, accepted (with the change made to the registry), refused (with
    the reason), withdrawn. Who, when, from, to, why."""

    request = models.ForeignKey(FamilyChangeRequest, verbose_name="déclaration", related_name="events",
                                on_delete=models.CASCADE)
    from_status = models.CharField("ancien statut", max_length=12, blank=True)
    to_status = models.CharField("nouveau statut", max_length=12, choices=FamilyChangeStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="par", related_name="+",
                                   on_delete=models.PROTECT)
    detail = models.TextField("détail", blank=True)

    class Meta:
        verbose_name = "étape d'une déclaration familiale"
        verbose_name_plural = "étapes des déclarations familiales"
        ordering = ["request", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"
