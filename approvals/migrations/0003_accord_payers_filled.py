"""Every accord names the payers it is owed by: the mutuelle and organisme of its insured person
(the accords kept from before the register), and the first line of their history."""
import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_payers(apps, schema_editor):
    Accord = apps.get_model("approvals", "Accord")
    Insured = apps.get_model("beneficiaries", "Insured")
    AccordStatusChange = apps.get_model("approvals", "AccordStatusChange")
    person = Insured.objects.filter(pk=OuterRef("insured_id"))
    Accord.objects.filter(mutuelle__isnull=True).update(mutuelle_id=Subquery(person.values("mutuelle_id")[:1]),
                                                        fund_id=Subquery(person.values("fund_id")[:1]))
    AccordStatusChange.objects.bulk_create(
        [AccordStatusChange(accord_id=pk, from_status="", to_status="accorde",
                            reason="Accord saisi avant le registre des accords.")
         for pk in Accord.objects.filter(status_changes__isnull=True).values_list("pk", flat=True)],
        batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0002_register_of_accords"),
        ("beneficiaries", "0004_insured_transfer_audited"),
    ]

    operations = [
        migrations.RunPython(fill_payers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accord",
            name="mutuelle",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="accords",
                                    to="mutuelles.mutuelle", verbose_name="mutuelle"),
        ),
        migrations.AlterField(
            model_name="accord",
            name="fund",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="accords",
                                    to="mutuelles.amofund", verbose_name="organisme"),
        ),
    ]
