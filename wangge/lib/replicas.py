"""Reads from a PostgreSQL standby for the work that only reads; everything else on the primary.

With `DATABASE_REPLICA_URL` set, the settings add the database alias `replica` (a streaming
standby of the primary) and this module decides, query by query, where the ORM reads. The rule
is written out in `ReplicaRouter.db_for_read` and in docs/deploy.md ("Read replicas"):

* Nothing reads from the standby unless the code asked for it: a view marked `@replica_view`
  (the public board, coverage, compliance and the spreadsheet exports), or code inside
  `with reading_from_replica():`. Every other read, and every write, goes to the primary.
* Even there the primary answers when the reader could otherwise miss its own writes:
  - inside a transaction on the primary (a read inside a write's transaction must see it);
  - once this request has written anything through the ORM (the router saw a write);
  - for a few seconds (`REPLICA_PIN_SECONDS`) after a request of the same browser wrote: the
    middleware then sets a signed cookie, and while it is valid the browser's requests read
    from the primary ("read your writes"), whatever the standby's lag.
* A marked view reads from the standby only for GET and HEAD; the user and their session are
  loaded from the primary before the view runs (a logout or a password change is never undone
  by a lagging standby).

Writes always go to the primary; the standby is never migrated.
"""

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest
from django.http.response import HttpResponseBase

REPLICA = "replica"
PIN_COOKIE = "wangge_primary"
_PIN_SALT = "wangge.lib.replicas.pin"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass
class _Reading:
    """Where this request (or this block of code) may read, and whether it wrote."""

    replica: bool = False  # inside reading_from_replica()
    pinned: bool = False  # a recent write of this browser: the primary answers
    wrote: bool = False  # the router sent a write to the primary during this request


_state: contextvars.ContextVar[_Reading | None] = contextvars.ContextVar("wangge_replica_state", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """ORM reads inside the block go to the standby (when one is configured and nothing pins
    this request to the primary, see the module's rule); writes still go to the primary."""
    state = _state.get()
    if state is None:  # outside a request: a state for this block only
        token = _state.set(_Reading(replica=True))
        try:
            yield
        finally:
            _state.reset(token)
        return
    before = state.replica
    state.replica = True
    try:
        yield
    finally:
        state.replica = before


def replica_view[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Mark a view as read-only work: for GET and HEAD its ORM reads go to the standby.
    The user (and so the session) is loaded from the primary first."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            _ = user.is_authenticated  # evaluates the lazy user on the primary
        with reading_from_replica():
            return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class ReplicaRouter:
    """The one place that chooses the database of a query (settings.DATABASE_ROUTERS)."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if not configured():
            return None
        state = _state.get()
        if state is None or not state.replica or state.pinned or state.wrote:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str:
        state = _state.get()
        if state is not None:  # a request, or a reading_from_replica() block: read the rest from the primary
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # A row read from the standby is the same row as on the primary.
        databases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


class ReplicaPinMiddleware:
    """Starts each request with a fresh routing state, pinned to the primary while the browser's
    signed cookie says it wrote less than `REPLICA_PIN_SECONDS` ago; sets that cookie when this
    request wrote (an ORM write, or any method other than GET, HEAD, OPTIONS, TRACE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not configured():
            return self.get_response(request)
        seconds = settings.REPLICA_PIN_SECONDS
        pinned = request.get_signed_cookie(PIN_COOKIE, default="", salt=_PIN_SALT, max_age=seconds) == "1"
        state = _Reading(pinned=pinned)
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if seconds and (state.wrote or request.method not in _SAFE_METHODS):
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_SALT,
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
