"""Token authentication of the insured persons' API: one query per request, compiled once per process.

Every call of the mobile app needs the account, its insured person, the mutuelle and the organisme.
The ORM would build that four-table SELECT again on each request (about a millisecond of Python, more
than the database takes to answer it): here its text is built once from the models' fields and the
rows are turned back into model instances with `Model.from_db`, as the ORM itself does.

Nothing is cached between requests: a deleted token or a deactivated account is refused at once.
"""
from __future__ import annotations

from functools import cache

from django.db import connection
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from beneficiaries.models import Insured
from mutuelles.models import AMOFund, Mutuelle, User

MSG_BAD_TOKEN = "Jeton invalide."  # noqa: S105 - a message, not a secret
MSG_INACTIVE = "Compte inactif ou supprimé."

#: (alias, model) of each table the query reads, in the order of its columns.
_TABLES = (("u", User), ("i", Insured), ("m", Mutuelle), ("f", AMOFund))


@cache
def _token_query(vendor: str) -> tuple[str, tuple, list[tuple]]:
    """The SELECT of a token's account, insured person, mutuelle and organisme (all their columns,
    after the token's creation time); the converters the ORM would apply to that time; and for each
    model, its field names and, by column, the converters of the value read (SQLite's dates and
    decimals, JSON)."""
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
    token, user, insured = Token._meta, User._meta, Insured._meta
    # names come from the models' metadata; the key is a parameter
    sql = (
        f"SELECT t.{q('created')}, {', '.join(columns)} FROM {q(token.db_table)} t "  # noqa: S608
        f"JOIN {q(user.db_table)} u ON u.{q(user.pk.column)} = t.{q('user_id')} "
        f"LEFT JOIN {q(insured.db_table)} i ON i.{q(insured.get_field('user').column)} = u.{q(user.pk.column)} "
        f"LEFT JOIN {q(Mutuelle._meta.db_table)} m ON m.{q(Mutuelle._meta.pk.column)} = "
        f"i.{q(insured.get_field('mutuelle').column)} "
        f"LEFT JOIN {q(AMOFund._meta.db_table)} f ON f.{q(AMOFund._meta.pk.column)} = "
        f"i.{q(insured.get_field('fund').column)} "
        f"WHERE t.{q('key')} = %s"
    )
    created = Token._meta.get_field("created").get_col("t")
    return sql, (created, connection.ops.get_db_converters(created)), models


def token_account(key: str) -> tuple[User, Token] | None:
    """The account of an API token, its insured person (or None) joined in the account's cache."""
    sql, (created_col, created_converters), models = _token_query(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    db, start, built = connection.alias, 1, []
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
    user, insured, mutuelle, fund = built
    if insured is not None:
        insured._state.fields_cache.update(user=user, mutuelle=mutuelle, fund=fund)
    user._state.fields_cache["insured"] = insured
    created = row[0]
    for convert in created_converters:
        created = convert(created, created_col, connection)
    token = Token.from_db(db, ["key", "user_id", "created"], [key, user.pk, created])
    token._state.fields_cache["user"] = user
    return user, token


class InsuredTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <jeton>`, with the account's insured person loaded in the same query."""

    def authenticate_credentials(self, key):
        found = token_account(key)
        if found is None:
            raise AuthenticationFailed(MSG_BAD_TOKEN)
        if not found[0].is_active:
            raise AuthenticationFailed(MSG_INACTIVE)
        return found


class InsuredTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes InsuredTokenAuthentication: `Authorization: Token <jeton>`."""

    target_class = InsuredTokenAuthentication
    name = "jetonAssure"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")  # noqa: S106
