"""Token authentication of the insured persons' API: one query per request.

Every call of the mobile app needs the token, the account, its insured person, the mutuelle and the
organisme: one SELECT joins them (select_related, the insured person through the account's reverse
one-to-one).

Nothing is cached between requests: a revoked token or a deactivated account is refused at once.
A token unused for settings.API_TOKEN_IDLE_DAYS, or issued before the password last changed, is
refused and deleted (portal.services.tokens).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from beneficiaries.models import Insured
from mutuelles.models import User
from portal.models import ApiToken
from portal.services.tokens import token_digest, token_is_live, touch_token

MSG_BAD_TOKEN = "Jeton invalide."  # noqa: S105 - a message, not a secret
MSG_EXPIRED = ("Jeton expiré ou révoqué (inutilisé trop longtemps, ou mot de passe changé) : "  # noqa: S105
               "reconnectez-vous.")
MSG_INACTIVE = "Compte inactif ou supprimé."


@dataclass(frozen=True)
class TokenAccess:
    """`request.auth` of a token-authenticated request: the token, and the account's insured person
    (None for an account without one), read in the same query."""

    token: ApiToken
    insured: Insured | None


def token_account(key: str) -> tuple[User, TokenAccess] | None:
    """The account of an API token and the token with the account's insured person, or None."""
    try:
        token = (ApiToken.objects.select_related("user__insured__mutuelle", "user__insured__fund")
                 .get(digest=token_digest(key)))
    except ApiToken.DoesNotExist:
        return None
    user = token.user
    try:
        insured = user.insured
    except Insured.DoesNotExist:  # an account without an insured person (select_related found none)
        insured = None
    return user, TokenAccess(token=token, insured=insured)


class InsuredTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <jeton>`, with the account's insured person loaded in the same query."""

    def authenticate_credentials(self, key):
        found = token_account(key)
        if found is None:
            raise AuthenticationFailed(MSG_BAD_TOKEN)
        user, access = found
        if not user.is_active:
            raise AuthenticationFailed(MSG_INACTIVE)
        now = timezone.now()
        if not token_is_live(access.token, user=user, now=now):
            ApiToken.objects.filter(pk=access.token.pk).delete()
            raise AuthenticationFailed(MSG_EXPIRED)
        touch_token(access.token, now=now)
        return user, access


class InsuredTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes InsuredTokenAuthentication: `Authorization: Token <jeton>`."""

    target_class = InsuredTokenAuthentication
    name = "jetonAssure"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")  # noqa: S106
