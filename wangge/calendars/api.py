"""REST endpoint for working-day arithmetic: `GET /api/v1/workdays/add?start=YYYY-MM-DD&days=N`."""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from wangge.accounts.scope import assignments_of
from wangge.api.api import register_router
from wangge.api.schemas import DATE_1900_2199, errors
from wangge.calendars.queries import calendar_for

router = Router(tags=["workdays"])


class AddIn(Schema):
    start: dt.date = Field(
        ...,
        ge=dt.date(1900, 1, 1),
        le=dt.date(2199, 12, 31),
        description="YYYY-MM-DD, 1900 to 2199.",
        json_schema_extra=DATE_1900_2199,
    )
    days: int = Field(..., ge=-3650, le=3650, description="Working days to add (negative counts back).")


class AddOut(Schema):
    start: dt.date
    days: int
    result: dt.date
    assumed_years: list[int] = Field(
        default_factory=list, description="Years without a published calendar, where Monday–Friday was assumed."
    )
    warning: str = ""


@router.get("/add", response={200: AddOut, **errors()}, summary="The date N working days after a date")
def add_working_days(request: HttpRequest, params: Query[AddIn]) -> AddOut:
    """Uses the calendar of the caller's district (the national calendar for a caller without one).
    A date outside 1900–2199, or more than 3650 days, is invalid input."""
    districts = {a.district_id for a in assignments_of(request.user)}  # type: ignore[arg-type]
    calendar = calendar_for(districts.pop() if len(districts) == 1 else None)
    result = calendar.add_working_days(params.start, params.days)
    missing = sorted(calendar.missing_years([params.start, result]))
    warning = (
        _("No published calendar for %(years)s; Monday to Friday assumed.") % {"years": ", ".join(map(str, missing))}
        if missing
        else ""
    )
    return AddOut(start=params.start, days=params.days, result=result, assumed_years=missing, warning=warning)


register_router("/workdays", router)
