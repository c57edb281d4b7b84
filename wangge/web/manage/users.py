"""Users and roles (/manage/users/): the users a district administrator or a community's staff
administer, found by user name or display name and by role; creating a user with a first role;
on a user's page their roles (removed, or added over an area picked by name), deactivation and
reactivation, a password reset and their API tokens.

Thin: who sees whom and who may grant what is `wangge.accounts.admin_scope`; every change is an
action of `wangge.accounts.actions`, which checks the same policy. A user or token outside what the
manager administers answers 404. A one-time password is shown once, in the answer to the POST that
made it: never in a URL, a message stored in the session, or a log.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts import actions, admin_scope, second_factor
from wangge.accounts.audit import client_ip
from wangge.accounts.errors import AccountError
from wangge.accounts.models import ApiToken, Role, RoleAssignment, User
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.web.views import page_for

PAGE = "manage_users"
PER_PAGE = 50
SEARCH_MAX = 100
# The levels the area picker offers (roles over buildings and households are rare: given by code).
PICKER_LEVELS = [Level.DISTRICT, Level.COMMUNITY, Level.GRID]
PICKER_MAX = 3000


def _manager(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the area picker ------------------------------------------------------------------------


@dataclass(frozen=True)
class PickableArea:
    label: str
    area: AreaNode


def _label(area: AreaNode, several_districts: bool) -> str:
    name = area.name
    if area.level == Level.GRID and area.community is not None and not name.startswith(area.community.name):
        name = f"{area.community.name} {name}"
    if several_districts and area.level != Level.DISTRICT:
        name = f"{area.district.name} {name}"
    return name


def pickable_areas(manager: User) -> list[PickableArea]:
    """The districts, communities and grids the manager may grant a role over, each with a label
    unique among them (its name, a grid's with its community's; the code where names repeat). One query."""
    nodes = list(
        AreaNode.objects.filter(admin_scope.grantable_area_q(manager), level__in=PICKER_LEVELS)
        .select_related("community", "district")
        .order_by("district_id", "code")[:PICKER_MAX]
    )
    several = len({n.district_id for n in nodes}) > 1
    labels = [_label(n, several) for n in nodes]
    repeated = {label for label in labels if labels.count(label) > 1}
    return [
        PickableArea(f"{label} ({node.code})" if label in repeated else label, node)
        for label, node in zip(labels, nodes, strict=True)
    ]


def _picked_area(manager: User, text: str) -> AreaNode:
    """The area the manager named: a label the picker offers, or a name or code only one such area has."""
    text = " ".join(text.split())
    if not text:
        raise DomainError(AccountError.AREA_NOT_FOUND, _("Choose the area the role covers."))
    offered = pickable_areas(manager)
    for item in offered:
        if item.label == text:
            return item.area
    matches = [item.area for item in offered if text in (item.area.name, item.area.code)]
    if len(matches) == 1:
        return matches[0]
    deeper = AreaNode.objects.filter(admin_scope.grantable_area_q(manager), code=text).first()
    if deeper is not None:
        return deeper
    raise DomainError(
        AccountError.AREA_NOT_FOUND,
        _("No area you may grant roles over is called “%(name)s”: pick one from the list.") % {"name": text},
    )


def _role_choices(manager: User) -> list[tuple[str, str]]:
    return [(role, str(Role(role).label)) for role in admin_scope.grantable_roles(manager)]


def _refused(request: HttpRequest, error: DomainError) -> None:
    if error.status == 404 and error.code != AccountError.AREA_NOT_FOUND:
        raise Http404
    messages.error(request, error.message, extra_tags=error.code)


# --- the list and creating a user -----------------------------------------------------------


def _list_page(request: HttpRequest, *, typed: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    manager = _manager(request)
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    role = request.GET.get("role", "")
    users = admin_scope.visible_users(manager)
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    roles = _role_choices(manager)
    if role in dict(roles):
        holders = RoleAssignment.objects.filter(admin_scope.removable_assignments_q(manager), role=role)
        users = users.filter(pk__in=holders.values("user_id"))
    else:
        role = ""
    page = Paginator(users.order_by("username", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    held: dict[int, list[RoleAssignment]] = defaultdict(list)
    rows = (
        RoleAssignment.objects.filter(admin_scope.removable_assignments_q(manager), user_id__in=[u.pk for u in page])
        .select_related("area")
        .order_by("user_id", "role", "area__code")
    )
    for assignment in rows:
        held[assignment.user_id].append(assignment)
    for user in page:
        user.shown_roles = held[user.pk]  # type: ignore[attr-defined]
    context = {
        "page": page,
        "chosen": {"q": q, "role": role},
        "query": urlencode({k: v for k, v in {"q": q, "role": role}.items() if v}),
        "roles": roles,
        "areas": pickable_areas(manager),
        "typed": typed or {},
    }
    return render(request, "web/manage/users/list.html", context, status=status)


@require_GET
@never_cache
@page_for(PAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@require_POST
@never_cache
@page_for(PAGE)
def user_create(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    typed = {key: request.POST.get(key, "") for key in ("username", "display_name", "role", "area")}
    try:
        area = _picked_area(manager, typed["area"])
        created = actions.create_account(
            manager,
            username=typed["username"],
            display_name=typed["display_name"],
            role=typed["role"],
            area=area,
            password=request.POST.get("password", ""),
            ip_address=client_ip(request),
        )
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
        return _list_page(request, typed=typed, status=400)
    return render(
        request,
        "web/manage/users/password.html",
        {"subject": created.user, "password": created.password, "created": True},
    )


# --- one user -------------------------------------------------------------------------------


def _visible_user(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(admin_scope.visible_users(_manager(request)), pk=pk)


def _back(subject: User, anchor: str = "") -> HttpResponse:
    return redirect(reverse("manage_user", args=[subject.pk]) + (f"#{anchor}" if anchor else ""))


@require_GET
@never_cache
@page_for(PAGE)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    subject = _visible_user(request, pk)
    assignments = list(
        RoleAssignment.objects.filter(user=subject).select_related("area").order_by("role", "area__code")
    )
    shown, hidden = admin_scope.split_assignments(manager, assignments)
    account = admin_scope.may_change_account(manager, subject)
    tokens = list(ApiToken.objects.filter(user=subject).order_by("-created_at")) if account else []
    context: dict[str, Any] = {
        "subject": subject,
        "assignments": shown,
        "hidden_roles": hidden,
        "account": account,
        "is_self": subject.pk == manager.pk,
        "tokens": tokens,
        "second_factor": account and second_factor.is_enrolled(subject),
        "roles": _role_choices(manager),
        "areas": pickable_areas(manager),
    }
    return render(request, "web/manage/users/detail.html", context)


@require_POST
@page_for(PAGE)
def role_add(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    subject = _visible_user(request, pk)
    try:
        area = _picked_area(manager, request.POST.get("area", ""))
        role = request.POST.get("role", "")
        actions.assign_role(manager, user=subject, role=role, area=area, ip_address=client_ip(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s of %(area)s.")
            % {"name": subject.username, "role": Role(role).label, "area": area.name},
        )
    return _back(subject, "roles")


@require_POST
@page_for(PAGE)
def role_remove(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    manager = _manager(request)
    subject = _visible_user(request, pk)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("area", "user"), pk=assignment_id, user=subject
    )
    try:
        actions.revoke_role(manager, assignment=assignment, ip_address=client_ip(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("%(name)s is no longer %(role)s of %(area)s.")
            % {"name": subject.username, "role": assignment.get_role_display(), "area": assignment.area.name},
        )
    if not admin_scope.may_see(manager, subject):  # their last role in the manager's reach is gone
        return redirect("manage_users")
    return _back(subject, "roles")


@require_POST
@page_for(PAGE)
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _visible_user(request, pk)
    try:
        actions.deactivate_user(_manager(request), user=subject, ip_address=client_ip(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(name)s can no longer log in.") % {"name": subject.username})
    return _back(subject)


@require_POST
@page_for(PAGE)
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _visible_user(request, pk)
    try:
        actions.reactivate_user(_manager(request), user=subject, ip_address=client_ip(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(name)s can log in again.") % {"name": subject.username})
    return _back(subject)


@require_POST
@never_cache
@page_for(PAGE)
def password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _visible_user(request, pk)
    try:
        reset = actions.reset_password(_manager(request), user=subject, ip_address=client_ip(request))
    except DomainError as error:
        _refused(request, error)
        return _back(subject)
    return render(request, "web/manage/users/password.html", {"subject": reset.user, "password": reset.password})


@require_POST
@page_for(PAGE)
def second_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove the user's authenticator app and recovery codes (a lost phone); audited."""
    subject = _visible_user(request, pk)
    try:
        second_factor.reset_devices(_manager(request), user=subject, ip_address=client_ip(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("%(name)s sets up two-factor login again when next asked for a code.") % {"name": subject.username},
        )
    return _back(subject)


@require_POST
@page_for(PAGE)
def token_revoke(request: HttpRequest, pk: int, token_id: int) -> HttpResponse:
    manager = _manager(request)
    subject = _visible_user(request, pk)
    if not admin_scope.may_change_account(manager, subject):
        raise Http404
    token = get_object_or_404(ApiToken, pk=token_id, user=subject)
    try:
        actions.revoke_api_token(manager, token=token, ip_address=client_ip(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The token %(prefix)s… no longer works.") % {"prefix": token.prefix})
    return _back(subject, "tokens")


urlpatterns = [
    path("users/", user_list, name="manage_users"),
    path("users/new/", user_create, name="manage_user_create"),
    path("users/<int:pk>/", user_detail, name="manage_user"),
    path("users/<int:pk>/roles/", role_add, name="manage_user_role_add"),
    path("users/<int:pk>/roles/<int:assignment_id>/remove/", role_remove, name="manage_user_role_remove"),
    path("users/<int:pk>/deactivate/", user_deactivate, name="manage_user_deactivate"),
    path("users/<int:pk>/reactivate/", user_reactivate, name="manage_user_reactivate"),
    path("users/<int:pk>/password/", password_reset, name="manage_user_password"),
    path("users/<int:pk>/two-factor/reset/", second_factor_reset, name="manage_user_second_factor_reset"),
    path("users/<int:pk>/tokens/<int:token_id>/revoke/", token_revoke, name="manage_user_token_revoke"),
]
