"""REST endpoints of the dashboard: the six headline figures of an area and period, and the
records behind each. Readers: district administrators, community staff and supervisors over
their areas (`queries.area_for`); any other area answers 404 `not_found`."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from wangge.accounts.models import User
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import errors
from wangge.areas.models import AreaNode
from wangge.dashboard import headline, records
from wangge.dashboard.errors import DashboardError
from wangge.dashboard.periods import Period, period
from wangge.dashboard.queries import area_for
from wangge.dashboard.schemas import DashboardHeadlineOut, DashboardPeriodIn, DashboardRecordsIn, DashboardRecordsOut
from wangge.lib.errors import DomainError

router = Router(tags=["dashboard"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _asked(request: HttpRequest, query: DashboardPeriodIn) -> tuple[AreaNode, Period]:
    asked = period(query.year, query.quarter, query.month)
    return area_for(_user(request), query.area), asked


def _area_out(area: AreaNode) -> dict[str, Any]:
    return {"id": area.pk, "name": area.name, "level": area.level}


@router.get("/headline", response={200: DashboardHeadlineOut, **errors(400, 404)}, summary="The headline figures")
@answers(ApiError.NOT_FOUND, DashboardError.DASHBOARD_PERIOD_INVALID)
def get_headline(request: HttpRequest, query: Query[DashboardPeriodIn]) -> Any:
    """The six headline figures of the area for the period (a year, a quarter or a month), each
    with its definition, the same period a year earlier and the change in percent; a figure whose
    records do not exist has `value` null and a `reason`. Read live from the records."""
    area, asked = _asked(request, query)
    return {
        "area": _area_out(area),
        "period": {"label": asked.label, "first": asked.first, "last": asked.last},
        "figures": [f.as_dict() for f in headline.headline(area, asked)],
    }


@router.get(
    "/figures/{key}/records",
    response={200: DashboardRecordsOut, **errors(400, 404)},
    summary="The records behind a figure",
)
@answers(ApiError.NOT_FOUND, DashboardError.DASHBOARD_PERIOD_INVALID, DashboardError.FIGURE_UNKNOWN)
def get_records(request: HttpRequest, key: str, query: Query[DashboardRecordsIn]) -> Any:
    """The records a headline figure counted in the area and period, paged; `count` equals the
    figure's `count`."""
    if key not in headline.DEFINITIONS:
        raise DomainError(DashboardError.FIGURE_UNKNOWN, _("No headline figure has this key."))
    area, asked = _asked(request, query)
    total, rows = records.page(key, area, asked, query.offset, query.limit)
    return {"key": key, "count": total, "items": [row.as_dict() for row in rows]}


register_router("/dashboard", router)
