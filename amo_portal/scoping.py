"""Who sees which rows: the one rule every `*_visible_to(user=...)` selector applies.

A superuser sees everything; organisme staff (CNOPS) their organisme's rows; mutuelle staff their
mutuelle's; an insured person only their own rows, where the entity has an owner; anyone else,
an inactive account or an anonymous visitor, nothing. Each entity names the lookups that lead from
its rows to the organisme, the mutuelle and the owning account.
"""
from typing import TypeVar

from django.db.models import QuerySet

Q_ = TypeVar("Q_", bound=QuerySet)


def scoped_to(queryset: Q_, *, user, fund: str = "fund_id", mutuelle: str = "mutuelle_id",
              own: str | None = None) -> Q_:
    """`queryset` narrowed to the rows `user` may see (see the module's docstring)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.is_fund_officer:
        return queryset.filter(**{fund: user.fund_id})
    if user.is_mutuelle_staff:
        return queryset.filter(**{mutuelle: user.mutuelle_id})
    if own is None:
        return queryset.none()
    return queryset.filter(**{own: user})
