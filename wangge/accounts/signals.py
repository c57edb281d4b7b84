"""Audit rows for logins, failed logins and logouts, written from Django's auth signals."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from wangge.accounts.audit import client_ip, record
from wangge.accounts.models import AuditAction


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(user, AuditAction.LOGIN, ip_address=client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(user, AuditAction.LOGOUT, ip_address=client_ip(request))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The user name is kept (it is how lockouts are investigated); the password never is.
    record(
        None,
        AuditAction.LOGIN_FAILED,
        ip_address=client_ip(request),
        actor_name=str(credentials.get("username", ""))[:150],
    )
