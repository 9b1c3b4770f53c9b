"""The ETM accords move from beneficiaries to approvals: the table is renamed, its rows stay.

The model state is created here as it was (beneficiaries.ETMAccord); beneficiaries 0005 then drops
it from beneficiaries' state only, and 0002 turns it into the register of accords."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("beneficiaries", "0004_insured_transfer_audited"),
        ("tariffs", "0002_no_created_at_index"),
        # every claims migration that names the old table has run before it is renamed
        ("claims", "0007_settled_shares"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL('ALTER TABLE "beneficiaries_etmaccord" RENAME TO "approvals_accord"',
                                  'ALTER TABLE "approvals_accord" RENAME TO "beneficiaries_etmaccord"'),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="Accord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="créé le")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="modifié le")),
                        ("accord_number", models.CharField(max_length=32, unique=True,
                                                           verbose_name="n° d'accord ETM")),
                        ("valid_from", models.DateField(verbose_name="valable du")),
                        ("valid_until", models.DateField(blank=True, help_text="Vide pour une exonération à vie.",
                                                         null=True, verbose_name="valable jusqu'au (inclus)")),
                        ("ald", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                  related_name="accords", to="tariffs.aldcondition",
                                                  verbose_name="ALD")),
                        ("dependent", models.ForeignKey(blank=True, null=True,
                                                        on_delete=django.db.models.deletion.PROTECT,
                                                        related_name="etm_accords", to="beneficiaries.dependent",
                                                        verbose_name="ayant droit (vide : l'assuré)")),
                        ("insured", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                      related_name="etm_accords", to="beneficiaries.insured",
                                                      verbose_name="assuré")),
                    ],
                    options={
                        "verbose_name": "accord ETM (ALD)",
                        "verbose_name_plural": "accords ETM (ALD)",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("valid_until__isnull", True),
                                                   ("valid_until__gte", models.F("valid_from")), _connector="OR"),
                                name="etmaccord_ordered"),
                        ],
                    },
                ),
            ],
        ),
    ]
