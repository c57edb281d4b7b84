"""Reading an Open311 call's parameters: strictly UTF-8, an empty parameter the same as an absent
one, unknown parameters ignored, a wrong content type or invalid UTF-8 turned into a 400 error.
What every request of the site gets at its edge comes first (`wangge.web.edge`): a body too big
(413), too many fields, a malformed multipart body, control characters (400), all in this
format; bidirectional controls already removed from the values.

A POST takes its parameters from the body (`application/x-www-form-urlencoded`, or
`multipart/form-data` with `media` files as the v2.1 draft has it); a parameter missing from
the body is looked up in the query string, where some clients put `api_key` and
`jurisdiction_id`.
"""

import datetime as dt
import math
import re
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from wangge.lib.text import is_ascii_number
from wangge.open311.errors import Open311Code, bad_request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Dates far outside any request's life; at the ends of the calendar a window of 90 days, or
# the conversion to UTC, would leave the years Python and the databases can hold.
FIRST_YEAR, LAST_YEAR = 1900, 9998
_W3C_ZONE = re.compile(r"Z|[+-](0[0-9]|1[0-4]):[0-5][0-9]", re.ASCII)  # real zones: within ±14 hours
_W3C = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?)?)?",
    re.ASCII,
)


def _strict_utf8(raw: bytes) -> None:
    """Refuse bytes (a query string or a form body) that are not UTF-8, raw or percent-encoded."""
    try:
        parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        )
    except UnicodeDecodeError:
        raise bad_request(Open311Code.INVALID_UTF8, _("The request is not valid UTF-8.")) from None
    except ValueError:  # more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS
        raise bad_request(Open311Code.TOO_MANY_FIELDS, _("The request has too many parameters.")) from None


class Params:
    def __init__(self, request: HttpRequest) -> None:
        self.query: QueryDict = QueryDict()
        self.body: QueryDict = QueryDict()
        self.files: list[UploadedFile] = []
        _strict_utf8(request.META.get("QUERY_STRING", "").encode("latin-1", "replace"))
        self.query = request.GET
        if request.method == "POST":
            self._read_body(request)

    def _read_body(self, request: HttpRequest) -> None:
        if request.content_type not in FORM_TYPES:
            raise bad_request(
                Open311Code.UNSUPPORTED_CONTENT_TYPE,
                _("Send the request as application/x-www-form-urlencoded or multipart/form-data."),
            )
        # The edge read the form as UTF-8 whatever charset it declares (the specification:
        # everything a client sends is UTF-8), and answered a body it could not read.
        if request.content_type == "application/x-www-form-urlencoded":
            _strict_utf8(request.body)
        body = request.POST
        files = request.FILES
        # The multipart parser replaces bytes that are not UTF-8 with U+FFFD instead of failing.
        if any("\ufffd" in key or any("\ufffd" in v for v in values) for key, values in body.lists()):
            raise bad_request(Open311Code.INVALID_UTF8, _("The request is not valid UTF-8."))
        self.body = body
        self.files = files.getlist("media") + files.getlist("media[]")

    def _source(self, name: str) -> QueryDict:
        return self.body if name in self.body else self.query

    def get(self, name: str) -> str | None:
        """The parameter's (last) value, stripped; None when absent or empty."""
        value = (self._source(name).get(name) or "").strip()
        return value or None

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for v in self._source(name).getlist(name) if v.strip()]

    def names(self) -> set[str]:
        return set(self.body) | set(self.query)

    def text(self, name: str, max_length: int) -> str:
        value = self.get(name) or ""
        if len(value) > max_length:
            raise bad_request(
                Open311Code.PARAMETER_TOO_LONG,
                _("The parameter %(name)s is too long: at most %(max)d characters.")
                % {"name": name, "max": max_length},
            )
        return value

    def comma_list(self, name: str) -> list[str]:
        """`a,b` and repeated parameters alike, empty items dropped, order kept."""
        items = [item.strip() for value in self.getlist(name) for item in value.split(",")]
        return list(dict.fromkeys(item for item in items if item))

    def number(self, name: str) -> float | None:
        value = self.get(name)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise bad_request(Open311Code.NOT_A_NUMBER, _("The parameter %(name)s must be a number.") % {"name": name})
        return number

    def positive_int(self, name: str, default: int, maximum: int) -> int:
        value = self.get(name)
        if value is None:
            return default
        if not is_ascii_number(value) or int(value) < 1:
            raise bad_request(
                Open311Code.NOT_A_POSITIVE_INTEGER,
                _("The parameter %(name)s must be a positive integer.") % {"name": name},
            )
        return min(int(value), maximum)

    def flag(self, name: str) -> bool:
        return (self.get(name) or "").lower() in {"true", "1", "yes"}

    def datetime(self, name: str, *, end: bool = False) -> dt.datetime | None:
        value = self.get(name)
        return None if value is None else parse_w3c(value, name, end=end)


def parse_w3c(value: str, name: str, *, end: bool = False) -> dt.datetime:
    """A W3C date-time (the NOTE-datetime profile of ISO 8601), with its time zone when it has a
    time. A date alone (`2026`, `2026-11`, `2026-11-27`) is that period in the platform's time
    zone: its first instant, or its last with `end` (so `end_date=2026-11-27` takes the day).
    A `+` left unencoded in a query string arrives as a space and is read as `+`."""
    match = _W3C.fullmatch(value.replace(" ", "+"))
    error = bad_request(
        Open311Code.INVALID_DATETIME,
        _("The parameter %(name)s must be a W3C date-time with a time zone, e.g. 2026-11-27T09:30:00+08:00.")
        % {"name": name},
    )
    if match is None:
        raise error
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone is not None and not _W3C_ZONE.fullmatch(zone):  # PostgreSQL refuses past ±15:59 (a 500)
        raise error
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise bad_request(
            Open311Code.INVALID_DATETIME,
            _("The parameter %(name)s must be a date between the years %(first)d and %(last)d.")
            % {"name": name, "first": FIRST_YEAR, "last": LAST_YEAR},
        )
    try:
        if hour is None:
            local = ZoneInfo(settings.TIME_ZONE)
            start = dt.datetime(int(year), int(month or 1), int(day or 1), tzinfo=local)
            if not end:
                return start
            if day:
                following = start + dt.timedelta(days=1)
            elif month:
                following = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
            else:
                following = start.replace(year=start.year + 1)
            return following - dt.timedelta(microseconds=1)
        tz = dt.UTC if zone == "Z" else dt.datetime.strptime(zone.replace(":", ""), "%z").tzinfo
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=tz,
        )
    except (ValueError, OverflowError):
        raise error from None
