"""`/metrics`: the Prometheus text (`metrics.exposition`), off unless `METRICS` is on, and then
never public: answered to a scraper on this machine (a loopback connection that came through no
proxy) or to one that sends the configured token, 403 to anyone else."""

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from wangge.operations.metrics import exposition


def scraper_allowed(request: HttpRequest) -> bool:
    """The configured bearer token, or a loopback connection without X-Forwarded-For (a reverse
    proxy on this machine connects from the loopback too, and always sends one)."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS:
        raise Http404
    if not scraper_allowed(request):
        return HttpResponse(status=403)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
