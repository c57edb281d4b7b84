"""Writing audit rows: one helper, used by every action that must leave a trace."""

from typing import Any

from django.db import models

from wangge.accounts.models import AuditEvent, User


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


def client_ip(request: Any) -> str | None:
    """The client's address as the server saw it (behind a proxy, configure it to set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None
