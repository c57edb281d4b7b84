"""Idempotent POSTs: a request retried with the same `Idempotency-Key` gets the first answer
(same status, same body) and its work is never done twice.

How it works. The key is claimed inside the same database transaction as the request's work:
the row (owner, key) is inserted, or, when it exists, locked (`INSERT … ON CONFLICT DO
NOTHING` then `SELECT … FOR UPDATE` on PostgreSQL; SQLite takes its single write lock when
the transaction begins). A retry arriving while the first request is still running therefore
waits for it to commit and then replays its stored answer. The answer is stored in the same
transaction as the work, so there is never a case without its stored answer or the reverse.

What is stored (Stripe's rule): every answer the endpoint gave once it started executing —
2xx and 4xx, including a refused step (`forbidden`, `stale_version`, `unknown_category` …).
Not stored, so a retry runs again: a request refused before the endpoint ran (401, 422
`invalid_input`, a CSRF failure), 429 `rate_limited`, and any 5xx or exception, whose work
is rolled back with the claim. A key is kept `IDEMPOTENCY_KEY_HOURS` (24 h); an expired key
counts as new, and `wangge.api.actions.purge_expired` deletes it.

The same key with another method, path, query or body answers 422 `idempotency_key_reused`.
The fingerprint reads JSON canonically (key order and spacing do not matter), form fields
sorted, uploaded files by name and content.

Use it:
- REST API v1: every POST, through the two decorators `wangge.api.api` installs (the key's
  owner is the authenticated user, so all tokens and the session of one user share keys).
- Any other Django view (e.g. Open311): `run_idempotent(request, owner=..., handler=...)`.
"""

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, RawPostDataException
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.api.errors import ApiError
from wangge.api.models import IdempotencyKey
from wangge.lib.errors import DomainError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Answers never stored: the client must be able to try again and get a fresh one.
NOT_STORED = frozenset({401, 408, 429})

_PENDING = "_wangge_idempotency"


def ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def key_of(request: HttpRequest) -> str | None:
    """The request's `Idempotency-Key`, or None without one; 422 `idempotency_key_invalid`
    unless it is 1–255 printable ASCII characters."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise DomainError(
            ApiError.IDEMPOTENCY_KEY_INVALID,
            _("The Idempotency-Key header must be 1 to 255 printable ASCII characters."),
            status=422,
        )
    return key


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of what makes two requests the same: method, path, query and body."""
    digest = hashlib.sha256()

    def part(value: str | bytes) -> None:
        data = value.encode() if isinstance(value, str) else value
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    part(request.method or "")
    part(request.path)
    part(urlencode(sorted(request.GET.lists()), doseq=True))
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            fields, files = request.POST, request.FILES
        except MultiPartParserError:  # a malformed form: it is the same request if the bytes are
            part(_raw_body(request))
            return digest.hexdigest()
        part(urlencode(sorted(fields.lists()), doseq=True))
        for name, uploads in sorted(files.lists()):
            for upload in uploads:
                part(name)
                part(upload.name or "")
                file_digest = hashlib.sha256()
                for chunk in upload.chunks():
                    file_digest.update(chunk)
                upload.seek(0)
                part(file_digest.digest())
        return digest.hexdigest()
    body = _raw_body(request)
    if content_type == "application/json" or content_type.endswith("+json"):
        with contextlib.suppress(ValueError):  # not JSON after all: compare the bytes
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    part(body)
    return digest.hexdigest()


def _raw_body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RawPostDataException:  # the stream was read as a form already and not kept
        return b""


def replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type or None)
    for name, value in row.headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def claim(*, owner: str, key: str, method: str, path: str, fingerprint: str) -> IdempotencyKey | HttpResponse:
    """Inside a transaction: claim (owner, key) for this request and return its locked row, or
    return the stored answer of the first request with this key (waiting for it to commit if it
    is still running). 422 `idempotency_key_reused` when the key was used for another request."""
    assert transaction.get_connection().in_atomic_block, "claim() must run inside the request's transaction"
    assert len(owner) <= 64, "an owner is at most 64 characters"
    path = path[:500]  # the column's length; the fingerprint covers the whole path
    now = timezone.now()
    IdempotencyKey.objects.bulk_create(
        [IdempotencyKey(owner=owner, key=key, method=method, path=path, fingerprint=fingerprint, created_at=now)],
        ignore_conflicts=True,
    )
    row = IdempotencyKey.objects.select_for_update().get(owner=owner, key=key)
    if row.status is not None and row.created_at >= now - ttl():
        if (row.method, row.path, row.fingerprint) != (method, path, fingerprint):
            raise DomainError(
                ApiError.IDEMPOTENCY_KEY_REUSED,
                _("This Idempotency-Key was already used for a different request. Use a new key for a new request."),
                status=422,
            )
        return replay(row)
    # Inserted just now by this transaction, or an expired key: the request runs under it.
    if row.status is not None or (row.method, row.path, row.fingerprint) != (method, path, fingerprint):
        row.method, row.path, row.fingerprint = method, path, fingerprint
        row.status, row.content_type, row.body, row.created_at = None, "", b"", now
        row.save()
    return row


def settle(row: IdempotencyKey, response: HttpResponseBase, keep_headers: tuple[str, ...] = ()) -> None:
    """Store the answer on the claimed row (with those of `keep_headers` it has), in the
    request's transaction; or, for an answer that must not be stored (5xx, 429 …), roll the
    whole request back, claim included."""
    status = response.status_code
    if status >= 500 or status in NOT_STORED:
        transaction.set_rollback(True)
        return
    if response.streaming or not isinstance(response, HttpResponse):
        row.delete()  # not replayable; the work stands
        return
    row.status = status
    row.content_type = response.get("Content-Type", "")
    row.body = response.content
    row.headers = {name: response[name] for name in keep_headers if response.has_header(name)}
    row.save(update_fields=["status", "content_type", "body", "headers"])


def run_idempotent(
    request: HttpRequest,
    *,
    owner: str,
    handler: Callable[[], HttpResponseBase],
    keep_headers: tuple[str, ...] = (),
) -> HttpResponseBase:
    """Run `handler` (which does the request's work and returns its answer) at most once per
    (owner, Idempotency-Key); without the header, or for another method than POST, just run it.

    `owner` names the credential, e.g. `open311:<api key id>`; requests of different owners
    never share keys. `keep_headers` are replayed with the answer (e.g. an error code the body
    of a format cannot carry). Raises `DomainError` `idempotency_key_invalid` or `idempotency_key_reused`
    (status 422), for the caller to answer in its own format. An exception escaping `handler`
    stores nothing and rolls its work back; turn expected errors into answers inside `handler`
    so that they are stored (except 429 and 5xx)."""
    key = key_of(request) if request.method == "POST" else None
    if key is None:
        return handler()
    request_print = fingerprint(request)
    with transaction.atomic():
        claimed = claim(owner=owner, key=key, method="POST", path=request.path, fingerprint=request_print)
        if isinstance(claimed, HttpResponse):
            return claimed
        with transaction.atomic():
            response = handler()
        settle(claimed, response, keep_headers)
    return response


# --- the REST API (django-ninja): installed on every operation by wangge.api.api ----------------


class _Pending:
    """Set on a POST carrying the header; the inner decorator fills in the claimed row."""

    row: IdempotencyKey | None = None


def around_operation(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Ninja "view" decorator (wraps the whole operation: authentication, validation, the view and
    its error answers): one transaction around a POST with the header; stores its answer."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "POST" or HEADER not in request.headers:
            return run(request, *args, **kwargs)
        pending = _Pending()
        setattr(request, _PENDING, pending)
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            if pending.row is not None:
                settle(pending.row, response)
        return response

    return wrapper


def around_view(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """Ninja "operation" decorator (wraps the view, after authentication and validation): claims
    the key for the authenticated user, or answers the stored result."""

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        pending: _Pending | None = getattr(request, _PENDING, None)
        user_id = getattr(getattr(request, "auth", None), "pk", None)
        if pending is None or user_id is None:
            return view_func(request, *args, **kwargs)
        key = key_of(request)
        assert key is not None
        claimed = claim(
            owner=f"user:{user_id}",
            key=key,
            method="POST",
            path=request.path,
            fingerprint=fingerprint(request),
        )
        if isinstance(claimed, HttpResponse):
            return claimed
        pending.row = claimed
        with transaction.atomic():  # a savepoint: a failed view leaves the transaction usable
            return view_func(request, *args, **kwargs)

    return wrapper
