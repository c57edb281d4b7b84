"""Authentication of the REST API: bearer tokens (from `wangge token create USERNAME` or `POST
/api/v1/tokens`) and logged-in sessions."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from wangge.accounts import second_factor
from wangge.accounts.actions import token_digest
from wangge.accounts.models import ApiToken, RoleAssignment, User
from wangge.lib import memo
from wangge.lib.models import mark_used

# The token with its user; the user object carries the roles and units read for it, so a
# process reads them once per `memo.CREDENTIAL_TTL` seconds, not on every request. A change
# to any of them made in this process is seen at once, elsewhere within those seconds (the
# cases app watches its handling units itself: `CasesConfig.ready`).
_tokens: memo.Memo[ApiToken] = memo.Memo()
memo.forget_on_change(ApiToken, User, RoleAssignment)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        digest = token_digest(token)
        found = _tokens.get(
            digest,
            lambda: (
                ApiToken.objects.select_related("user")
                .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
                .first()
            ),
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


class LoggedInSession(SessionAuth):
    """A logged-in session; its POSTs must carry the session's CSRF token (403 `csrf_failed`).
    A request without a session is not checked for CSRF: it is simply not authenticated (401
    `unauthenticated`), which ninja's own session check, asking for a CSRF token first, hid.
    Under `WANGGE_REQUIRE_2FA=login`, a session of a personal-data role that has not verified its
    second factor is not authenticated either (docs/deploy.md, "Two-factor login")."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated or second_factor.required_at_login(request.user):  # type: ignore[arg-type]
            return None
        return super().__call__(request)
