# Idempotency keys of POST requests and rate-limit counters (wangge.api.idempotency, wangge.api.ratelimit).

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('owner', models.CharField(max_length=64, verbose_name='owner')),
                ('key', models.CharField(max_length=255, verbose_name='key')),
                ('method', models.CharField(max_length=10, verbose_name='method')),
                ('path', models.CharField(max_length=500, verbose_name='path')),
                ('fingerprint', models.CharField(max_length=64, verbose_name='request fingerprint')),
                ('status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='HTTP status')),
                ('content_type', models.CharField(blank=True, max_length=100, verbose_name='response content type')),
                ('body', models.BinaryField(default=b'', verbose_name='response body')),
                ('created_at', models.DateTimeField(verbose_name='created at')),
            ],
            options={
                'verbose_name': 'idempotency key',
                'verbose_name_plural': 'idempotency keys',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['created_at'], name='idempotency_created')],
                'constraints': [models.UniqueConstraint(fields=('owner', 'key'), name='idempotency_owner_key')],
            },
        ),
        migrations.CreateModel(
            name='RateCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bucket', models.CharField(max_length=40, verbose_name='bucket')),
                ('ident', models.CharField(max_length=64, verbose_name='client')),
                ('window_start', models.BigIntegerField(verbose_name='window start')),
                ('expires', models.BigIntegerField(verbose_name='expires')),
                ('count', models.PositiveIntegerField(default=0, verbose_name='count')),
            ],
            options={
                'verbose_name': 'rate counter',
                'verbose_name_plural': 'rate counters',
                'ordering': ['-window_start'],
                'indexes': [models.Index(fields=['expires'], name='rate_counter_expires')],
                'constraints': [models.UniqueConstraint(fields=('bucket', 'ident', 'window_start'), name='rate_counter_window')],
            },
        ),
    ]
