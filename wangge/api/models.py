"""Request bookkeeping of the APIs: stored answers of idempotent POSTs and rate-limit counters.

Neither table holds domain data; both are written only by `wangge.api.idempotency` and
`wangge.api.ratelimit` and emptied of expired rows by `wangge.api.actions.purge_expired`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed to its retries.

    `owner` names the credential's owner (`user:<id>` for the REST API; Open311 chooses its
    own, e.g. `open311:<key id>`), so two callers never share a key. `status` is empty only
    inside the transaction that claimed the row; other transactions never see it so.
    """

    owner = models.CharField(_("owner"), max_length=64)
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    content_type = models.CharField(_("response content type"), max_length=100, blank=True)
    body = models.BinaryField(_("response body"), default=b"")
    # Headers that are part of the answer where the body cannot say it (Open311's error code).
    headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        ordering = ["-created_at"]
        constraints = [
            # The claim of a key: insert-or-lock on (owner, key).
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key"),
        ]
        indexes = [
            # The purge of expired keys: created_at < now - IDEMPOTENCY_KEY_HOURS.
            models.Index(fields=["created_at"], name="idempotency_created"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.method} {self.path} → {self.status}"


class RateCounter(models.Model):
    """Requests of one client in one fixed window of one limit (`bucket`).

    `ident` is an HMAC of the client's identity (user id, address, API key), never the
    identity itself: client addresses are personal data. Windows are epoch seconds.
    """

    bucket = models.CharField(_("bucket"), max_length=40)
    ident = models.CharField(_("client"), max_length=64)
    window_start = models.BigIntegerField(_("window start"))
    expires = models.BigIntegerField(_("expires"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")
        ordering = ["-window_start"]
        constraints = [
            # The atomic upsert of `ratelimit.hit`: one row per client, limit and window.
            models.UniqueConstraint(fields=["bucket", "ident", "window_start"], name="rate_counter_window"),
        ]
        indexes = [
            # The purge of windows that are over: expires < now.
            models.Index(fields=["expires"], name="rate_counter_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.bucket} {self.ident[:8]} {self.window_start}: {self.count}"
