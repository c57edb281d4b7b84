"""Every change to field work: recording a briefing, a patrol or a visit (once per uuid, however
often it is sent; a new visit tells the members responsible for the household, `notices`),
editing one (the later edit wins, the other is kept), raising a case from a check-in or a visit,
revealing a visit's needs and note (audited, with a reason), correcting the registry from a
visit (through the registry's audited correction), and a district's patrols per working day.

Who may record: the grid team over the grid, the community's staff over it, the district's
administrators (`queries.RECORDING_ROLES`). A grid or household outside what the user reads is
not found (404); one they read but may not record for (a supervisor) is 403.

Recording is not audited row by row: each record names who made it, and every version an edit
replaced is kept (`RecordVersion`). Revealing a visit's needs and note, correcting the registry
and changing a district's settings write audit rows.
"""

import datetime as dt
import functools
import json
import uuid as uuidlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit, second_factor
from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction, Role, User
from wangge.accounts.scope import has_role_over
from wangge.api.errors import ApiError
from wangge.areas.locate import grid_index
from wangge.areas.models import AreaNode, Level
from wangge.cases.actions import file_case
from wangge.cases.models import Case, Category, Channel
from wangge.fieldwork import notices, queries
from wangge.fieldwork.errors import FieldworkError
from wangge.fieldwork.models import (
    MAX_MET,
    MAX_TEXT,
    Briefing,
    BriefingTask,
    Checkin,
    FieldRecord,
    FieldworkSettings,
    HouseholdChange,
    Patrol,
    RecordKind,
    RecordVersion,
    Visit,
    VisitFlag,
)
from wangge.fieldwork.signals import visit_flagged
from wangge.lib.crypto import bound_to, decrypt_field, encrypt
from wangge.lib.errors import DomainError
from wangge.lib.geo import check_coordinates
from wangge.lib.rowids import reserve_ids
from wangge.people.actions.rights import correct_person
from wangge.people.models import HouseholdMember, Person, PersonStatus

MAX_PATROLS_PER_DAY = 6


@dataclass(frozen=True)
class TaskData:
    text: str
    assignee_id: int | None = None
    due: dt.date | None = None


@dataclass(frozen=True)
class CheckinData:
    """A building, or a point (WGS-84) the worker chose to record, and when."""

    at: dt.datetime
    building_id: int | None = None
    lng: float | None = None
    lat: float | None = None
    note: str = ""


# --- checks -------------------------------------------------------------------------------------


def _not_found() -> DomainError:
    return DomainError(ApiError.NOT_FOUND, _("Not found, or outside your scope."), status=404)


def _check_recorder(user: User, grid: AreaNode) -> None:
    if not queries.can_read(user, grid):
        raise _not_found()
    if not queries.can_record(user, grid):
        raise DomainError(
            FieldworkError.FIELDWORK_FORBIDDEN,
            _("Only the grid team, community staff and district administrators record field work."),
        )


def _grid(area: AreaNode) -> AreaNode:
    if area.level != Level.GRID:
        raise DomainError(FieldworkError.NOT_A_GRID, _("Choose a grid."))
    return area


def _ancestors(grid: AreaNode) -> dict[str, Any]:
    """The grid and the ancestor columns a record copies from it (for scope)."""
    assert grid.district_id is not None and grid.community_id is not None
    return {"district_id": grid.district_id, "community_id": grid.community_id, "grid": grid}


def _text(value: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if len(value) > limit:
        raise DomainError(
            FieldworkError.TEXT_TOO_LONG, _("A text is too long: at most %(max)d characters.") % {"max": limit}
        )
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _district_users(district_id: int, ids: Iterable[int]) -> dict[int, User]:
    wanted = set(ids)
    found = {u.pk: u for u in User.objects.filter(pk__in=wanted, assignments__district_id=district_id).distinct()}
    if wanted - set(found):
        raise DomainError(FieldworkError.ATTENDEE_UNKNOWN, _("Name only people who work in the district."))
    return found


def _choices(values: Iterable[str], allowed: type[VisitFlag] | type[HouseholdChange]) -> list[str]:
    kept = list(dict.fromkeys(values))
    unknown = [v for v in kept if v not in allowed.values]
    if unknown:
        raise DomainError(FieldworkError.UNKNOWN_FLAG, _("Unknown flag or change: %(value)s.") % {"value": unknown[0]})
    return kept


def _stored[R: FieldRecord](model: type[R], user: User, uuid: uuidlib.UUID) -> R | None:
    """The record already stored under `uuid` (a replay), if the user may read it; 404 if not."""
    existing = model._default_manager.select_related("grid").filter(uuid=uuid).first()
    if existing is not None and not queries.can_read(user, existing.grid):
        raise _not_found()
    return existing


def _create_once[R: FieldRecord](model: type[R], user: User, uuid: uuidlib.UUID, write: Any) -> tuple[R, bool]:
    """`write()` in a savepoint; when another request stored the same uuid meanwhile, the stored
    record instead (created: False)."""
    try:
        with transaction.atomic():
            return write(), True
    except IntegrityError:
        existing = _stored(model, user, uuid)
        if existing is None:
            raise
        return existing, False


# --- briefings ----------------------------------------------------------------------------------


def _task_rows(briefing: Briefing, tasks: Sequence[TaskData]) -> list[BriefingTask]:
    users = _district_users(briefing.district_id, [t.assignee_id for t in tasks if t.assignee_id is not None])
    rows = []
    for task in tasks:
        text = _text(task.text)
        if text:
            rows.append(
                BriefingTask(briefing=briefing, text=text, assignee=users.get(task.assignee_id or 0), due=task.due)
            )
    return rows


def _write_tasks(briefing: Briefing, tasks: Sequence[TaskData]) -> None:
    BriefingTask.objects.bulk_create(_task_rows(briefing, tasks))


def _replace_keeping_cases[T: (BriefingTask, Checkin)](
    stored: QuerySet[T], rows: list[T], key: Callable[[T], object], also: Sequence[str] = ()
) -> None:
    """An edit's tasks or check-ins in place of the stored ones: a stored row the edit names again
    (same `key`) stays, with its case (its `also` fields take the edit's values); a stored row
    with a case stays even when the edit leaves it out, for an edit cannot undo a filed case; the
    other stored rows go and the new rows are written."""
    unmatched: dict[object, list[T]] = {}
    for row in stored:
        unmatched.setdefault(key(row), []).append(row)
    new = []
    for row in rows:
        same = unmatched.get(key(row))
        if not same:
            new.append(row)
            continue
        kept = same.pop(0)
        if any(getattr(kept, name) != getattr(row, name) for name in also):
            for name in also:
                setattr(kept, name, getattr(row, name))
            kept.save(update_fields=list(also))
    gone = [row.pk for rows_left in unmatched.values() for row in rows_left if row.case_id is None]
    if gone:
        stored.model._default_manager.filter(pk__in=gone).delete()
    stored.model._default_manager.bulk_create(new)


def record_briefing(
    acting_user: User,
    *,
    uuid: uuidlib.UUID,
    grid: AreaNode,
    date: dt.date,
    attendees: Iterable[int] = (),
    matters: str = "",
    tasks: Sequence[TaskData] = (),
    updated_at: dt.datetime | None = None,
) -> tuple[Briefing, bool]:
    """The grid's briefing of `date`, stored once per uuid: (the briefing, whether it was created
    now). Sending a stored uuid again changes nothing. `updated_at` is the time of the edit (the
    phone's), now by default."""
    existing = _stored(Briefing, acting_user, uuid)
    if existing is not None:
        return existing, False
    _check_recorder(acting_user, _grid(grid))
    matters = _text(matters)
    people = _district_users(grid.district_id or 0, attendees)

    def write() -> Briefing:
        briefing = Briefing.objects.create(
            uuid=uuid,
            **_ancestors(grid),
            recorded_by=acting_user,
            updated_by=acting_user,
            updated_at=_aware(updated_at) if updated_at is not None else timezone.now(),
            date=date,
            matters=matters,
        )
        briefing.attendees.set(people.values())
        _write_tasks(briefing, tasks)
        return briefing

    return _create_once(Briefing, acting_user, uuid, write)


class _HasCase(Exception):
    """Raised inside the filing's transaction when the record got its case from another call."""


def _case_once(model: type[BriefingTask | Checkin | Visit], pk: int, file: Callable[..., Case]) -> Case:
    """The case of a task, check-in or visit, filed once: the stored one if it has one (read from
    the database, not from a possibly stale object); else `file(with_case=link)`, where `link`
    sets the case only while the record has none. When two calls race, the one that links first
    wins and the other's case is rolled back; it answers the winner's."""
    stored = model._default_manager.filter(pk=pk).values_list("case_id", flat=True)
    case_id = stored.get()
    if case_id is not None:
        return Case.objects.get(pk=case_id)

    def link(case: Case) -> None:
        if not model._default_manager.filter(pk=pk, case__isnull=True).update(case=case):
            raise _HasCase

    try:
        return file(with_case=link)
    except _HasCase:
        return Case.objects.get(pk=stored.get())


def raise_case_from_task(
    acting_user: User, task: BriefingTask, category: Category, building: AreaNode, description: str = ""
) -> Case:
    """A task given at a briefing filed as a case (channel `patrol`) at a building of the
    briefing's grid, described by the task's text unless given; the task keeps the case, and a
    second call answers it (`_case_once`: also with a stale `task`, or when two calls race)."""
    briefing = Briefing.objects.select_related("grid", "district").get(pk=task.briefing_id)
    _check_recorder(acting_user, briefing.grid)

    def file(with_case: Callable[[Case], None]) -> Case:
        if building.level != Level.BUILDING or building.grid_id != briefing.grid_id:
            raise DomainError(FieldworkError.PLACE_OUTSIDE_GRID, _("Choose a building of the briefing's grid."))
        return file_case(
            acting_user,
            district=briefing.district,
            category=category,
            channel=Channel.PATROL,
            description=description or task.text,
            building=building,
            with_case=with_case,
        )

    task.case = _case_once(BriefingTask, task.pk, file)
    return task.case


# --- patrols ------------------------------------------------------------------------------------


def _checkin_rows(patrol: Patrol, checkins: Sequence[CheckinData]) -> list[Checkin]:
    """The check-ins as rows; `checkin_outside_grid` for a building or point not in the grid."""
    wanted = {c.building_id for c in checkins if c.building_id is not None}
    inside = set(
        AreaNode.objects.filter(pk__in=wanted, level=Level.BUILDING, grid_id=patrol.grid_id).values_list(
            "pk", flat=True
        )
    )
    rows = []
    for checkin in checkins:
        if checkin.building_id is None and (checkin.lng is None or checkin.lat is None):
            raise DomainError(FieldworkError.CHECKIN_PLACE_REQUIRED, _("Each check-in names a building or a point."))
        if checkin.building_id is not None:
            if checkin.building_id not in inside:
                raise DomainError(
                    FieldworkError.CHECKIN_OUTSIDE_GRID,
                    _("A building checked on a patrol must lie in the patrol's grid."),
                )
        else:
            assert checkin.lng is not None and checkin.lat is not None
            check_coordinates(checkin.lng, checkin.lat)
            if grid_index().locate(checkin.lng, checkin.lat) != patrol.grid_id:
                raise DomainError(
                    FieldworkError.CHECKIN_OUTSIDE_GRID, _("A point checked on a patrol must lie in the patrol's grid.")
                )
        rows.append(
            Checkin(
                patrol=patrol,
                building_id=checkin.building_id,
                lng=checkin.lng if checkin.building_id is None else None,
                lat=checkin.lat if checkin.building_id is None else None,
                at=_aware(checkin.at),
                note=_text(checkin.note),
            )
        )
    return rows


def _check_times(started_at: dt.datetime, finished_at: dt.datetime | None) -> None:
    if finished_at is not None and finished_at < started_at:
        raise DomainError(FieldworkError.FINISHED_BEFORE_STARTED, _("A patrol cannot finish before it starts."))


def record_patrol(
    acting_user: User,
    *,
    uuid: uuidlib.UUID,
    grid: AreaNode,
    started_at: dt.datetime,
    finished_at: dt.datetime | None = None,
    checkins: Sequence[CheckinData] = (),
    findings: str = "",
    updated_at: dt.datetime | None = None,
) -> tuple[Patrol, bool]:
    """A patrol of the grid with the places checked, stored once per uuid: (the patrol, whether
    it was created now). Only the check-ins given are stored: no trail between them."""
    existing = _stored(Patrol, acting_user, uuid)
    if existing is not None:
        return existing, False
    _check_recorder(acting_user, _grid(grid))
    started_at = _aware(started_at)
    finished_at = _aware(finished_at) if finished_at is not None else None
    _check_times(started_at, finished_at)
    findings = _text(findings)

    def write() -> Patrol:
        patrol = Patrol.objects.create(
            uuid=uuid,
            **_ancestors(grid),
            recorded_by=acting_user,
            updated_by=acting_user,
            updated_at=_aware(updated_at) if updated_at is not None else timezone.now(),
            date=timezone.localdate(started_at),
            started_at=started_at,
            finished_at=finished_at,
            findings=findings,
        )
        Checkin.objects.bulk_create(_checkin_rows(patrol, checkins))
        return patrol

    return _create_once(Patrol, acting_user, uuid, write)


def add_checkin(acting_user: User, patrol: Patrol, checkin: CheckinData) -> Checkin:
    """One more place checked on a patrol in progress (the phone pages check in as they go); the
    patrol's edit time moves on. A finished patrol takes no check-in (`patrol_finished`)."""
    _check_recorder(acting_user, AreaNode.objects.get(pk=patrol.grid_id))
    with transaction.atomic():
        patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if patrol.finished_at is not None:
            raise DomainError(FieldworkError.PATROL_FINISHED, _("This patrol is finished; start another one."))
        (row,) = _checkin_rows(patrol, [checkin])
        row.save()
        patrol.updated_at, patrol.updated_by = max(timezone.now(), patrol.updated_at), acting_user
        patrol.save(update_fields=["updated_at", "updated_by"])
        return row


def raise_case_from_checkin(
    acting_user: User, checkin: Checkin, category: Category, description: str, photo: BinaryIO | None = None
) -> Case:
    """A problem found at a check-in, filed as a case in one step: the place is the check-in's
    building or point, the channel `patrol`, the photo attached. The check-in keeps the case; a
    second call for the same check-in answers that case (`_case_once`)."""
    patrol = Patrol.objects.select_related("grid", "district").get(pk=checkin.patrol_id)
    _check_recorder(acting_user, patrol.grid)
    building = AreaNode.objects.get(pk=checkin.building_id) if checkin.building_id is not None else None
    checkin.case = _case_once(
        Checkin,
        checkin.pk,
        functools.partial(
            file_case,
            acting_user,
            district=patrol.district,
            category=category,
            channel=Channel.PATROL,
            description=description,
            lng=checkin.lng if building is None else None,
            lat=checkin.lat if building is None else None,
            building=building,
            photos=[photo] if photo is not None else [],
        ),
    )
    return checkin.case


# --- visits -------------------------------------------------------------------------------------


def record_visit(
    acting_user: User,
    *,
    uuid: uuidlib.UUID,
    household: AreaNode,
    visited_at: dt.datetime,
    met: str = "",
    needs: str = "",
    note: str = "",
    flags: Iterable[str] = (),
    changes: Iterable[str] = (),
    updated_at: dt.datetime | None = None,
) -> tuple[Visit, bool]:
    """A visit to a household, stored once per uuid: (the visit, whether it was created now).
    `needs` and `note` are stored encrypted. Flags (`VisitFlag`) are announced to the
    assistance database by `signals.visit_flagged` once the visit is committed. A new visit
    tells the in-service members responsible for the household, with the visit
    (`notices.tell_members`: no sensitive fact in the notice); a replayed uuid tells nobody."""
    existing = _stored(Visit, acting_user, uuid)
    if existing is not None:
        return existing, False
    if household.level != Level.HOUSEHOLD or household.grid_id is None:
        raise DomainError(FieldworkError.NOT_A_HOUSEHOLD, _("Choose a household."))
    grid = AreaNode.objects.get(pk=household.grid_id)
    _check_recorder(acting_user, grid)
    kept_flags = _choices(flags, VisitFlag)
    kept_changes = _choices(changes, HouseholdChange)
    met, needs, note = _text(met, MAX_MET), _text(needs), _text(note)

    def write() -> Visit:
        pk = reserve_ids(Visit, 1)[0]
        visit = Visit.objects.create(
            pk=pk,
            uuid=uuid,
            **_ancestors(grid),
            recorded_by=acting_user,
            updated_by=acting_user,
            updated_at=_aware(updated_at) if updated_at is not None else timezone.now(),
            household=household,
            visited_at=_aware(visited_at),
            met=met,
            needs_encrypted=_seal(Visit, "needs_encrypted", pk, needs),
            note_encrypted=_seal(Visit, "note_encrypted", pk, note),
            flags=kept_flags,
            changes=kept_changes,
        )
        notices.tell_members(visit, household, has_needs=bool(needs))
        if kept_flags:
            transaction.on_commit(lambda: visit_flagged.send(sender=Visit, visit=visit, flags=kept_flags))
        return visit

    return _create_once(Visit, acting_user, uuid, write)


def _seal(model: type[Visit], field: str, pk: int, text: str) -> bytes | None:
    return encrypt(text, bound_to(model, field, pk)) if text else None


def visit_text(visit: Visit) -> dict[str, str]:
    """The visit's needs and note in clear, for its read by someone who may record it."""
    return {"needs": decrypt_field(visit, "needs_encrypted"), "note": decrypt_field(visit, "note_encrypted")}


def reveal_visit(acting_user: User, visit: Visit, reason: str, ip_address: str | None = None) -> dict[str, str]:
    """The visit's needs and note in clear, for a stated reason: an audit row
    (`visit_revealed`, the reason and the fields, never the values). 404 without a personal-data
    role over the visit's grid; 403 `second_factor_required` when the policy asks for a second
    factor this session has not verified; 400 `reveal_reason_required` without a reason."""
    grid = AreaNode.objects.get(pk=visit.grid_id)
    if not has_role_over(acting_user, grid, *PERSONAL_DATA_ROLES):
        raise _not_found()
    second_factor.require_verified(acting_user)
    text = audit.require_reason(reason)
    clear = visit_text(visit)
    audit.record(
        acting_user,
        AuditAction.VISIT_REVEALED,
        obj=visit,
        district_id=visit.district_id,
        ip_address=ip_address,
        detail={"reason": text, "fields": ["needs", "note"]},
    )
    return clear


# The registry status a visit's change corrects, and the change that allows it.
REGISTRY_STATUS_OF_CHANGE = {
    HouseholdChange.MOVED_OUT: PersonStatus.MOVED_AWAY,
    HouseholdChange.DEATH: PersonStatus.DECEASED,
}


def not_a_household_member() -> DomainError:
    return DomainError(
        FieldworkError.NOT_A_HOUSEHOLD_MEMBER, _("Choose a person registered as a member of the visited household.")
    )


def correct_registry_from_visit(acting_user: User, visit: Visit, person: Person, status: str, on: dt.date) -> Person:
    """Mark a member of the visited household as moved away or deceased from `on`, as the visit
    found (it recorded `moved_out` or `death`): through the registry's audited correction
    (`people.actions.rights.correct_person`), with a reason naming the visit, e.g.
    "走访 2026-12-07：迁出". 400 `change_not_recorded` when the visit recorded no such change,
    `not_a_household_member` for a person who is not a member of the household; 404 without a
    personal-data role over the person."""
    _check_recorder(acting_user, AreaNode.objects.get(pk=visit.grid_id))
    change = next((c for c, s in REGISTRY_STATUS_OF_CHANGE.items() if s == status), None)
    if change is None or change not in visit.changes:
        raise DomainError(
            FieldworkError.CHANGE_NOT_RECORDED,
            _("The registry is corrected from a visit only for a move or a death the visit recorded."),
        )
    if not HouseholdMember.objects.filter(household_id=visit.household_id, person_id=person.pk).exists():
        raise not_a_household_member()
    reason = _("Visit of %(date)s: %(change)s") % {
        "date": f"{timezone.localdate(visit.visited_at):%Y-%m-%d}",
        "change": HouseholdChange(change).label,
    }
    return correct_person(acting_user, person, {"status": status, "status_changed_on": on}, reason)


def raise_case_from_visit(acting_user: User, visit: Visit, category: Category, description: str) -> Case:
    """A problem met on a visit filed as a case (channel `visit`) at the household's building;
    the visit keeps the case, and a second call answers it (`_case_once`)."""
    _check_recorder(acting_user, visit.grid)
    household = AreaNode.objects.select_related("district").get(pk=visit.household_id)
    assert household.building_id is not None
    building = AreaNode.objects.get(pk=household.building_id)
    visit.case = _case_once(
        Visit,
        visit.pk,
        functools.partial(
            file_case,
            acting_user,
            district=household.district,
            category=category,
            channel=Channel.VISIT,
            description=description,
            building=building,
        ),
    )
    return visit.case


# --- edits: the later one wins, the other is kept -----------------------------------------------


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot(record: FieldRecord) -> dict[str, Any]:
    """The editable content of a record as a JSON document (what `RecordVersion` keeps)."""
    if isinstance(record, Briefing):
        return {
            "matters": record.matters,
            "attendees": sorted(record.attendees.values_list("pk", flat=True)),
            "tasks": [
                {"text": t.text, "assignee": t.assignee_id, "due": _iso(t.due)}
                for t in record.tasks.order_by("id")  # type: ignore[attr-defined]
            ],
        }
    if isinstance(record, Patrol):
        return {
            "finished_at": _iso(record.finished_at),
            "findings": record.findings,
            "checkins": [
                {"building": c.building_id, "lng": c.lng, "lat": c.lat, "at": _iso(c.at), "note": c.note}
                for c in record.checkins.order_by("at", "id")  # type: ignore[attr-defined]
            ],
        }
    assert isinstance(record, Visit)
    return {"met": record.met, **visit_text(record), "flags": record.flags, "changes": record.changes}


def _kind(record: FieldRecord) -> RecordKind:
    return {Briefing: RecordKind.BRIEFING, Patrol: RecordKind.PATROL, Visit: RecordKind.VISIT}[type(record)]


def _keep_version(record: FieldRecord, data: dict[str, Any], edited_at: dt.datetime, edited_by: User | None) -> None:
    pk = reserve_ids(RecordVersion, 1)[0]
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    RecordVersion.objects.create(
        pk=pk,
        district_id=record.district_id,
        kind=_kind(record),
        record_id=record.pk,
        data_encrypted=encrypt(text, bound_to(RecordVersion, "data_encrypted", pk)),
        edited_at=edited_at,
        edited_by=edited_by,
    )


def version_data(version: RecordVersion) -> dict[str, Any]:
    """The content a kept version holds, in clear."""
    return dict(json.loads(decrypt_field(version, "data_encrypted")))


def _apply(record: FieldRecord, data: dict[str, Any]) -> None:
    """Write `data` (the shape of `snapshot`, any subset of its keys) over the record."""
    if isinstance(record, Briefing):
        if "matters" in data:
            record.matters = _text(data["matters"])
        if "attendees" in data:
            record.attendees.set(_district_users(record.district_id, data["attendees"]).values())
        if "tasks" in data:
            tasks = [TaskData(t["text"], t.get("assignee"), _date(t.get("due"))) for t in data["tasks"]]
            _replace_keeping_cases(
                record.tasks.all(),  # type: ignore[attr-defined]
                _task_rows(record, tasks),
                lambda t: (t.text, t.assignee_id, t.due),
            )
    elif isinstance(record, Patrol):
        if "finished_at" in data:
            finished = data["finished_at"]
            record.finished_at = _aware(_datetime(finished)) if finished else None
            _check_times(record.started_at, record.finished_at)
        if "findings" in data:
            record.findings = _text(data["findings"])
        if "checkins" in data:
            rows = _checkin_rows(
                record,
                [
                    CheckinData(
                        at=_datetime(c["at"]),
                        building_id=c.get("building"),
                        lng=c.get("lng"),
                        lat=c.get("lat"),
                        note=c.get("note", ""),
                    )
                    for c in data["checkins"]
                ],
            )
            _replace_keeping_cases(
                record.checkins.all(),  # type: ignore[attr-defined]
                rows,
                lambda c: (c.building_id, c.lng, c.lat, c.at),
                also=("note",),
            )
    elif isinstance(record, Visit):
        if "met" in data:
            record.met = _text(data["met"], MAX_MET)
        for name in ("needs", "note"):
            if name in data:
                setattr(record, f"{name}_encrypted", _seal(Visit, f"{name}_encrypted", record.pk, _text(data[name])))
        if "flags" in data:
            record.flags = _choices(data["flags"], VisitFlag)
        if "changes" in data:
            record.changes = _choices(data["changes"], HouseholdChange)


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _datetime(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def edit_record[R: FieldRecord](
    acting_user: User, record: R, data: dict[str, Any], edited_at: dt.datetime
) -> tuple[R, bool]:
    """An edit of `record` made at `edited_at` (on the phone or here): the later of it and the
    stored version wins, and the other is kept in `RecordVersion`, so neither is silently lost.
    `data` has the keys of `snapshot` that changed. Returns (the record, whether the edit won).
    An edit of the same moment as the stored one changes nothing and keeps nothing."""
    _check_recorder(acting_user, AreaNode.objects.get(pk=record.grid_id))
    edited_at = _aware(edited_at)
    with transaction.atomic():
        record = type(record)._default_manager.select_for_update().get(pk=record.pk)
        if edited_at == record.updated_at:
            return record, False
        if edited_at < record.updated_at:
            _keep_version(record, {**snapshot(record), **data}, edited_at, acting_user)
            return record, False
        _keep_version(record, snapshot(record), record.updated_at, record.updated_by)
        flagged_before = set(record.flags) if isinstance(record, Visit) else set()
        _apply(record, data)
        record.updated_at = edited_at
        record.updated_by = acting_user
        record.save()
        if isinstance(record, Visit) and set(record.flags) - flagged_before:
            visit, flags = record, list(record.flags)
            transaction.on_commit(lambda: visit_flagged.send(sender=Visit, visit=visit, flags=flags))
        return record, True


# --- settings -----------------------------------------------------------------------------------


def set_patrols_per_day(acting_user: User, district: AreaNode, patrols: int) -> FieldworkSettings:
    """The patrols each grid of the district owes per working day (0 to 6; the default is 2).
    Only the district's administrator sets it."""
    if district.level != Level.DISTRICT or not queries.can_read(acting_user, district):
        raise _not_found()
    if not has_role_over(acting_user, district, Role.DISTRICT_ADMIN):
        raise DomainError(
            FieldworkError.FIELDWORK_FORBIDDEN, _("Only the district's administrators record field work settings.")
        )
    if not 0 <= patrols <= MAX_PATROLS_PER_DAY:
        raise DomainError(
            FieldworkError.PATROLS_PER_DAY_INVALID,
            _("A grid owes 0 to %(max)d patrols per working day.") % {"max": MAX_PATROLS_PER_DAY},
        )
    with transaction.atomic():
        found, _created = FieldworkSettings.objects.select_for_update().get_or_create(district=district)
        before = found.patrols_per_day
        found.patrols_per_day = patrols
        found.save()
        audit.record(
            acting_user,
            AuditAction.ORG_SETTINGS_CHANGED,
            obj=found,
            district_id=district.pk,
            detail={"patrols_per_day": [before, patrols]},
        )
    return found
