"""The handling units and their staff: a district administrator sees the district's departments,
streets, communities and dispatch with who acts for each; creates a unit, renames one or
changes its community; adds a user holding a role in the district by user name (typed, or
picked from the list the box offers) and removes one.

Thin: who may do it and every change is `wangge.cases.actions.units`; for anyone but a district
administrator (or a superuser) the page and its units do not exist (404).
"""

from collections import defaultdict

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts.models import Role, RoleAssignment, User
from wangge.areas.models import AreaNode, Level
from wangge.cases.actions import add_unit_staff, create_unit, remove_unit_staff, update_unit
from wangge.cases.actions.units import managed_district_ids
from wangge.cases.models import HandlingUnit, UnitKind
from wangge.lib.errors import DomainError
from wangge.web.views import page_for

# At most this many names are offered in each district's pick list.
CANDIDATES_SHOWN = 500


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _managed_units(user: User) -> QuerySet[HandlingUnit]:
    """The units whose staff the user manages; 404 for a user who manages none."""
    managed = managed_district_ids(user)
    if managed is not None and not managed:
        raise Http404
    return HandlingUnit.objects.all() if managed is None else HandlingUnit.objects.filter(district_id__in=managed)


def _managed_districts(user: User) -> QuerySet[AreaNode]:
    """The districts whose units the user manages; 404 for a user who manages none."""
    managed = managed_district_ids(user)
    if managed is not None and not managed:
        raise Http404
    districts = AreaNode.objects.filter(level=Level.DISTRICT)
    return districts if managed is None else districts.filter(pk__in=managed)


def _unit(request: HttpRequest, pk: int) -> HandlingUnit:
    unit = _managed_units(_user(request)).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


@require_GET
@never_cache
@page_for("units")
def unit_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    districts = list(_managed_districts(user).order_by("name", "pk"))
    units = list(
        _managed_units(user)
        .select_related("district", "area")
        .prefetch_related(Prefetch("users", queryset=User.objects.order_by("username")))
        .order_by("district__name", "district_id", "kind", "name")
    )
    district_ids = {d.pk for d in districts}
    # Users holding a staff role in each district: the names the add box offers.
    candidates: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        RoleAssignment.objects.filter(district_id__in=district_ids, user__is_active=True)
        .exclude(role=Role.RESIDENT)
        .order_by("district_id", "user__username")
        .values_list("district_id", "user__username", "user__display_name")
        .distinct()
    )
    for district_id, username, display_name in rows[: CANDIDATES_SHOWN * max(len(district_ids), 1)]:
        if len(candidates[district_id]) < CANDIDATES_SHOWN:
            candidates[district_id].append((username, display_name))
    # The communities a unit may be placed in.
    communities: dict[int, list[AreaNode]] = defaultdict(list)
    for community in AreaNode.objects.filter(district_id__in=district_ids, level=Level.COMMUNITY).order_by("code"):
        communities[community.district_id].append(community)
    groups: dict[int, dict[str, object]] = {
        d.pk: {"district": d, "units": [], "candidates": candidates[d.pk], "communities": communities[d.pk]}
        for d in districts
    }
    for unit in units:
        groups[unit.district_id]["units"].append(unit)  # type: ignore[attr-defined]
    context = {"groups": list(groups.values()), "kinds": UnitKind.choices}
    return render(request, "web/units/list.html", context)


def _back(unit: HandlingUnit) -> HttpResponse:
    return redirect(f"{reverse('units')}#unit-{unit.pk}")


def _refused(request: HttpRequest, error: DomainError) -> None:
    if error.status == 404:
        raise Http404
    messages.error(request, error.message, extra_tags=error.code)


@require_POST
@page_for("units")
def unit_staff_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    try:
        user = add_unit_staff(_user(request), unit, username=request.POST.get("username", ""))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(name)s now acts for %(unit)s.") % {"name": user, "unit": unit.name})
    return _back(unit)


@require_POST
@page_for("units")
def unit_staff_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    unit = _unit(request, pk)
    user = unit.users.filter(pk=user_id).first()
    if user is None:
        raise Http404
    try:
        remove_unit_staff(_user(request), unit, user=user)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(name)s no longer acts for %(unit)s.") % {"name": user, "unit": unit.name})
    return _back(unit)


def _community(request: HttpRequest, district_id: int) -> AreaNode | None:
    """The community chosen in the form (none when blank); an area of another district does not exist (404)."""
    raw = request.POST.get("area", "").strip()
    if not raw:
        return None
    area = AreaNode.objects.filter(pk=int(raw), district_id=district_id).first() if raw.isdigit() else None
    if area is None:
        raise Http404
    return area


@require_POST
@page_for("units")
def unit_create(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("district", "")
    district = _managed_districts(_user(request)).filter(pk=int(raw)).first() if raw.isdigit() else None
    if district is None:
        raise Http404
    try:
        unit = create_unit(
            _user(request),
            district,
            request.POST.get("kind", ""),
            request.POST.get("name", ""),
            area=_community(request, district.pk),
        )
    except DomainError as error:
        _refused(request, error)
        return redirect(f"{reverse('units')}#add-unit-{district.pk}")
    messages.success(request, _("The unit %(unit)s is created; now add its staff.") % {"unit": unit.name})
    return _back(unit)


@require_POST
@page_for("units")
def unit_update(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    try:
        unit = update_unit(
            _user(request), unit, name=request.POST.get("name", ""), area=_community(request, unit.district_id)
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The unit %(unit)s is saved.") % {"unit": unit.name})
    return _back(unit)
