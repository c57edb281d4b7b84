"""Schemas of the dashboard's REST endpoints."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from wangge.api.schemas import MAX_ID, MAX_OFFSET, MAX_PAGE
from wangge.dashboard.periods import FIRST_YEAR, LAST_YEAR


class DashboardPeriodIn(Schema):
    area: int | None = Field(None, ge=1, le=MAX_ID, description="A district, community or grid (default: yours).")
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="The year (default: this year).")
    quarter: int | None = Field(None, ge=1, le=4, description="A quarter of the year (not with `month`).")
    month: int | None = Field(None, ge=1, le=12, description="A month of the year (not with `quarter`).")


class DashboardRecordsIn(DashboardPeriodIn):
    limit: int = Field(100, ge=1, le=MAX_PAGE, description="Records per page (at most 500).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Records to skip.")


class DashboardAreaRef(Schema):
    id: int
    name: str
    level: str


class DashboardPeriodOut(Schema):
    label: str
    first: dt.date
    last: dt.date


class DashboardFigureOut(Schema):
    key: str
    label: str
    value: float | None = Field(..., description="None when the records for the figure do not exist (see `reason`).")
    unit: str
    definition: str
    previous: float | None = Field(..., description="The same period a year earlier.")
    change: float | None = Field(..., description="Change against `previous`, in percent of it.")
    count: int = Field(..., description="The number of records behind the figure (its records list's count).")
    reason: str | None
    breakdown: dict[str, Any]
    owner: str = Field(..., description="The module that defines the figure.")
    as_of: dt.datetime = Field(..., description="When the figure was read from the records (live).")


class DashboardHeadlineOut(Schema):
    area: DashboardAreaRef
    period: DashboardPeriodOut
    figures: list[DashboardFigureOut]


class DashboardRecordOut(Schema):
    kind: str
    id: int
    at: str | None
    reference: str
    detail: str
    community: str
    grid: str


class DashboardRecordsOut(Schema):
    key: str
    count: int
    items: list[DashboardRecordOut]
