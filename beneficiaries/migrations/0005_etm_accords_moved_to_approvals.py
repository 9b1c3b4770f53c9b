"""ETM accords are now kept by approvals (its migration 0001 renamed the table): state only."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0004_insured_transfer_audited"),
        ("approvals", "0001_accord_moved_from_beneficiaries"),
        ("claims", "0008_etm_accord_in_approvals"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="ETMAccord")]),
    ]
