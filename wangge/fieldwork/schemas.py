"""Request and response schemas of the field-work REST API (`wangge.fieldwork.api`)."""

import datetime as dt
import uuid as uuidlib

from ninja import Field, Schema
from pydantic import field_validator

from wangge.api.schemas import DATE_1900_2199, DATETIME_1900_9998, LATITUDE, LONGITUDE, Id
from wangge.fieldwork.models import MAX_MET, MAX_TEXT, HouseholdChange, VisitFlag

MAX_OFFSET = dt.timedelta(hours=15)
_DATE_HELP = "YYYY-MM-DD, 1900 to 2199."
_DATETIME_HELP = "ISO 8601, years 1900 to 9998; without an offset, Asia/Shanghai."
_UUID_HELP = "Made on the phone; sending a stored uuid again answers the stored record (200) and creates nothing."
_UPDATED_HELP = (
    "When the record was last edited on the phone (now when not given). With a stored uuid, an edit "
    "later than the stored version replaces it and one earlier is kept in the record's history."
)


def _date(description: str = _DATE_HELP) -> dt.date:
    return Field(  # type: ignore[no-any-return]
        ..., ge=dt.date(1900, 1, 1), le=dt.date(2199, 12, 31), description=description, json_schema_extra=DATE_1900_2199
    )


def _plausible(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and not 1900 <= value.year <= 9998:
        raise ValueError("the year must be between 1900 and 9998")
    offset = value.utcoffset() if value is not None else None
    if offset is not None and abs(offset) >= MAX_OFFSET:
        raise ValueError("the offset must lie within ±14:59")
    return value


def _text(description: str = "") -> str:
    return Field("", max_length=MAX_TEXT, description=description or f"At most {MAX_TEXT} characters.")  # type: ignore[no-any-return]


class FieldRef(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    name: str


def user_ref(user: object) -> dict[str, object] | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None  # type: ignore[attr-defined]


# --- briefings ----------------------------------------------------------------------------------


class TaskIn(Schema):
    text: str = Field(..., min_length=1, max_length=MAX_TEXT)
    assignee: Id | None = Field(None, description="A user of the district.")
    due: dt.date | None = Field(
        None, ge=dt.date(1900, 1, 1), le=dt.date(2199, 12, 31), description=_DATE_HELP, json_schema_extra=DATE_1900_2199
    )


class BriefingIn(Schema):
    uuid: uuidlib.UUID = Field(..., description=_UUID_HELP)
    grid: Id
    date: dt.date = _date()
    attendees: list[Id] = Field(default_factory=list, max_length=200, description="User ids of the district.")
    matters: str = _text("Matters raised; at most 4000 characters.")
    tasks: list[TaskIn] = Field(default_factory=list, max_length=100)
    updated_at: dt.datetime | None = Field(None, description=_UPDATED_HELP, json_schema_extra=DATETIME_1900_9998)

    _check = field_validator("updated_at")(_plausible)


class TaskOut(Schema):
    id: int
    text: str
    assignee: UserRef | None
    due: dt.date | None
    case: int | None = Field(None, description="The case the task became, if any.")

    @staticmethod
    def resolve_assignee(obj: object) -> dict[str, object] | None:
        return user_ref(obj.assignee)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_case(obj: object) -> int | None:
        return obj.case_id  # type: ignore[attr-defined,no-any-return]


class RecordOut(Schema):
    id: int
    uuid: uuidlib.UUID
    grid: FieldRef
    recorded_by: UserRef
    created_at: dt.datetime
    updated_at: dt.datetime = Field(..., description="The time of the edit the record holds.")

    @staticmethod
    def resolve_recorded_by(obj: object) -> dict[str, object] | None:
        return user_ref(obj.recorded_by)  # type: ignore[attr-defined]


class BriefingOut(RecordOut):
    date: dt.date
    matters: str
    attendees: list[UserRef]
    tasks: list[TaskOut]

    @staticmethod
    def resolve_attendees(obj: object) -> list[dict[str, object] | None]:
        return [user_ref(u) for u in obj.attendees.all()]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_tasks(obj: object) -> list[object]:
        return list(obj.tasks.all())  # type: ignore[attr-defined]


# --- patrols ------------------------------------------------------------------------------------


class CheckinIn(Schema):
    building: Id | None = Field(None, description="A building of the patrol's grid (tapped on the map or its QR code).")
    lng: float | None = Field(
        None, description="A point the worker chose to record instead (WGS-84).", json_schema_extra=LONGITUDE
    )
    lat: float | None = Field(None, description="Latitude of that point (WGS-84).", json_schema_extra=LATITUDE)
    at: dt.datetime = Field(..., description=_DATETIME_HELP, json_schema_extra=DATETIME_1900_9998)
    note: str = _text()

    _check = field_validator("at")(_plausible)


class PatrolIn(Schema):
    uuid: uuidlib.UUID = Field(..., description=_UUID_HELP)
    grid: Id
    started_at: dt.datetime = Field(..., description=_DATETIME_HELP, json_schema_extra=DATETIME_1900_9998)
    finished_at: dt.datetime | None = Field(None, description=_DATETIME_HELP, json_schema_extra=DATETIME_1900_9998)
    checkins: list[CheckinIn] = Field(default_factory=list, max_length=500)
    findings: str = _text("Problems found, in words; at most 4000 characters.")
    updated_at: dt.datetime | None = Field(None, description=_UPDATED_HELP, json_schema_extra=DATETIME_1900_9998)

    _check = field_validator("started_at", "finished_at", "updated_at")(_plausible)


class CheckinOut(Schema):
    id: int
    building: FieldRef | None
    lng: float | None
    lat: float | None
    at: dt.datetime
    note: str
    case: int | None = Field(None, description="The case raised from the check-in, if any.")

    @staticmethod
    def resolve_building(obj: object) -> dict[str, object] | None:
        building = obj.building  # type: ignore[attr-defined]
        return {"id": building.pk, "name": building.name} if building is not None else None

    @staticmethod
    def resolve_case(obj: object) -> int | None:
        return obj.case_id  # type: ignore[attr-defined,no-any-return]


class PatrolOut(RecordOut):
    date: dt.date
    started_at: dt.datetime
    finished_at: dt.datetime | None
    findings: str
    checkins: list[CheckinOut]

    @staticmethod
    def resolve_checkins(obj: object) -> list[object]:
        return list(obj.checkins.all())  # type: ignore[attr-defined]


# --- visits -------------------------------------------------------------------------------------


class HouseholdVisitIn(Schema):
    uuid: uuidlib.UUID = Field(..., description=_UUID_HELP)
    household: Id
    visited_at: dt.datetime = Field(..., description=_DATETIME_HELP, json_schema_extra=DATETIME_1900_9998)
    met: str = Field("", max_length=MAX_MET, description="Who was met.")
    needs: str = _text("What the household needs; stored encrypted. At most 4000 characters.")
    note: str = _text("Disputes, changes and anything else; stored encrypted. At most 4000 characters.")
    flags: list[VisitFlag] = Field(
        default_factory=list, max_length=10, description="Flags the household for the assistance database."
    )
    changes: list[HouseholdChange] = Field(default_factory=list, max_length=10)
    updated_at: dt.datetime | None = Field(None, description=_UPDATED_HELP, json_schema_extra=DATETIME_1900_9998)

    _check = field_validator("visited_at", "updated_at")(_plausible)


class HouseholdVisitOut(RecordOut):
    """A visit, never with what the household needs nor the note: they may hold hardship or
    health details (personal data), kept encrypted; whether there are any is said. Reading them
    will be an audited reveal with a stated reason, as for the registry's sensitive facts."""

    household: FieldRef
    visited_at: dt.datetime
    met: str
    flags: list[str]
    changes: list[str]
    case: int | None = None
    has_needs: bool
    has_note: bool

    @staticmethod
    def resolve_case(obj: object) -> int | None:
        return obj.case_id  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_has_needs(obj: object) -> bool:
        return bool(obj.needs_encrypted)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_has_note(obj: object) -> bool:
        return bool(obj.note_encrypted)  # type: ignore[attr-defined]


# --- compliance ---------------------------------------------------------------------------------


class ComplianceIn(Schema):
    area: Id = Field(..., description="A district, community or grid in your scope.")
    date: dt.date | None = Field(
        None,
        ge=dt.date(1900, 1, 1),
        le=dt.date(2199, 12, 31),
        description="One day; " + _DATE_HELP,
        json_schema_extra=DATE_1900_2199,
    )
    date_from: dt.date | None = Field(
        None,
        alias="from",
        ge=dt.date(1900, 1, 1),
        le=dt.date(2199, 12, 31),
        description="First day of a period (with `to`); " + _DATE_HELP,
        json_schema_extra=DATE_1900_2199,
    )
    date_to: dt.date | None = Field(
        None,
        alias="to",
        ge=dt.date(1900, 1, 1),
        le=dt.date(2199, 12, 31),
        description="Last day of the period; " + _DATE_HELP,
        json_schema_extra=DATE_1900_2199,
    )


class FieldAreaRef(Schema):
    id: int
    name: str
    level: str


class GridComplianceOut(Schema):
    grid: FieldRef
    working_days: int
    briefing: bool = Field(..., description="A briefing on every working day of the period.")
    briefings_held: int
    briefings_missed: int
    patrols: int = Field(..., description="Finished patrols on working days, at most `patrols_per_day` a day.")
    patrols_owed: int
    patrol_days: list[int] = Field(..., description="Item k: the working days with k patrols done.")
    buildings: int
    buildings_checked: int
    buildings_unchecked_14d: int
    households: int
    households_visited_30d: int
    households_visited_90d: int


class TotalsOut(Schema):
    briefings_held: int
    briefings_missed: int
    patrols: int
    patrols_owed: int
    buildings: int
    buildings_checked: int
    buildings_unchecked_14d: int
    households: int
    households_visited_30d: int
    households_visited_90d: int


class UncheckedBuildingOut(Schema):
    id: int
    name: str
    grid: int


class ExceptionsOut(Schema):
    grids_without_briefing: list[FieldRef] = Field(..., description="On the last day, when it is a working day.")
    unchecked_buildings: list[UncheckedBuildingOut] = Field(..., description="The first 100, not checked for 14 days.")
    unchecked_buildings_count: int


class ComplianceOut(Schema):
    area: FieldAreaRef
    date_from: dt.date = Field(..., serialization_alias="from")
    date_to: dt.date = Field(..., serialization_alias="to")
    working_days: int
    patrols_per_day: int
    grids: list[GridComplianceOut]
    totals: TotalsOut
    exceptions: ExceptionsOut
