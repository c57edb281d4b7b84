"""Request and response schemas of the shared-resources REST API (`wangge.resources.api`)."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from wangge.api.schemas import DATE_1900_2199, DATETIME_1900_9998, Id

_DATE_HELP = "YYYY-MM-DD, 1900 to 2199."
_DATETIME_HELP = "ISO 8601, years 1900 to 9998; without an offset, Asia/Shanghai."
MAX_DAYS = 14


def _date(default: Any, description: str, alias: str | None = None) -> Any:
    return Field(
        default,
        alias=alias,
        ge=dt.date(1900, 1, 1),
        le=dt.date(2199, 12, 31),
        description=description + " " + _DATE_HELP,
        json_schema_extra=DATE_1900_2199,
    )


class FacilityFilter(Schema):
    area: Id | None = Field(None, description="A district, community or grid: its facilities only.")
    kind: str | None = Field(None, max_length=20, description="One kind (`sports_ground`, `library`, …).")


class OpeningPeriodOut(Schema):
    weekday: int = Field(..., description="0 Monday … 6 Sunday.")
    opens: dt.time
    closes: dt.time


class FacilityOwnerOut(Schema):
    id: int
    name: str


class FacilityOut(Schema):
    id: int
    name: str
    kind: str
    community: FacilityOwnerOut
    owner_unit: FacilityOwnerOut | None = Field(None, description="The resident unit; none when the community owns it.")
    building: FacilityOwnerOut | None = None
    lng: float | None = None
    lat: float | None = None
    capacity: int
    rules: str
    bookable_by: str = Field(..., description="`residents`, `organisations` or `both`.")
    needs_approval: bool
    cancel_hours: int = Field(..., description="Bookings are cancelled by their booker up to this many hours before.")
    closed_on_holidays: bool
    active: bool
    hours: list[OpeningPeriodOut]


class OpeningPeriodIn(Schema):
    weekday: int = Field(..., ge=0, le=6, description="0 Monday … 6 Sunday.")
    opens: dt.time
    closes: dt.time = Field(..., description="After `opens`; periods of one weekday do not overlap.")


class ClosureIn(Schema):
    starts_on: dt.date = _date(..., "The first day closed.")
    ends_on: dt.date = _date(..., "The last day closed (on or after `starts_on`).")
    reason: str = Field("", max_length=200)


class FacilityUpdateIn(Schema):
    """The whole facility: its weekly hours and closures replace the stored ones."""

    name: str = Field(..., max_length=200)
    kind: str = Field(
        ..., max_length=20, description="`sports_ground`, `library`, `canteen`, … (the catalogue's kinds)."
    )
    building: Id | None = Field(None, description="A building of the facility's community, or none.")
    capacity: int = Field(1, ge=1, le=100_000)
    rules: str = Field("", max_length=2000)
    bookable_by: str = Field("residents", max_length=20, description="`residents`, `organisations` or `both`.")
    needs_approval: bool = False
    cancel_hours: int = Field(2, ge=0, le=168)
    closed_on_holidays: bool = True
    hours: list[OpeningPeriodIn] = Field(..., max_length=70)
    closures: list[ClosureIn] = Field(default_factory=list, max_length=200)


class FacilityPhotoOut(Schema):
    id: int
    width: int
    height: int
    size: int = Field(..., description="Bytes of the stored JPEG.")


class AvailabilityIn(Schema):
    date: dt.date = _date(..., "The first day.")
    days: int = Field(1, ge=1, le=MAX_DAYS, description=f"How many days from `date` (1 to {MAX_DAYS}).")


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime


class HeldSlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str = Field(..., description="`requested`, `approved`, `checked_in` or `no_show`.")
    mine: bool = Field(..., description="Whether you made this booking.")


class AvailabilityDayOut(Schema):
    date: dt.date
    open: list[SlotOut] = Field(..., description="The facility's open periods of the day (none: closed).")
    held: list[HeldSlotOut] = Field(..., description="The bookings that hold a slot of the day.")


class AvailabilityOut(Schema):
    facility: int
    days: list[AvailabilityDayOut]


class BookingIn(Schema):
    starts_at: dt.datetime = Field(..., description=_DATETIME_HELP, json_schema_extra=DATETIME_1900_9998)
    ends_at: dt.datetime = Field(..., description=_DATETIME_HELP, json_schema_extra=DATETIME_1900_9998)
    purpose: str = Field("", max_length=200)
    as_organisation: bool = Field(False, description="Booked for your social organisation, not for yourself.")


class BookingFacilityOut(Schema):
    id: int
    name: str


class BookingOut(Schema):
    id: int
    facility: BookingFacilityOut
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str
    status: str
    as_organisation: bool
    booked_by: int = Field(..., description="The user who booked.")
    decided_at: dt.datetime | None = None

    @staticmethod
    def resolve_booked_by(obj: object) -> int:
        return obj.booked_by_id  # type: ignore[attr-defined,no-any-return]


class UtilisationIn(Schema):
    area: Id | None = Field(None, description="A district, community or grid in your scope; none: what you manage.")
    date_from: dt.date = _date(..., "First day of the period.", alias="from")
    date_to: dt.date = _date(..., "Last day of the period (at most 366 days).", alias="to")


class UtilisationOut(Schema):
    open_hours: float = Field(..., description="Hours open: weekly hours less holidays and closures.")
    booked_hours: float = Field(..., description="Hours of approved bookings (checked in, no-show or not yet marked).")
    used_hours: float = Field(..., description="Hours of checked-in bookings.")
    rate: float = Field(..., description="used_hours / open_hours (0 when nothing was open).")
    booked_rate: float = Field(..., description="booked_hours / open_hours.")
    facilities: int


class SocialOrgFilter(Schema):
    area: Id | None = Field(None, description="A community: the organisations filed with it or serving it.")


class SocialOrgAreaOut(Schema):
    id: int
    name: str


class SocialOrgContactOut(Schema):
    name: str
    phone_masked: str = Field(..., description="Masked; the clear phone is never sent.")


class ProjectOut(Schema):
    id: int
    name: str
    goals: str
    starts_on: dt.date
    ends_on: dt.date
    budget: float = Field(..., description="Yuan.")
    beneficiaries: int = Field(..., description="How many were served.")
    recorded_persons: int = Field(..., description="How many of them are recorded from the registry.")
    activities: str
    outcomes: str

    @staticmethod
    def resolve_recorded_persons(obj: object) -> int:
        return len(obj.beneficiary_persons.all())  # type: ignore[attr-defined]


class BeneficiaryIn(Schema):
    person: Id = Field(..., description="A person of the registry in your scope whom the project served.")


class BeneficiaryOut(Schema):
    project: int
    person: int
    recorded_persons: int = Field(..., description="How many persons the project now has recorded.")


class SocialOrgOut(Schema):
    id: int
    name: str
    kind: str
    filing_status: str = Field(..., description="`filed` (备案) or `registered` (登记).")
    community: SocialOrgAreaOut
    service_areas: list[SocialOrgAreaOut]
    members: int
    party_unit: SocialOrgAreaOut | None = None


class SocialOrgDetailOut(SocialOrgOut):
    contacts: list[SocialOrgContactOut]
    projects: list[ProjectOut]


# --- co-building ---------------------------------------------------------------------------------


class CobuildingFilter(Schema):
    area: Id | None = Field(None, description="A community: its agreements or meetings only.")


class AgreementTermsIn(Schema):
    unit_commits: str = Field(
        ..., max_length=2000, description="What the unit commits: facilities, volunteers, funds, posts."
    )
    community_commits: str = Field("", max_length=2000)
    starts_on: dt.date = _date(..., "First day of the term.")
    ends_on: dt.date = _date(..., "Last day of the term.")


class AgreementIn(AgreementTermsIn):
    community: Id = Field(..., description="A community you keep.")
    unit: Id = Field(..., description="A resident unit of the community's district.")
    renews: Id | None = Field(None, description="The agreement this one renews (same community and unit).")


class AgreementOut(Schema):
    id: int
    community: SocialOrgAreaOut
    unit: SocialOrgAreaOut
    unit_commits: str
    community_commits: str
    starts_on: dt.date
    ends_on: dt.date
    renews: int | None = Field(None, alias="renews_id")


class MeetingRecordIn(Schema):
    kind: str = Field(..., max_length=20, description="`joint_meeting` (联席会) or `consultation` (民事共商).")
    held_on: dt.date = _date(..., "The day it was held.")
    participants: str = Field(..., max_length=2000)
    matters: str = Field(..., max_length=2000)
    minutes: str = Field("", max_length=2000)
    units: list[Id] = Field([], max_length=100, description="Resident units of the district that sat in.")


class MeetingIn(MeetingRecordIn):
    community: Id = Field(..., description="A community you keep.")


class DecisionOut(Schema):
    id: int
    meeting: int = Field(..., alias="meeting_id")
    text: str
    owner: int = Field(..., alias="owner_id")
    due_on: dt.date
    done_at: dt.datetime | None
    outcome: str
    case: int | None = Field(None, alias="case_id", description="The case it became, if it is followed as one.")


class MeetingOut(Schema):
    id: int
    community: SocialOrgAreaOut
    kind: str
    held_on: dt.date
    participants: str
    matters: str
    minutes: str
    units: list[SocialOrgAreaOut]


class MeetingDetailOut(MeetingOut):
    decisions: list[DecisionOut]


class DecisionIn(Schema):
    text: str = Field(..., max_length=2000)
    owner: Id = Field(..., description="A user of the community (staff, grid team, unit or organisation account).")
    due_on: dt.date = _date(..., "The day it is due.")


class DecisionFilter(Schema):
    open: bool = Field(False, description="Only those neither done nor turned into a case.")
    mine: bool = Field(False, description="Only those you own.")


class DecisionDoneIn(Schema):
    outcome: str = Field("", max_length=2000, description="What was done.")


class DecisionCaseIn(Schema):
    category: Id = Field(..., description="A case category of the district.")
    building: Id = Field(..., description="A building of the meeting's community.")
    description: str = Field("", max_length=4000, description="The decision's words when empty.")


class DecisionCaseOut(Schema):
    decision: int
    case: int
    number: str
