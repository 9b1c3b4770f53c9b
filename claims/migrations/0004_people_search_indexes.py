"""Indexes behind the agents' search of claims by name and CNIE (claims.admin_filters.search_claims).

The search reads the beneficiaries' tables: the beginning of the last or first name, compared in
upper case (`istartswith`: UPPER(col::text) LIKE 'ALAOUI%'), and a dependant's CNIE. These
expression indexes (text_pattern_ops, so that a prefix LIKE can use them whatever the
database's collation) exist on PostgreSQL only: SQLite, the embedded default, scans its small
tables. They live here, beside the search they serve; beneficiaries.Insured and Dependent do
not declare them.
"""
from django.db import migrations

INDEXES = [
    ("insured_upper_last_name_idx", "beneficiaries_insured", "UPPER(last_name) text_pattern_ops"),
    ("insured_upper_first_name_idx", "beneficiaries_insured", "UPPER(first_name) text_pattern_ops"),
    ("dependent_upper_last_name_idx", "beneficiaries_dependent", "UPPER(last_name) text_pattern_ops"),
    ("dependent_upper_first_name_idx", "beneficiaries_dependent", "UPPER(first_name) text_pattern_ops"),
    ("dependent_cnie_idx", "beneficiaries_dependent", "cnie"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({expression})')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("beneficiaries", "0002_initial"),
        ("claims", "0003_review_queue_index"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
