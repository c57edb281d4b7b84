"""Changing one's password, and being made to: after an administrator has reset a password (or
created the account), every page sends the user to the password page until they have chosen
their own. Static files, logging out, the language switch and the password pages themselves stay
reachable; the REST API and Open311 (bearer tokens and keys, no session) are not affected."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from wangge.accounts.actions import password_changed

# Paths the user reaches while they must still change the password (the password pages are added
# by name in the middleware).
_OPEN_PREFIXES = ("/api/", "/open311/", "/i18n/", "/healthz")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; on success the user is no longer made to change it."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_changed(form.user)
        return response


class MustChangePasswordMiddleware:
    """Sends a logged-in user whose password was set by an administrator to the password page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        must_change = user is not None and user.is_authenticated and getattr(user, "must_change_password", False)
        if must_change and not self._open(request.path):
            if request.headers.get("HX-Request"):  # htmx swaps fragments: have it load the whole page
                return HttpResponse(status=204, headers={"HX-Redirect": reverse("password_change")})
            return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        if path.startswith((*_OPEN_PREFIXES, str(settings.STATIC_URL))):
            return True
        return path in {
            reverse("password_change"),
            reverse("password_change_done"),
            reverse("logout"),
            reverse("two_factor_setup"),
            reverse("two_factor_verify"),
        }
