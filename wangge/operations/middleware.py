"""Every request timed once, outermost: counted for `/metrics` (when `METRICS` is on) and written
as one JSON line to the logger `wangge.request` (when `REQUEST_LOG` is on).

The line holds the method, the path without its query string (a search may carry words that
name a person), the view's name, the status, the size and the milliseconds, and the worker's
process id; never the user, the query string, a header or a cookie, and the client's address
only when `LOG_CLIENT_ADDRESS` is on. A request no URL matched is named `<static>` when it asked
for a static file, else `<unmatched>`: a scanner's thousand made-up paths stay one series.
"""

import logging
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from wangge.accounts.audit import client_ip
from wangge.operations import metrics

logger = logging.getLogger("wangge.request")


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match._func_path
    return "<static>" if request.path.startswith(settings.STATIC_URL) else "<unmatched>"


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not (settings.METRICS or settings.REQUEST_LOG):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        view = view_name(request)
        if settings.METRICS:
            metrics.observe(view, request.method or "", response.status_code, seconds)
        if settings.REQUEST_LOG:
            line = {
                "method": request.method,
                "path": request.path,
                "view": view,
                "status": response.status_code,
                "bytes": len(response.content) if not response.streaming else None,  # type: ignore[attr-defined]
                "ms": round(seconds * 1000, 1),
                "pid": os.getpid(),
            }
            if settings.LOG_CLIENT_ADDRESS:
                line["client"] = client_ip(request)
            logger.info("request", extra=line)
        return response
