"""The stable error codes of the work calendar, each with its HTTP status and a one-line meaning."""

from wangge.lib.errors import ErrorCode


class CalendarError(ErrorCode):
    CALENDAR_NEEDS_DISTRICT = "calendar_needs_district", 400, "a work calendar belongs to a district"
    CALENDAR_YEAR_RANGE = "calendar_year_range", 400, "the year must be between 2000 and 2100"
    NOTICE_UNREADABLE = (
        "notice_unreadable",
        400,
        "the notice text cannot be read completely; the message names the line",
    )
    CALENDAR_NOT_FOUND = "calendar_not_found", 404, "no such district or calendar day in your scope"
    CALENDAR_FORBIDDEN = "calendar_forbidden", 403, "only a superuser publishes the national calendar"
