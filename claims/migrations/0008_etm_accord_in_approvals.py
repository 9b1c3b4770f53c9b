"""The ETM accord a claim names now lives in approvals (the same table, renamed there): state only."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_accord_moved_from_beneficiaries"),
        ("approvals", "0002_register_of_accords"),
        ("claims", "0007_settled_shares"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="claim",
                    name="etm_accord",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name="claims",
                                            to="approvals.etmaccord", verbose_name="accord ETM retrouvé"),
                ),
            ],
        ),
    ]
