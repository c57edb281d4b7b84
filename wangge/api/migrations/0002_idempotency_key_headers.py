# Headers kept with a stored answer (Open311's Wangge-Error-Code), replayed with it.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0001_idempotency_keys_and_rate_counters'),
    ]

    operations = [
        migrations.AddField(
            model_name='idempotencykey',
            name='headers',
            field=models.JSONField(blank=True, default=dict, verbose_name='response headers'),
        ),
    ]
