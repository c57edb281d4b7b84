"""The grid team's field-work pages, made for a phone: the morning briefing (早碰头), patrols
(日双巡) with check-ins by tapping a building or scanning its QR code, household visits (走访),
and the compliance of an area with its xlsx export.

Thin views over `wangge.fieldwork.actions` and `queries`: a grid, patrol, building or household
outside what the user reads answers 404. Plain HTML forms posting here; each record gets a
fresh uuid, as the API's phone queue would give it.
"""

import datetime as dt
import math
import uuid
from typing import Any

import segno
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.cases.models import Category
from wangge.fieldwork import actions, queries
from wangge.fieldwork.compliance import compliance
from wangge.fieldwork.models import Briefing, Checkin, HouseholdChange, Patrol, VisitFlag
from wangge.lib.errors import DomainError
from wangge.lib.replicas import replica_view
from wangge.lib.text import is_ascii_number
from wangge.lib.xlsx import Workbook
from wangge.web.pages import grid_map_data
from wangge.web.views import display_crs, map_config, page_for

MAX_TASK_ROWS = 10
MAX_PERIOD_DAYS = 366


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _grid(request: HttpRequest, pk: int) -> AreaNode:
    areas = queries.fieldwork_areas(_user(request)).filter(level=Level.GRID).select_related("community")
    return get_object_or_404(areas, pk=pk)


def _failed(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message, extra_tags=error.code)


def _open_patrol(user: User, grid: AreaNode) -> Patrol | None:
    """The user's patrol of the grid that is started and not finished, if any."""
    return (
        queries.visible_patrols(user)
        .filter(grid=grid, recorded_by=user, finished_at__isnull=True)
        .order_by("-started_at")
        .first()
    )


def _buildings(grid: AreaNode) -> list[AreaNode]:
    return list(AreaNode.objects.filter(grid_id=grid.pk, level=Level.BUILDING).order_by("code"))


def _categories(district_id: int | None) -> list[Category]:
    return list(
        Category.objects.filter(district_id=district_id, active=True, parent__isnull=False).order_by("order", "code")
    )


def _category(request: HttpRequest, district_id: int | None) -> Category | None:
    raw = request.POST.get("category", "")
    if not is_ascii_number(raw) or len(raw) > 18:
        return None
    return Category.objects.filter(district_id=district_id, active=True, pk=int(raw)).first()


# --- the start page ----------------------------------------------------------------------------


@require_GET
@page_for("fieldwork")
def fieldwork_home(request: HttpRequest) -> HttpResponse:
    """The grids whose field work the user records, each with today's briefing and patrols."""
    user = _user(request)
    today = timezone.localdate()
    grids = list(
        queries.fieldwork_areas(user)
        .filter(level=Level.GRID)
        .select_related("community")
        .annotate(
            briefed=Subquery(Briefing.objects.filter(grid=OuterRef("pk"), date=today).values("pk")[:1]),
            open_patrol=Subquery(
                Patrol.objects.filter(grid=OuterRef("pk"), recorded_by=user, finished_at__isnull=True).values("pk")[:1]
            ),
        )
        .order_by("code")
    )
    return render(request, "web/fieldwork/home.html", {"grids": grids, "today": today})


# --- morning briefing ---------------------------------------------------------------------------


def _team_users(grid: AreaNode) -> list[User]:
    team = queries.grid_team(grid)
    return list({u.pk: u for u in [*team.secretaries, *team.leaders, *team.workers]}.values())


def _tasks(request: HttpRequest) -> list[actions.TaskData]:
    texts = request.POST.getlist("task_text")
    assignees = request.POST.getlist("task_assignee")
    dues = request.POST.getlist("task_due")
    tasks = []
    for index, text in enumerate(texts[:MAX_TASK_ROWS]):
        if not text.strip():
            continue
        assignee = assignees[index] if index < len(assignees) else ""
        due = dues[index] if index < len(dues) else ""
        try:
            due_date = dt.date.fromisoformat(due) if due else None
        except ValueError:
            due_date = None
        tasks.append(
            actions.TaskData(
                text, int(assignee) if is_ascii_number(assignee) and len(assignee) < 19 else None, due_date
            )
        )
    return tasks


@require_http_methods(["GET", "POST"])
@page_for("fieldwork")
def briefing(request: HttpRequest, pk: int) -> HttpResponse:
    """Today's morning briefing of the grid: attendees (the team, ticked), matters, tasks."""
    user = _user(request)
    grid = _grid(request, pk)
    today = timezone.localdate()
    team = _team_users(grid)
    held = (
        queries.visible_briefings(user)
        .filter(grid=grid, date=today)
        .prefetch_related("tasks__assignee", "tasks__case")
        .first()
    )
    if request.method == "POST" and held is None:
        attendees = [int(v) for v in request.POST.getlist("attendee") if is_ascii_number(v) and len(v) < 19]
        try:
            actions.record_briefing(
                user,
                uuid=uuid.uuid4(),
                grid=grid,
                date=today,
                attendees=attendees,
                matters=request.POST.get("matters", ""),
                tasks=_tasks(request),
            )
        except DomainError as error:
            _failed(request, error)
        else:
            messages.success(request, _("The morning briefing is recorded."))
            return redirect("fieldwork")
    attended = set(held.attendees.values_list("pk", flat=True)) if held else set()
    context = {"grid": grid, "today": today, "team": team, "held": held, "attended": attended, "rows": range(3)}
    return render(request, "web/fieldwork/briefing.html", context)


@require_http_methods(["GET", "POST"])
@page_for("fieldwork")
def task_case(request: HttpRequest, pk: int) -> HttpResponse:
    """A task given at a briefing filed as a case: the category, a building of the grid, the
    words (the task's text to start with). A task that has its case goes to it."""
    user = _user(request)
    task = get_object_or_404(queries.visible_tasks(user).select_related("briefing__grid"), pk=pk)
    if task.case_id is not None:
        return redirect("case", pk=task.case_id)
    grid = task.briefing.grid
    buildings = _buildings(grid)
    typed = {"category": "", "building": str(buildings[0].pk) if len(buildings) == 1 else "", "description": task.text}
    if request.method == "POST":
        typed = {key: request.POST.get(key, "") for key in typed}
        category = _category(request, grid.district_id)
        raw = typed["building"]
        building = next((b for b in buildings if str(b.pk) == raw), None)
        description = request.POST.get("description", "").strip()
        if category is None or building is None or not description:
            messages.error(
                request, _("Choose a category and a building, and say what the problem is."), extra_tags="invalid"
            )
        else:
            try:
                case = actions.raise_case_from_task(user, task, category, building, description)
            except DomainError as error:
                _failed(request, error)
            else:
                messages.success(request, _("Case %(number)s is filed.") % {"number": case.number})
                return redirect("fieldwork_briefing", pk=grid.pk)
    categories = _categories(grid.district_id)
    context = {"task": task, "grid": grid, "buildings": buildings, "categories": categories, "typed": typed}
    return render(request, "web/fieldwork/task_case.html", context)


# --- patrols ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@page_for("fieldwork")
def patrol(request: HttpRequest, pk: int) -> HttpResponse:
    """The user's patrol of the grid: start one, check buildings in, finish it."""
    user = _user(request)
    grid = _grid(request, pk)
    current = _open_patrol(user, grid)
    if request.method == "POST" and current is None:
        try:
            current, _created = actions.record_patrol(user, uuid=uuid.uuid4(), grid=grid, started_at=timezone.now())
        except DomainError as error:
            _failed(request, error)
        return redirect("fieldwork_patrol", pk=grid.pk)
    checkins = list(current.checkins.select_related("building")) if current else []  # type: ignore[attr-defined]
    checked = {c.building_id for c in checkins}
    buildings = _buildings(grid)
    for building in buildings:
        building.checked = building.pk in checked  # type: ignore[attr-defined]
    context: dict[str, Any] = {"grid": grid, "patrol": current, "checkins": checkins, "buildings": buildings}
    if current is not None:
        # The same buildings on the map: a tap presses the building's check-in button.
        context["map_config"] = map_config(request)
        context["map_data"] = grid_map_data(
            grid, buildings, display_crs(request), lambda b: {"button": f"checkin-{b.pk}", "checked": b.pk in checked}
        )
    return render(request, "web/fieldwork/patrol.html", context)


def _coordinate(raw: str | None) -> float | None:
    """A longitude or latitude from a form, or None when missing or not a finite number."""
    try:
        value = float(raw or "")
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _patrol_of(request: HttpRequest, pk: int) -> Patrol:
    patrols = queries.visible_patrols(_user(request)).select_related("grid")
    return get_object_or_404(patrols, pk=pk, recorded_by=request.user, finished_at__isnull=True)


@require_POST
@page_for("fieldwork")
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a building of the patrol's grid in, or the point where the worker stands (`lng`,
    `lat` in WGS-84, asked of the phone once, on the worker's tap), with an optional note."""
    current = _patrol_of(request, pk)
    raw = request.POST.get("building", "")
    note = request.POST.get("note", "")
    if raw:
        place = actions.CheckinData(
            at=timezone.now(), building_id=int(raw) if is_ascii_number(raw) and len(raw) < 19 else 0, note=note
        )
    else:
        lng, lat = _coordinate(request.POST.get("lng")), _coordinate(request.POST.get("lat"))
        place = actions.CheckinData(at=timezone.now(), lng=lng, lat=lat, note=note)
    try:
        actions.add_checkin(_user(request), current, place)
    except DomainError as error:
        _failed(request, error)
    else:
        messages.success(request, _("Checked in."))
    return redirect("fieldwork_patrol", pk=current.grid_id)


@require_POST
@page_for("fieldwork")
def patrol_finish(request: HttpRequest, pk: int) -> HttpResponse:
    current = _patrol_of(request, pk)
    now = timezone.now()
    data = {"finished_at": now.isoformat(), "findings": request.POST.get("findings", "")}
    try:
        actions.edit_record(_user(request), current, data, max(now, current.updated_at + dt.timedelta(microseconds=1)))
    except DomainError as error:
        _failed(request, error)
        return redirect("fieldwork_patrol", pk=current.grid_id)
    messages.success(request, _("The patrol is finished."))
    return redirect("fieldwork")


@require_http_methods(["GET", "POST"])
@page_for("fieldwork")
def building_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """What a building's QR code opens: check it in on the user's patrol in progress in its grid,
    or start a patrol there and check it in. A building outside the user's grids is not found."""
    user = _user(request)
    grids = queries.fieldwork_areas(user).filter(level=Level.GRID)
    building = get_object_or_404(AreaNode.objects.select_related("grid"), pk=pk, level=Level.BUILDING, grid__in=grids)
    assert building.grid is not None
    current = _open_patrol(user, building.grid)
    if request.method == "POST":
        try:
            if current is None:
                current, _created = actions.record_patrol(
                    user, uuid=uuid.uuid4(), grid=building.grid, started_at=timezone.now()
                )
            actions.add_checkin(user, current, actions.CheckinData(at=timezone.now(), building_id=building.pk))
        except DomainError as error:
            _failed(request, error)
        else:
            messages.success(request, _("%(building)s is checked in.") % {"building": building.name})
        return redirect("fieldwork_patrol", pk=building.grid_id)
    return render(request, "web/fieldwork/building_checkin.html", {"building": building, "patrol": current})


@require_http_methods(["GET", "POST"])
@page_for("fieldwork")
def checkin_case(request: HttpRequest, pk: int) -> HttpResponse:
    """A problem found at a check-in, filed as a case in one step: the place comes from the
    check-in; the worker gives the category, a few words and a photo."""
    user = _user(request)
    found = Checkin.objects.select_related("patrol", "building").filter(
        patrol__in=queries.visible_patrols(user).filter(recorded_by=user)
    )
    item = get_object_or_404(found, pk=pk)
    if item.case_id is not None:
        return redirect("case", pk=item.case_id)
    if request.method == "POST":
        category = _category(request, item.patrol.district_id)
        photo: UploadedFile | None = request.FILES.get("photo")
        description = request.POST.get("description", "").strip()
        if category is None or not description:
            messages.error(request, _("Choose a category and say what the problem is."), extra_tags="invalid")
        else:
            try:
                case = actions.raise_case_from_checkin(user, item, category, description, photo=photo)  # type: ignore[arg-type]
            except DomainError as error:
                _failed(request, error)
            else:
                messages.success(request, _("Case %(number)s is filed.") % {"number": case.number})
                return redirect("fieldwork_patrol", pk=item.patrol.grid_id)
    context = {"checkin": item, "categories": _categories(item.patrol.district_id)}
    return render(request, "web/fieldwork/checkin_case.html", context)


@require_GET
@page_for("fieldwork")
def qr_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable sheet: one QR code per building of the grid, opening its check-in page."""
    grid = _grid(request, pk)
    codes = []
    for building in _buildings(grid):
        url = request.build_absolute_uri(reverse("fieldwork_building_checkin", args=[building.pk]))
        svg = segno.make(url, error="m").svg_inline(scale=4, title=building.name)
        codes.append({"building": building, "svg": svg, "url": url})
    return render(request, "web/fieldwork/qr_sheet.html", {"grid": grid, "codes": codes})


# --- household visits ---------------------------------------------------------------------------


@require_GET
@page_for("fieldwork")
def visit_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The grid's households in the order to visit them (`queries.visit_plan`). Who was met, the
    needs and the note are not shown here."""
    grid = _grid(request, pk)
    households = queries.visit_plan(grid)
    return render(request, "web/fieldwork/visits.html", {"grid": grid, "households": households})


@require_http_methods(["GET", "POST"])
@page_for("fieldwork")
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a visit to a household; optionally raise a case from it. What was written in the
    needs and the note is not shown again after saving."""
    user = _user(request)
    grids = queries.fieldwork_areas(user).filter(level=Level.GRID)
    household = get_object_or_404(
        AreaNode.objects.select_related("grid", "building"), pk=pk, level=Level.HOUSEHOLD, grid__in=grids
    )
    categories = _categories(household.district_id)
    if request.method == "POST":
        category = _category(request, household.district_id)
        case_text = request.POST.get("case_description", "").strip()
        wants_case = request.POST.get("raise_case") == "1"
        if wants_case and (category is None or not case_text):
            messages.error(request, _("Choose a category and say what the problem is."), extra_tags="invalid")
        else:
            try:
                # The visit and its case together, or neither.
                with transaction.atomic():
                    visit, _created = actions.record_visit(
                        user,
                        uuid=uuid.uuid4(),
                        household=household,
                        visited_at=timezone.now(),
                        met=request.POST.get("met", ""),
                        needs=request.POST.get("needs", ""),
                        note=request.POST.get("note", ""),
                        flags=request.POST.getlist("flag"),
                        changes=request.POST.getlist("change"),
                    )
                    if wants_case and category is not None:
                        actions.raise_case_from_visit(user, visit, category, case_text)
            except DomainError as error:
                _failed(request, error)
            else:
                messages.success(request, _("The visit is recorded."))
                if visit.case is not None:
                    messages.success(request, _("Case %(number)s is filed.") % {"number": visit.case.number})
                return redirect("fieldwork_visit", pk=visit.pk)
    context = {
        "household": household,
        "recent": queries.visible_visits(user).filter(household=household).select_related("recorded_by")[:5],
        "flags": VisitFlag.choices,
        "changes": HouseholdChange.choices,
        "categories": categories,
    }
    return render(request, "web/fieldwork/visit_form.html", context)


# --- compliance ---------------------------------------------------------------------------------


def _day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _compliance_query(request: HttpRequest) -> tuple[AreaNode, dt.date, dt.date]:
    """The area (default: the user's highest area) and period the query string asks about."""
    user = _user(request)
    areas = queries.fieldwork_areas(user).filter(level__in=[Level.DISTRICT, Level.COMMUNITY, Level.GRID])
    raw = request.GET.get("area", "")
    if raw:
        if not is_ascii_number(raw) or len(raw) > 18:
            raise Http404
        area = get_object_or_404(areas, pk=int(raw))
    else:
        order: dict[str, int] = {Level.DISTRICT: 0, Level.COMMUNITY: 1, Level.GRID: 2}
        found = sorted(areas.filter(level__in=order)[:200], key=lambda a: (order[a.level], a.code))
        if not found:
            raise Http404
        area = found[0]
    today = timezone.localdate()
    start, end = _day(request.GET.get("from")), _day(request.GET.get("to"))
    if start is None or end is None or end < start or (end - start).days >= MAX_PERIOD_DAYS:
        start = end = _day(request.GET.get("date")) or today
    return area, start, end


@require_GET
@page_for("fieldwork")
@replica_view
def compliance_page(request: HttpRequest) -> HttpResponse:
    area, start, end = _compliance_query(request)
    result = compliance(area, start, end)
    names = ["briefings_held", "patrols", "patrols_owed", "buildings_checked", "buildings_unchecked_14d"]
    totals = {name: result.total(name) for name in [*names, "households", "households_visited_30d"]}
    totals["briefings_missed"] = sum(g.briefings_missed for g in result.grids)
    context = {"area": area, "start": start, "end": end, "result": result, "totals": totals}
    return render(request, "web/fieldwork/compliance.html", context)


@require_GET
@page_for("fieldwork")
@replica_view
def compliance_xlsx(request: HttpRequest) -> HttpResponse:
    """The compliance page as a workbook. It holds no personal data: no audit row."""
    area, start, end = _compliance_query(request)
    result = compliance(area, start, end)
    header = [
        _("Grid"),
        _("Working days"),
        _("Briefings held"),
        _("Briefings missed"),
        _("Patrols"),
        _("Patrols owed"),
        _("Buildings"),
        _("Buildings checked"),
        _("Buildings not checked for 14 days"),
        _("Households"),
        _("Households visited in 30 days"),
        _("Households visited in 90 days"),
    ]
    rows: list[list[object]] = [
        [
            grid.grid_name,
            grid.working_days,
            grid.briefings_held,
            grid.briefings_missed,
            grid.patrols,
            grid.patrols_owed,
            grid.buildings,
            grid.buildings_checked,
            grid.buildings_unchecked_14d,
            grid.households,
            grid.households_visited_30d,
            grid.households_visited_90d,
        ]
        for grid in result.grids
    ]
    book = Workbook()
    sheet = book.sheet(_("Compliance"))
    sheet.table(header, rows, [24] + [12] * (len(header) - 1), style=book.header)
    content = book.close()
    filename = f"wangge-fieldwork-{start:%Y-%m-%d}-{end:%Y-%m-%d}.xlsx"
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
