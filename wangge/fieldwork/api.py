"""REST endpoints of field work: record briefings, patrols and visits (once per uuid), list and
read them, and the compliance of an area.

Scope: records are read through `queries.visible_*`; one outside it answers 404 `not_found`, as
one that does not exist, and is absent from lists. Recording for a grid or household outside
your scope answers 404; inside it but not yours to record (a supervisor) 403
`fieldwork_forbidden`. A POST with a uuid already stored answers that record with 200 and
creates nothing; with a later `updated_at` it is an edit (the later edit wins, the other is
kept in the record's history).
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import Id, Pagination, errors
from wangge.areas.models import Level
from wangge.fieldwork import actions
from wangge.fieldwork.compliance import compliance
from wangge.fieldwork.errors import FieldworkError
from wangge.fieldwork.models import Briefing, FieldRecord, Patrol, Visit
from wangge.fieldwork.queries import fieldwork_areas, visible_briefings, visible_patrols, visible_visits
from wangge.fieldwork.schemas import (
    BriefingIn,
    BriefingOut,
    ComplianceIn,
    ComplianceOut,
    HouseholdVisitIn,
    HouseholdVisitOut,
    PatrolIn,
    PatrolOut,
)
from wangge.lib.errors import DomainError

briefings_router = Router(tags=["fieldwork"])
patrols_router = Router(tags=["fieldwork"])
visits_router = Router(tags=["fieldwork"])
fieldwork_router = Router(tags=["fieldwork"])

MAX_PERIOD_DAYS = 366
# What recording answers besides its own checks: outside your scope, or not yours to record.
RECORDING = (
    ApiError.NOT_FOUND,
    FieldworkError.FIELDWORK_FORBIDDEN,
    FieldworkError.NOT_A_GRID,
    FieldworkError.TEXT_TOO_LONG,
)


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class GridFilter(Schema):
    grid: Id | None = None


class VisitFilter(Schema):
    grid: Id | None = None
    household: Id | None = None


def _edit_if_later[R: FieldRecord](
    user: User, record: R, created: bool, updated_at: dt.datetime | None, data: dict[str, Any]
) -> R:
    """A replay carrying the phone's `updated_at`: an edit, the later version winning."""
    if created or updated_at is None:
        return record
    edited, _won = actions.edit_record(user, record, data, updated_at)
    return edited


# --- briefings ----------------------------------------------------------------------------------


def _briefings(user: User) -> QuerySet[Briefing]:
    return (
        visible_briefings(user).select_related("grid", "recorded_by").prefetch_related("attendees", "tasks__assignee")
    )


@briefings_router.post(
    "", response={200: BriefingOut, 201: BriefingOut, **errors(400, 403, 404)}, summary="Record a briefing"
)
@answers(*RECORDING, FieldworkError.ATTENDEE_UNKNOWN)
def record_briefing(request: HttpRequest, payload: BriefingIn) -> Any:
    """早碰头: the grid's morning briefing of a day, who attended, the matters raised and the tasks
    given (a task may name a person of the district and a due date). 201 when recorded now, 200
    with the stored record when the uuid was already stored."""
    user = _user(request)
    grid = get_object_or_404(fieldwork_areas(user), pk=payload.grid)
    tasks = [actions.TaskData(t.text, t.assignee, t.due) for t in payload.tasks]
    briefing, created = actions.record_briefing(
        user,
        uuid=payload.uuid,
        grid=grid,
        date=payload.date,
        attendees=payload.attendees,
        matters=payload.matters,
        tasks=tasks,
        updated_at=payload.updated_at,
    )
    data = {
        "matters": payload.matters,
        "attendees": payload.attendees,
        "tasks": [{"text": t.text, "assignee": t.assignee_id, "due": t.due} for t in tasks],
    }
    briefing = _edit_if_later(user, briefing, created, payload.updated_at, data)
    return (201 if created else 200), _briefings(user).get(pk=briefing.pk)


@briefings_router.get("", response={200: list[BriefingOut], **errors()}, summary="List briefings in your scope")
@paginate(Pagination)
def list_briefings(request: HttpRequest, filters: Query[GridFilter]) -> Any:
    """Briefings of the grids you see, newest day first; `grid` narrows to one grid."""
    found = _briefings(_user(request))
    return found.filter(grid_id=filters.grid) if filters.grid is not None else found


@briefings_router.get("/{int:briefing_id}", response={200: BriefingOut, **errors(404)}, summary="Read one briefing")
@answers(ApiError.NOT_FOUND)
def get_briefing(request: HttpRequest, briefing_id: int) -> Any:
    return get_object_or_404(_briefings(_user(request)), pk=briefing_id)


# --- patrols ------------------------------------------------------------------------------------


def _patrols(user: User) -> QuerySet[Patrol]:
    return visible_patrols(user).select_related("grid", "recorded_by").prefetch_related("checkins__building")


@patrols_router.post("", response={200: PatrolOut, 201: PatrolOut, **errors(400, 403, 404)}, summary="Record a patrol")
@answers(
    *RECORDING,
    FieldworkError.CHECKIN_OUTSIDE_GRID,
    FieldworkError.CHECKIN_PLACE_REQUIRED,
    FieldworkError.FINISHED_BEFORE_STARTED,
    ApiError.COORDINATES_OUT_OF_RANGE,
)
def record_patrol(request: HttpRequest, payload: PatrolIn) -> Any:
    """日双巡: one patrol of a grid, its start and finish and the places checked, each a building of
    the grid or a point the worker chose to record. A building or point outside the grid is
    refused (400 `checkin_outside_grid`). Only these check-ins are stored: never a trail."""
    user = _user(request)
    grid = get_object_or_404(fieldwork_areas(user), pk=payload.grid)
    checkins = [
        actions.CheckinData(at=c.at, building_id=c.building, lng=c.lng, lat=c.lat, note=c.note)
        for c in payload.checkins
    ]
    patrol, created = actions.record_patrol(
        user,
        uuid=payload.uuid,
        grid=grid,
        started_at=payload.started_at,
        finished_at=payload.finished_at,
        checkins=checkins,
        findings=payload.findings,
        updated_at=payload.updated_at,
    )
    data = {
        "finished_at": payload.finished_at,
        "findings": payload.findings,
        "checkins": [
            {"building": c.building_id, "lng": c.lng, "lat": c.lat, "at": c.at, "note": c.note} for c in checkins
        ],
    }
    patrol = _edit_if_later(user, patrol, created, payload.updated_at, data)
    return (201 if created else 200), _patrols(user).get(pk=patrol.pk)


@patrols_router.get("", response={200: list[PatrolOut], **errors()}, summary="List patrols in your scope")
@paginate(Pagination)
def list_patrols(request: HttpRequest, filters: Query[GridFilter]) -> Any:
    """Patrols of the grids you see, latest start first; `grid` narrows to one grid."""
    found = _patrols(_user(request))
    return found.filter(grid_id=filters.grid) if filters.grid is not None else found


@patrols_router.get("/{int:patrol_id}", response={200: PatrolOut, **errors(404)}, summary="Read one patrol")
@answers(ApiError.NOT_FOUND)
def get_patrol(request: HttpRequest, patrol_id: int) -> Any:
    return get_object_or_404(_patrols(_user(request)), pk=patrol_id)


# --- visits -------------------------------------------------------------------------------------


def _visits(user: User) -> QuerySet[Visit]:
    return visible_visits(user).select_related("grid", "household", "recorded_by")


@visits_router.post(
    "", response={200: HouseholdVisitOut, 201: HouseholdVisitOut, **errors(400, 403, 404)}, summary="Record a visit"
)
@answers(
    ApiError.NOT_FOUND, FieldworkError.FIELDWORK_FORBIDDEN, FieldworkError.NOT_A_HOUSEHOLD, FieldworkError.UNKNOWN_FLAG
)
def record_visit(request: HttpRequest, payload: HouseholdVisitIn) -> Any:
    """走访: a visit to a household, who was met, what it needs (stored encrypted), a note, flags
    for the assistance database and changes (moved in or out, new hardship, a birth, a death)."""
    user = _user(request)
    household = get_object_or_404(fieldwork_areas(user), pk=payload.household)
    visit, created = actions.record_visit(
        user,
        uuid=payload.uuid,
        household=household,
        visited_at=payload.visited_at,
        met=payload.met,
        needs=payload.needs,
        note=payload.note,
        flags=payload.flags,
        changes=payload.changes,
        updated_at=payload.updated_at,
    )
    data = {
        "met": payload.met,
        "needs": payload.needs,
        "note": payload.note,
        "flags": [str(f) for f in payload.flags],
        "changes": [str(c) for c in payload.changes],
    }
    visit = _edit_if_later(user, visit, created, payload.updated_at, data)
    return (201 if created else 200), _visits(user).get(pk=visit.pk)


@visits_router.get("", response={200: list[HouseholdVisitOut], **errors()}, summary="List visits in your scope")
@paginate(Pagination)
def list_visits(request: HttpRequest, filters: Query[VisitFilter]) -> Any:
    """Visits to households you see, latest first (what the household needs and the note never in clear);
    `grid` or `household` narrows the list."""
    found = _visits(_user(request))
    if filters.grid is not None:
        found = found.filter(grid_id=filters.grid)
    if filters.household is not None:
        found = found.filter(household_id=filters.household)
    return found


@visits_router.get("/{int:visit_id}", response={200: HouseholdVisitOut, **errors(404)}, summary="Read one visit")
@answers(ApiError.NOT_FOUND)
def get_visit(request: HttpRequest, visit_id: int) -> Any:
    """One visit; what the household needs and the note only as whether there are any."""
    return get_object_or_404(_visits(_user(request)), pk=visit_id)


# --- compliance ---------------------------------------------------------------------------------


def _period(params: ComplianceIn) -> tuple[dt.date, dt.date]:
    if params.date_from is not None or params.date_to is not None:
        if params.date_from is None or params.date_to is None:
            raise DomainError(FieldworkError.PERIOD_INVALID, _("Give both the first and the last day of the period."))
        start, end = params.date_from, params.date_to
    else:
        start = end = params.date or timezone.localdate()
    if end < start or (end - start).days >= MAX_PERIOD_DAYS:
        raise DomainError(
            FieldworkError.PERIOD_INVALID,
            _("The period must end on or after its first day and last at most %(days)d days.")
            % {"days": MAX_PERIOD_DAYS},
        )
    return start, end


@fieldwork_router.get(
    "/compliance", response={200: ComplianceOut, **errors(400, 404)}, summary="Field-work compliance", by_alias=True
)
@answers(ApiError.NOT_FOUND, FieldworkError.AREA_NOT_COMPLIANCE, FieldworkError.PERIOD_INVALID)
def get_compliance(request: HttpRequest, params: Query[ComplianceIn]) -> Any:
    """Briefings held, patrols done, buildings checked and households visited per grid of a
    district, community or grid, for one `date` (default: today) or a period `from`–`to` (at most
    366 days), with the exceptions: grids without a briefing on the last day, buildings not
    checked for 14 days. Days the work calendar marks as rest days are never counted as missed.
    The definitions: docs/fieldwork.md."""
    area = get_object_or_404(fieldwork_areas(_user(request)), pk=params.area)
    if area.level not in (Level.DISTRICT, Level.COMMUNITY, Level.GRID):
        raise DomainError(FieldworkError.AREA_NOT_COMPLIANCE, _("Choose a district, a community or a grid."))
    start, end = _period(params)
    result = compliance(area, start, end)
    totals = {
        name: result.total(name)
        for name in (
            "briefings_held",
            "briefings_missed",
            "patrols",
            "patrols_owed",
            "buildings",
            "buildings_checked",
            "buildings_unchecked_14d",
            "households",
            "households_visited_30d",
            "households_visited_90d",
        )
    }
    return {
        "area": {"id": area.pk, "name": area.name, "level": area.level},
        "date_from": start,
        "date_to": end,
        "working_days": result.working_days,
        "patrols_per_day": result.patrols_per_day,
        "grids": [
            {
                **{k: getattr(g, k) for k in GRID_FIGURES},
                "grid": {"id": g.grid_id, "name": g.grid_name},
                "briefing": g.briefing,
                "briefings_missed": g.briefings_missed,
            }
            for g in result.grids
        ],
        "totals": totals,
        "exceptions": {
            "grids_without_briefing": [{"id": g.grid_id, "name": g.grid_name} for g in result.grids_without_briefing],
            "unchecked_buildings": [
                {"id": b["id"], "name": b["name"], "grid": b["grid_id"]} for b in result.unchecked_buildings
            ],
            "unchecked_buildings_count": result.unchecked_buildings_count,
        },
    }


GRID_FIGURES = (
    "working_days",
    "briefings_held",
    "patrols",
    "patrols_owed",
    "patrol_days",
    "buildings",
    "buildings_checked",
    "buildings_unchecked_14d",
    "households",
    "households_visited_30d",
    "households_visited_90d",
)


register_router("/briefings", briefings_router)
register_router("/patrols", patrols_router)
register_router("/visits", visits_router)
register_router("/fieldwork", fieldwork_router)
