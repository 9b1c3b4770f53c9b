"""The status e-mails' outbox: each status change records when the insured person was told of it.

The changes made before are taken as told (their e-mails went out through the former path):
without that, the first run of the outbox would send the whole history again. The partial index
is built after, over the few rows still to tell."""
from django.db import migrations, models
from django.db.models import F


def mark_history_told(apps, schema_editor):
    change = apps.get_model("claims", "ClaimStatusChange")
    change.objects.filter(notified_at__isnull=True).update(notified_at=F("changed_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0008_etm_accord_in_approvals"),
    ]

    operations = [
        migrations.AddField(
            model_name="claimstatuschange",
            name="notified_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="assuré informé le"),
        ),
        migrations.RunPython(mark_history_told, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="claimstatuschange",
            index=models.Index(condition=models.Q(("notified_at__isnull", True)), fields=["id"],
                               name="claimchange_to_notify_idx"),
        ),
    ]
