"""Two-factor login pages (/account/two-factor/): set up an authenticator app (a QR code and the
key typed by hand, confirmed with a code), verify a code after the password or before a reveal
(step-up), and new recovery codes; and the middleware that, under `WANGGE_REQUIRE_2FA=login`,
sends a user with a personal-data role to verify before any other page.

Thin: every change and its audit row is `wangge.accounts.second_factor`. The key and the recovery
codes are shown only in the answer that made them: never in a URL, a message or a log. `next` is
followed only to a path on this site.
"""

from base64 import b32encode
from collections.abc import Callable
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from wangge.accounts import second_factor
from wangge.accounts.audit import client_ip
from wangge.accounts.errors import AccountError
from wangge.accounts.models import User
from wangge.lib.errors import DomainError

# Paths reachable before the second factor is verified under `login` (the two-factor pages are
# added by name): the API and Open311 authenticate with tokens and keys, not sessions.
_OPEN_PREFIXES = ("/api/", "/open311/", "/i18n/", "/healthz", "/metrics")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _next(request: HttpRequest) -> str:
    """Where to go afterwards: a path on this site, else home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("home")


def verify_url(next_path: str) -> str:
    """The verification page, coming back to `next_path` afterwards."""
    return f"{reverse('two_factor_verify')}?{urlencode({'next': next_path})}"


def step_up(request: HttpRequest, error: DomainError, back: str) -> HttpResponse | None:
    """For a view whose reveal was refused with `second_factor_required`: say why and send the
    user to verify (or to set up an app first), coming back to `back`. None for any other error."""
    if error.code != AccountError.SECOND_FACTOR_REQUIRED:
        return None
    messages.warning(request, error.message)
    return redirect(verify_url(back))


def _key_groups(device: TOTPDevice) -> str:
    """The key in base32 as an app asks for it when typed by hand, in groups of four."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """GET: a new key (kept until confirmed) as a QR code and as text. POST: confirm with a code;
    the recovery codes are shown once."""
    user = _user(request)
    context: dict[str, Any] = {"next": _next(request), "enrolled": second_factor.is_enrolled(user)}
    status = 200
    if request.method == "POST":
        try:
            enrolment = second_factor.confirm_enrolment(
                user, request.POST.get("code", ""), ip_address=client_ip(request)
            )
        except DomainError as error:
            context["error"] = error
            status = error.status
        else:
            otp_login(request, enrolment.device)
            return render(
                request,
                "web/two_factor/recovery_codes.html",
                {"codes": enrolment.recovery_codes, "next": context["next"], "enrolled_now": True},
            )
    device = second_factor.pending_authenticator(user)
    context |= {
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "key": _key_groups(device),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "web/two_factor/setup.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """A code from the authenticator app, or a recovery code; the session is verified from then on."""
    user = _user(request)
    target = _next(request)
    if not second_factor.is_enrolled(user):
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': target})}")
    context: dict[str, Any] = {"next": target}
    if request.method == "POST":
        try:
            device = second_factor.verify(user, request.POST.get("code", ""), ip_address=client_ip(request))
        except DomainError as error:
            context["error"] = error
            return render(request, "web/two_factor/verify.html", context, status=error.status)
        otp_login(request, device)
        return redirect(target)
    return render(request, "web/two_factor/verify.html", context)


@require_http_methods(["GET"])
@never_cache
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The user's own two-factor page: set up or not, verified in this session or not."""
    user = _user(request)
    context = {
        "enrolled": second_factor.is_enrolled(user),
        "verified": second_factor.is_verified(user),
        "policy": second_factor.policy(),
    }
    return render(request, "web/two_factor/overview.html", context)


@require_POST
@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Ten new recovery codes, shown once (the old ones stop working)."""
    try:
        codes = second_factor.renew_recovery_codes(_user(request), ip_address=client_ip(request))
    except DomainError as error:
        messages.warning(request, error.message)
        return redirect(verify_url(reverse("two_factor")))
    return render(request, "web/two_factor/recovery_codes.html", {"codes": codes, "next": reverse("two_factor")})


class SecondFactorMiddleware:
    """Under `WANGGE_REQUIRE_2FA=login`: a signed-in user with a personal-data role who has not
    verified a second factor in this session is sent to verify (or to set up an app) first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.REQUIRE_2FA == "login" and not self._open(request.path):
            user = getattr(request, "user", None)
            if user is not None and second_factor.required_at_login(user):
                target = verify_url(request.get_full_path() if request.method == "GET" else reverse("home"))
                if request.headers.get("HX-Request"):  # htmx swaps fragments: have it load the whole page
                    return HttpResponse(status=204, headers={"HX-Redirect": target})
                return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        if path.startswith((*_OPEN_PREFIXES, str(settings.STATIC_URL))):
            return True
        return path in {
            reverse("two_factor_setup"),
            reverse("two_factor_verify"),
            reverse("logout"),
            reverse("login"),
        }


urlpatterns = [
    path("account/two-factor/", overview, name="two_factor"),
    path("account/two-factor/setup/", setup, name="two_factor_setup"),
    path("account/two-factor/verify/", verify, name="two_factor_verify"),
    path("account/two-factor/recovery-codes/", recovery_codes, name="two_factor_recovery_codes"),
]
