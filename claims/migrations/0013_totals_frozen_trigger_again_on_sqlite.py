"""SQLite rebuilds a table to change it (the fields and the check constraint added since 0007), and
the rebuild drops the table's triggers: the guard that a claim's liquidated totals do not change
while it sits in a bordereau is created again there. PostgreSQL alters in place and keeps it."""
from importlib import import_module

from django.db import migrations

SETTLED_SHARES = import_module("claims.migrations.0007_settled_shares")


def recreate_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in SETTLED_SHARES.UNDO["sqlite"] + SETTLED_SHARES.SQLITE:
        schema_editor.execute(statement, None)


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0012_claim_corrects"),
    ]

    operations = [
        migrations.RunPython(recreate_on_sqlite, migrations.RunPython.noop),
    ]
