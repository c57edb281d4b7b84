"""Open311 GeoReport v2: the keys that client apps file with, and the Open311-only facts of
each request filed through it (the case itself lives in `wangge.cases`).

Personal data an app sends with a request (e-mail, account id) is stored encrypted; the
device id only as a keyed blind index (enough to find every request of one device, never
readable). Keys are stored as their SHA-256 digest and shown once, by `wangge apikey create`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.cases.models import Case
from wangge.lib.models import TimeStamped


class ApiKey(TimeStamped):
    """An app's key for filing requests in one district (its jurisdiction)."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100, unique=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Open311Request(TimeStamped):
    """What an Open311 app said beyond the case: written in the same transaction as the case."""

    district = models.ForeignKey(AreaNode, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="open311")
    api_key = models.ForeignKey(ApiKey, verbose_name=_("API key"), on_delete=models.PROTECT, related_name="requests")
    # GET tokens/{token}: one lookup by this unique column.
    token = models.CharField(_("token"), max_length=40, unique=True)
    device_id_index = models.CharField(_("device id (blind index)"), max_length=64, blank=True, editable=False)
    account_id_encrypted = models.BinaryField(_("account id (encrypted)"), null=True, editable=False)
    email_encrypted = models.BinaryField(_("e-mail (encrypted)"), null=True, editable=False)
    media_url = models.URLField(_("media URL"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.token
