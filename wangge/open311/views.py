"""GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests (list, one,
file), tokens, and FixMyStreet's servicerequestupdates; `.xml` or `.json` chooses the format.

The views are thin: read the parameters (`params.Params`), find the jurisdiction, call a query
or the filing action, answer through `serializers` and `render`. Every refusal is an Open311
error in the requested format (`errors.Open311Error`); a rule of the platform broken by the
input (`DomainError`) becomes a 400 with our message.
"""

import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from wangge.api import ratelimit
from wangge.api.idempotency import run_idempotent
from wangge.areas.models import AreaNode, Level
from wangge.cases.errors import CaseError
from wangge.cases.models import Case, CaseEvent
from wangge.lib.errors import DomainError
from wangge.lib.geo import CRS_CHOICES, check_coordinates
from wangge.lib.text import is_ascii_number
from wangge.open311 import actions, queries, serializers
from wangge.open311.errors import (
    ERROR_CODE_HEADER,
    Open311Code,
    Open311Error,
    bad_request,
    forbidden,
    format_of,
    not_found,
    respond,
)
from wangge.open311.models import ApiKey, Open311Request
from wangge.open311.params import Params
from wangge.open311.render import FORMATS, render

WINDOW = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000
ATTRIBUTE = re.compile(r"attribute\[([^\[\]]+)\](?:\[\])?")

Answer = tuple[str, Any]  # (XML root element, value)
# A method's result: what to answer, or an answer already made (a filing replayed or stored).
Result = Answer | HttpResponseBase


def _answer(fmt: str, run: Callable[[], Result]) -> HttpResponseBase:
    """Run a method; its result rendered in `fmt`, or its refusal as the specification's error."""
    try:
        result = run()
    except Open311Error as error:
        return respond(fmt, error)
    except DomainError as error:
        retry_after = error.details.get("retry_after")
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return respond(fmt, Open311Error.from_domain(error), **headers)
    if isinstance(result, HttpResponseBase):
        return result
    root, value = result
    return render(fmt, root, value)


def endpoint(*methods: str) -> Callable[..., Callable[..., HttpResponseBase]]:
    """An Open311 method: checks the format and the HTTP method, reads the parameters, turns
    every refusal into the specification's error answer. No CSRF: callers are apps with keys."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorator(view: Callable[..., Result]) -> Callable[..., HttpResponseBase]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: str) -> HttpResponseBase:
            if fmt not in FORMATS:
                return respond("xml", not_found(Open311Code.UNKNOWN_FORMAT, _("Ask for .xml or .json.")))
            if request.method not in allowed:
                refused = bad_request(Open311Code.METHOD_NOT_ALLOWED, _("This method is not allowed here."))
                return respond(fmt, refused, Allow=", ".join(sorted(allowed)))
            return _answer(fmt, lambda: view(request, Params(request), **kwargs))

        return wrapper

    return decorator


@csrf_exempt
def unknown(request: HttpRequest, path: str) -> HttpResponse:
    return respond(
        format_of(path), not_found(Open311Code.NOT_FOUND, _("There is no such Open311 resource; see discovery.xml."))
    )


# --- parameters shared by several methods ---------------------------------------------------------


def _district(params: Params) -> AreaNode:
    return queries.jurisdiction(params.get("jurisdiction_id"))


def _crs(params: Params) -> str:
    """Our extension: lat/long in another system than WGS-84, in and out (GCJ-02 of Chinese map apps)."""
    crs = (params.get("coordinate_system") or params.get("crs") or "wgs84").lower()
    if crs not in CRS_CHOICES:
        raise bad_request(Open311Code.UNKNOWN_COORDINATE_SYSTEM, _("coordinate_system is wgs84, gcj02 or bd09."))
    return crs


def _page(params: Params) -> tuple[int, int]:
    size = params.positive_int("page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    page = params.positive_int("page", 1, MAX_PAGE)
    return (page - 1) * size, page * size


def _window(params: Params, *, required: bool = True) -> tuple[dt.datetime, dt.datetime] | None:
    """start_date / end_date: at most 90 days; one alone spans 90 days from it; neither, the last
    90 days (or no window at all when `required` is false)."""
    given_start, given_end = params.datetime("start_date"), params.datetime("end_date", end=True)
    if given_start is not None:
        start = given_start
        end = given_end if given_end is not None else start + WINDOW
    elif given_end is not None:
        end = given_end
        start = end - WINDOW
    elif required:
        end = timezone.now()
        start = end - WINDOW
    else:
        return None
    if end < start:
        raise bad_request(Open311Code.DATE_RANGE_INVALID, _("end_date lies before start_date."))
    if end - start > WINDOW:
        raise bad_request(Open311Code.DATE_RANGE_TOO_LONG, _("start_date and end_date may not span more than 90 days."))
    return start, end


def _requests(cases: QuerySet[Case], params: Params) -> list[dict[str, Any]]:
    crs, extensions = _crs(params), params.flag("extensions")
    if extensions:
        public = CaseEvent.objects.filter(public=True).order_by("at", "id")
        cases = cases.prefetch_related(Prefetch("events", queryset=public, to_attr="public_events"))
    return [serializers.service_request(case, crs=crs, extensions=extensions) for case in cases]


# --- the methods ----------------------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, params: Params) -> Answer:
    return "discovery", serializers.discovery(request)


@endpoint("GET")
def services(request: HttpRequest, params: Params) -> Answer:
    return "services", [serializers.service(category) for category in queries.services(_district(params))]


@endpoint("GET")
def service_definition(request: HttpRequest, params: Params, code: str) -> Answer:
    category = queries.service(_district(params), code)
    return "service_definition", serializers.service_definition(category, list(category.questions.all()))


@endpoint("GET", "POST")
def requests(request: HttpRequest, params: Params) -> Result:
    if request.method == "POST":
        return _file(request, params)
    district = _district(params)
    cases = queries.with_request_fields(queries.readable_requests(district)).order_by("-created_at", "-id")
    ids = params.comma_list("service_request_id")
    if ids:  # overrides every other filter
        if len(ids) > MAX_PAGE_SIZE:
            raise bad_request(Open311Code.TOO_MANY_IDS, _("Ask for at most 1000 service_request_id at once."))
        return "service_requests", _requests(cases.filter(number__in=ids), params)
    codes = params.comma_list("service_code")
    if codes:
        if queries.unknown_codes(district, codes):
            raise not_found(Open311Code.SERVICE_CODE_NOT_FOUND, _("No service has this service_code."))
        cases = cases.filter(category__code__in=codes)
    statuses = params.comma_list("status")
    if statuses:
        if not set(statuses) <= {"open", "closed"}:
            raise bad_request(Open311Code.STATUS_INVALID, _("status is open, closed, or both separated by a comma."))
        cases = queries.by_status(cases, statuses)
    after, before = params.datetime("updated_after"), params.datetime("updated_before", end=True)
    window = _window(params, required=after is None and before is None)
    if window is not None:
        cases = cases.filter(created_at__gte=window[0], created_at__lte=window[1])
    if after is not None or before is not None:
        if after is not None and before is not None and before < after:
            raise bad_request(Open311Code.DATE_RANGE_INVALID, _("updated_before lies before updated_after."))
        cases = queries.with_updated(cases)
        if after is not None:
            cases = cases.filter(**{"open311_updated__gte": after})
        if before is not None:
            cases = cases.filter(**{"open311_updated__lte": before})
    first, last = _page(params)
    return "service_requests", _requests(cases[first:last], params)


def _location(params: Params, district: AreaNode) -> dict[str, Any]:
    lat, lng = params.number("lat"), params.number("long")
    if (lat is None) != (lng is None):
        raise bad_request(Open311Code.LAT_LONG_TOGETHER, _("Send lat and long together."))
    if lat is not None and lng is not None:
        check_coordinates(lng, lat)
    building = None
    address_id = params.get("address_id")
    if address_id is not None:
        if is_ascii_number(address_id) and len(address_id) < 19:
            building = AreaNode.objects.filter(pk=int(address_id), district=district, level=Level.BUILDING).first()
        if building is None:
            raise bad_request(
                Open311Code.ADDRESS_ID_UNKNOWN, _("No building of this jurisdiction has this address_id.")
            )
    address = params.text("address_string", 300)
    if lat is None and building is None and not address:
        raise bad_request(CaseError.LOCATION_REQUIRED, _("Give the place: lat and long, address_string or address_id."))
    return {"lat": lat, "lng": lng, "crs": _crs(params), "address": address, "building": building}


def _attributes(params: Params) -> dict[str, list[str]]:
    """`attribute[CODE]=v`, and `attribute[CODE][]=v` repeated for multiple choice."""
    attributes: dict[str, list[str]] = {}
    for name in sorted(params.names()):
        match = ATTRIBUTE.fullmatch(name)
        if match:
            attributes.setdefault(match[1], []).extend(params.getlist(name))
    return attributes


def _file(request: HttpRequest, params: Params) -> HttpResponseBase:
    """File a request once per `Idempotency-Key` of the api key (docs/api.md): a retry with the
    same key gets the first answer, refusals included (except 429), and files nothing again."""
    district = _district(params)
    raw_key = params.get("api_key")
    if raw_key is None:
        raise forbidden(Open311Code.API_KEY_REQUIRED, _("An api_key is required to file a request."))
    key = queries.active_key(raw_key)
    if key is None:
        raise forbidden(Open311Code.API_KEY_INVALID, _("This api_key is not valid."))
    if key.district_id != district.pk:
        raise forbidden(Open311Code.API_KEY_WRONG_JURISDICTION, _("This api_key is not valid for this jurisdiction."))
    key.district = district  # the same row, already read
    fmt = format_of(request.path)
    return run_idempotent(
        request,
        owner=f"open311:{key.pk}",
        handler=lambda: _answer(fmt, lambda: _file_with_key(request, params, district, key)),
        keep_headers=(ERROR_CODE_HEADER,),
    )


def _file_with_key(request: HttpRequest, params: Params, district: AreaNode, key: ApiKey) -> Answer:
    ratelimit.check_anonymous_intake(request, api_key=key.pk)  # 429 with Retry-After
    code = params.get("service_code")
    if code is None:
        raise bad_request(Open311Code.SERVICE_CODE_REQUIRED, _("service_code is required."))
    category = queries.service(district, code)
    account_id = params.text("account_id", actions.MAX_ID)
    filed = actions.file_request(
        key,
        category=category,
        description=params.get("description") or "",
        **_location(params, district),
        attributes=_attributes(params),
        first_name=params.text("first_name", actions.MAX_NAME_PART),
        last_name=params.text("last_name", actions.MAX_NAME_PART),
        phone=params.text("phone", 40),
        email=params.text("email", 254),
        device_id=params.text("device_id", actions.MAX_ID),
        account_id=account_id,
        media_url=params.text("media_url", 1000),
        media=params.files,
    )
    return "service_requests", [serializers.filed(filed, account_id)]


@endpoint("GET")
def request_detail(request: HttpRequest, params: Params, request_id: str) -> Answer:
    cases = queries.with_request_fields(queries.readable_requests(_district(params))).filter(number=request_id)
    found = _requests(cases[:1], params)
    if not found:
        raise not_found(Open311Code.SERVICE_REQUEST_NOT_FOUND, _("No service request has this id."))
    return "service_requests", found


@endpoint("GET")
def token(request: HttpRequest, params: Params, token: str) -> Answer:
    district = _district(params)
    filed = Open311Request.objects.select_related("case").filter(token=token, district=district).first()
    if filed is None:
        raise not_found(Open311Code.TOKEN_NOT_FOUND, _("No request has this token."))
    return "service_requests", [serializers.token(filed)]


@endpoint("GET")
def updates(request: HttpRequest, params: Params) -> Answer:
    """FixMyStreet's extension: the public updates of readable requests between two dates."""
    district = _district(params)
    start, end = _window(params)  # type: ignore[misc]
    events = queries.public_updates(district).filter(at__gte=start, at__lte=end)
    first, last = _page(params)
    return "service_request_updates", [serializers.update(event) for event in events[first:last]]
