"""Every change to a case goes through these functions: filing, each step of the workflow,
co-handling, extensions, urging, supervision, return visits and the overdue sweep.

Each action runs in one transaction, locks the case row, refuses a stale `version` (someone
else acted meanwhile), checks the transition against `workflow.TRANSITIONS`, writes the
timeline event and leaves notifications to be sent after commit.
"""

import datetime as dt
import math
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.models import User
from wangge.areas.locate import locate_grid
from wangge.areas.models import AreaNode, Level
from wangge.cases import events
from wangge.cases.mail import send_case_email
from wangge.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseSequence,
    Category,
    Channel,
    CoHandling,
    CoHandlingState,
    Extension,
    ExtensionState,
    HandlingUnit,
    Notification,
    QuestionType,
    ReturnVisit,
    Satisfaction,
    Supervision,
    SupervisionLevel,
    SupervisionParty,
)
from wangge.cases.queries import compute_due_at, route
from wangge.cases.workflow import EXTENSION_STATES, OPEN_STATES, State, check
from wangge.lib.crypto import bound_to, decrypt_field, encrypt
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import mask_phone
from wangge.lib.images import clean_image
from wangge.lib.rowids import reserve_ids

MAX_DESCRIPTION = 4000


# --- helpers --------------------------------------------------------------------------------


def _locked(case: Case, version: int | None) -> Case:
    """The case row locked for this transaction; a stale `version` is refused."""
    current = Case.objects.select_for_update().select_related("category").get(pk=case.pk)
    if version is not None and current.version != version:
        raise DomainError(
            "stale_version",
            _("Someone else changed this case meanwhile. Reload it and try again."),
            status=409,
        )
    return current


def _move(case: Case, actor: User | None, name: str, *, note: str = "", **details: Any) -> None:
    """Take the step `name` (409 unless the case's state allows it), with its timeline event."""
    transition = check(case.state, name)
    events.transition(case, actor, transition, note=note, **details)
    case.state = transition.target


def _save(case: Case, *fields: str) -> None:
    case.version = F("version") + 1  # type: ignore[assignment]
    case.save(update_fields=["state", "version", "updated_at", *fields])
    case.refresh_from_db(fields=["version"])


def _notify(users: Iterable[User], case: Case, text: str) -> None:
    """In-app notices now; e-mail copies through the task queue once the transaction commits."""
    recipients = {u.pk: u for u in users if u is not None}
    if not recipients:
        return
    Notification.objects.bulk_create([Notification(user=u, case=case, text=text) for u in recipients.values()])
    ids = [u.pk for u in recipients.values() if u.email]
    if ids:
        transaction.on_commit(lambda: send_case_email.enqueue(ids, case.number, text))


def mark_notifications_read(acting_user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (all of them, or those of `ids`); how many."""
    unread = Notification.objects.filter(user=acting_user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def _unit_staff(unit: HandlingUnit | None) -> list[User]:
    return list(unit.users.all()) if unit is not None else []


_REQUIRED_TEXT = {
    "reason_required": gettext_lazy("Please give a reason."),
    "result_required": gettext_lazy("Please describe the result."),
    "task_required": gettext_lazy("Please describe the co-handling task."),
    "supervising_body_required": gettext_lazy("Please name the supervising body."),
}


def _require_reason(text: str, code: str) -> str:
    if not text.strip():
        raise DomainError(code, _REQUIRED_TEXT[code])
    return text.strip()


# --- filing ---------------------------------------------------------------------------------


_NEXT_NUMBER_SQL = """
    INSERT INTO {table} (district_id, day, last) VALUES (%s, %s, 1)
    ON CONFLICT (district_id, day) DO UPDATE SET last = {table}.last + 1
    RETURNING last
"""


def _take_number(district: AreaNode, day: dt.date) -> str:
    """The next number of the district's day, taken by one statement of its own (an upsert with
    RETURNING, on SQLite and PostgreSQL alike, committed at once outside a transaction) before
    the filing's transaction: the counter's row is locked only for that moment, not until the
    filing commits, so filings of a district do not queue on it. Numbers are never given twice;
    a filing that fails after taking its number (a database error, a photo that cannot be
    stored) leaves that number unused."""
    with connection.cursor() as cursor:
        cursor.execute(
            _NEXT_NUMBER_SQL.format(table=connection.ops.quote_name(CaseSequence._meta.db_table)),
            [district.pk, connection.ops.adapt_datefield_value(day)],
        )
        (last,) = cursor.fetchone()
    return f"{district.code}-{day:%Y%m%d}-{last:04d}"


def _clean_answers(category: Category, answers: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for question in category.questions.all():
        value = answers.get(question.code)
        if value in (None, "", []):
            if question.required:
                raise DomainError("answer_required", _("Please answer “%(question)s”.") % {"question": question.label})
            continue
        keys = {c["key"] for c in question.choices}
        try:
            if question.datatype == QuestionType.NUMBER:
                value = float(value)  # OverflowError for an integer past any float
                if not math.isfinite(value):  # NaN, or a number past any float given as text
                    raise ValueError
            elif question.datatype == QuestionType.DATE:
                value = dt.date.fromisoformat(str(value)).isoformat()
            elif question.datatype == QuestionType.SINGLE:
                if str(value) not in keys:
                    raise ValueError
                value = str(value)
            elif question.datatype == QuestionType.MULTIPLE:
                values = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
                if not set(values) <= keys:
                    raise ValueError
                value = values
            else:
                value = str(value)[:1000]
        except (TypeError, ValueError, OverflowError):
            raise DomainError(
                "answer_invalid", _("The answer to “%(question)s” is not valid.") % {"question": question.label}
            ) from None
        cleaned[question.code] = value
    return cleaned


def file_case(
    acting_user: User | None,
    *,
    district: AreaNode,
    category: Category,
    channel: str,
    description: str,
    lng: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    address: str = "",
    building: AreaNode | None = None,
    reporter_name: str = "",
    reporter_contact: str = "",
    answers: dict[str, Any] | None = None,
    photos: Iterable[Any] = (),
    with_case: Callable[[Case], object] | None = None,
) -> Case:
    """A new case in state `reported`, with its number and its grid (from point, building or
    address), and its photos (all checked before anything is written). `with_case` writes the
    caller's own rows about the case (Open311's request) in the same transaction; a caller
    must not wrap the filing in a transaction of its own, or the case number's counter stays
    locked until that one commits."""
    if category.district_id != district.pk or not category.active or category.parent_id is None:
        raise DomainError("unknown_category", _("Choose one of the platform's case categories."))
    if channel not in Channel.values:
        raise DomainError("unknown_channel", _("Unknown channel."))
    description = description.strip()
    if not description:
        raise DomainError("description_required", _("Please describe the problem."))
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            "description_too_long",
            _("The description is too long: at most %(max)d characters.") % {"max": MAX_DESCRIPTION},
        )
    grid: AreaNode | None = None
    if lng is not None and lat is not None:
        grid = locate_grid(lng, lat, crs)
        from wangge.lib.geo import to_wgs84

        lng, lat = to_wgs84(lng, lat, crs)
    elif building is None and address.strip():
        building = AreaNode.objects.filter(district=district, level=Level.BUILDING, address=address.strip()).first()
        if building is None:
            raise DomainError("address_unknown", _("This address is not known; pick the place on the map instead."))
    if building is not None:
        if building.level != Level.BUILDING or building.district_id != district.pk:
            raise DomainError("not_a_building", _("Choose a building of this district."))
        grid = grid or AreaNode.objects.select_related("community").get(pk=building.grid_id or 0)
        if lng is None and building.lng is not None:
            lng, lat = building.lng, building.lat
    if grid is None:
        raise DomainError("location_required", _("Give the place: a point on the map, a building or an address."))
    if grid.district_id != district.pk:
        raise DomainError("outside_district", _("This place lies outside the district."))
    cleaned = _clean_answers(category, answers or {})
    images = [clean_image(photo) for photo in photos]
    number = _take_number(district, timezone.localdate())
    contact = reporter_contact.strip()
    with transaction.atomic():
        # The contact is encrypted bound to the case's row: its id is reserved first.
        pk = reserve_ids(Case, 1)[0] if contact else None
        sealed_contact = encrypt(contact, bound_to(Case, "reporter_contact_encrypted", pk)) if contact else None
        case = Case.objects.create(
            pk=pk,
            district=district,
            number=number,
            category=category,
            channel=channel,
            description=description,
            answers=cleaned,
            lng=lng,
            lat=lat,
            address=address.strip(),
            building=building,
            community=grid.community,
            grid=grid,
            reporter=acting_user if channel in (Channel.WEB, Channel.API) and acting_user else None,
            reporter_name=reporter_name.strip()[:100],
            reporter_contact_encrypted=sealed_contact,
            reporter_contact_masked=mask_phone(contact) if contact else "",
            filed_by=acting_user if acting_user and acting_user.is_authenticated else None,
        )
        event = events.filed(case, acting_user, channel=channel)
        for image in images:
            _store_photo(acting_user, case, image, public=True, event=event)
        if with_case is not None:
            with_case(case)
    return case


# --- the workflow -----------------------------------------------------------------------------


def accept(acting_user: User, case: Case, *, version: int | None = None, note: str = "") -> Case:
    """受理挂牌: start the clock (deadline from the category's time limit) and route the case."""
    with transaction.atomic():
        case = _locked(case, version)
        _move(case, acting_user, "accept", note=note)
        case.accepted_at = timezone.now()
        case.due_at = compute_due_at(case.category, case.accepted_at, case.district_id)
        case.unit = route(case)
        events.routed(case, acting_user, case.unit)
        _save(case, "accepted_at", "due_at", "unit")
    return case


def reject(acting_user: User, case: Case, *, reason: str, version: int | None = None) -> Case:
    reason = _require_reason(reason, "reason_required")
    with transaction.atomic():
        case = _locked(case, version)
        _move(case, acting_user, "reject", note=reason)
        case.closed_at = timezone.now()
        _save(case, "closed_at")
        _notify(
            [case.reporter] if case.reporter else [],
            case,
            _("Your report %(number)s was not accepted.") % {"number": case.number},
        )
    return case


def dispatch(acting_user: User, case: Case, *, unit: HandlingUnit | None = None, version: int | None = None) -> Case:
    """派遣 to the routed unit, or to another one the dispatcher picks."""
    with transaction.atomic():
        case = _locked(case, version)
        target = unit or case.unit or route(case)
        if target.district_id != case.district_id:
            raise DomainError("unit_outside_district", _("Choose a unit of this district."))
        _move(case, acting_user, "dispatch", unit=target.pk, unit_name=target.name)
        case.unit = target
        _save(case, "unit")
        _notify(_unit_staff(target), case, _("Case %(number)s was dispatched to you.") % {"number": case.number})
    return case


def _simple(name: str, *, reason_code: str | None = None) -> Any:
    def action(acting_user: User, case: Case, *, version: int | None = None, note: str = "") -> Case:
        if reason_code:
            _require_reason(note, reason_code)
        with transaction.atomic():
            case = _locked(case, version)
            _move(case, acting_user, name, note=note.strip())
            _save(case)
        return case

    action.__name__ = name
    return action


start = _simple("start")
hold = _simple("hold", reason_code="reason_required")
resume = _simple("resume")


def return_to_dispatch(acting_user: User, case: Case, *, reason: str, version: int | None = None) -> Case:
    """退回: the unit says the case is not theirs; dispatch routes it again."""
    reason = _require_reason(reason, "reason_required")
    with transaction.atomic():
        case = _locked(case, version)
        _move(case, acting_user, "return_to_dispatch", note=reason, unit=case.unit_id)
        from wangge.cases.queries import dispatch_unit

        case.unit = dispatch_unit(case.district_id)
        _save(case, "unit")
    return case


def handle(acting_user: User, case: Case, *, result: str, version: int | None = None) -> Case:
    """办结: needs every co-handler finished or released."""
    result = _require_reason(result, "result_required")
    with transaction.atomic():
        case = _locked(case, version)
        check(case.state, "handle")
        if case.co_handlings.filter(state=CoHandlingState.OPEN).exists():
            raise DomainError("co_handlers_open", _("Co-handling units are still working on this case."), status=409)
        _move(case, acting_user, "handle", note=result)
        case.handled_at = timezone.now()
        _save(case, "handled_at")
    return case


def verify(acting_user: User, case: Case, *, passed: bool, note: str = "", version: int | None = None) -> Case:
    """核查: passed → verified (closed off at once when no return visit is needed); failed → back to the unit."""
    with transaction.atomic():
        case = _locked(case, version)
        if passed:
            _move(case, acting_user, "verify", note=note)
            if not case.category.return_visit_required:
                _move(case, acting_user, "close")
                case.closed_at = timezone.now()
            _save(case, "closed_at")
        else:
            _require_reason(note, "reason_required")
            _move(case, acting_user, "send_back", note=note)
            _save(case)
            _notify(
                _unit_staff(case.unit),
                case,
                _("Case %(number)s was sent back after checking.") % {"number": case.number},
            )
    return case


def record_visit(
    acting_user: User, case: Case, *, result: str, comment: str = "", by_phone: bool = False, version: int | None = None
) -> Case:
    """回访: satisfied or basically satisfied → closed off; unsatisfied → reopened where the category says so."""
    if result not in Satisfaction.values:
        raise DomainError("unknown_satisfaction", _("Choose satisfied, basically satisfied or unsatisfied."))
    with transaction.atomic():
        case = _locked(case, version)
        _move(case, acting_user, "record_visit", note=comment, result=result, by_phone=by_phone)
        ReturnVisit.objects.create(
            case=case,
            by=acting_user,
            by_phone=by_phone,
            result=result,
            comment=comment.strip(),
            unit=case.unit,
            grid=case.grid,
            category=case.category,
        )
        if result == Satisfaction.UNSATISFIED and case.category.reopen_when_unsatisfied:
            _move(case, acting_user, "reopen", note=comment)
            case.handled_at = None
            _notify(
                _unit_staff(case.unit),
                case,
                _("Case %(number)s was reopened after an unsatisfied return visit.") % {"number": case.number},
            )
        else:
            _move(case, acting_user, "close")
            case.closed_at = timezone.now()
        _save(case, "handled_at", "closed_at")
    return case


def close(acting_user: User, case: Case, *, version: int | None = None, note: str = "") -> Case:
    """销号 after a return visit recorded without closing (kept for staff who close by hand)."""
    with transaction.atomic():
        case = _locked(case, version)
        if case.state == State.VERIFIED and case.category.return_visit_required:
            raise DomainError(
                "return_visit_required", _("This category needs a return visit before closing."), status=409
            )
        _move(case, acting_user, "close", note=note)
        case.closed_at = timezone.now()
        _save(case, "closed_at")
    return case


def merge(acting_user: User, duplicate: Case, *, into: Case, version: int | None = None) -> Case:
    """Merge a duplicate report into an open case; its reporter follows the surviving case."""
    if duplicate.pk == into.pk or into.state not in OPEN_STATES or into.district_id != duplicate.district_id:
        raise DomainError("merge_target_invalid", _("Merge into another open case of this district."))
    with transaction.atomic():
        duplicate = _locked(duplicate, version)
        _move(duplicate, acting_user, "merge", into=into.number)
        duplicate.merged_into = into
        duplicate.closed_at = timezone.now()
        _save(duplicate, "merged_into", "closed_at")
        events.merged(into, acting_user, duplicate=duplicate)
        _notify(
            [duplicate.reporter] if duplicate.reporter else [],
            duplicate,
            _("Your report %(number)s is handled together with %(other)s.")
            % {"number": duplicate.number, "other": into.number},
        )
    return duplicate


# --- re-routing -----------------------------------------------------------------------------


def change_category(acting_user: User, case: Case, *, category: Category, version: int | None = None) -> Case:
    """A new category re-applies the routing rules (and the time limit, when not yet accepted)."""
    if category.district_id != case.district_id or category.parent_id is None:
        raise DomainError("unknown_category", _("Choose one of the platform's case categories."))
    with transaction.atomic():
        case = _locked(case, version)
        if case.state not in (State.REPORTED, State.ACCEPTED, State.RETURNED):
            raise DomainError(
                "too_late_to_reclassify", _("The category can only change before the case is dispatched."), status=409
            )
        old = case.category
        case.category = category
        events.note(
            case, acting_user, _("Category changed from %(old)s to %(new)s.") % {"old": old.name, "new": category.name}
        )
        if case.state != State.REPORTED:
            case.unit = route(case)
            events.routed(case, acting_user, case.unit)
        _save(case, "category", "unit")
    return case


# --- coordination ---------------------------------------------------------------------------


def add_co_handler(
    acting_user: User, case: Case, *, unit: HandlingUnit, task: str, days: int, version: int | None = None
) -> CoHandling:
    """多方协调: a co-handling unit with its own sub-task and time limit in working days."""
    task = _require_reason(task, "task_required")
    if days < 1:
        raise DomainError("time_limit_invalid", _("The time limit must be at least one working day."))
    with transaction.atomic():
        case = _locked(case, version)
        if case.state not in OPEN_STATES or case.state in (
            State.REPORTED,
            State.HANDLED,
            State.VERIFIED,
            State.VISITED,
        ):
            raise DomainError(
                "transition_not_allowed",
                _("Co-handling units join a case between acceptance and handling."),
                status=409,
            )
        if unit.pk == case.unit_id or unit.district_id != case.district_id:
            raise DomainError("co_handler_invalid", _("Choose another unit of this district as co-handler."))
        from wangge.calendars.queries import calendar_for

        calendar = calendar_for(case.district_id)
        local = timezone.localtime()
        due = calendar.end_of_working_day(calendar.add_working_days(local.date(), days), local.tzinfo)  # type: ignore[arg-type]
        co, created = CoHandling.objects.get_or_create(case=case, unit=unit, defaults={"task": task, "due_at": due})
        if not created:
            raise DomainError("co_handler_exists", _("This unit already co-handles the case."))
        events.co_handler_added(case, acting_user, unit=unit, task=task)
        _save(case)
        _notify(
            _unit_staff(unit), case, _("Your unit is asked to co-handle case %(number)s.") % {"number": case.number}
        )
    return co


def finish_co_handling(acting_user: User, co: CoHandling, *, result: str, released: bool = False) -> CoHandling:
    result = _require_reason(result, "result_required")
    with transaction.atomic():
        co = CoHandling.objects.select_for_update().select_related("case", "unit").get(pk=co.pk)
        if co.state != CoHandlingState.OPEN:
            raise DomainError("co_handling_closed", _("This co-handling task is already finished."), status=409)
        co.state = CoHandlingState.RELEASED if released else CoHandlingState.FINISHED
        co.result = result
        co.finished_at = timezone.now()
        co.save()
        if released:
            events.co_handler_released(co, acting_user, result=result)
        else:
            events.co_handler_finished(co, acting_user, result=result)
        Case.objects.filter(pk=co.case_id).update(version=F("version") + 1, updated_at=timezone.now())
    return co


# --- extensions -----------------------------------------------------------------------------


def request_extension(
    acting_user: User, case: Case, *, days: int, reason: str, version: int | None = None
) -> Extension:
    if not reason.strip():
        raise DomainError("extension_reason_required", _("An extension needs a reason."))
    if not 1 <= days <= 60:
        raise DomainError("extension_days_invalid", _("An extension is 1 to 60 working days."))
    with transaction.atomic():
        case = _locked(case, version)
        if case.state not in EXTENSION_STATES:
            raise DomainError(
                "transition_not_allowed", _("An extension can only be asked while the unit holds the case."), status=409
            )
        if case.extensions.filter(state=ExtensionState.REQUESTED).exists():
            raise DomainError(
                "extension_pending", _("An extension request is already waiting for a decision."), status=409
            )
        extension = Extension.objects.create(case=case, requested_by=acting_user, days=days, reason=reason.strip())
        events.extension_requested(case, acting_user, days=days, reason=reason.strip())
        _save(case)
    return extension


def decide_extension(acting_user: User, extension: Extension, *, approve: bool, note: str = "") -> Extension:
    """Approve (a new deadline from the calendar, counted from the old one) or refuse."""
    with transaction.atomic():
        extension = Extension.objects.select_for_update().get(pk=extension.pk)
        if extension.state != ExtensionState.REQUESTED:
            raise DomainError("extension_decided", _("This extension request was already decided."), status=409)
        case = _locked(extension.case, None)
        if case.state not in EXTENSION_STATES:
            raise DomainError(
                "extension_moot",
                _("The unit no longer holds this case, so its extension request cannot be decided."),
                status=409,
            )
        extension.decided_by, extension.decided_at = acting_user, timezone.now()
        if approve:
            from wangge.calendars.queries import calendar_for

            calendar = calendar_for(case.district_id)
            old = timezone.localtime(case.due_at or timezone.now())
            extension.old_due_at = case.due_at
            case.due_at = calendar.end_of_working_day(calendar.add_working_days(old.date(), extension.days), old.tzinfo)  # type: ignore[arg-type]
            extension.new_due_at = case.due_at
            case.overdue = False
            extension.state = ExtensionState.APPROVED
            events.extension_approved(case, acting_user, due_at=case.due_at, note=note)
        else:
            extension.state = ExtensionState.REFUSED
            events.extension_refused(case, acting_user, note=note)
        extension.save()
        _save(case, "due_at", "overdue")
        _notify(
            [extension.requested_by],
            case,
            _("Your extension request for %(number)s was decided.") % {"number": case.number},
        )
    return extension


# --- urging and supervision -----------------------------------------------------------------


def urge(acting_user: User, case: Case, *, note: str = "") -> None:
    """催办: a reminder to the responsible unit, recorded on the timeline."""
    if case.state not in OPEN_STATES:
        raise DomainError("case_closed", _("This case is already closed."), status=409)
    with transaction.atomic():
        events.urged(case, acting_user, note=note.strip())
        _notify(_unit_staff(case.unit), case, _("Case %(number)s has been urged.") % {"number": case.number})


_LEVEL_ORDER = {SupervisionLevel.YELLOW: 1, SupervisionLevel.RED: 2}


def supervise(acting_user: User, case: Case, *, body: str, level: str, note: str = "") -> Supervision:
    """督办: opens the case's one supervision, or joins the existing one (raising its level if asked)."""
    if level not in SupervisionLevel.values:
        raise DomainError("unknown_supervision_level", _("The supervision level is yellow or red."))
    body = _require_reason(body, "supervising_body_required")
    if case.state not in OPEN_STATES:
        raise DomainError("case_closed", _("This case is already closed."), status=409)
    with transaction.atomic():
        case = _locked(case, None)
        supervision, created = Supervision.objects.select_for_update().get_or_create(
            case=case, defaults={"district_id": case.district_id, "level": level, "opened_by": acting_user}
        )
        if not created and _LEVEL_ORDER[SupervisionLevel(level)] > _LEVEL_ORDER[SupervisionLevel(supervision.level)]:
            supervision.level = level
            supervision.save(update_fields=["level", "updated_at"])
        party, joined = SupervisionParty.objects.get_or_create(
            supervision=supervision,
            body=body,
            defaults={"user": acting_user, "joined_at": timezone.now(), "note": note},
        )
        events.supervised(case, acting_user, body=body, level=supervision.level, joined=not created, note=note)
        _notify(_unit_staff(case.unit), case, _("Case %(number)s is under supervision.") % {"number": case.number})
    return supervision


# --- the overdue sweep ----------------------------------------------------------------------


def sweep_overdue(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Mark open cases past their deadline as overdue and notify the unit.

    Each case is claimed with a compare-and-set update (`overdue` False → True), so two workers
    running at once never both act on the same case. Returns how many this call marked.
    """
    now = now or timezone.now()
    marked = 0
    candidates = list(
        Case.objects.filter(overdue=False, due_at__lte=now, state__in=OPEN_STATES)
        .exclude(state__in=[State.HANDLED, State.VERIFIED, State.VISITED])
        .values_list("pk", flat=True)[:batch]
    )
    for pk in candidates:
        with transaction.atomic():
            if not Case.objects.filter(pk=pk, overdue=False).update(overdue=True, overdue_marked_at=now):
                continue  # another worker claimed it
            case = Case.objects.select_related("unit").get(pk=pk)
            events.overdue(case)
            _notify(_unit_staff(case.unit), case, _("Case %(number)s is overdue.") % {"number": case.number})
            marked += 1
    return marked


def due_soon_threshold() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "CASE_DUE_SOON_HOURS", 24))


# --- photos ---------------------------------------------------------------------------------


def attach_photo(
    acting_user: User | None, case: Case, *, upload: Any, public: bool = True, event: CaseEvent | None = None
) -> Attachment:
    """Attach a photo: content-checked, re-encoded, metadata stripped."""
    image = clean_image(upload)
    with transaction.atomic():
        return _store_photo(acting_user, case, image, public=public, event=event)


def _store_photo(
    acting_user: User | None, case: Case, image: tuple[bytes, int, int], *, public: bool, event: CaseEvent | None
) -> Attachment:
    data, width, height = image
    attachment = Attachment(
        case=case,
        event=event,
        uploaded_by=acting_user if acting_user and acting_user.is_authenticated else None,
        width=width,
        height=height,
        size=len(data),
        public=public,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
    attachment.save()
    return attachment


# --- the reporter's contact (personal data) ---------------------------------------------------


def reveal_reporter_contact(acting_user: User, case: Case, *, reason: str, ip_address: str | None = None) -> str:
    """The reporter's contact in clear, for a stated reason, with an audit row (reason, never the
    value). Only for the staff of the unit now handling the case, or a personal-data role
    (`PERSONAL_DATA_ROLES`) over the case's area; a department sees it while the case is theirs.

    The caller loads the case in the user's scope first (404 outside it); here 403
    `reveal_not_allowed`, 400 `reveal_reason_required`, 404 `no_reporter_contact`."""
    from wangge.accounts.audit import record, require_reason
    from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction
    from wangge.cases.policy import in_area_scope, unit_ids

    if not (case.unit_id is not None and case.unit_id in unit_ids(acting_user)) and not in_area_scope(
        acting_user, case, PERSONAL_DATA_ROLES
    ):
        raise DomainError(
            "reveal_not_allowed",
            _("Only the unit handling this case may see the reporter's contact."),
            status=403,
        )
    text = require_reason(reason)
    if not case.reporter_contact_encrypted:
        raise DomainError("no_reporter_contact", _("This case has no contact of its reporter."), status=404)
    record(
        acting_user,
        AuditAction.PERSONAL_DATA_REVEALED,
        obj=case,
        district_id=case.district_id,
        ip_address=ip_address,
        detail={"reason": text, "fields": ["reporter_contact"], "unit": case.unit_id},
    )
    return decrypt_field(case, "reporter_contact_encrypted")
