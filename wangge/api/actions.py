"""Changes to the API's request bookkeeping outside a request: the purge of expired rows.

Claims of idempotency keys and rate counts are written by `wangge.api.idempotency` and
`wangge.api.ratelimit` inside the request they belong to; this removes what has expired.
`wangge worker` calls `purge_expired` about once an hour; calling it more often, or from
several workers at once, is harmless.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from wangge.api.idempotency import ttl
from wangge.api.models import IdempotencyKey, RateCounter


def purge_expired(now: dt.datetime | None = None) -> dict[str, int]:
    """Delete idempotency keys older than `IDEMPOTENCY_KEY_HOURS` and rate counters whose window
    is over; returns how many rows of each were deleted."""
    now = now or timezone.now()
    with transaction.atomic():
        keys, _ = IdempotencyKey.objects.filter(created_at__lt=now - ttl(), status__isnull=False).delete()
        counters, _ = RateCounter.objects.filter(expires__lt=int(now.timestamp())).delete()
    return {"idempotency_keys": keys, "rate_counters": counters}
