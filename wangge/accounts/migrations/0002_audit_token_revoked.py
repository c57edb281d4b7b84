# The audit action of revoking an API token (choices only: no change to the table).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login', 'Logged in'), ('login_failed', 'Failed login'), ('logout', 'Logged out'), ('role_granted', 'Role granted'), ('role_revoked', 'Role revoked'), ('personal_data_viewed', 'Personal data viewed'), ('personal_data_revealed', 'Personal data revealed'), ('exported', 'Exported'), ('token_created', 'API token created'), ('token_revoked', 'API token revoked'), ('grids_imported', 'Grid boundaries imported')], max_length=40, verbose_name='action'),
        ),
    ]
