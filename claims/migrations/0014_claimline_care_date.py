"""Each line has its own care date: existing lines take their claim's (the first act's) date."""
from django.db import migrations, models


def fill_from_claim(apps, schema_editor):
    schema_editor.execute(
        "UPDATE claims_claimline SET care_date = (SELECT c.care_date FROM claims_claim c "
        "WHERE c.id = claims_claimline.claim_id) WHERE care_date IS NULL"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0013_totals_frozen_trigger_again_on_sqlite"),
    ]

    operations = [
        migrations.AddField(
            model_name="claimline",
            name="care_date",
            field=models.DateField(null=True, verbose_name="date des soins de la ligne"),
        ),
        migrations.RunPython(fill_from_claim, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="claimline",
            name="care_date",
            field=models.DateField(verbose_name="date des soins de la ligne"),
        ),
    ]
