"""Abstract model pieces shared by every app."""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def mark_used(credential: models.Model) -> None:
    """Record that an API credential (token, key) was used, to the minute: written at most once a
    minute per credential, so busy clients do not write (and lock) its row on every request."""
    now = timezone.now()
    last = getattr(credential, "last_used_at", None)
    if last is not None and now - last < LAST_USED_RESOLUTION:
        return
    type(credential)._default_manager.filter(pk=credential.pk).update(last_used_at=now)
    credential.last_used_at = now  # type: ignore[attr-defined]
