"""Every Open311 answer as plain Python values, in the specification's field order; `render`
turns them into XML or JSON. Ids and codes are strings, datetimes W3C with the +08:00 offset,
lists always lists. Nothing here reads personal data: no reporter, contact, e-mail or
description of a case ever reaches an answer."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wangge.cases.models import Case, CaseEvent, Category, CategoryQuestion, EventKind, QuestionType, TimeLimitUnit
from wangge.cases.workflow import State
from wangge.lib.geo import from_wgs84
from wangge.open311.models import Open311Request
from wangge.open311.queries import CLOSED_STATES, status_of

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DATATYPES = {
    QuestionType.TEXT: "string",
    QuestionType.NUMBER: "number",
    QuestionType.DATE: "datetime",
    QuestionType.SINGLE: "singlevaluelist",
    QuestionType.MULTIPLE: "multivaluelist",
}
# Notes of these steps are what the resident said at the return visit: never published.
PRIVATE_NOTE_TRANSITIONS = {"record_visit", "reopen"}


def w3c(value: dt.datetime | None) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat(timespec="seconds")


def _changeset() -> str:
    """When the services or their definitions last changed (clients refresh their cache then)."""
    stamps = [
        Category.objects.aggregate(last=Max("updated_at"))["last"],
        CategoryQuestion.objects.aggregate(last=Max("updated_at"))["last"],
    ]
    latest = max((s for s in stamps if s is not None), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    return w3c(latest) or ""


def discovery(request: HttpRequest) -> dict[str, Any]:
    changeset = _changeset()
    return {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", "") or _("Ask the district's platform administrators."),
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
        or _("API keys are issued by the platform administrators, one per app and district."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": changeset,
                "type": "production" if getattr(settings, "PRODUCTION", False) else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service(category: Category) -> dict[str, Any]:
    group = category.parent.name if category.parent else None
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": bool(getattr(category, "has_questions", False)),
        "type": "realtime",
        "keywords": ",".join(k for k in (group, category.name) if k),
        "group": group,
    }


def _datatype_description(question: CategoryQuestion) -> str | None:
    if question.datatype == QuestionType.DATE:
        return _("A date, e.g. 2026-11-27 (a W3C date-time is accepted too).")
    if question.datatype == QuestionType.NUMBER:
        return _("A number.")
    if question.datatype == QuestionType.MULTIPLE:
        return _("One or more of the values.")
    return None


def service_definition(category: Category, questions: list[CategoryQuestion]) -> dict[str, Any]:
    attributes = []
    # The specification wants distinct positive orders; ours may repeat or start at 0.
    for position, question in enumerate(questions, start=1):
        attribute: dict[str, Any] = {
            "variable": True,
            "code": question.code,
            "datatype": DATATYPES[QuestionType(question.datatype)],
            "required": question.required,
            "datatype_description": _datatype_description(question),
            "order": position,
            "description": question.label,
        }
        if question.datatype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            attribute["values"] = [{"key": str(c["key"]), "name": str(c["name"])} for c in question.choices]
        attributes.append(attribute)
    return {"service_code": category.code, "attributes": attributes}


def service_notice(category: Category) -> str:
    if category.time_limit_unit == TimeLimitUnit.WORKING_HOURS:
        return ngettext(
            "Once the district accepts the report, it is to be handled within %(n)d working hour.",
            "Once the district accepts the report, it is to be handled within %(n)d working hours.",
            category.time_limit,
        ) % {"n": category.time_limit}
    return ngettext(
        "Once the district accepts the report, it is to be handled within %(n)d working day.",
        "Once the district accepts the report, it is to be handled within %(n)d working days.",
        category.time_limit,
    ) % {"n": category.time_limit}


def _with_detail(what: str, detail: str | None) -> str:
    return _("%(what)s: %(detail)s") % {"what": what, "detail": detail} if detail else what


def status_notes(case: Case) -> str:
    """The state's name, and why where the timeline says so publicly: the reason a report was
    not accepted or is on hold, the result of handling, the case a duplicate joined."""
    detail = None
    if case.state == State.DUPLICATE:
        into = case.merged_into
        if into is not None and into.category.public:
            detail = _("handled together with %(number)s") % {"number": into.number}
    elif case.state in (State.REJECTED, State.ON_HOLD, State.HANDLED, State.VERIFIED, State.VISITED, State.CLOSED):
        detail = getattr(case, "explaining_note", None) or None
    return _with_detail(str(case.get_state_display()), detail)


def _updated(case: Case) -> dt.datetime:
    if case.state in CLOSED_STATES and case.closed_at is not None:
        return case.closed_at
    last = getattr(case, "last_public_at", None)
    return max(last, case.created_at) if last is not None else case.created_at


def _address(case: Case) -> str | None:
    """The building's registered address, else the grid (with its community unless the grid's
    name holds it) and the building's name. Never the address the reporter typed: like the
    description, it may name a household or a person."""
    building = case.building
    if building is not None and building.address:
        return building.address
    place = case.grid.name if case.grid is not None else ""
    if case.community is not None and case.community.name not in place:
        place = f"{case.community.name} {place}".strip()
    if building is not None:
        place = f"{place} · {building.name}" if place else building.name
    return place or None


def _place(case: Case, crs: str) -> dict[str, Any]:
    """Address and point only where the category allows its places to be shown."""
    if not case.category.public_location:
        return {"address": None, "address_id": None, "zipcode": None, "lat": None, "long": None}
    building = case.building
    lat = lng = None
    if case.lat is not None and case.lng is not None:
        lng, lat = (round(v, 7) for v in from_wgs84(case.lng, case.lat, crs))
    return {
        "address": _address(case),
        "address_id": str(building.pk) if building is not None else None,
        "zipcode": None,
        "lat": lat,
        "long": lng,
    }


def event_text(event: CaseEvent) -> str:
    """What happened, in words: the state reached (or the kind of event) and the public note."""
    if event.kind == EventKind.TRANSITION and event.to_state:
        what = str(State(event.to_state).label)
    else:
        what = str(EventKind(event.kind).label)
    detail: str | None = None
    if event.kind == EventKind.MERGED:
        detail = str(event.data.get("duplicate", ""))
    elif event.transition == "merge":
        detail = str(event.data.get("into", ""))
    elif event.transition not in PRIVATE_NOTE_TRANSITIONS:
        detail = event.note
    return _with_detail(what, detail)


def event_status(event: CaseEvent) -> str:
    return status_of(event.to_state) if event.to_state else "open"


def service_request(case: Case, *, crs: str = "wgs84", extensions: bool = False) -> dict[str, Any]:
    """One service request (GET requests); `case` comes from `queries.with_request_fields`."""
    open311: Open311Request | None = getattr(case, "open311", None)
    item: dict[str, Any] = {
        "service_request_id": case.number,
        "status": status_of(case.state),
        "status_notes": status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        # A case's description is what the reporter typed, often with names and phone numbers:
        # like the public board, Open311 never shows it.
        "description": None,
        "agency_responsible": case.unit.name if case.unit is not None else None,
        "service_notice": service_notice(case.category),
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(_updated(case)),
        "expected_datetime": w3c(case.due_at),
        **_place(case, crs),
        "media_url": (open311.media_url or None) if open311 is not None else None,
    }
    if extensions:
        item["notes"] = [
            {
                "datetime": w3c(e.at),
                "type": e.transition or e.kind,
                "status": event_status(e),
                "description": event_text(e),
            }
            for e in case.public_events  # type: ignore[attr-defined]
        ]
    return item


def update(event: CaseEvent) -> dict[str, Any]:
    """One request update (FixMyStreet's servicerequestupdates extension)."""
    return {
        "update_id": str(event.pk),
        "service_request_id": event.case.number,
        "status": event_status(event),
        "updated_datetime": w3c(event.at),
        "description": event_text(event),
        "media_url": None,
    }


def filed(open311: Open311Request, account_id: str) -> dict[str, Any]:
    """The answer to POST requests: the id at once (type realtime), and the token too, for
    clients that follow the batch path; both lead to the same request."""
    return {
        "service_request_id": open311.case.number,
        "token": open311.token,
        "service_notice": service_notice(open311.case.category),
        "account_id": account_id or None,
    }


def token(open311: Open311Request) -> dict[str, Any]:
    return {"service_request_id": open311.case.number, "token": open311.token}
