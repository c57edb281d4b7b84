"""Error reports to a self-hosted, Sentry-compatible collector (sentry-sdk), off unless
`WANGGE_SENTRY_DSN` names one (docs/deploy.md, "Error reports").

What leaves the process is scrubbed first (`scrub`, sentry-sdk's `before_send`), since an
error may happen while a person's data is in hand: of the request only the method and the URL
without its query string; no user, no cookies, headers or body, no client address
(`send_default_pii` off); no local variables or source lines of the stack's frames (file,
function and line number stay); no breadcrumbs (they hold
log lines and SQL); the exception's type and stack but not its message (a database error
quotes the values it refused). What is left says where it broke, not about whom.
"""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

SCRUBBED = "[scrubbed]"


def scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request") or {}
    event["request"] = {"method": request.get("method"), "url": str(request.get("url") or "").split("?")[0]}
    for key in ("user", "breadcrumbs", "extra"):
        event.pop(key, None)
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = SCRUBBED
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            for key in ("vars", "pre_context", "context_line", "post_context"):
                frame.pop(key, None)
    if "logentry" in event:
        event["logentry"] = {"message": (event["logentry"] or {}).get("message", "")}
    return event


def init(dsn: str, *, environment: str) -> None:
    """Start reporting errors to `dsn` (nothing else: no traces, no profiles)."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_breadcrumbs=0,
        traces_sample_rate=0,
        before_send=scrub,  # type: ignore[arg-type]
    )
