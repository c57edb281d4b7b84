"""Writing audit rows: one helper, used by every action that must leave a trace, and the reason a
reading of personal data is recorded with."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from ipware import get_client_ip

from wangge.accounts.errors import AccountError
from wangge.accounts.models import AuditEvent, User
from wangge.lib.errors import DomainError

REASON_MIN = 4
REASON_MAX = 500


def record(
    actor: User | None,
    action: str,
    *,
    obj: models.Model | None = None,
    district_id: int | None = None,
    ip_address: str | None = None,
    actor_name: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor_name or (actor.get_username() if actor is not None and actor.is_authenticated else ""),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        district_id=district_id,
        ip_address=ip_address,
        detail=detail or {},
    )


def record_many(
    actor: User | None,
    action: str,
    *,
    model: type[models.Model],
    entries: Sequence[tuple[object, dict[str, Any]]],
    district_id: int | None = None,
) -> None:
    """`record` for many objects of one model at once: (primary key, detail) each, one INSERT per thousand."""
    named = actor if actor is not None and actor.is_authenticated else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=named,
                actor_name=named.get_username() if named is not None else "",
                action=action,
                object_type=model._meta.label_lower,
                object_id=str(pk),
                district_id=district_id,
                detail=detail,
            )
            for pk, detail in entries
        ],
        batch_size=1000,
    )


def client_ip(request: Any) -> str | None:
    """The client's address, for rate limits, the login lockout (`AXES_CLIENT_IP_CALLABLE`) and
    audit rows: the only place it is taken from a request.

    Without trusted proxies (`TRUSTED_PROXIES = 0`) it is the connection's own address
    (`REMOTE_ADDR`) and every `X-Forwarded-For` header is ignored: a client could write anything
    there. Behind N reverse proxies, each of which appends the address it received the request
    from, the client is the N-th address from the right of `X-Forwarded-For` (django-ipware);
    what stands to the left of it was written by the client and is not believed. A request that
    did not come through the proxies (no header, or fewer addresses than proxies) is taken at
    its connection's address."""
    if request is None:
        return None
    if not settings.TRUSTED_PROXIES:
        return request.META.get("REMOTE_ADDR")
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        # ipware counts the proxies *within* the header; the last one is the connection itself.
        proxy_count=settings.TRUSTED_PROXIES - 1,
        request_header_order=("HTTP_X_FORWARDED_FOR",),
        strict=False,
    )
    return address or request.META.get("REMOTE_ADDR")


def require_reason(reason: str, code: str = "reveal_reason_required") -> str:
    """The reason, stripped: at least 4 and at most 500 characters."""
    text = (reason or "").strip()
    if len(text) < REASON_MIN:
        messages = {
            "reveal_reason_required": _("State why you need to see this person's data."),
            "correction_reason_required": _("State why this record is corrected."),
            "access_report_reason_required": _("State the request this access report answers."),
        }
        raise DomainError(code, messages.get(code, messages["reveal_reason_required"]))
    if len(text) > REASON_MAX:
        raise DomainError(
            AccountError.REASON_TOO_LONG, _("The reason is too long: at most %(max)d characters.") % {"max": REASON_MAX}
        )
    return text
