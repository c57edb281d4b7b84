"""Template context shared by every page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from wangge.accounts.models import PERSONAL_DATA_ROLES, Role
from wangge.accounts.scope import assignments_of, has_role
from wangge.cases.models import Notification


def _roles(request: HttpRequest) -> list[dict[str, str]]:
    """The user's roles with the area each one covers (no query when the view loaded them already)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [{"role": str(a.get_role_display()), "area": a.area.name} for a in assignments_of(user)]


def _area_staff(request: HttpRequest) -> bool:
    """Whether the user works on areas (staff roles): residents and others get no coverage link."""
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and has_role(user, *PERSONAL_DATA_ROLES, Role.SUPERVISOR))


def _personal_data_staff(request: HttpRequest) -> bool:
    """Whether the user holds a personal-data role: the residents' search and the imports."""
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and has_role(user, *PERSONAL_DATA_ROLES))


def _unread(request: HttpRequest) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        # A callable: evaluated only by templates that show it.
        "user_roles": lambda: _roles(request),
        "unread_notifications": lambda: _unread(request),
        "area_staff": lambda: _area_staff(request),
        "personal_data_staff": lambda: _personal_data_staff(request),
    }
