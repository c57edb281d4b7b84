# Audit actions of correcting, anonymising, access reports and key rotation (choices only: no change to the table).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_audit_token_revoked'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login', 'Logged in'), ('login_failed', 'Failed login'), ('logout', 'Logged out'), ('role_granted', 'Role granted'), ('role_revoked', 'Role revoked'), ('personal_data_viewed', 'Personal data viewed'), ('personal_data_revealed', 'Personal data revealed'), ('exported', 'Exported'), ('token_created', 'API token created'), ('token_revoked', 'API token revoked'), ('grids_imported', 'Grid boundaries imported'), ('person_corrected', 'Personal data corrected'), ('person_anonymised', 'Person anonymised'), ('access_report', 'Personal data access report'), ('keys_rotated', 'Encryption keys rotated')], max_length=40, verbose_name='action'),
        ),
    ]
