"""Rate limits of intake, shared by every worker process through the database.

A limit is N requests per period, counted in fixed windows (aligned to the epoch) in the
`RateCounter` table: one atomic `INSERT … ON CONFLICT DO UPDATE SET count = count + 1
RETURNING count` per request, on SQLite and PostgreSQL alike, so any number of gunicorn
workers share the count without a cache server. The N+1-th request of a window raises
`RateLimited` (a `DomainError`, 429 `rate_limited`) carrying `retry_after`, the seconds until
the window ends; the API and the web answer it with a `Retry-After` header.

Who is limited (settings `RATE_LIMITS`, from `WANGGE_RATE_RESIDENT`, `WANGGE_RATE_ANONYMOUS`):
- `check_resident_intake(user)`: a user whose only roles are `resident`, filing a case
  (REST `POST /api/v1/cases`, the web form); staff, superusers and anyone holding another
  role are never limited.
- `check_anonymous_intake(request, api_key=...)`: anonymous intake (Open311 `POST
  requests`), per client address and API key.
- `check(bucket, ident, limit, period)`: any other limit.

Identities are stored as an HMAC keyed by the secret key, never in the clear.
"""

import math

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

from wangge.accounts.audit import client_ip
from wangge.accounts.models import Role, User
from wangge.accounts.scope import assignments_of
from wangge.api.errors import ApiError
from wangge.api.models import RateCounter
from wangge.lib.errors import DomainError


class RateLimited(DomainError):
    """429 `rate_limited`; `retry_after` is the number of seconds until the window ends."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        message = ngettext(
            "Too many requests. Please try again in %(minutes)d minute.",
            "Too many requests. Please try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        super().__init__(ApiError.RATE_LIMITED, message, status=429, retry_after=retry_after)
        self.retry_after = retry_after


def _digest(bucket: str, ident: str) -> str:
    return salted_hmac("wangge.api.ratelimit", f"{bucket}:{ident}", algorithm="sha256").hexdigest()


def hit(bucket: str, ident: str, period: int) -> tuple[int, int]:
    """Count one request of `ident` against `bucket`; returns the count in the current window
    (this request included) and the seconds until that window ends."""
    now = timezone.now().timestamp()
    window_start = int(now // period) * period
    expires = window_start + period
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    quoted = {name: connection.ops.quote_name(name) for name in ("bucket", "ident", "window_start", "expires", "count")}
    # Only quoted identifiers are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({quoted['bucket']}, {quoted['ident']}, {quoted['window_start']}, "  # noqa: S608
        f"{quoted['expires']}, {quoted['count']}) VALUES (%s, %s, %s, %s, 1) "
        f"ON CONFLICT ({quoted['bucket']}, {quoted['ident']}, {quoted['window_start']}) "
        f"DO UPDATE SET {quoted['count']} = {table}.{quoted['count']} + 1 "
        f"RETURNING {quoted['count']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [bucket, _digest(bucket, ident), window_start, expires])
        (count,) = cursor.fetchone()
    return int(count), max(1, math.ceil(expires - now))


def check(bucket: str, ident: str, limit: int, period: int) -> None:
    """Count this request; raise `RateLimited` when it is over `limit` requests in `period` seconds."""
    count, remaining = hit(bucket, ident, period)
    if count > limit:
        raise RateLimited(remaining)


def check_setting(name: str, ident: str) -> None:
    """`check` with the limit `settings.RATE_LIMITS[name]` (nothing when it is `off`)."""
    rate = settings.RATE_LIMITS.get(name)
    if rate is not None:
        limit, period = rate
        check(name, ident, limit, period)


def is_resident_only(user: User) -> bool:
    """Whether every role the user holds is `resident` (and they hold one)."""
    if not user.is_authenticated or user.is_superuser or user.is_staff:
        return False
    roles = {a.role for a in assignments_of(user)}
    return roles == {Role.RESIDENT}


def check_resident_intake(user: User) -> None:
    """Before a case is filed: limit users whose only role is resident (`WANGGE_RATE_RESIDENT`)."""
    if is_resident_only(user):
        check_setting("resident", f"user:{user.pk}")


def check_anonymous_intake(request: HttpRequest, *, api_key: object = None) -> None:
    """Before anonymous intake (Open311): limit per client address and API key
    (`WANGGE_RATE_ANONYMOUS`). `api_key` is the key's id or value, or None without one."""
    check_setting("anonymous", f"{api_key if api_key is not None else '-'}|{client_ip(request) or '-'}")


def with_retry_after[R: HttpResponseBase](response: R, error: DomainError) -> R:
    """Add `Retry-After` to the answer of a `RateLimited` error (other errors: unchanged)."""
    retry_after = error.details.get("retry_after")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
