import django.db.models.deletion
from django.db import migrations, models

#: Rows keyed by an organisme move to the régime that organisme managed: the CNSS's rows are the
#: private sector's values, every other organisme's (the CNOPS) the public sector's.
REGIME_OF_FUND = {"CNSS": "AMO-PRIVE"}
MODELS = ("amorate", "deadlinesuspension", "filingdeadlinerule", "letterkeyvalue")
RELATED = {"amorate": "rates", "deadlinesuspension": "deadline_suspensions",
           "filingdeadlinerule": "deadline_rules", "letterkeyvalue": "key_values"}


def key_by_regime(apps, schema_editor):
    Regime = apps.get_model("mutuelles", "Regime")
    regimes = {r.code: r.pk for r in Regime.objects.all()}
    for name in MODELS:
        model = apps.get_model("tariffs", name)
        for row in model.objects.select_related("fund"):
            row.regime_id = regimes[REGIME_OF_FUND.get(row.fund.code, "AMO-PUBLIC")]
            row.save(update_fields=["regime"])


def fk(related, null):
    return models.ForeignKey(null=null, on_delete=django.db.models.deletion.PROTECT, related_name=related,
                             to="mutuelles.regime", verbose_name="régime")


class Migration(migrations.Migration):

    dependencies = [
        ("mutuelles", "0005_regimes_and_payers"),
        ("tariffs", "0003_reclamation_window_filer"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="amorate",
            options={"ordering": ["regime__code", "group", "ald_linked", "valid_from"], "verbose_name": "taux AMO",
                     "verbose_name_plural": "taux AMO"},
        ),
        migrations.AlterModelOptions(
            name="letterkeyvalue",
            options={"ordering": ["key__code", "regime__code", "valid_from"], "verbose_name": "valeur de lettre clé",
                     "verbose_name_plural": "valeurs des lettres clés (TNR)"},
        ),
        migrations.RemoveConstraint(model_name="amorate", name="amorate_unique_start"),
        migrations.RemoveConstraint(model_name="deadlinesuspension", name="deadlinesuspension_unique"),
        migrations.RemoveConstraint(model_name="letterkeyvalue", name="letterkeyvalue_unique_start"),
        *[migrations.AddField(model_name=m, name="regime", field=fk(RELATED[m], True)) for m in MODELS],
        migrations.RunPython(key_by_regime, migrations.RunPython.noop),
        *[migrations.RemoveField(model_name=m, name="fund") for m in MODELS],
        *[migrations.AlterField(model_name=m, name="regime", field=fk(RELATED[m], False)) for m in MODELS],
        migrations.AddConstraint(
            model_name="amorate",
            constraint=models.UniqueConstraint(fields=("regime", "group", "ald_linked", "valid_from"),
                                               name="amorate_unique_start"),
        ),
        migrations.AddConstraint(
            model_name="deadlinesuspension",
            constraint=models.UniqueConstraint(fields=("regime", "first_day"), name="deadlinesuspension_unique"),
        ),
        migrations.AddConstraint(
            model_name="letterkeyvalue",
            constraint=models.UniqueConstraint(fields=("key", "regime", "valid_from"), name="letterkeyvalue_unique_start"),
        ),
    ]
