"""Token authentication of the insured persons' API: one query per request, compiled once per process.

Every call of the mobile app needs the token, the account, its insured person, the mutuelle and the
organisme. The ORM would build that five-table SELECT again on each request (about a millisecond of
Python, more than the database takes to answer it): here its text is built once from the models'
fields and the rows are turned back into model instances with `Model.from_db`, as the ORM itself
does, then linked through the models' public relation attributes.

Nothing is cached between requests: a revoked token or a deactivated account is refused at once.
A token unused for settings.API_TOKEN_IDLE_DAYS, or issued before the password last changed, is
refused and deleted (portal.services.tokens).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from beneficiaries.models import Insured
from mutuelles.models import AMOFund, Mutuelle, User
from portal.models import ApiToken
from portal.services.tokens import token_digest, token_is_live, touch_token

MSG_BAD_TOKEN = "Jeton invalide."  # noqa: S105 - a message, not a secret
MSG_EXPIRED = ("Jeton expiré ou révoqué (inutilisé trop longtemps, ou mot de passe changé) : "  # noqa: S105
               "reconnectez-vous.")
MSG_INACTIVE = "Compte inactif ou supprimé."

#: (alias, model) of each table the query reads, in the order of its columns.
_TABLES = (("t", ApiToken), ("u", User), ("i", Insured), ("m", Mutuelle), ("f", AMOFund))


@dataclass(frozen=True)
class TokenAccess:
    """`request.auth` of a token-authenticated request: the token, and the account's insured person
    (None for an account without one), read in the same query."""

    token: ApiToken
    insured: Insured | None


@cache
def _token_query(vendor: str) -> tuple[str, list[tuple]]:
    """The SELECT of a token with its account, insured person, mutuelle and organisme (all their
    columns); and for each model, its field names and, by column, the converters of the value read
    (SQLite's dates and decimals, JSON)."""
    q = connection.ops.quote_name
    columns, models = [], []
    for alias, model in _TABLES:
        fields = model._meta.concrete_fields
        converters = []
        for offset, field in enumerate(fields):
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((offset, col, found))
            columns.append(f"{alias}.{q(field.column)}")
        models.append((model, [field.attname for field in fields], converters))
    token, user, insured = ApiToken._meta, User._meta, Insured._meta
    # names come from the models' metadata; the digest is a parameter
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(token.db_table)} t "  # noqa: S608
        f"JOIN {q(user.db_table)} u ON u.{q(user.pk.column)} = t.{q(token.get_field('user').column)} "
        f"LEFT JOIN {q(insured.db_table)} i ON i.{q(insured.get_field('user').column)} = u.{q(user.pk.column)} "
        f"LEFT JOIN {q(Mutuelle._meta.db_table)} m ON m.{q(Mutuelle._meta.pk.column)} = "
        f"i.{q(insured.get_field('mutuelle').column)} "
        f"LEFT JOIN {q(AMOFund._meta.db_table)} f ON f.{q(AMOFund._meta.pk.column)} = "
        f"i.{q(insured.get_field('fund').column)} "
        f"WHERE t.{q(token.get_field('digest').column)} = %s"
    )
    return sql, models


def token_account(key: str) -> tuple[User, TokenAccess] | None:
    """The account of an API token and the token with the account's insured person, or None."""
    sql, models = _token_query(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_digest(key)])
        row = cursor.fetchone()
    if row is None:
        return None
    db, start, built = connection.alias, 0, []
    for model, names, converters in models:
        values = list(row[start:start + len(names)])
        start += len(names)
        if values[0] is None:  # no insured person on this account (LEFT JOIN)
            built.append(None)
            continue
        for offset, expression, functions in converters:
            for convert in functions:
                values[offset] = convert(values[offset], expression, connection)
        built.append(model.from_db(db, names, values))
    token, user, insured, mutuelle, fund = built
    token.user = user
    if insured is not None:
        insured.mutuelle, insured.fund = mutuelle, fund
        user.insured = insured  # both sides of the one-to-one, as select_related would link them
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
