"""What the portal keeps of an online account besides the registry: its API tokens and e-mail changes."""
from django.conf import settings
from django.db import models
from django.db.models import Q


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
