"""Template context shared by every page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from wangge.accounts.scope import assignments_of
from wangge.cases.models import Notification
from wangge.web import pages


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _roles(request: HttpRequest) -> list[dict[str, str]]:
    """The user's roles with the area each one covers (no query when the view loaded them already)."""
    user = _user(request)
    if user is None:
        return []
    return [{"role": str(a.get_role_display()), "area": a.area.name} for a in assignments_of(user)]


def _menu(request: HttpRequest) -> dict[str, bool]:
    """The pages of the menu the user may use (`pages.allowed`: the same test the views make)."""
    user = _user(request)
    return {page: bool(user and pages.allowed(user, page)) for page in pages.PAGE_ROLES}


def _unread(request: HttpRequest) -> int:
    user = _user(request)
    if user is None:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        # A callable: evaluated only by templates that show it.
        "user_roles": lambda: _roles(request),
        "unread_notifications": lambda: _unread(request),
        "menu": lambda: _menu(request),
    }
