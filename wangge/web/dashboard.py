"""数据看板: the headline figures of an area and period with their definitions, the year before
and the change, each linked to the records it counted; the operations figures; monthly trends
and a map of grids coloured by a chosen figure (ECharts, vendored); the big screen for the
command centre; the dashboard as an xlsx file (audited).

Thin views over `wangge.dashboard`: an area the user does not read answers 404
(`dashboard.queries.area_for`).
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from weasyprint import HTML

from wangge.accounts.audit import client_ip, record
from wangge.accounts.models import AuditAction, User
from wangge.areas.models import AreaNode, Level
from wangge.dashboard import headline, records
from wangge.dashboard.operations import grid_values, operations
from wangge.dashboard.periods import Period, period
from wangge.dashboard.queries import area_for, dashboard_areas
from wangge.lib.errors import DomainError
from wangge.lib.replicas import replica_view
from wangge.lib.text import is_ascii_number
from wangge.lib.xlsx import Workbook
from wangge.web import pages
from wangge.web.views import page_for

RECORDS_PER_PAGE = 50
# Records per figure written to the xlsx file (the figure's count says how many there are).
EXPORT_ROWS = 10_000
TREND_KEYS = ("issues_resolved", "petitions", "satisfaction")
MAP_FIGURES = {
    "overdue": gettext_lazy("Open overdue cases"),
    "closed": gettext_lazy("Cases closed off"),
    "on_time_rate": gettext_lazy("On-time rate (%)"),
    "patrols": gettext_lazy("Patrols done of those owed (%)"),
    "gaps": gettext_lazy("Coverage gaps"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _number(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    if not is_ascii_number(raw) or len(raw) > 18:
        raise Http404
    return int(raw)


def _asked(request: HttpRequest) -> tuple[AreaNode, Period]:
    try:
        asked = period(_number(request, "year"), _number(request, "quarter"), _number(request, "month"))
    except DomainError as error:
        raise Http404 from error
    return area_for(_user(request), _number(request, "area")), asked


def _query(area: AreaNode, asked: Period) -> str:
    text = f"area={area.pk}&year={asked.year}"
    if asked.quarter:
        text += f"&quarter={asked.quarter}"
    if asked.month:
        text += f"&month={asked.month}"
    return text


def _map(area: AreaNode, values: dict[str, dict[int, Any]]) -> dict[str, Any]:
    grids = AreaNode.objects.filter(**{f"{area.level}_id": area.pk}, level=Level.GRID)
    features = pages.grid_features(grids, "wgs84", with_urls=False)
    return {
        "geojson": {"type": "FeatureCollection", "features": features},
        "names": {f["properties"]["id"]: f["properties"]["name"] for f in features},
        "values": {key: {str(k): v for k, v in found.items()} for key, found in values.items()},
        "labels": {key: str(label) for key, label in MAP_FIGURES.items()},
    }


def _trends(area: AreaNode, asked: Period) -> dict[str, Any]:
    year = Period(asked.year)
    return {
        "months": [m.label for m in year.months()],
        "series": [
            {
                "key": key,
                "name": str(headline.DEFINITIONS[key].label),
                "values": [v for _m, v in headline.trend(key, area, year)],
            }
            for key in TREND_KEYS
        ],
    }


def _context(request: HttpRequest) -> dict[str, Any]:
    area, asked = _asked(request)
    user = _user(request)
    figures = headline.headline(area, asked)
    ops = operations(user, area, asked)
    return {
        "area": area,
        "areas": list(dashboard_areas(user).filter(level__in=[Level.DISTRICT, Level.COMMUNITY])[:100]),
        "asked": asked,
        "query": _query(area, asked),
        "figures": figures,
        "ops": ops,
        "as_of": timezone.now(),
        "dashboard_data": {"map": _map(area, grid_values(ops)), "trends": _trends(area, asked), "colour_by": "overdue"},
    }


@require_GET
@page_for("dashboard")
@replica_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """The area's figures for the period (`?area=&year=&quarter=|month=`)."""
    context = _context(request)
    context["map_figures"] = list(MAP_FIGURES.items())
    return render(request, "web/dashboard/page.html", context)


@require_GET
@page_for("dashboard")
@replica_view
def screen(request: HttpRequest) -> HttpResponse:
    """The big screen (大屏, 1920 × 1080, dark): the same figures, refreshing itself."""
    return render(request, "web/dashboard/screen.html", _context(request))


@require_GET
@page_for("dashboard")
@replica_view
def figure_records(request: HttpRequest, key: str) -> HttpResponse:
    """The records a headline figure counted, paged; their number equals the figure's count."""
    if key not in headline.DEFINITIONS:
        raise Http404
    area, asked = _asked(request)
    number = max(_number(request, "page") or 1, 1)
    offset = (number - 1) * RECORDS_PER_PAGE
    total, rows = records.page(key, area, asked, offset, RECORDS_PER_PAGE)
    context = {
        "area": area,
        "asked": asked,
        "query": _query(area, asked),
        "definition": headline.DEFINITIONS[key],
        "key": key,
        "total": total,
        "rows": rows,
        "number": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if offset + RECORDS_PER_PAGE < total else None,
    }
    return render(request, "web/dashboard/records.html", context)


def _value(value: float | None) -> float | str:
    return value if value is not None else ""


@require_GET
@page_for("dashboard")
@replica_view
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    """The dashboard as a spreadsheet: the figures, then a sheet of records per figure (no
    personal data). The export is audited."""
    area, asked = _asked(request)
    user = _user(request)
    figures = headline.headline(area, asked)
    book = Workbook()
    summary = book.sheet(_("Figures"))
    summary.cell(0, 0, f"{area.name} · {asked.label}", book.bold)
    summary.row(1, [_("Generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    header = [
        _("Figure"),
        _("Value"),
        _("Unit"),
        _("Same period a year earlier"),
        _("Change (%)"),
        _("Records"),
        _("Definition"),
    ]
    summary.widths([24, 10, 8, 14, 10, 10, 80])
    summary.row(3, header, book.header)
    for r, figure in enumerate(figures, start=4):
        summary.row(
            r,
            [
                figure.label,
                _value(figure.value),
                figure.unit,
                _value(figure.previous),
                _value(figure.change),
                figure.count,
                figure.definition or figure.reason,
            ],
        )
    exported = {}
    for figure in figures:
        _total, rows = records.page(figure.key, area, asked, 0, EXPORT_ROWS)
        exported[figure.key] = len(rows)
        book.sheet(figure.label).table(
            [_("Kind"), _("Id"), _("When"), _("Reference"), _("Detail"), _("Community"), _("Grid")],
            [[r.kind, r.id, r.as_dict()["at"] or "", r.reference, r.detail, r.community, r.grid] for r in rows],
            [10, 8, 22, 24, 30, 16, 18],
            style=book.header,
        )
    content = book.close()
    record(
        user,
        AuditAction.EXPORTED,
        obj=area,
        district_id=area.district_id or area.pk,
        ip_address=client_ip(request),
        detail={"export": "dashboard", "format": "xlsx", "area": area.pk, "period": asked.label, "rows": exported},
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="wangge-dashboard-{asked.label}.xlsx"'
    return response


@require_GET
@page_for("dashboard")
@replica_view
def dashboard_pdf(request: HttpRequest) -> HttpResponse:
    """The period's report as a PDF (WeasyPrint over a Django template; the Chinese font, Noto
    Sans CJK, embedded), as a district sends it upward. The export is audited."""
    area, asked = _asked(request)
    user = _user(request)
    context = {
        "area": area,
        "asked": asked,
        "figures": headline.headline(area, asked),
        "ops": operations(user, area, asked),
        "as_of": timezone.now(),
    }
    html = render_to_string("web/dashboard/report.html", context, request=request)
    content = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    record(
        user,
        AuditAction.EXPORTED,
        obj=area,
        district_id=area.district_id or area.pk,
        ip_address=client_ip(request),
        detail={"export": "dashboard", "format": "pdf", "area": area.pk, "period": asked.label},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="wangge-report-{asked.label}.pdf"'
    return response
