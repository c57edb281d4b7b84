"""Bearer-token authentication for the REST API (tokens from `wangge token create USERNAME`)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from wangge.accounts.actions import token_digest
from wangge.accounts.models import ApiToken
from wangge.lib.models import mark_used


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        mark_used(found)
        request.user = found.user
        request._wangge_token = found  # type: ignore[attr-defined]
        return found.user


def token_of(request: HttpRequest) -> ApiToken | None:
    """The bearer token the request was authenticated with; None for a session."""
    return getattr(request, "_wangge_token", None)
