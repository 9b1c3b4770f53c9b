"""What the portal keeps of an online account besides the registry: its API tokens, e-mail changes and
the draft of the claim being typed."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from amo_portal.models import TimeStampedModel


class ApiToken(models.Model):
    """An API token of one device (the mobile app): only its SHA-256 digest is stored.

    It is refused once unused for settings.API_TOKEN_IDLE_DAYS (each use moves `last_used_at`), and
    once the account's password changed (`password_print` is the account's session hash, as Django
    keeps in each session: any password change, reset or admin edit makes it stale).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="compte", related_name="api_tokens",
                             on_delete=models.CASCADE)
    digest = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    prefix = models.CharField("début du jeton", max_length=8)
    name = models.CharField("appareil", max_length=80, blank=True)
    password_print = models.CharField("empreinte du mot de passe", max_length=128)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière utilisation")

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        indexes = [models.Index(fields=["user", "-last_used_at"], name="apitoken_user_idx")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'sans nom'})"


class EmailChange(models.Model):
    """An e-mail address change of an account: asked with the password, done once the new address
    confirmed it (the old address stays until then, and is told of both steps)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="compte", related_name="email_changes",
                             on_delete=models.CASCADE)
    old_email = models.EmailField("ancienne adresse", max_length=254, blank=True)
    new_email = models.EmailField("nouvelle adresse", max_length=254)
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    confirmed_at = models.DateTimeField("confirmé le", null=True, blank=True)

    class Meta:
        verbose_name = "changement d'adresse électronique"
        verbose_name_plural = "changements d'adresse électronique"
        constraints = [
            models.CheckConstraint(name="emailchange_new_differs", condition=~Q(old_email=models.F("new_email"))),
        ]
        indexes = [models.Index(fields=["user", "-confirmed_at"], name="emailchange_user_idx")]

    def __str__(self) -> str:
        return f"{self.old_email} → {self.new_email}"


def draft_file_path(instance: "ClaimDraftFile", filename: str) -> str:
    # As for claim documents, the stored name is the content hash (nothing of the user's file name).
    return f"drafts/{instance.draft.user_id}/{instance.sha256}.{instance.extension}"


class ClaimDraft(TimeStampedModel):
    """What an insured person typed on the new-claim page and has not filed yet: one per account
    (the latest), kept through validation errors and the end of a session, removed once filed or
    after settings.CLAIM_DRAFT_MAX_AGE_DAYS without a change."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="compte", related_name="claim_draft",
                                on_delete=models.CASCADE)
    fields = models.JSONField("champs saisis", default=dict, blank=True)
    key = models.CharField("clé d'envoi", max_length=32)  # the idempotency key of its filing

    class Meta:
        verbose_name = "brouillon de dossier"
        verbose_name_plural = "brouillons de dossier"
        indexes = [models.Index(fields=["updated_at"], name="claimdraft_updated_idx")]

    def __str__(self) -> str:
        return f"brouillon de {self.user_id}"


class ClaimDraftFile(models.Model):
    """A document attached to a draft: checked, hashed and stored privately as a claim's documents."""

    draft = models.ForeignKey(ClaimDraft, verbose_name="brouillon", related_name="files", on_delete=models.CASCADE,
                              db_index=False)  # claimdraftfile_unique_per_draft leads with it
    kind = models.CharField("nature", max_length=20)
    file = models.FileField("fichier", upload_to=draft_file_path, max_length=200)
    original_name = models.CharField("nom d'origine", max_length=200)
    content_type = models.CharField("type", max_length=40)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    created_at = models.DateTimeField("ajouté le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce d'un brouillon"
        verbose_name_plural = "pièces des brouillons"
        ordering = ["draft", "pk"]
        constraints = [
            models.UniqueConstraint(name="claimdraftfile_unique_per_draft", fields=["draft", "sha256"]),
        ]

    def __str__(self) -> str:
        return self.original_name
