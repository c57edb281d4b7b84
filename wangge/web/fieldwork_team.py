"""Editing a grid's team (网格队伍) at /fieldwork/grids/<id>/team/: who holds grid secretary,
grid leader and grid worker on the grid (added and removed), and the member volunteers whose
responsibility zones reach into it (a building of the grid added to a member's zone, a building
or household taken out of one); the registry's worker profiles of the grid are shown as they are.

For the community's staff over the grid and the district's administrators (page key
`grid_team`); a grid they do not administer answers 404. Thin: who may grant what is
`wangge.accounts.admin_scope`, checked again by `accounts.actions.assign_role` / `revoke_role`;
the zones change through `orgs.actions.add_zone_area` / `remove_zone_area`, which check the same
reach and write the audit rows. A refusal comes back as a translated message on the page.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts import actions as account_actions
from wangge.accounts import admin_scope
from wangge.accounts.audit import client_ip
from wangge.accounts.models import Role, RoleAssignment, User
from wangge.areas.models import AreaNode, Level
from wangge.fieldwork.queries import GRID_TEAM_ROLES
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number
from wangge.orgs import actions as org_actions
from wangge.orgs.models import ZoneArea
from wangge.people.models import MemberProfile, WorkerKind, WorkerProfile
from wangge.web.views import page_for

PAGE = "grid_team"
# The add forms offer at most this many users / members (a search box narrows the users).
CHOICES_MAX = 50
MEMBERS_MAX = 300
SEARCH_MAX = 100


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _grid(request: HttpRequest, pk: int) -> AreaNode:
    """The grid, when the user administers it (its community's staff, its district's administrator)."""
    grid = get_object_or_404(AreaNode.objects.select_related("community"), pk=pk, level=Level.GRID)
    if not admin_scope.administers_area(_user(request), grid):
        raise Http404
    return grid


def _id(raw: str) -> int | None:
    return int(raw) if is_ascii_number(raw) and len(raw) < 19 else None


def _back(grid: AreaNode, anchor: str) -> HttpResponse:
    return redirect(reverse("fieldwork_team", args=[grid.pk]) + f"#{anchor}")


@dataclass
class RoleGroup:
    role: str
    label: str
    assignments: list[RoleAssignment] = field(default_factory=list)


@dataclass
class Volunteer:
    member: MemberProfile
    links: list[ZoneArea] = field(default_factory=list)


def _role_groups(grid: AreaNode) -> list[RoleGroup]:
    groups: dict[str, RoleGroup] = {role: RoleGroup(role, str(Role(role).label)) for role in GRID_TEAM_ROLES}
    for assignment in (
        RoleAssignment.objects.filter(area=grid, role__in=GRID_TEAM_ROLES)
        .select_related("user")
        .order_by("role", "user__username")
    ):
        groups[assignment.role].assignments.append(assignment)
    return list(groups.values())


def _volunteers(grid: AreaNode) -> list[Volunteer]:
    """The members whose zones reach into the grid, each with the buildings and households of
    the grid in their zones: one query."""
    found: dict[int, Volunteer] = {}
    links = (
        ZoneArea.objects.filter(grid_id=grid.pk)
        .select_related("zone__member__person", "area")
        .order_by("zone__member__person__name", "area__code")
    )
    for link in links:
        member = link.zone.member
        found.setdefault(member.pk, Volunteer(member)).links.append(link)
    return list(found.values())


def _candidates(manager: User, grid: AreaNode, q: str) -> list[User]:
    """Active users the manager administers (holding a role in their reach), by user name or
    display name, those with a role in the grid's community first; at most CHOICES_MAX."""
    users = admin_scope.visible_users(manager).filter(is_active=True)
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    nearby = RoleAssignment.objects.filter(user=OuterRef("pk"), area__community_id=grid.community_id)
    return list(users.annotate(nearby=Exists(nearby)).order_by("-nearby", "username", "pk")[:CHOICES_MAX])


@require_GET
@never_cache
@page_for(PAGE)
def team(request: HttpRequest, pk: int) -> HttpResponse:
    grid = _grid(request, pk)
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    order: dict[str, int] = {WorkerKind.GRID_SECRETARY: 0, WorkerKind.GRID_LEADER: 1, WorkerKind.GRID_WORKER: 2}
    workers = sorted(
        WorkerProfile.objects.filter(grid=grid).select_related("person"),
        key=lambda w: (order.get(w.kind, 9), w.person.name),
    )
    members = list(
        MemberProfile.objects.filter(home_community_id=grid.community_id)
        .select_related("person")
        .order_by("person__name", "pk")[:MEMBERS_MAX]
    )
    buildings = list(AreaNode.objects.filter(grid_id=grid.pk, level=Level.BUILDING).order_by("code"))
    context = {
        "grid": grid,
        "groups": _role_groups(grid),
        "roles": [(role, Role(role).label) for role in GRID_TEAM_ROLES],
        "q": q,
        "candidates": _candidates(_user(request), grid, q),
        "choices_max": CHOICES_MAX,
        "volunteers": _volunteers(grid),
        "members": members,
        "buildings": buildings,
        "workers": workers,
    }
    return render(request, "web/fieldwork/team.html", context)


@require_POST
@page_for(PAGE)
def role_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Grant a grid role on this grid to a user the manager administers."""
    manager = _user(request)
    grid = _grid(request, pk)
    user_id = _id(request.POST.get("user", ""))
    subject = admin_scope.visible_users(manager).filter(is_active=True, pk=user_id).first() if user_id else None
    role = request.POST.get("role", "")
    if subject is None or role not in GRID_TEAM_ROLES:
        messages.error(request, _("Choose a user and a grid role."), extra_tags="invalid")
        return _back(grid, "roles")
    try:
        account_actions.assign_role(manager, user=subject, role=role, area=grid, ip_address=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s of %(area)s.")
            % {"name": subject.username, "role": Role(role).label, "area": grid.name},
        )
    return _back(grid, "roles")


@require_POST
@page_for(PAGE)
def role_remove(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    grid = _grid(request, pk)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("area", "user"), pk=assignment_id, area=grid, role__in=GRID_TEAM_ROLES
    )
    try:
        account_actions.revoke_role(_user(request), assignment=assignment, ip_address=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(
            request,
            _("%(name)s is no longer %(role)s of %(area)s.")
            % {"name": assignment.user.username, "role": assignment.get_role_display(), "area": grid.name},
        )
    return _back(grid, "roles")


@require_POST
@page_for(PAGE)
def zone_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A building of this grid joins the responsibility zone of a member of its community (the
    action refuses a member of another community)."""
    grid = _grid(request, pk)
    member_id, building_id = _id(request.POST.get("member", "")), _id(request.POST.get("building", ""))
    member = (
        MemberProfile.objects.select_related("person").filter(district_id=grid.district_id, pk=member_id).first()
        if member_id
        else None
    )
    building = AreaNode.objects.filter(grid_id=grid.pk, level=Level.BUILDING, pk=building_id or 0).first()
    if member is None or building is None:
        messages.error(request, _("Choose a member and a building of this grid."), extra_tags="invalid")
        return _back(grid, "members")
    try:
        org_actions.add_zone_area(_user(request), member=member, area=building)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(
            request,
            _("%(member)s now answers for %(building)s.") % {"member": member.person.name, "building": building.name},
        )
    return _back(grid, "members")


@require_POST
@page_for(PAGE)
def zone_remove(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    grid = _grid(request, pk)
    link = get_object_or_404(ZoneArea.objects.select_related("zone__member__person", "area"), pk=link_id, grid=grid)
    try:
        org_actions.remove_zone_area(_user(request), link=link)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(
            request,
            _("%(member)s no longer answers for %(area)s.")
            % {"member": link.zone.member.person.name, "area": link.area.name},
        )
    return _back(grid, "members")
