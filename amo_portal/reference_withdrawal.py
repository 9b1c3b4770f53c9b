"""Withdrawing reference rows that their file no longer lists.

A value removed from a data file (for instance a value copied from another régime without a source)
must leave the database too, or the next load would keep paying on it. After a table's rows were
upserted, the natural keys the file listed are in `TableCounts.seen`; every other row of the table
is deleted. Tables whose rows other records point to (PROTECT) refuse the deletion: the load then
fails with the database's error, and nothing of it is kept (the command runs in one transaction).
"""
from django.db import models

from amo_portal.reference_files import TableCounts


def _natural_key(row: models.Model, fields: tuple[str, ...]) -> tuple:
    parts = []
    for name in fields:
        field = row._meta.get_field(name)
        value = getattr(row, field.attname)
        parts.append((name, value))
    return tuple(sorted(parts))


def remove_unlisted(model: type[models.Model], counts: TableCounts, *, key: tuple[str, ...]) -> None:
    """Delete the rows of `model` whose natural key (`key`, the loader's lookup fields) the file did
    not list in this load; counted as "retirés"."""
    listed = set(counts.seen)
    unlisted = [row.pk for row in model.objects.all() if _natural_key(row, key) not in listed]
    if unlisted:
        counts.removed += model.objects.filter(pk__in=unlisted).delete()[0]
