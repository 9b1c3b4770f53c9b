"""API tokens of the insured persons' devices: issued at sign-in, listed and revoked by their owner.

The token itself is shown once, at issue; the database keeps its SHA-256 digest (a stolen backup
yields no usable token). A token is refused after settings.API_TOKEN_IDLE_DAYS without use, and as
soon as the account's password changes (see portal.models.ApiToken).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from portal.models import ApiToken

#: `last_used_at` is written again only when older than this: a write per request would double the
#: cost of a read; the idle deadline is then exact to within this interval.
TOUCH_INTERVAL = timedelta(minutes=5)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_deadline(now: datetime | None = None) -> datetime:
    """A token last used before this moment has expired."""
    return (now or timezone.now()) - timedelta(days=settings.API_TOKEN_IDLE_DAYS)


@transaction.atomic
def issue_token(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for one of the account's devices; returns the row and the key (shown only now).

    Expired tokens are deleted, and beyond settings.API_TOKENS_PER_ACCOUNT live tokens the least recently
    used are revoked.
    """
    key = secrets.token_hex(20)
    now = timezone.now()
    token = ApiToken(user=user, digest=token_digest(key), prefix=key[:8], name=name.strip()[:80],
                     password_print=user.get_session_auth_hash(), last_used_at=now)
    token.full_clean()
    token.save()
    keep = list(tokens_of(user=user).values_list("pk", flat=True)[:settings.API_TOKENS_PER_ACCOUNT])
    ApiToken.objects.filter(user=user).exclude(pk__in=keep).delete()
    return token, key


def tokens_of(*, user) -> QuerySet[ApiToken]:
    """The account's live tokens (used recently, issued under the current password), most recently used first."""
    return (ApiToken.objects.filter(user=user, last_used_at__gte=idle_deadline(),
                                    password_print=user.get_session_auth_hash())
            .order_by("-last_used_at", "-pk"))


def revoke_token(*, user, token_id: int) -> bool:
    """Revoke one of the account's own tokens; False when it has no such token (another's is never touched)."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


def revoke_all_tokens(*, user) -> int:
    """Revoke every token of the account (password changed or reset); returns how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def token_is_live(token: ApiToken, *, user, now: datetime) -> bool:
    """Not idle too long, and issued under the account's current password."""
    return token.last_used_at >= idle_deadline(now) and constant_time_compare(token.password_print,
                                                                              user.get_session_auth_hash())


def touch_token(token: ApiToken, *, now: datetime) -> None:
    """Move the idle deadline of a token just used (at most once per TOUCH_INTERVAL)."""
    if now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
