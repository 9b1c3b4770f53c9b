"""The tokens of rest_framework.authtoken (kept in clear, never expiring) are dropped: every device signs
in again and gets an expiring token of portal.ApiToken, whose key is stored only as a digest. A token
stolen before this release stops working with it."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_api_tokens_and_email_changes")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
