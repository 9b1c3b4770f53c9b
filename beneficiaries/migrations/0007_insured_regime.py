import django.db.models.deletion
from django.db import migrations, models


def public_sector(apps, schema_editor):
    """The portal serves the public sector's AMO: every insured person registered so far is in its régime."""
    Regime = apps.get_model("mutuelles", "Regime")
    Insured = apps.get_model("beneficiaries", "Insured")
    Insured.objects.update(regime=Regime.objects.get(code="AMO-PUBLIC"))


def regime_fk(null):
    return models.ForeignKey(null=null, on_delete=django.db.models.deletion.PROTECT, related_name="insured_persons",
                             to="mutuelles.regime", verbose_name="régime AMO")


class Migration(migrations.Migration):

    dependencies = [
        ("beneficiaries", "0006_insured_language"),
        ("mutuelles", "0005_regimes_and_payers"),
    ]

    operations = [
        migrations.AddField(model_name="insured", name="regime", field=regime_fk(True)),
        migrations.RunPython(public_sector, migrations.RunPython.noop),
        migrations.AlterField(model_name="insured", name="regime", field=regime_fk(False)),
        migrations.AlterField(
            model_name="insured",
            name="fund",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="insured_persons",
                                    to="mutuelles.amofund", verbose_name="organisme d'immatriculation"),
        ),
    ]
