"""What the bank confirmed paid of each share, kept on the claim, and a guard that a claim's
liquidated totals do not change while it sits in a bordereau (its open line was computed from
them): with the check constraint, the claim is never paid more than it was liquidated."""

from django.conf import settings
from django.db import migrations, models

TRIGGER = "claims_claim_totals_frozen_in_batch"
MESSAGE = "les montants liquidés d''un dossier inscrit dans un bordereau ne peuvent pas changer"
CHANGED = "(NEW.total_amo IS DISTINCT FROM OLD.total_amo OR NEW.total_complementary IS DISTINCT FROM OLD.total_complementary)"
POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'dossier % : {MESSAGE}', NEW.number USING ERRCODE = '23514';
    END $$""",
    f"""CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF total_amo, total_complementary ON claims_claim
    FOR EACH ROW WHEN (OLD.status = 'en_bordereau' AND {CHANGED}) EXECUTE FUNCTION {TRIGGER}()""",
]
SQLITE = [
    f"""CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF total_amo, total_complementary ON claims_claim
    FOR EACH ROW WHEN OLD.status = 'en_bordereau' AND {CHANGED.replace("IS DISTINCT FROM", "IS NOT")}
    BEGIN SELECT RAISE(ABORT, 'dossier : {MESSAGE}'); END""",
]
UNDO = {"postgresql": [f"DROP TRIGGER IF EXISTS {TRIGGER} ON claims_claim", f"DROP FUNCTION IF EXISTS {TRIGGER}()"],
        "sqlite": [f"DROP TRIGGER IF EXISTS {TRIGGER}"]}


def create_trigger(apps, schema_editor):
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, None)


def drop_trigger(apps, schema_editor):
    for statement in UNDO.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, None)


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaries', '0003_no_created_at_index'),
        ('claims', '0006_submitted_queue_index'),
        ('mutuelles', '0002_no_created_at_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='claim',
            name='amo_settled',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='part AMO versée'),
        ),
        migrations.AddField(
            model_name='claim',
            name='complementary_settled',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='part complémentaire versée'),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('amo_settled__gte', 0), ('complementary_settled__gte', 0), models.Q(('amo_settled', 0), ('amo_settled__lte', models.F('total_amo')), _connector='OR'), models.Q(('complementary_settled', 0), ('complementary_settled__lte', models.F('total_complementary')), _connector='OR')), name='claim_settled_within_liquidated'),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
