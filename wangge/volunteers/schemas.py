"""Request and response schemas of the volunteers' REST API (`wangge.volunteers.api`)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from wangge.api.schemas import DATE_1900_2199, DATETIME_1900_9998, Id

_DATE_HELP = "YYYY-MM-DD, 1900 to 2199."
_DATETIME_HELP = "ISO 8601, years 1900 to 9998; without an offset, Asia/Shanghai."


def _date(default: Any, description: str, alias: str | None = None) -> Any:
    return Field(
        default,
        alias=alias,
        ge=dt.date(1900, 1, 1),
        le=dt.date(2199, 12, 31),
        description=description + " " + _DATE_HELP,
        json_schema_extra=DATE_1900_2199,
    )


def _moment(description: str) -> Any:
    return Field(..., description=description + " " + _DATETIME_HELP, json_schema_extra=DATETIME_1900_9998)


class ActivityIn(Schema):
    station: Id
    team: Id | None = None
    title: str = Field(..., min_length=1, max_length=200)
    place: str = Field("", max_length=200)
    place_area: Id | None = Field(None, description="An area of the station's district where it takes place.")
    starts_at: dt.datetime = _moment("Start.")
    ends_at: dt.datetime = _moment("End (after the start, at most 24 hours later).")
    capacity: int = Field(..., ge=1, le=10_000, description="Volunteers it takes; more sign-ups wait in a queue.")


class ActivityFilter(Schema):
    area: Id | None = Field(None, description="A district or community: its stations' activities only.")


class ActivityOut(Schema):
    id: int
    station: int = Field(..., alias="station_id")
    community: int = Field(..., alias="community_id")
    team: int | None = Field(None, alias="team_id")
    title: str
    place: str
    place_area: int | None = Field(None, alias="place_area_id")
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    confirmed: int = Field(0, description="Sign-ups holding a place.")
    waiting: int = Field(0, description="Sign-ups in the queue.")


class SignUpIn(Schema):
    volunteer: Id | None = Field(None, description="For the station's staff: the volunteer signed up; none: yourself.")


class SignUpOut(Schema):
    id: int
    activity: int = Field(..., alias="activity_id")
    volunteer: int = Field(..., alias="volunteer_id")
    status: str = Field(..., description="`confirmed`, `waiting` or `cancelled`.")
    checked_in_at: dt.datetime | None = None
    checked_out_at: dt.datetime | None = None
    hours: Decimal | None = Field(None, description="Hours credited at check-out.")


class AttendanceIn(Schema):
    volunteer: Id


class HoursFilter(Schema):
    date_from: dt.date | None = _date(None, "First day of the period (with `to`; none: all).", alias="from")
    date_to: dt.date | None = _date(None, "Last day of the period.", alias="to")


class HoursOut(Schema):
    volunteer: int
    hours: Decimal = Field(
        ..., description="Approved self-logged hours + credited activity hours (docs/volunteers.md)."
    )
    stars: int = Field(..., description="Star level by cumulative hours (0 to 5).")


class HoursLogIn(Schema):
    day: dt.date = _date(..., "The day of the service.")
    hours: float = Field(..., gt=0, le=24, description="0.25 to 24, in quarter hours (a number).")
    what: str = Field(..., min_length=1, max_length=200)


class HoursLogOut(Schema):
    id: int
    volunteer: int = Field(..., alias="volunteer_id")
    day: dt.date
    hours: Decimal
    what: str
    status: str = Field(..., description="`pending`, `approved` or `rejected`.")
