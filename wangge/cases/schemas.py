"""Request and response schemas of the cases REST API (`wangge.cases.api`)."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

from wangge.api.schemas import DATETIME_1900_9998, LATITUDE, LONGITUDE, Id
from wangge.cases.actions import MAX_DESCRIPTION
from wangge.cases.models import (
    Case,
    Channel,
    CoHandling,
    CoHandlingState,
    EventKind,
    Extension,
    ExtensionState,
    Satisfaction,
    Supervision,
    SupervisionLevel,
)
from wangge.cases.queries import Worklist, is_due_soon
from wangge.cases.workflow import State

Crs = Literal["wgs84", "gcj02", "bd09"]
MAX_OFFSET = dt.timedelta(hours=15)
# `state`: comma-separated states, blanks around them and empty items allowed, at least one state.
_STATE = "|".join(State.values)
STATES_PATTERN = rf"^(\s*({_STATE})?\s*,)*\s*({_STATE})\s*(,\s*({_STATE})?\s*)*$"
VERSION_HELP = "The case's `version` as you last read it; a stale one answers 409 `stale_version`."


# --- references ----------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class CaseRef(Schema):
    id: int
    number: str


# --- a case ---------------------------------------------------------------------------------


class CaseItemOut(Schema):
    id: int
    number: str
    state: State
    state_label: str = Field(..., description="The state in the caller's language.")
    category: Ref
    grid: Ref | None
    unit: Ref | None = Field(None, description="The responsible unit, once the case is accepted.")
    due_at: dt.datetime | None = Field(None, description="The deadline, set when the case is accepted.")
    overdue: bool
    due_soon: bool = Field(..., description="Open, not overdue, and due within CASE_DUE_SOON_HOURS.")
    created_at: dt.datetime
    version: int = Field(..., description="Send it back with every step; it changes with each one.")

    @staticmethod
    def resolve_state_label(obj: Case) -> str:
        # Not get_state_display(): it rebuilds and hashes the whole choices list on every call.
        return str(State(obj.state).label)

    @staticmethod
    def resolve_due_soon(obj: Case) -> bool:
        annotated = getattr(obj, "due_soon", None)  # by `with_flags`, else worked out here
        return is_due_soon(obj) if annotated is None else bool(annotated)


class CoHandlingOut(Schema):
    id: int
    unit: Ref
    task: str
    due_at: dt.datetime
    state: CoHandlingState
    state_label: str
    result: str
    finished_at: dt.datetime | None
    can_finish: bool = Field(..., description="Whether you may finish it (staff of that unit).")
    can_release: bool = Field(..., description="Whether you may release it (dispatch).")

    @staticmethod
    def resolve_state_label(obj: CoHandling) -> str:
        return str(obj.get_state_display())


class ExtensionOut(Schema):
    id: int
    days: int
    reason: str
    state: ExtensionState
    state_label: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    old_due_at: dt.datetime | None
    new_due_at: dt.datetime | None
    can_decide: bool

    @staticmethod
    def resolve_state_label(obj: Extension) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_requested_by(obj: Extension) -> str:
        return str(obj.requested_by)

    @staticmethod
    def resolve_requested_at(obj: Extension) -> dt.datetime:
        return obj.created_at

    @staticmethod
    def resolve_decided_by(obj: Extension) -> str | None:
        return str(obj.decided_by) if obj.decided_by_id else None


class PartyOut(Schema):
    body: str
    joined_at: dt.datetime
    note: str


class SupervisionOut(Schema):
    level: SupervisionLevel
    level_label: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    parties: list[PartyOut]

    @staticmethod
    def resolve_level_label(obj: Supervision) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_opened_at(obj: Supervision) -> dt.datetime:
        return obj.created_at

    @staticmethod
    def resolve_parties(obj: Supervision) -> list[Any]:
        return list(obj.parties.all())


class PhotoOut(Schema):
    id: int
    width: int
    height: int
    size: int = Field(..., description="Bytes of the stored JPEG.")
    public: bool = Field(..., description="Seen by the reporter.")
    created_at: dt.datetime


class CaseDetailOut(CaseItemOut):
    district_id: int
    community: Ref | None
    building: Ref | None
    channel: str
    channel_label: str
    description: str
    answers: dict[str, Any] = Field(..., description="Answers to the category's extra questions.")
    lng: float | None = Field(None, description="WGS-84 longitude.")
    lat: float | None = Field(None, description="WGS-84 latitude.")
    address: str
    reporter_name: str
    reporter_contact_masked: str = Field(..., description="The caller's contact, masked; never shown in full here.")
    accepted_at: dt.datetime | None
    handled_at: dt.datetime | None
    closed_at: dt.datetime | None
    merged_into: CaseRef | None
    allowed_steps: list[str] = Field(..., description="Workflow transitions the case's state allows (anyone's).")
    your_steps: list[str] = Field(
        ..., description="Steps (URL names under /cases/{id}/) you may take now: allowed by the state and to you."
    )
    co_handlings: list[CoHandlingOut]
    extensions: list[ExtensionOut]
    supervision: SupervisionOut | None
    photos: list[PhotoOut]

    @staticmethod
    def resolve_channel_label(obj: Case) -> str:
        return str(Channel(obj.channel).label)

    # `wangge.cases.api` loads these, trimmed to what the caller may see, onto the case.
    @staticmethod
    def resolve_co_handlings(obj: Case) -> list[Any]:
        return obj.co_handlings_list  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_extensions(obj: Case) -> list[Any]:
        return obj.extensions_list  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_supervision(obj: Case) -> Any:
        return obj.supervision_or_none  # type: ignore[attr-defined]


class EventOut(Schema):
    id: int
    at: dt.datetime
    actor: str | None = Field(None, description="Who acted; null for the system (e.g. the overdue sweep).")
    kind: EventKind
    kind_label: str
    transition: str
    from_state: str
    to_state: str
    note: str
    public: bool = Field(..., description="Seen by the reporter.")
    data: dict[str, Any] = Field(..., description="Details of the step (e.g. the unit dispatched to).")


class TimelineOut(Schema):
    case: CaseRef
    items: list[EventOut]


class NearbyItemOut(Schema):
    id: int
    number: str
    state: State
    state_label: str
    description: str
    distance_m: float
    lng: float
    lat: float
    created_at: dt.datetime


class NearbyOut(Schema):
    radius_m: float
    items: list[NearbyItemOut]


class SatisfactionRowOut(Schema):
    id: int | None = Field(None, description="The unit, grid or category; null for visits without one.")
    name: str | None
    total: int
    satisfied: int
    basically: int
    unsatisfied: int
    rate: float | None = Field(None, description="(satisfied + basically satisfied) / total.")


class SatisfactionOut(Schema):
    by: Literal["unit", "grid", "category"]
    rows: list[SatisfactionRowOut]


# --- input ------------------------------------------------------------------------------------


class CaseFilter(Schema):
    queue: Worklist | None = Field(
        None,
        description="A worklist instead of everything you see: `grid` (open cases of your area), "
        "`inbox` (your unit's), `dispatch`, `supervision`, `visits` (waiting for a return visit), "
        "`mine` (reported or filed by you), `done` (closed off, newest closed first). Each comes "
        "in its own order, most urgent first; with `state`, a queue holds every case of its kind "
        "in those states (`grid` with `state=closed`: your area's closed cases).",
    )
    state: str | None = Field(
        None,
        description="Comma-separated states, e.g. `dispatched,in_progress`.",
        json_schema_extra={"pattern": STATES_PATTERN},
    )
    category: Id | None = Field(None, description="A category, or a group with all its categories.")
    grid: Id | None = None
    unit: Id | None = Field(None, description="The responsible unit.")
    overdue: bool | None = None
    due_soon: bool | None = None
    created_after: dt.datetime | None = Field(
        None,
        description="ISO 8601, years 1900 to 9998; without an offset, Asia/Shanghai.",
        json_schema_extra=DATETIME_1900_9998,
    )
    created_before: dt.datetime | None = Field(
        None,
        description="ISO 8601, years 1900 to 9998; without an offset, Asia/Shanghai.",
        json_schema_extra=DATETIME_1900_9998,
    )

    @field_validator("created_after", "created_before")
    @classmethod
    def _plausible(cls, value: dt.datetime | None) -> dt.datetime | None:
        # Far outside any case's life; at the ends of the calendar the conversion to UTC would overflow.
        if value is not None and not 1900 <= value.year <= 9998:
            raise ValueError("the year must be between 1900 and 9998")
        # Real time zones lie within ±14 hours; PostgreSQL refuses an offset past ±15:59 (a 500).
        offset = value.utcoffset() if value is not None else None
        if offset is not None and abs(offset) >= MAX_OFFSET:
            raise ValueError("the offset must lie within ±14:59")
        return value

    @field_validator("state")
    @classmethod
    def _states(cls, value: str | None) -> str | None:
        if value is None:
            return None
        states = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in states if s not in State.values]
        if unknown or not states:
            raise ValueError(f"unknown state: {', '.join(unknown) or value!r}")
        return ",".join(states)


class NearbyIn(Schema):
    # The ranges are checked by `check_coordinates` (400 `coordinates_out_of_range`); declared for clients.
    lng: float = Field(..., description="Longitude in `crs`.", json_schema_extra=LONGITUDE)
    lat: float = Field(..., description="Latitude in `crs`.", json_schema_extra=LATITUDE)
    category: str = Field(..., max_length=40, description="The category's id or code.")
    crs: Crs = Field("wgs84", description="Coordinate system of the point.")
    limit: int = Field(5, ge=1, le=20)


class FileIn(Schema):
    category: int | str = Field(..., description="The category's id (a number) or its code (e.g. `SZ01`).")
    # Checked by the filing action (400 `description_required`, `description_too_long`).
    description: str = Field(
        ...,
        description=f"At most {MAX_DESCRIPTION} characters.",
        json_schema_extra={"minLength": 1, "maxLength": MAX_DESCRIPTION},
    )
    # Checked by the filing action (400 `coordinates_out_of_range`).
    lng: float | None = Field(None, description="Longitude of the place, in `crs`.", json_schema_extra=LONGITUDE)
    lat: float | None = Field(None, description="Latitude of the place, in `crs`.", json_schema_extra=LATITUDE)
    crs: Crs = Field("wgs84", description="Coordinate system of lng/lat; stored as WGS-84.")
    building: int | None = Field(None, description="A building of the district, when there is no point.")
    address: str = Field("", max_length=300, description="A known building address, when there is no point.")
    reporter_name: str = Field("", max_length=100)
    reporter_contact: str = Field("", max_length=40, description="Stored encrypted, shown masked.")
    answers: dict[str, Any] = Field(default_factory=dict, description="Answers to the category's extra questions.")


class VersionIn(Schema):
    version: int = Field(..., ge=1, description=VERSION_HELP)


class NoteIn(VersionIn):
    note: str = Field("", max_length=4000)


class ReasonIn(VersionIn):
    reason: str = Field(..., max_length=4000)


class DispatchIn(VersionIn):
    unit: int | None = Field(None, description="Another handling unit than the routed one.")


class HandleIn(VersionIn):
    result: str = Field(..., max_length=4000)


class VerifyIn(VersionIn):
    passed: bool
    note: str = Field("", max_length=4000, description="Required when the check did not pass.")


class VisitIn(VersionIn):
    result: Satisfaction
    comment: str = Field("", max_length=4000)
    by_phone: bool = False


class MergeIn(VersionIn):
    into: int = Field(..., description="The open case this one duplicates.")


class CategoryIn(VersionIn):
    category: int | str = Field(..., description="The new category's id or code.")


class CoHandlerIn(VersionIn):
    unit: int
    task: str = Field(..., max_length=500)
    days: int = Field(..., ge=1, le=60, description="Working days for the co-handling task.")


class FinishIn(Schema):
    result: str = Field(..., max_length=4000)
    released: bool = Field(False, description="Dispatch releases the unit instead of the unit finishing.")


class ExtensionIn(VersionIn):
    days: int = Field(..., description="Extra working days, 1 to 60.")
    reason: str = Field(..., max_length=4000)


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=4000)


class UrgeIn(Schema):
    note: str = Field("", max_length=4000)


class SuperviseIn(Schema):
    body: str = Field(..., max_length=100, description="The supervising body, e.g. 区督查室.")
    level: SupervisionLevel
    note: str = Field("", max_length=4000)


class NotificationOut(Schema):
    id: int
    text: str
    case: CaseRef | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class ReadIn(Schema):
    ids: list[Id] | None = Field(None, description="The notifications to mark read; all unread ones when absent.")


class ReadOut(Schema):
    marked: int = Field(..., description="How many notifications were marked read.")
