"""The district's client credentials (page key manage_keys): its Open311 keys, and the REST
tokens of the users holding a role in it — listed, created and revoked, as `wangge apikey` and
`wangge token` do at the command line.

A new key or token is shown once, in the answer to the form that created it: never in a URL,
a message (messages may travel in a cookie), or a log; only its digest is stored. Thin: who may
do what and every change is `wangge.open311.actions` / `wangge.accounts.actions`; another
district's keys and tokens do not exist (404).
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts import actions as account_actions
from wangge.accounts.audit import client_ip
from wangge.accounts.models import ApiToken, Role, RoleAssignment, User
from wangge.accounts.queries import visible_tokens
from wangge.areas.models import AreaNode
from wangge.lib.errors import DomainError
from wangge.open311 import actions as open311_actions
from wangge.open311.models import ApiKey
from wangge.web.manage.districts import chosen_district
from wangge.web.views import page_for

TOKENS_PER_PAGE = 50
# At most this many user names are offered in the token form's pick list.
CANDIDATES_SHOWN = 500


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _members(district: AreaNode) -> QuerySet[RoleAssignment]:
    """The role assignments in the district of active users (residents included: their own app may need a token)."""
    return RoleAssignment.objects.filter(district=district, user__is_active=True)


def _tokens(user: User, district: AreaNode) -> QuerySet[ApiToken]:
    """The tokens of the users holding a role in the district that `user` may revoke."""
    holders = RoleAssignment.objects.filter(district=district).values("user_id")
    return visible_tokens(user).filter(user_id__in=holders).select_related("user").order_by("-created_at", "-pk")


def _page(request: HttpRequest, district: AreaNode, districts: list[AreaNode], **extra: Any) -> HttpResponse:
    user = _user(request)
    candidates = (
        _members(district)
        .exclude(role=Role.RESIDENT)
        .order_by("user__username")
        .values_list("user__username", "user__display_name")
        .distinct()[:CANDIDATES_SHOWN]
    )
    page_number = request.GET.get("page") if request.method == "GET" else None
    context = {
        "district": district,
        "districts": districts,
        "keys": ApiKey.objects.filter(district=district).order_by("revoked_at", "name"),
        "tokens": Paginator(_tokens(user, district), TOKENS_PER_PAGE).get_page(page_number),
        "query": urlencode({"district": district.pk}),
        "candidates": list(candidates),
        **extra,
    }
    return render(request, "web/manage/keys/page.html", context)


def _back(district: AreaNode, anchor: str) -> HttpResponse:
    return redirect(f"{reverse('manage_keys')}?{urlencode({'district': district.pk})}#{anchor}")


def _refused(request: HttpRequest, error: DomainError) -> None:
    if error.status == 404:
        raise Http404
    messages.error(request, error.message, extra_tags=error.code)


@require_GET
@never_cache
@page_for("manage_keys")
def keys(request: HttpRequest) -> HttpResponse:
    district, districts = chosen_district(request)
    return _page(request, district, districts)


@require_POST
@never_cache
@page_for("manage_keys")
def key_create(request: HttpRequest) -> HttpResponse:
    """The answer shows the new key once (no redirect: the key must not travel in a URL or a cookie)."""
    district, districts = chosen_district(request)
    try:
        key, secret = open311_actions.create_api_key(
            _user(request), name=request.POST.get("name", ""), district=district
        )
    except DomainError as error:
        _refused(request, error)
        return _back(district, "open311-keys")
    created = {"kind": "key", "name": key.name, "secret": secret}
    return _page(request, district, districts, created=created)


@require_POST
@page_for("manage_keys")
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    district, _districts = chosen_district(request)
    key = ApiKey.objects.filter(pk=pk, district=district).first()
    if key is None:
        raise Http404
    try:
        open311_actions.revoke_api_key(_user(request), name=key.name)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The key “%(name)s” is revoked: it is refused from now on.") % {"name": key.name})
    return _back(district, "open311-keys")


@require_POST
@never_cache
@page_for("manage_keys")
def token_create(request: HttpRequest) -> HttpResponse:
    """A token for a user holding a role in the district, shown once in this answer."""
    district, districts = chosen_district(request)
    username = request.POST.get("username", "").strip()
    holder = User.objects.filter(username=username, pk__in=_members(district).values("user_id")).first()
    if holder is None:
        messages.error(
            request,
            _("No user named “%(name)s” holds a role in this district.") % {"name": username},
            extra_tags="user_unknown",
        )
        return _back(district, "api-tokens")
    try:
        issued = account_actions.issue_api_token(
            _user(request), user=holder, name=request.POST.get("name", ""), ip_address=client_ip(request)
        )
    except DomainError as error:  # 404 too: a holder the administrator does not manage (a superuser)
        messages.error(request, error.message, extra_tags=error.code)
        return _back(district, "api-tokens")
    created = {"kind": "token", "name": issued.token.name, "user": holder.username, "secret": issued.secret}
    return _page(request, district, districts, created=created)


@require_POST
@page_for("manage_keys")
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    district, _districts = chosen_district(request)
    token = _tokens(_user(request), district).filter(pk=pk).first()
    if token is None:
        raise Http404
    try:
        account_actions.revoke_api_token(_user(request), token=token, ip_address=client_ip(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("The token %(prefix)s… of %(user)s is revoked.") % {"prefix": token.prefix, "user": token.user.username},
        )
    return _back(district, "api-tokens")


urlpatterns = [
    path("keys/", keys, name="manage_keys"),
    path("keys/open311/new/", key_create, name="manage_key_create"),
    path("keys/open311/<int:pk>/revoke/", key_revoke, name="manage_key_revoke"),
    path("keys/tokens/new/", token_create, name="manage_token_create"),
    path("keys/tokens/<int:pk>/revoke/", token_revoke, name="manage_token_revoke"),
]
