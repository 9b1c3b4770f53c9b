"""Support of the SQL parity tests: run a SQL fast path and the Python rule it mirrors on the same
rows, each in a savepoint rolled back afterwards, and compare what each wrote, field by field.

The savepoints are plain ones (transaction.savepoint), not atomic blocks: the services' durable
blocks (`atomic(durable=True)`) still run inside them, as they do inside the test's transaction.
"""
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from hypothesis import HealthCheck, Phase, settings

#: Bounded and reproducible: the same examples on every run, the whole parity suite in seconds. No
#: shrinking: each example writes rows, and a failure is reported as drawn, at once.
PARITY = settings(max_examples=25, deadline=None, derandomize=True, database=None, print_blob=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def postgresql_only(reason: str):
    """Skip, with the reason, a test of a statement that runs on PostgreSQL alone."""
    if connection.vendor != "postgresql":
        pytest.skip(f"{reason} : instruction propre à PostgreSQL (SQLite prend le chemin Python)")


@contextmanager
def rolled_back():
    """Whatever happens inside is undone on leaving (a database error too: the transaction is
    usable again, for the next path or example)."""
    sid = transaction.savepoint()
    try:
        yield
    finally:
        transaction.set_rollback(False)  # the rollback to the savepoint below makes it true
        transaction.savepoint_rollback(sid)


def apart(path: Callable[[], Any]) -> Any:
    """What `path` returns (a snapshot of what it wrote), its writes undone."""
    with rolled_back():
        return path()


def rows_by(queryset: QuerySet, key: str, *, without: Iterable[str] = ("id",)) -> dict[Any, dict[str, Any]]:
    """Every column of the rows (but `without`), as {key value: {column: value}}: a failed
    comparison names the row and the field that differ."""
    skip = set(without)
    fields = [f.attname for f in queryset.model._meta.concrete_fields if f.attname not in skip and f.name not in skip]
    found = {}
    for row in queryset.values(*fields):
        assert row[key] not in found, f"deux lignes pour {key}={row[key]}"
        found[row[key]] = row
    return found


def columns_of(model: type[Model], *, without: Iterable[str] = ("id",)) -> list[str]:
    skip = set(without)
    return [f.attname for f in model._meta.concrete_fields if f.attname not in skip and f.name not in skip]
