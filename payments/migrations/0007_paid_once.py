"""Paid once: each line remembers the status its claim entered the bordereau from, every status
change of a bordereau leaves an audit row, the claims' confirmed-paid shares are filled from the
lines, and the database refuses an open line worth more than its claim still owes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Sum

TRIGGER = "payments_line_within_due"
MESSAGE = ("la ligne dépasse ce que le dossier doit encore (montant liquidé moins montant déjà versé par la "
           "banque)")
POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        offending text;
    BEGIN
        SELECT l.reference INTO offending FROM added l JOIN claims_claim c ON c.id = l.claim_id
        WHERE l.state = 'en_attente'
          AND (l.amo + c.amo_settled > COALESCE(c.total_amo, 0)
               OR l.complementary + c.complementary_settled > COALESCE(c.total_complementary, 0))
        LIMIT 1;
        IF offending IS NOT NULL THEN
            RAISE EXCEPTION 'virement % : {MESSAGE}', offending USING ERRCODE = '23514';
        END IF;
        RETURN NULL;
    END $$""",
    # one check per statement (a bordereau inserts 100,000 lines in one COPY)
    f"""CREATE TRIGGER {TRIGGER} AFTER INSERT ON payments_bordereauline REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()""",
]
# SQLite computes on binary floats: compared in whole centimes.
SQLITE = [
    f"""CREATE TRIGGER {TRIGGER} BEFORE INSERT ON payments_bordereauline FOR EACH ROW
    WHEN NEW.state = 'en_attente' AND EXISTS (
        SELECT 1 FROM claims_claim c WHERE c.id = NEW.claim_id
        AND (ROUND((NEW.amo + c.amo_settled) * 100) > ROUND(COALESCE(c.total_amo, 0) * 100)
             OR ROUND((NEW.complementary + c.complementary_settled) * 100)
                > ROUND(COALESCE(c.total_complementary, 0) * 100)))
    BEGIN SELECT RAISE(ABORT, 'virement : {MESSAGE}'); END""",
]
UNDO = {"postgresql": [f"DROP TRIGGER IF EXISTS {TRIGGER} ON payments_bordereauline",
                       f"DROP FUNCTION IF EXISTS {TRIGGER}()"],
        "sqlite": [f"DROP TRIGGER IF EXISTS {TRIGGER}"]}


def fill_settled_shares(apps, schema_editor):
    """What the bank paid so far, from the lines; a claim paid more than liquidated is capped here
    and shows in the reconciliation (its lines add up to more than its confirmed shares)."""
    Claim = apps.get_model("claims", "Claim")
    BordereauLine = apps.get_model("payments", "BordereauLine")
    paid = (BordereauLine.objects.values("claim_id")
            .annotate(amo=Sum("amo_paid"), complementary=Sum("complementary_paid")))
    for row in paid.iterator():
        if not row["amo"] and not row["complementary"]:
            continue
        claim = Claim.objects.get(pk=row["claim_id"])
        claim.amo_settled = min(row["amo"], claim.total_amo or 0)
        claim.complementary_settled = min(row["complementary"], claim.total_complementary or 0)
        claim.save(update_fields=["amo_settled", "complementary_settled"])
    rejected_before = BordereauLine.objects.filter(state="rejete").values("claim_id")
    BordereauLine.objects.filter(state="en_attente", claim_id__in=rejected_before).update(
        entered_from="virement_rejete")


def create_trigger(apps, schema_editor):
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, None)


def drop_trigger(apps, schema_editor):
    for statement in UNDO.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, None)


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0007_settled_shares'),
        ('payments', '0006_no_created_at_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BordereauStatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(blank=True, choices=[('en_preparation', 'en préparation'), ('constitue', 'constitué'), ('presente', 'présenté'), ('approuve', 'approuvé'), ('rejete', 'rejeté'), ('transmis', 'ordre émis'), ('solde', 'soldé')], max_length=20, verbose_name='de')),
                ('to_status', models.CharField(choices=[('en_preparation', 'en préparation'), ('constitue', 'constitué'), ('presente', 'présenté'), ('approuve', 'approuvé'), ('rejete', 'rejeté'), ('transmis', 'ordre émis'), ('solde', 'soldé')], max_length=20, verbose_name='vers')),
                ('changed_at', models.DateTimeField(auto_now_add=True, verbose_name='le')),
                ('reason', models.CharField(blank=True, max_length=500, verbose_name='motif')),
            ],
            options={
                'verbose_name': 'changement de statut du bordereau',
                'verbose_name_plural': 'historique du bordereau',
                'ordering': ['bordereau', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='bordereauline',
            name='entered_from',
            field=models.CharField(choices=[('liquide', 'liquidé'), ('virement_rejete', 'virement rejeté')], default='liquide', max_length=20, verbose_name="statut du dossier à l'inscription"),
        ),
        migrations.AddConstraint(
            model_name='bordereauline',
            constraint=models.CheckConstraint(condition=models.Q(('entered_from__in', ('liquide', 'virement_rejete'))), name='bordereauline_entered_from_payable'),
        ),
        migrations.AddField(
            model_name='bordereaustatuschange',
            name='bordereau',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='status_changes', to='payments.bordereau', verbose_name='bordereau'),
        ),
        migrations.AddField(
            model_name='bordereaustatuschange',
            name='changed_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='par'),
        ),
        migrations.RunPython(fill_settled_shares, migrations.RunPython.noop),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
